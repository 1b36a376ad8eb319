"""The micro fire station (微型消防站): the station and its team, the equipment inventory, the
township's checklist with the village's own items, and the checks volunteers log on the screen.

A check is saved answer by answer (see ``service``): the doorbell, a power cut or a restart lose
nothing, and the check resumes at the first step not yet answered.
"""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import Reporting, Summary, Tile
from . import service, views
from .cli import station_cli
from .demo import load_demo


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    app.cli.add_command(station_cli)
    registry.add_tile(app, Tile("station", _l("Micro fire station"), "station.index", "truck", 20,
                                badge=views.tile_badge))
    registry.add_script(app, "js/station.js")
    registry.add_summary(app, Summary("station", _l("Micro fire station"), service.village_summaries,
                                      service.SUMMARY_FIGURES, order=20))
    registry.add_reporting(app, Reporting("station_checks", _l("Station checks"), service.check_rates,
                                          service.CHECK_RULE, order=30))
    registry.add_demo(app, "station", load_demo, order=40)
