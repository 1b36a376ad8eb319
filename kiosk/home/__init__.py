"""The shell of the kiosk: home tiles, the idle notice board, the status bar and scanned labels.

The shell knows no feature: tiles, slides, banners and what a scanned label opens all come from the
registry (kiosk/registry.py)."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import Tile
from . import views
from .tips import tip_slides


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    registry.add_tile(app, Tile("notices", _l("Notice board"), "home.board", "megaphone", 60,
                                roles=("village",)))
    registry.add_slides(app, tip_slides, order=90)
