"""Night patrols (群防群治): in the township's key periods every night from 22:00 to 06:00 is due;
the village walks its routes past checkpoints with QR plates, records each patrol and what it found
(findings become hazards), and the board and the township see how the nights are covered.

Wiring only: the screens are in views.py, the rules and every write in service.py."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import Reporting, Summary, Tile
from ..warnings import evidence
from . import service, views
from .cli import patrols_cli
from .demo import load_demo


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    app.register_blueprint(views.public_bp)
    app.cli.add_command(patrols_cli)
    registry.add_tile(app, Tile("patrols", _l("Night patrols"), "patrols.index", "moon", 45,
                                badge=views.tile_badge))
    registry.add_tile(app, Tile("key_periods", _l("Key periods and patrols"), "patrols.periods", "moon", 45,
                                roles=("township",), needs_village=False))
    registry.add_slides(app, views.board_slides, order=58)
    registry.add_script(app, "js/patrols.js")
    registry.add_scan(app, views.open_scanned_plate)
    registry.add_summary(app, Summary("patrols", _l("Night patrols"), service.village_summaries,
                                      figures=service.SUMMARY_FIGURES, order=40))
    registry.add_reporting(app, Reporting("patrol_nights", _l("Patrol nights"), service.night_rates,
                                          service.NIGHT_RULE, order=60))
    registry.add_demo(app, "patrols", load_demo, order=70)
    evidence.add_provider(app, "patrol", views.warning_evidence)
    evidence.add_page(app, "patrol_run", "patrols.run", "run_id")
