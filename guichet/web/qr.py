"""QR codes drawn on the server as inline SVG: no image file, no network, no script."""

from __future__ import annotations

import qrcode
from qrcode.image.svg import SvgPathImage


def qr_svg(data: str) -> str:
    """An inline SVG QR code (on-screen tickets, appointment codes, enrolment links)."""
    image = qrcode.make(data, image_factory=SvgPathImage, box_size=10, border=2)
    return image.to_string(encoding="unicode")
