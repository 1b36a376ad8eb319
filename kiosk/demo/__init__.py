"""The Pingyang demo village that `make run` loads, so a new user sees a living kiosk.

``load_demo()`` is the front door (the tests' template databases call it too)."""
from __future__ import annotations

from flask import Flask

from .cli import demo_cli
from .service import load_demo  # noqa: F401


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_cli)
