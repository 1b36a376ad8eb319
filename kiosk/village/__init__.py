"""The village this device serves and the township it belongs to; on the township server, the
chooser of the village staff look at. The models and ``seed_townships`` are the package's front
door (``from kiosk.village import Village``); the request's village is ``kiosk.context.current_village``."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import Tile
from .cli import village_cli
from .models import DUTIES, Household, Person, Township, Village  # noqa: F401
from .service import seed_townships  # noqa: F401


def init_app(app: Flask) -> None:
    # auth imports this package's models, and the chooser needs auth: its view loads once both are in
    from . import views
    app.cli.add_command(village_cli)
    app.register_blueprint(views.bp)
    registry.add_tile(app, Tile("villages", _l("Choose a village"), "village.choose", "home", 5,
                                roles=("township",), needs_village=False))
