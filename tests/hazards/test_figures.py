"""What the township supervises by: per village and month, hazards found, fixed on time, overdue and the
median days to fix, by source and category — for many villages in a fixed number of queries."""
from __future__ import annotations

import datetime as dt

import pytest

from kiosk.extensions import db
from kiosk.hazards import queries, service
from kiosk.hazards.models import Hazard
from kiosk.hazards.service import Who
from tests.statements import counted

WEST, HILL = "330326100202", "330326100203"  # the demo village's neighbours, with no hazards of their own
FIXER, CHECKER = Who("person", "p-1", "黄志强"), Who("person", "p-2", "林海燕")
CHINA = dt.timezone(dt.timedelta(hours=8))


def at(day: str, hour: int = 10) -> dt.datetime:
    """A moment of the village's day, as the naive UTC the database holds."""
    local = dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=CHINA)
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


@pytest.fixture
def clock(monkeypatch):
    """A fake clock for the loop's writes: every fact is recorded when the story says."""
    now = {"t": None}
    monkeypatch.setattr(service, "utcnow", lambda: now["t"])

    def set_(moment):
        now["t"] = moment
    return set_


def found(clock, village, day, fixed=None, checked=None, on_spot=False, **values):
    clock(at(day))
    values = {"category": "combustibles", "source": "patrol", "location": "柴堆", **values}
    hazard = service.open_hazard(village_id=village, fixed_on_spot=on_spot, **values)
    db.session.flush()
    if fixed:
        clock(at(fixed))
        service.fix(db.session.get(Hazard, hazard.id), FIXER, phrase="cleared")
    if checked:
        clock(at(checked, 11))
        service.verify(db.session.get(Hazard, hazard.id), CHECKER)
    return hazard


def test_a_villages_month_found_fixed_on_time_overdue_and_the_median_days_to_fix(app, clock):
    with app.test_request_context():
        found(clock, WEST, "2026-08-03", fixed="2026-08-05", checked="2026-08-06")           # 2 days, on time
        found(clock, WEST, "2026-08-10", fixed="2026-08-20", checked="2026-08-21",            # serious: 7 days
              severity="serious", category="ebike", source="door_visit")
        found(clock, WEST, "2026-08-12", category="wiring", source="resident_report")         # never fixed
        found(clock, WEST, "2026-08-15", on_spot=True, category="gas", source="door_visit")  # on the spot
        found(clock, WEST, "2026-08-31", fixed="2026-09-01", checked="2026-09-01")           # August's, fixed in Sept
        found(clock, HILL, "2026-09-02", fixed="2026-09-03", checked="2026-09-04")
        db.session.commit()
        clock(at("2026-10-01"))
        figures = queries.monthly_figures([WEST, HILL], ["2026-08", "2026-09"], now=at("2026-10-01"))
    august = figures[WEST]["2026-08"]
    assert {k: august[k] for k in ("found", "fixed", "fixed_on_time", "overdue", "median_days_to_fix")} == {
        "found": 5, "fixed": 4, "fixed_on_time": 3, "overdue": 2, "median_days_to_fix": 1.5}
    assert august["by_source"] == {"patrol": 2, "door_visit": 2, "resident_report": 1}
    assert august["by_category"] == {"combustibles": 2, "ebike": 1, "wiring": 1, "gas": 1}
    assert figures[WEST]["2026-09"]["found"] == 0 and figures[WEST]["2026-09"]["median_days_to_fix"] is None
    assert figures[HILL]["2026-09"] == {"found": 1, "fixed": 1, "fixed_on_time": 1, "overdue": 0,
                                        "median_days_to_fix": 1.0, "by_source": {"patrol": 1},
                                        "by_category": {"combustibles": 1}}
    assert figures[HILL]["2026-08"]["found"] == 0


def test_a_hazard_found_just_before_midnight_counts_in_the_villages_month(app, clock):
    with app.test_request_context():
        clock(at("2026-08-31", 23))  # 15:00 UTC: still August in the village, and in UTC too
        service.open_hazard(village_id=WEST, category="gas", source="patrol", location="村口")
        clock(dt.datetime(2026, 8, 31, 16, 30))  # 00:30 on 1 September in the village, 31 August in UTC
        service.open_hazard(village_id=WEST, category="gas", source="patrol", location="村尾")
        db.session.commit()
        figures = queries.monthly_figures([WEST], ["2026-08", "2026-09"])
    assert (figures[WEST]["2026-08"]["found"], figures[WEST]["2026-09"]["found"]) == (1, 1)


def test_the_figures_take_the_same_queries_for_one_village_or_forty(app, clock):
    with app.test_request_context():
        found(clock, WEST, "2026-08-03", fixed="2026-08-05", checked="2026-08-06")
        db.session.commit()
        db.session.execute(db.text("SELECT 1"))
        months = ["2026-07", "2026-08", "2026-09"]
        with counted() as one:
            queries.monthly_figures([WEST], months)
        many_codes = [WEST, HILL, *(f"330326100{n}" for n in range(210, 250))]
        with counted() as many:
            result = queries.monthly_figures(many_codes, months)
    assert len(one) == len(many) == 2
    assert set(result) == set(many_codes) and result["330326100249"]["2026-08"]["found"] == 0
