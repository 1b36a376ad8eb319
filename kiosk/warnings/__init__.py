"""Township warnings (预警/提示): written at the township station, shown prominently on the chosen
villages' kiosks (immediate ones interrupt the notice board), acknowledged by a committee member.

The read receipt is a fact of the village that replication carries back, so the station sees who
has read a warning and who has not.
"""
from __future__ import annotations

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import Summary, Tile
from . import service, views
from .demo import load_demo

# how often an open page asks whether an immediate warning has arrived: the board must show a new
# one within about 30 s of its arrival (config WARNINGS_POLL_SECONDS overrides it, e.g. in tests)
BANNER_POLL_SECONDS = 15


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    app.jinja_env.globals["banner_warnings"] = views.banner_warnings
    app.jinja_env.globals["warnings_poll_seconds"] = lambda: current_app.config.get(
        "WARNINGS_POLL_SECONDS", BANNER_POLL_SECONDS)
    registry.add_banner(app, "warnings/_banner.html")
    registry.add_tile(app, Tile("warnings", _l("Township warnings"), "warnings.index", "bell", 65,
                                badge=views.village_badge, roles=("village",)))
    # the station's own screen, about every village of the township at once
    registry.add_tile(app, Tile("township_warnings", _l("Warnings to villages"), "warnings.township_index",
                                "bell", 65, badge=views.township_badge, roles=("township",), needs_village=False))
    # immediate warnings come before everything else on the board; the others among the notices
    registry.add_slides(app, lambda: views.slides(urgent=True), order=1)
    registry.add_slides(app, lambda: views.slides(urgent=False), order=55)
    registry.add_summary(app, Summary("warnings", _l("Township warnings"), service.village_summaries, figures={
        "unacknowledged": _l("In force, not yet acknowledged"),
    }, order=30))
    registry.add_demo(app, "warnings", load_demo, order=65)
