"""ESC/POS rendering of layout blocks through python-escpos (a Dummy printer collects the bytes).

Text is printed with native commands (GS ! size, ESC E bold, ESC a alignment) in one code page chosen
explicitly and selected with ESC t n right after ESC @ (ESC @ resets the printer to page 0, and
python-escpos does not know that, so the order matters). The page is the first of CODE_PAGES the
printer profile lists: CP858 (Western European DOS page with the euro sign; all French letters but
œ/Œ), the long-standing euro page of ESC/POS printers, listed by 28 of the 35 python-escpos profiles,
at slot 19 on Epson, 53 on many Chinese clones, 4 on Star: the slot number always comes from the
profile, never from a constant.

Characters the page lacks are transliterated (’ → ', œ → oe, € → EUR on pages without the euro,
accented letters of other languages → base letter) or else replaced by "?", never raising.
Limitation: Arabic and other right-to-left scripts cannot be printed this way (no shaping, no bidi
on the printer); layout_ticket() therefore prints only the number, the QR code and Latin lines for
rtl tickets, and any Arabic that still reaches this module comes out as "?".

The QR code uses the printer's own QR command (GS ( k) when the profile supports it: about 100 bytes
instead of several kilobytes of raster image. Other profiles get a raster image (GS v 0).
"""

from __future__ import annotations

import struct
import unicodedata
from collections.abc import Iterable
from typing import NamedTuple

import qrcode
from escpos.constants import QR_ECLEVEL_M
from escpos.image import EscposImage
from escpos.printer import Dummy

from .layout import Block, Cut, Feed, Qr, Text

GS_V0_NORMAL = b"\x1dv0\x00"  # raster bit image, normal density

# Preferred code pages, best first: all need é è à ç ô; the first three also have €.
CODE_PAGES = ("CP858", "CP1252", "ISO_8859-15", "CP850", "CP437")

_TRANSLITERATIONS = {
    "\u2019": "'",
    "\u2018": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "\u202f": " ",  # narrow no-break space, used before ":" in French typography
    "\u2009": " ",
    "\u00a0": " ",
    "œ": "oe",
    "Œ": "OE",
    "€": "EUR",
    "«": '"',
    "»": '"',
}


class _Style(NamedTuple):
    size: tuple[int, int] | None
    bold: bool | None
    align: str | None


def choose_code_page(printer: Dummy) -> str:
    """Return the first preferred code page the profile knows; falls back to the profile's first page."""
    pages = printer.profile.get_code_pages()
    for name in CODE_PAGES:
        if name in pages:
            return name
    return str(next(iter(pages)))


def printable_text(printer: Dummy, code_page: str, text: str) -> str:
    """Map text onto what the code page can print: control characters removed, the rest transliterated."""
    encoder = printer.magic.encoder
    out: list[str] = []
    for ch in text:
        if ch < " " or ch == "\x7f":
            out.append(" ")  # never let caller text inject printer commands
        elif encoder.can_encode(code_page, ch):
            out.append(ch)
        elif ch in _TRANSLITERATIONS and all(encoder.can_encode(code_page, c) for c in _TRANSLITERATIONS[ch]):
            out.append(_TRANSLITERATIONS[ch])
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
            ok = base and all(encoder.can_encode(code_page, c) for c in base)
            out.append(base if ok else "?")
    return "".join(out)


def _media_width_px(printer: Dummy, default: int = 384) -> int:
    try:
        return int(printer.profile.profile_data["media"]["width"]["pixels"])
    except (KeyError, TypeError, ValueError):
        return default


def _raster_qr(printer: Dummy, block: Qr) -> None:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(block.data)
    code.make(fit=True)
    modules = code.modules_count + 2 * code.border
    # python-escpos refuses images wider than the profile's paper; shrink the modules rather than fail.
    code.box_size = max(1, min(block.size, _media_width_px(printer) // modules))
    raster = EscposImage(code.make_image().get_image())
    # GS v 0 written directly: Escpos.image() prints a warning on stdout for profiles of unknown width.
    header = GS_V0_NORMAL + struct.pack("<HH", raster.width_bytes, raster.height)
    printer._raw(header + raster.to_raster_format())


def render_escpos(blocks: Iterable[Block], profile: str = "default") -> bytes:
    """Render blocks to ESC/POS bytes for a python-escpos profile: native text, fixed code page, QR, cut."""
    p = Dummy(profile=profile)
    p.hw("INIT")
    code_page = choose_code_page(p)
    p.charcode(code_page)  # emits ESC t n now and stops python-escpos from switching pages on its own
    native_qr = p.profile.supports("qrCode")
    # Only what changes is sent: about 400 bytes per ticket instead of a full style reset per line.
    current = _Style(size=None, bold=None, align=None)

    def style(wanted: _Style) -> None:
        nonlocal current
        if wanted.size is not None and wanted.size != current.size:
            p.set(custom_size=True, width=wanted.size[0], height=wanted.size[1])
        p.set(
            bold=wanted.bold if wanted.bold is not None and wanted.bold != current.bold else None,
            align=wanted.align if wanted.align is not None and wanted.align != current.align else None,
        )
        current = _Style(
            size=wanted.size or current.size,
            bold=current.bold if wanted.bold is None else wanted.bold,
            align=wanted.align or current.align,
        )

    for block in blocks:
        if isinstance(block, Text):
            style(_Style(size=block.size, bold=block.bold, align=block.align))
            p.textln(printable_text(p, code_page, block.text))
        elif isinstance(block, Qr):
            style(
                _Style(size=None, bold=None, align="center")
            )  # ESC a also positions QR symbols and raster images
            if native_qr:
                p.qr(block.data, ec=QR_ECLEVEL_M, size=block.size, native=True)
            else:
                _raster_qr(p, block)
        elif isinstance(block, Feed):
            p.ln(block.n)
        elif isinstance(block, Cut):
            p.cut()  # feeds the paper past the cutter first (ESC d 6), then GS V 0
    return bytes(p.output)
