"""Hydrants and fire water pools: the registry, QR labels, inspections and checks on the kiosk, and
the public page residents reach by scanning a label (``/h/<code>``, served by both roles).

Wiring only: the screens are in views.py, the rules and every write in service.py."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import Reporting, Summary, Tile
from . import service, views
from .cli import hydrants_cli
from .demo import load_demo


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    app.register_blueprint(views.public_bp)
    app.cli.add_command(hydrants_cli)
    # checks that arrive by sync refresh the derived rows in the transaction that writes them
    app.extensions["sync"].on_applied.append(service.on_sync_applied)
    registry.add_tile(app, Tile("hydrants", _l("Hydrants & water pools"), "hydrants.index", "hydrant", 30,
                                badge=views.tile_badge))
    registry.add_slides(app, views.board_slides, order=60)
    registry.add_script(app, "js/hydrants.js")
    registry.add_scan(app, views.open_scanned_label)
    registry.add_summary(app, Summary("hydrants", _l("Hydrants & water pools"), service.village_summaries,
                                      figures=service.SUMMARY_FIGURES, order=30))
    registry.add_reporting(app, Reporting("hydrant_inspections", _l("Hydrant inspections"),
                                          service.inspection_rates, service.INSPECTION_RULE, order=10))
    registry.add_reporting(app, Reporting("pool_checks", _l("Pool water-level checks"), service.pool_check_rates,
                                          service.POOL_CHECK_RULE, order=20))
    registry.add_demo(app, "hydrants", load_demo, order=30)
