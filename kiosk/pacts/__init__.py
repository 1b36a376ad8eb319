"""The fire pact (防火公约) and the household pledges and door-to-door visits it drives.

The committee drafts the pact from the township's template, records its adoption at a villagers'
meeting and publishes it: the notice board rotates it and a poster prints with a QR code to the
phone version. Households pledge at the kiosk; those who have not are the door-to-door list.

views: the screens; forms; models; service: every change; queries: what the screens read and the
township's village summary; demo; cli: `flask pact`; signature: the finger signature's format.
"""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import Reporting, Summary, Tile
from . import views
from .cli import pact_cli
from .demo import load_demo
from .queries import SUMMARY_FIGURES, VISIT_RULE, village_summaries, visit_rates


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    app.register_blueprint(views.public_bp)
    app.cli.add_command(pact_cli)
    registry.add_tile(app, Tile("pact", _l("Fire pact"), "pacts.index", "scroll", 10, badge=views.tile_badge))
    registry.add_slides(app, views.board_slides, order=10)
    registry.add_script(app, "js/pacts.js")
    registry.add_summary(app, Summary("pacts", _l("Fire pact"), village_summaries, SUMMARY_FIGURES, order=10))
    registry.add_reporting(app, Reporting("door_visits", _l("Door-to-door visits"), visit_rates, VISIT_RULE,
                                          order=50))
    registry.add_demo(app, "pacts", load_demo, order=40)
