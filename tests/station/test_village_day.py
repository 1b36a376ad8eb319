"""The station keeps the village's calendar: at 07:30 in 城东村 it is already the new day, though UTC
is still on yesterday (issue 10)."""
from __future__ import annotations

import datetime as dt
import sys

import sqlalchemy as sa

import sync
from kiosk.extensions import db
from kiosk.station.models import Station, StationCheck, StationItem

from .helpers import answer, answer_all, start_check, station, steps, tile_badge

# 23:30 UTC on 1 December is 07:30 on 2 December in Asia/Shanghai
MORNING_OF_2_DECEMBER = dt.datetime(2026, 12, 1, 23, 30)
CLOCK = sync.utcnow


def freeze_clock(monkeypatch, when: dt.datetime) -> None:
    """Stop the clock at ``when`` (naive UTC) for everything that reads it through sync's utcnow;
    called again, move it."""
    def frozen():
        return when
    frozen.frozen = True
    for name, module in list(sys.modules.items()):
        clock = getattr(module, "utcnow", None) if name.split(".")[0] in ("kiosk", "sync") else None
        if clock is CLOCK or getattr(clock, "frozen", False):
            monkeypatch.setattr(module, "utcnow", frozen)


def _hood_expires(app, day: dt.date) -> None:
    with app.app_context():
        db.session.scalar(sa.select(StationItem).where(StationItem.kind == "escape_hood")).expires_on = day
        db.session.commit()


def test_on_the_morning_after_its_expiry_a_hood_cannot_be_confirmed_as_valid(volunteer, app, monkeypatch):
    _hood_expires(app, dt.date(2026, 12, 1))
    freeze_clock(monkeypatch, MORNING_OF_2_DECEMBER)
    check_id = start_check(volunteer)
    key = next(s[0] for s in steps(app, check_id) if s[1] == "date" and s[2] == "escape_hood")
    response = answer(volunteer, check_id, key, {"result": "ok"})
    assert response.status_code == 422 and "2026-12-01" in response.get_data(as_text=True)

    from kiosk.station.service import readiness
    with app.app_context():
        expired = readiness(db.session.get(Station, station(app).id)).expired
        assert [(line.kind, day) for line, _field, day, _ in expired] == [("escape_hood", dt.date(2026, 12, 1))]


def test_on_the_morning_of_2_december_a_hood_expiring_on_1_december_cannot_be_put_into_service(
        committee, app, monkeypatch):
    freeze_clock(monkeypatch, MORNING_OF_2_DECEMBER)
    response = committee.post("/station/inventory/new", data={
        "kind": "escape_hood", "spec": "TZL30", "quantity": "6", "expires_on": "2026-12-01"})
    assert response.status_code == 422 and "该日期已过" in response.get_data(as_text=True)


def test_a_check_done_late_on_1_november_is_overdue_on_the_morning_of_2_december(volunteer, app, monkeypatch):
    with app.app_context():  # only this check counts
        db.session.execute(sa.update(StationCheck).values(deleted=True))
        db.session.commit()
    freeze_clock(monkeypatch, dt.datetime(2026, 11, 1, 15, 0))  # 23:00 on 1 November in the village
    check_id = start_check(volunteer)
    answer_all(volunteer, app, check_id)
    assert volunteer.post(f"/station/checks/{check_id}/finish").status_code == 303

    freeze_clock(monkeypatch, dt.datetime(2026, 12, 1, 15, 0))  # 23:00 on 1 December: due today
    assert tile_badge(volunteer) != "检查逾期"
    freeze_clock(monkeypatch, MORNING_OF_2_DECEMBER)
    assert tile_badge(volunteer) == "检查逾期"
    page = volunteer.get("/station/").get_data(as_text=True)
    assert "逾期未检" in page and "2026年12月1日" in page
