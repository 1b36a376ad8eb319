"""Shared steps of the patrol stories."""
from __future__ import annotations

import datetime as dt

from kiosk.extensions import db
from tests.conftest import DEMO_VILLAGE


def demo_route(app):
    """(route id, [(checkpoint id, name, code)]) of the demo village's route."""
    from kiosk.patrols import service
    with app.app_context():
        [route] = service.routes(DEMO_VILLAGE)
        return route.id, [(p.id, p.name, p.code) for p in service.checkpoints(route)]


def person_id(app, name):
    from kiosk.village import Person
    with app.app_context():
        return db.session.scalar(db.select(Person.id).where(Person.name == name))


def last_night(app) -> dt.date:
    from kiosk.context import local_today
    with app.test_request_context():
        return local_today() - dt.timedelta(days=1)


def run_data(app, night, start="22:10", end="23:40", reached=(), people=("黄志强",), **extra):
    """The form a patroller fills in: ``reached`` is [(checkpoint id, "HH:MM")]."""
    data = {"night": night.isoformat(), "start": start, "end": end,
            "patrollers": [person_id(app, n) for n in people], "reached": [cid for cid, _t in reached]}
    data.update({f"time-{cid}": at for cid, at in reached})
    data.update(extra)
    return data


def runs(app):
    from kiosk.patrols.models import PatrolRun
    with app.app_context():
        rows = db.session.scalars(db.select(PatrolRun).order_by(PatrolRun.started_at)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def recent_patrol(app) -> tuple[dt.date, str, str]:
    """(night, start, end) of a patrol that ended half an hour ago, after a warning issued three
    hours ago; both times on the same side of noon, so the night is unambiguous."""
    from kiosk.context import local_now
    with app.test_request_context():
        now = local_now()
    start, end = now - dt.timedelta(minutes=90), now - dt.timedelta(minutes=30)
    if start.hour < 12 <= end.hour:  # around noon: the round of the morning before it
        start, end = start.replace(hour=11, minute=0), start.replace(hour=11, minute=55)
    night = start.date() if start.hour >= 12 else start.date() - dt.timedelta(days=1)
    return night, start.strftime("%H:%M"), end.strftime("%H:%M")
