"""Signing in: PIN pad on the kiosk for the village organisation, passwords for township staff.

Features ask ``kiosk.auth`` who is signed in and what they may do (``role_required``,
``current_person``, ``current_staff``, ``may``); the work is done in :mod:`.security`."""
from __future__ import annotations

from flask import Flask

from . import security, views
from .cli import staff_cli
from .security import current_person, current_staff, may, one_at_a_time, role_required  # noqa: F401  (the front door)


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    app.session_interface = security.CookieSessions()
    app.before_request(security.before_request)
    app.jinja_env.globals.update(current_person=current_person, current_staff=current_staff, may=may)
    app.cli.add_command(staff_cli)
