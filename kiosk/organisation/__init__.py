"""The village fire-safety organisation: the roster the committee keeps and files with the township."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import Summary, Tile
from . import demo, service, views
from .cli import person_cli


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    app.cli.add_command(person_cli)
    registry.add_tile(app, Tile("organisation", _l("Organisation"), "organisation.index", "people", 70,
                                badge=views.tile_badge))
    registry.add_summary(app, Summary("organisation", _l("Organisation"), service.village_summaries, figures={
        "members": _l("People on the roster"),
        "no_first_responsible": _l("No first responsible person named"),
        "no_safety_manager": _l("No fire-safety manager named"),
        "trained": _l("Trained members"),
    }, order=10))
    # the people come first: other features' demos name them
    registry.add_demo(app, "organisation", demo.load_demo, order=10)
