"""Hazard register: one list fed by resident reports, inspections, equipment checks and visits.

Other features open hazards with ``from ..hazards.service import open_hazard``."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import Summary, Tile
from . import service, views


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    registry.add_tile(app, Tile("hazards", _l("Hazards"), "hazards.index", "alert", 40, badge=views.tile_badge))
    registry.add_summary(app, Summary("hazards", _l("Hazards"), service.village_summaries, figures={
        "open": _l("Not fixed yet"),
        "overdue": _l("Past their deadline"),
        "opened_this_month": _l("Recorded this month"),
        "oldest_open_days": _l("Days the oldest open hazard has waited"),
    }, order=20))
