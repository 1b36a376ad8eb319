"""Publicity, education and training (宣传教育培训): the village's activity log (broadcasts,
fire-tricycle tours, door-to-door campaigns, talks, trainings and drills — attendance at the last two
makes people trained, which the micro station counts), a yearly plan against what was done, and
read-aloud: any warning, the pact or a safety tip as Mandarin speech for the village loudspeaker,
made on the device (``speech``).

Wiring only: the screens are in views.py, the rules and every write in service.py."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import Summary, Tile
from ..warnings import evidence
from . import service, views
from .demo import load_demo


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    registry.add_tile(app, Tile("publicity", _l("Publicity and training"), "publicity.index", "speaker", 50,
                                badge=views.tile_badge))
    registry.add_script(app, "js/publicity.js")
    registry.add_summary(app, Summary("publicity", _l("Publicity and training"), service.village_summaries,
                                      figures=service.SUMMARY_FIGURES, order=35))
    registry.add_demo(app, "publicity", load_demo, order=72)
    evidence.add_provider(app, "broadcast", views.broadcast_evidence)
    evidence.add_provider(app, "door_to_door", views.door_evidence)
    evidence.add_page(app, "activity", "publicity.show", "activity_id")
