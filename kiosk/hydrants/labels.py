"""QR labels for hydrants and pools: SVG (for the print sheet and cutters), PNG (for anything else).

The symbol encodes ``HTTPS://HOST/H/CODE`` in upper case (alphanumeric mode: a small, robust
symbol), with error correction level Q (a label outdoors gets scratched and dirty) and a quiet
zone of 4 modules, the minimum the standard asks for. The code is printed under it for people.
"""
from __future__ import annotations

import io
from xml.sax.saxutils import escape

from flask_babel import gettext as _

from ..qr import make_qr, qr_path


def label_svg(asset, url: str, village_name: str) -> str:
    """A stand-alone label (60 × 80 mm): kind, symbol, code, village, one line of instructions."""
    size, path = qr_path(url)
    title = str(asset.title)
    hint = _("Scan to see its status or report a problem")
    # 60 mm wide; the symbol takes 52 mm, text lines below in mm units
    scale = 52 / size
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="60mm" height="84mm" viewBox="0 0 60 84">
  <rect width="60" height="84" fill="#fff"/>
  <rect x="0" y="0" width="60" height="10" fill="#b91c1c"/>
  <text x="30" y="7.2" font-size="5.5" font-weight="700" text-anchor="middle" fill="#fff"
        font-family="Noto Sans CJK SC, sans-serif">{escape(title)} · {escape(_("Fire: call 119"))}</text>
  <g transform="translate(4 11) scale({scale:.5f})" shape-rendering="crispEdges"><path d="{path}" fill="#000"/></g>
  <text x="30" y="70" font-size="9" font-weight="700" text-anchor="middle" letter-spacing="1"
        font-family="DejaVu Sans Mono, monospace">{escape(asset.code)}</text>
  <text x="30" y="76.5" font-size="3.6" text-anchor="middle"
        font-family="Noto Sans CJK SC, sans-serif">{escape(village_name)}</text>
  <text x="30" y="81.5" font-size="3.2" text-anchor="middle"
        font-family="Noto Sans CJK SC, sans-serif">{escape(hint)}</text>
</svg>
"""


def _font(size: int):
    from PIL import ImageFont
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType: the small bitmap font still prints the code
        return ImageFont.load_default()


def label_png(code: str, url: str) -> bytes:
    """The symbol at 10 px per module with the human-readable code under it."""
    from PIL import Image, ImageDraw  # when a label is printed, not with every page (memory on a Raspberry Pi)
    symbol = make_qr(url).make_image(fill_color="black", back_color="white").get_image().convert("L")
    width = symbol.width
    text_height = 90
    image = Image.new("L", (width, symbol.height + text_height), 255)
    image.paste(symbol, (0, 0))
    draw = ImageDraw.Draw(image)
    font = _font(64)
    box = draw.textbbox((0, 0), code, font=font)
    draw.text(((width - (box[2] - box[0])) / 2 - box[0], symbol.height - 10), code, fill=0, font=font)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
