"""Township supervision (issue 14): every village at a glance, the reporting rates (expected / done /
on time), the monthly village report (村月报) and the filing sheet's submission, the monthly evaluation
(月度考评), exports, charts and the township's settings screens. See docs/supervision.md.

Built from what the features register — village summaries and reporting rates — never from their
tables. Features use one piece of it, the reporting rule in :mod:`.rates` (a pure module): so that
importing it pulls in no screen, the views are imported in init_app, not here.
"""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import Summary, Tile


def init_app(app: Flask) -> None:
    from . import demo, reports, views
    app.register_blueprint(views.bp)
    app.register_blueprint(views.village_bp)
    registry.add_tile(app, Tile("supervision", _l("Township overview"), "supervision.index", "check", 2,
                                roles=("township",), needs_village=False))
    registry.add_tile(app, Tile("reports", _l("Monthly report"), "reports.index_village", "print", 75,
                                badge=views.tile_badge, roles=("village",)))
    registry.add_summary(app, Summary("reports", _l("Reports to the township"), reports.village_summaries, figures={
        "last_month": _l("Last month's report"),
        "filing_sheet": _l("Filing sheet"),
    }, order=80))
    registry.add_demo(app, "supervision", demo.load_demo, order=95)
