"""QR symbols and the public addresses they encode, shared by hydrant labels, the pact poster and
enrolment codes.

Addresses are upper case throughout (``HTTPS://HOST/H/CODE``), so the symbol uses alphanumeric mode
and stays small; every public route answers both cases (docs/pitfalls.md). Symbols come from qrcode's
path-based SVG factory, the one that survives being inlined in HTML, with error correction Q (labels
get scratched outdoors) and a quiet zone of 4 modules.
"""
from __future__ import annotations

import re
import typing
from functools import lru_cache
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from flask import current_app, request
from markupsafe import Markup

from . import registry

if typing.TYPE_CHECKING:
    import qrcode

QUIET_ZONE = 4


def _known_public_address() -> str:
    """PUBLIC_URL when set, else the township server this kiosk was enrolled with; "" when neither."""
    configured = (current_app.config.get("PUBLIC_URL") or "").strip()
    if configured:
        return configured
    enrolled = registry.get().enrolled_server
    return ((enrolled() if enrolled else None) or "").strip()


def has_public_address() -> bool:
    """Whether labels point somewhere residents' phones can reach (else to the address of this request,
    which on a kiosk is the kiosk itself)."""
    return bool(_known_public_address())


def public_base() -> tuple[str, str]:
    """(SCHEME, HOST[/PATH]) of the public host: PUBLIC_URL's, else the enrolled township server's
    (a kiosk prints labels at http://localhost, which no phone reaches), else the address this request
    came to (the township itself)."""
    known = _known_public_address()
    if known:
        parts = urlsplit(known if "//" in known else f"https://{known}")
        scheme = "HTTP" if parts.scheme.lower() == "http" else "HTTPS"
        return scheme, (parts.netloc + parts.path.rstrip("/")).upper()
    return request.scheme.upper(), request.host.upper()


def public_url(path: str) -> str:
    """An upper-case URL on the public host, e.g. ``public_url("H/K7M2QX")``."""
    scheme, host = public_base()
    return f"{scheme}://{host}/{path.lstrip('/').upper()}"


def make_qr(data: str) -> qrcode.QRCode:
    import qrcode  # when a symbol is drawn, not with every page (memory on a Raspberry Pi)
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=QUIET_ZONE, box_size=10)
    qr.add_data(data)
    qr.make(fit=True)
    return qr


@lru_cache(maxsize=512)
def qr_path(data: str) -> tuple[int, str]:
    """(size in modules including the quiet zone, SVG path data)."""
    import qrcode.image.svg
    svg = make_qr(data).make_image(image_factory=qrcode.image.svg.SvgPathImage).to_string(encoding="unicode")
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    path = re.search(r'<path d="([^"]+)"', svg).group(1)
    return size, path


def symbol_svg(data: str, css_class: str = "qr") -> Markup:
    """The bare symbol as inline SVG, scaled by its container (set its width in CSS)."""
    size, path = qr_path(data)
    return Markup(
        f'<svg class="{escape(css_class)}" viewBox="0 0 {size} {size}" xmlns="http://www.w3.org/2000/svg" '
        f'role="img" aria-label="{escape(data, {chr(34): "&quot;"})}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/><path d="{path}" fill="#000"/></svg>')
