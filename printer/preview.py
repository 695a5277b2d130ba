"""PNG preview of layout blocks (Pillow), for the virtual printer and the admin page.

It draws the same blocks as the ESC/POS renderer, with a monospaced font scaled so that the longest
normal-size line spans the paper like on the printer, the QR code at its module size in pixels, and a
dashed line where the paper is cut. The default width, 384 px, is 48 mm of print at 203 dpi (58 mm roll).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from .layout import Block, Cut, Feed, Qr, Text

_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
_MARGIN = 8
_MIN_COLUMNS = 32  # a 58 mm printer's line in font A
_MONO_ADVANCE = 0.602  # DejaVu Sans Mono advance width, in em

FontType = ImageFont.FreeTypeFont | ImageFont.ImageFont


class _Fonts:
    """Fonts of one rendering; never shared between threads, since FreeType faces are not thread-safe."""

    def __init__(self) -> None:
        self._cache: dict[tuple[int, bool], FontType] = {}

    def get(self, size: int, bold: bool) -> FontType:
        key = (size, bold)
        if key not in self._cache:
            self._cache[key] = self._load(size, bold)
        return self._cache[key]

    @staticmethod
    def _load(size: int, bold: bool) -> FontType:
        name = "DejaVuSansMono-Bold.ttf" if bold else "DejaVuSansMono.ttf"
        for folder in _FONT_DIRS:
            if (folder / name).exists():
                return ImageFont.truetype(str(folder / name), size)
        return ImageFont.load_default(size)


def _text_image(block: Text, fonts: _Fonts, base_size: int, width_px: int) -> Image.Image:
    w, h = block.size
    font = fonts.get(base_size * h, block.bold)
    left, top, right, bottom = font.getbbox(block.text or " ")
    line_height = int(base_size * h * 1.25)
    image = Image.new("L", (max(int(right), 1), line_height), 255)
    ImageDraw.Draw(image).text((0, (line_height - int(bottom + top)) // 2), block.text, font=font, fill=0)
    if w != h:  # emulate the printer's independent width and height multipliers
        image = image.resize((max(1, image.width * w // h), image.height))
    if image.width > width_px - 2 * _MARGIN:
        ratio = (width_px - 2 * _MARGIN) / image.width
        image = image.resize((width_px - 2 * _MARGIN, max(1, int(image.height * ratio))))
    return image


def _qr_image(block: Qr, width_px: int) -> Image.Image:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(block.data)
    code.make(fit=True)
    modules = code.modules_count + 2 * code.border
    code.box_size = max(1, min(block.size, width_px // modules))
    image: Image.Image = code.make_image().get_image()
    return image.convert("L")


def _cut_image(width_px: int, height: int) -> Image.Image:
    image = Image.new("L", (width_px, height), 255)
    draw = ImageDraw.Draw(image)
    for x in range(0, width_px, 12):
        draw.line([(x, height // 2), (x + 6, height // 2)], fill=128, width=1)
    return image


def render_png(blocks: Iterable[Block], width_px: int = 384) -> bytes:
    """Draw the blocks as the printer would print them and return PNG bytes of exactly width_px."""
    blocks = list(blocks)
    columns = max([len(b.text) * b.size[0] for b in blocks if isinstance(b, Text)] + [_MIN_COLUMNS])
    base_size = max(8, int((width_px - 2 * _MARGIN) / columns / _MONO_ADVANCE))
    line_height = int(base_size * 1.25)
    fonts = _Fonts()

    pieces: list[tuple[Image.Image, str]] = []
    for block in blocks:
        if isinstance(block, Text):
            pieces.append((_text_image(block, fonts, base_size, width_px), block.align))
        elif isinstance(block, Qr):
            pieces.append((_qr_image(block, width_px), "center"))
        elif isinstance(block, Feed):
            pieces.append((Image.new("L", (1, line_height * block.n), 255), "left"))
        elif isinstance(block, Cut):
            pieces.append((_cut_image(width_px, line_height * 2), "left"))

    page = Image.new("L", (width_px, _MARGIN + sum(p.height for p, _ in pieces) + _MARGIN), 255)
    y = _MARGIN
    for piece, align in pieces:
        if align == "center" or piece.width >= width_px:
            x = (width_px - piece.width) // 2
        elif align == "right":
            x = width_px - _MARGIN - piece.width
        else:
            x = _MARGIN if piece.width < width_px else 0
        page.paste(piece, (max(x, 0), y))
        y += piece.height
    out = io.BytesIO()
    page.save(out, format="PNG", optimize=True)
    return out.getvalue()
