"""The household register (住户台账): who pledges to the fire pact and who is visited door to door.

The model lives in ``kiosk.village.models.Household``; this package holds its screens, the rules
for writing it and the CSV import (``importer``).
"""
from __future__ import annotations

from flask import Flask

from .. import registry
from . import demo, views


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    # pledges and visits name the households: they load before the pact's demo
    registry.add_demo(app, "households", demo.load_demo, order=15)
