"""Home tiles, the idle notice board, the polled status bar and where a scanned label leads."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request
from flask_babel import gettext as _

from .. import registry
from ..web import passive, public, render

bp = Blueprint("home", __name__)


@bp.get("/")
@public
def index():
    role = current_app.config["KIOSK_ROLE"]
    tiles = sorted((t for t in registry.get().tiles.values() if role in t.roles), key=lambda t: t.order)
    return render("home/index.html", tiles=tiles)


@bp.get("/board")
@public
def board():
    """Public notice board: what the kiosk shows while nobody uses it."""
    slides = []
    for _order, provider in sorted(registry.get().slides, key=lambda p: p[0]):
        slides.extend(provider())
    # config BOARD_ROTATE_SECONDS shortens the rotation (tests)
    return render("home/board.html", slides=slides,
                  rotate_seconds=current_app.config.get("BOARD_ROTATE_SECONDS", 12))


@bp.get("/status")
@public
@passive
def status():
    provider = registry.get().status
    text, tone, detail = provider() if provider else (_("Not connected to a township server"), "info", "")
    return render_template("home/_status.html", text=text, tone=tone, detail=detail)


@bp.get("/scan")
@public
def scan():
    """A USB QR scanner typed a label's URL: the feature whose label it is says where it leads."""
    text = request.args.get("text", "")[:300]
    for handler in registry.get().scan_handlers:
        target = handler(text)
        if target:
            return redirect(target, 303)
    return render("home/scan_unknown.html", status=404, text=text)
