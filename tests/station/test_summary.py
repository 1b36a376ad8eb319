"""The township asks every station at once how ready it is: the same ladder as the home tile's
badge, for any number of villages in the same few queries."""
from __future__ import annotations

import contextlib
import datetime as dt

import sqlalchemy as sa

from kiosk import registry
from kiosk.context import local_today
from kiosk.extensions import db
from kiosk.records import utcnow
from kiosk.station import service
from kiosk.station.models import Station, StationCheck, StationItem
from kiosk.village import Person, Village
from tests.conftest import DEMO_VILLAGE, NEIGHBOURS, OTHER_TOWNSHIP_VILLAGE

from .helpers import answer_all, start_check


def _summaries(app, codes):
    with app.app_context():
        return registry.get(app).summaries["station"].compute(codes)


@contextlib.contextmanager
def _statements():
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def test_the_demo_station_is_overdue_with_three_trained_members(township_app):
    with township_app.app_context():
        last = db.session.scalar(sa.select(sa.func.max(StationCheck.finished_at))
                                 .where(StationCheck.village_id == DEMO_VILLAGE))
        day = service.local_day(last)
        ready = service.readiness(service.village_station(DEMO_VILLAGE))
    found = _summaries(township_app, [DEMO_VILLAGE, *NEIGHBOURS])
    assert found[DEMO_VILLAGE] == {"state": "overdue", "last_check": day, "open_faults": 0, "trained": 3}
    assert ready.state == "overdue" and ready.trained == 3
    # the neighbours have set up no station here yet
    assert {found[code]["state"] for code in NEIGHBOURS} == {"not_set_up"}


def test_after_a_check_with_two_faults_the_summary_says_so(volunteer, app):
    check_id = start_check(volunteer)
    answer_all(volunteer, app, check_id, special={
        ("ext_gauge", "extinguisher"): {"zone": "red"},
        ("radio_charged", "radio"): {"result": "fault"},
    })
    volunteer.post(f"/station/checks/{check_id}/finish")
    with app.app_context():
        today = service.local_day(db.session.get(StationCheck, check_id).finished_at)
        state = service.readiness(service.village_station(DEMO_VILLAGE)).state
    assert _summaries(app, [DEMO_VILLAGE])[DEMO_VILLAGE] == {
        "state": "faults", "last_check": today, "open_faults": 2, "trained": 3}
    assert state == "faults"


def _village_with_a_station(code: str, name: str, *, checked_days_ago: int | None, hood_in_days: int,
                            trained: int) -> None:
    """A village of the township with a chief, ``trained`` trained volunteers, one inventory line."""
    db.session.add(Village(code=code, name=name, township_code=code[:9]))
    chief = Person(village_id=code, name=f"{name}站长", duties=["volunteer"], trained=True)
    db.session.add(chief)
    for n in range(trained):
        db.session.add(Person(village_id=code, name=f"{name}队员{n}", duties=["volunteer"], trained=True))
    db.session.flush()
    station = service.save_station(code, None, {"name": f"{name}微型消防站", "chief_id": chief.id,
                                                "check_interval_days": 30})
    db.session.flush()
    today = local_today()
    db.session.add(StationItem(village_id=code, station_id=station.id, kind="escape_hood", quantity=4,
                               expires_on=today + dt.timedelta(days=hood_in_days)))
    if checked_days_ago is not None:
        when = utcnow() - dt.timedelta(days=checked_days_ago)
        db.session.add(StationCheck(village_id=code, station_id=station.id, status="complete",
                                    recorded_at=when, finished_at=when))


def test_the_summary_takes_the_same_queries_for_one_village_or_many(township_app):
    made = {  # code: (checked days ago, hood expires in days, trained members) -> expected state
        "330326100211": ((3, 200, 5), "ready"),
        "330326100212": ((3, 200, 2), "team_short"),
        "330326100213": ((3, 10, 5), "expiring"),
        "330326100214": ((3, -1, 5), "expired"),
        "330326100215": ((45, 200, 5), "overdue"),
        "330326100216": ((None, 200, 5), "overdue"),
    }
    with township_app.app_context():
        for n, (code, ((days_ago, hood, trained), _state)) in enumerate(made.items()):
            _village_with_a_station(code, f"样村{n}", checked_days_ago=days_ago, hood_in_days=hood, trained=trained)
        db.session.commit()
    codes = [DEMO_VILLAGE, *NEIGHBOURS, OTHER_TOWNSHIP_VILLAGE[0], *made]

    with township_app.app_context():
        with _statements() as one:
            service.village_summaries([DEMO_VILLAGE])
        db.session.remove()
        with _statements() as many:
            found = service.village_summaries(codes)
        # each station judged as its own status screen judges it
        for code in made:
            station = db.session.scalar(sa.select(Station).where(Station.village_id == code))
            assert found[code]["state"] == service.readiness(station).state, code
    assert len(many) == len(one) <= 5
    assert {code: found[code]["state"] for code in made} == {code: state for code, (_f, state) in made.items()}
    assert found[OTHER_TOWNSHIP_VILLAGE[0]]["state"] == "not_set_up"
