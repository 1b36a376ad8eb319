"""Technician commands: ``flask --app kiosk backup`` and ``flask --app kiosk restore`` (see
:mod:`.cli`); the work is in :mod:`.backup`."""
from __future__ import annotations

from flask import Flask

from .cli import backup_command, restore_command


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
