"""PNG preview of a ticket."""

from __future__ import annotations

import io

import pytest
import qrcode
from PIL import Image, ImageChops

from printer import Qr, Text, layout_ticket, render_png

from .tickets import TRACKING_URL, make_ticket

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


@pytest.mark.parametrize("width_px", [384, 576])
def test_preview_is_a_png_exactly_as_wide_as_the_paper(width_px):
    png = render_png(layout_ticket(make_ticket(priority_text="PRIORITAIRE")), width_px=width_px)

    assert png.startswith(PNG_SIGNATURE)
    image = decode(png)
    assert image.format == "PNG"
    assert image.width == width_px
    assert image.height > width_px  # a ticket is taller than wide


def test_preview_draws_the_qr_code_pixel_for_pixel():
    image = decode(render_png([Qr(TRACKING_URL, size=4)])).convert("L")

    reference = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, box_size=4)
    reference.add_data(TRACKING_URL)
    expected = reference.make_image().get_image().convert("L")
    left, top = (image.width - expected.width) // 2, (image.height - expected.height) // 2
    drawn = image.crop((left, top, left + expected.width, top + expected.height))
    assert ImageChops.difference(drawn, expected).getbbox() is None


def test_preview_draws_text_and_a_longer_text_covers_more_ink():
    def ink(text: str) -> int:
        image = decode(render_png([Text(text)])).convert("L")
        return image.point(lambda v: 255 if v < 128 else 0).histogram()[255]

    assert 0 < ink("A") < ink("AAAA")


def test_preview_of_text_wider_than_the_paper_still_fits_the_width():
    image = decode(render_png([Text("W" * 120, size=(2, 2))], width_px=384))

    assert image.width == 384
