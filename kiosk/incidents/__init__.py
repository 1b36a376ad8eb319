"""Fire incidents (协助火灾扑救、火灾现场保护): the village records a fire its micro station helped
fight — the alarm, who went, the "1-3-5" response, the equipment used (which opens a check of it at
the station), to whom the scene was handed — and the township sees them across its villages.

Wiring only: the screens are in views.py, the rules and every write in service.py."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import Summary, Tile
from . import service, views
from .demo import load_demo


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    registry.add_tile(app, Tile("incidents", _l("Fire incidents"), "incidents.index", "flame", 55,
                                badge=views.tile_badge))
    registry.add_tile(app, Tile("township_incidents", _l("Fires in the villages"), "incidents.township", "flame", 55,
                                roles=("township",), needs_village=False))
    registry.add_summary(app, Summary("incidents", _l("Fire incidents"), service.village_summaries,
                                      figures=service.SUMMARY_FIGURES, order=45))
    registry.add_demo(app, "incidents", load_demo, order=75)
