"""Hazard register and its closed loop ("3030"), docs/hazards.md: one list fed by resident reports,
inspections, equipment checks and visits; every step after the report is a fact.

Other features open hazards with ``from ..hazards.service import open_hazard`` and ask about their
assets with ``queries.asset_hazards``."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import Summary, Tile
from . import cli, demo, queries, service, views


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    app.register_blueprint(views.public_bp)
    app.cli.add_command(cli.hazards_cli)
    # facts that arrive by sync refresh the derived state in the transaction that writes them
    app.extensions["sync"].on_applied.append(service.on_sync_applied)
    registry.add_tile(app, Tile("hazards", _l("Hazards"), "hazards.index", "alert", 40, badge=views.tile_badge))
    registry.add_tile(app, Tile("hazards_township", _l("Hazards in the township"), "hazards.township", "alert", 41,
                                roles=("township",), needs_village=False))
    registry.add_slides(app, views.board_slides, order=45)
    registry.add_summary(app, Summary("hazards", _l("Hazards"), queries.village_summaries,
                                      figures=queries.SUMMARY_FIGURES, order=20))
    registry.add_demo(app, "hazards", demo.load_demo, order=60)
