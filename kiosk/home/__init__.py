"""The shell of the kiosk: home tiles, the idle notice board and the status bar."""
from __future__ import annotations

from flask import Blueprint, Flask, current_app, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import registry
from ..auth.security import passive
from ..registry import Tile
from ..web import render
from .tips import safety_tips

bp = Blueprint("home", __name__)

# Every duty the policy gives a village has a tile; features replace these with live ones.
PLANNED = [
    Tile("pact", _l("Fire pact"), None, "scroll", 10),
    Tile("station", _l("Micro fire station"), None, "truck", 20),
    Tile("hydrants", _l("Hydrants & water pools"), None, "hydrant", 30),
    Tile("hazards", _l("Hazards"), None, "alert", 40),
    Tile("patrols", _l("Night patrols"), None, "moon", 50),
    Tile("notices", _l("Notice board"), "home.board", "megaphone", 60),
    Tile("organisation", _l("Organisation"), None, "people", 70),
]


@bp.get("/")
def index():
    role = current_app.config["KIOSK_ROLE"]
    tiles = sorted((t for t in registry.get().tiles.values() if role in t.roles), key=lambda t: t.order)
    return render("home/index.html", tiles=tiles)


@bp.get("/board")
def board():
    """Public notice board: what the kiosk shows while nobody uses it."""
    slides = []
    for _order, provider in sorted(registry.get().slides, key=lambda p: p[0]):
        slides.extend(provider())
    return render("home/board.html", slides=slides)


@bp.get("/status")
@passive
def status():
    provider = registry.get().status
    text, tone, detail = provider() if provider else (_("Not connected to a township server"), "info", "")
    return render_template("home/_status.html", text=text, tone=tone, detail=detail)


def _tip_slides():
    return [("home/_slide_tip.html", {"title": title, "body": body}) for title, body in safety_tips()]


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    for tile in PLANNED:
        registry.get(app).tiles.setdefault(tile.key, tile)
    registry.add_slides(app, _tip_slides, order=90)
