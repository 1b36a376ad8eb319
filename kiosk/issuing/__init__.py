"""What the township issues to its villages, edited on screens: the model fire pact (kiosk.pacts'
PactTemplate) and the micro station's checklist (kiosk.station's ChecklistTemplate), each in
immutable editions. Staff prepare the next edition as a draft local to the township, then issue it;
it reaches the kiosks with their next sync (issue 14).

views: the screens; forms; models: the drafts; service: every change and the issue.
"""
from __future__ import annotations

from flask import Flask

from . import views


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
