"""Ticket layout: turns a TicketPrint into an ordered list of device-neutral blocks.

Pure (standard library only): both the ESC/POS renderer and the PNG preview consume the same blocks,
so the preview shows what the printer prints. Each Text block is one printed line, already wrapped to
the line width, so renderers never wrap.

Right-to-left tickets (rtl=True, e.g. Arabic): thermal printers print from a single-byte code page
and cannot shape or reorder Arabic, so the layout keeps only the lines written in a left-to-right
script (usually the site name and the date), the number, the QR code (which opens the tracking page
in the visitor's language) and one Latin fallback line (`latin_fallback`, else the tracking URL).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Literal

Align = Literal["left", "center", "right"]

QR_MODULE_DOTS = 6  # 0.75 mm modules at 203 dpi: phones read them easily on thermal paper


@dataclass(frozen=True)
class TicketPrint:
    site_name: str
    number: str
    service_label: str
    issued_at: str
    position_text: str
    wait_text: str
    tracking_url: str
    qr_caption: str
    privacy_text: str
    priority_text: str | None = None
    footer: str | None = None
    rtl: bool = False
    # Printed on rtl tickets in place of the right-to-left lines, e.g. the French service label.
    latin_fallback: str | None = None


@dataclass(frozen=True)
class Text:
    text: str
    size: tuple[int, int] = (1, 1)  # (width, height) multipliers, 1..8
    bold: bool = False
    align: Align = "center"


@dataclass(frozen=True)
class Qr:
    data: str
    size: int = QR_MODULE_DOTS  # module size in printer dots


@dataclass(frozen=True)
class Feed:
    n: int = 1


@dataclass(frozen=True)
class Cut:
    pass


Block = Text | Qr | Feed | Cut


def is_rtl_script(text: str) -> bool:
    """True when the text holds Hebrew, Arabic, Syriac or Thaana letters, which code pages cannot print."""
    return any(
        "\u0590" <= ch <= "\u08ff" or "\ufb1d" <= ch <= "\ufdff" or "\ufe70" <= ch <= "\ufeff" for ch in text
    )


def wrap_line(text: str, columns: int) -> list[str]:
    """Wrap one paragraph to `columns` characters; words longer than a line are split, never overflow."""
    text = " ".join(text.split())
    if not text:
        return []
    return textwrap.wrap(text, width=max(columns, 1), break_long_words=True, break_on_hyphens=True)


def layout_ticket(t: TicketPrint, width_chars: int = 42) -> list[Block]:
    """Lay out a ticket top to bottom: site, priority, number, service, time, wait, QR, privacy, cut."""
    blocks: list[Block] = []

    def add(text: str | None, size: tuple[int, int] = (1, 1), bold: bool = False) -> None:
        if not text or (t.rtl and is_rtl_script(text)):
            return
        for line in wrap_line(text, width_chars // size[0]):
            blocks.append(Text(line, size=size, bold=bold))

    add(t.site_name, bold=True)
    blocks.append(Feed(1))
    add(t.priority_text, size=(2, 1), bold=True)
    add(t.number, size=(2, 2), bold=True)
    add(t.service_label, bold=True)
    add(t.issued_at)
    blocks.append(Feed(1))
    add(t.position_text)
    add(t.wait_text)
    blocks.append(Feed(1))
    blocks.append(Qr(t.tracking_url))
    add(t.qr_caption)
    if t.rtl:
        add(t.latin_fallback or t.tracking_url)
    blocks.append(Feed(1))
    add(t.privacy_text)
    add(t.footer)
    blocks.append(Cut())
    return blocks
