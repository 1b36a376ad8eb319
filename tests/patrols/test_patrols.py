"""Night patrols on the kiosk: a patrol recorded afterwards, the night it counts for, what it found,
and how the key period's nights are covered — for the village and, in one query, for many."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest

from kiosk.context import from_local, to_local
from kiosk.extensions import db
from kiosk.hazards.models import Hazard
from kiosk.patrols import service
from kiosk.patrols.models import PatrolCheckpoint, PatrolRoute, PatrolRun, PatrolVisit
from kiosk.records import uuid7
from tests.conftest import DEMO_VILLAGE, NEIGHBOURS, OTHER_TOWNSHIP_VILLAGE, add_villages
from tests.statements import summaries_for

from .helpers import demo_route, last_night, run_data, runs


def test_a_patrol_across_midnight_counts_for_the_evening_it_started(app, volunteer):
    night = last_night(app) - dt.timedelta(days=1)
    route_id, points = demo_route(app)
    (a, _na, _ca), (b, _nb, _cb) = points[:2]
    response = volunteer.post(f"/patrols/routes/{route_id}/runs/new", data=run_data(
        app, night, start="23:30", end="01:20", reached=[(a, "23:45"), (b, "00:30")]))
    assert response.status_code == 303, response.get_data(as_text=True)
    run = next(r for r in runs(app) if r.id == response.headers["Location"].rsplit("/", 1)[-1])
    assert run.night_of == night
    with app.app_context():
        assert to_local(run.started_at) == dt.datetime.combine(night, dt.time(23, 30))
        assert to_local(run.ended_at) == dt.datetime.combine(night + dt.timedelta(days=1), dt.time(1, 20))
        got = db.session.scalars(db.select(PatrolVisit).where(PatrolVisit.run_id == run.id)
                                 .order_by(PatrolVisit.reached_at)).all()
        assert [(v.checkpoint_id, v.method) for v in got] == [(a, "kiosk"), (b, "kiosk")]
    page = volunteer.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 / 4" in page and "于一体机补录" in page


def test_the_night_of_a_patrol():
    from kiosk import create_app
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    with app.app_context():
        evening = dt.date(2026, 12, 1)

        def night(start, hours):
            begin = from_local(service.on_the_night(evening, start))
            return service.night_of(begin, begin + dt.timedelta(hours=hours))
        assert night(dt.time(22, 0), 2) == evening
        assert night(dt.time(1, 0), 2) == evening  # after midnight: still the night of the 1st
        assert night(dt.time(5, 30), 1) == evening
        assert night(dt.time(20, 30), 2) == evening  # ends inside the window
        assert night(dt.time(14, 0), 2) is None  # a daytime round counts for no night
        assert night(dt.time(6, 30), 2) is None


@pytest.mark.parametrize("start, end", [("23:00", "22:30"), ("02:00", "23:00")])
def test_a_patrol_cannot_end_before_it_starts(app, volunteer, start, end):
    route_id, _points = demo_route(app)
    before = len(runs(app))
    response = volunteer.post(f"/patrols/routes/{route_id}/runs/new",
                              data=run_data(app, last_night(app), start=start, end=end))
    assert response.status_code == 422
    assert "巡查结束时间须晚于开始时间" in response.get_data(as_text=True)
    assert len(runs(app)) == before


def test_checkpoints_of_another_village_are_refused(app, volunteer):
    add_villages(app)
    with app.app_context():
        other = service.add_route(list(NEIGHBOURS)[0], uuid7(), "西湾村巡查路线")
        theirs = service.add_checkpoint(other, uuid7(), "西湾菜场", "market")
        db.session.commit()
        theirs_id, other_id = theirs.id, other.id
    route_id, points = demo_route(app)
    night = last_night(app)
    before = len(runs(app))
    response = volunteer.post(f"/patrols/routes/{route_id}/runs/new", data=run_data(
        app, night, reached=[(points[0][0], "22:20"), (theirs_id, "22:30")]))
    assert response.status_code == 422
    assert "请选择本路线的巡查点" in response.get_data(as_text=True)
    # nor can their route be opened from this village
    assert volunteer.get(f"/patrols/routes/{other_id}/runs/new").status_code == 404
    assert volunteer.get(f"/patrols/checkpoints/{theirs_id}").status_code == 404
    assert len(runs(app)) == before


def test_a_patroller_not_on_the_roster_is_refused(app, volunteer):
    route_id, _points = demo_route(app)
    data = run_data(app, last_night(app))
    data["patrollers"] = ["0190a0a0-0000-7000-8000-000000000000"]
    response = volunteer.post(f"/patrols/routes/{route_id}/runs/new", data=data)
    assert response.status_code == 422 and "请从本村名册中选择巡查人员" in response.get_data(as_text=True)


def test_a_patrol_that_has_not_ended_yet_is_refused(app, volunteer):
    from kiosk.context import local_today
    route_id, _points = demo_route(app)
    with app.test_request_context():
        today = local_today()
    response = volunteer.post(f"/patrols/routes/{route_id}/runs/new",
                              data=run_data(app, today, start="23:58", end="05:00"))
    assert response.status_code == 422 and "这个时间还没到" in response.get_data(as_text=True)


def test_a_checkpoint_time_outside_the_patrol_is_refused(app, volunteer):
    route_id, points = demo_route(app)
    response = volunteer.post(f"/patrols/routes/{route_id}/runs/new", data=run_data(
        app, last_night(app), start="22:00", end="23:00", reached=[(points[0][0], "23:30")]))
    assert response.status_code == 422
    assert "巡查点时间须在巡查开始和结束之间" in response.get_data(as_text=True)


def test_a_finding_goes_into_the_hazard_register_with_the_patrol_as_source(app, volunteer):
    route_id, points = demo_route(app)
    response = volunteer.post(f"/patrols/routes/{route_id}/runs/new", data=run_data(
        app, last_night(app), reached=[(points[1][0], "22:30")]))
    run_id = response.headers["Location"].rsplit("/", 1)[-1]
    response = volunteer.post(f"/patrols/runs/{run_id}/finding", data={
        "category": "ebike", "checkpoint": points[1][0], "description": "楼道内飞线充电", "severity": "minor"})
    assert response.status_code == 303
    with app.app_context():
        [hazard] = db.session.scalars(db.select(Hazard).where(Hazard.found_by_id == run_id)).all()
        assert (hazard.source, hazard.category, hazard.location, hazard.status) == \
            ("patrol", "ebike", points[1][1], "reported")
        assert hazard.subject_id == points[1][0] and hazard.due_at is not None
    assert "楼道内飞线充电" in volunteer.get(f"/patrols/runs/{run_id}").get_data(as_text=True)
    assert points[1][1] in volunteer.get("/hazards/").get_data(as_text=True)


def test_coverage_counts_the_nights_of_the_key_period(app, volunteer):
    """The demo period began twelve nights ago; three of them had no patrol."""
    with app.test_request_context():
        cover = service.coverage(DEMO_VILLAGE)
        due = len(cover.due)
        assert cover.in_force and cover.covered == 9 and len(cover.missed) == due - 9
        missed = cover.missed[0]
    route_id, _points = demo_route(app)
    assert volunteer.post(f"/patrols/routes/{route_id}/runs/new",
                          data=run_data(app, missed, start="22:00", end="23:00")).status_code == 303
    # a second patrol of the same night covers nothing more
    assert volunteer.post(f"/patrols/routes/{route_id}/runs/new",
                          data=run_data(app, missed, start="02:00", end="03:00")).status_code == 303
    with app.test_request_context():
        assert service.coverage(DEMO_VILLAGE).covered == 10
    assert f"10 / {due}".replace(" / ", "/") in volunteer.get("/patrols/").get_data(as_text=True).replace(" ", "") \
        or f"{due}晚中巡查10晚" in volunteer.get("/patrols/").get_data(as_text=True)


def test_the_summary_gives_many_villages_in_the_same_few_queries(township_app):
    add_villages(township_app)
    one, few = summaries_for(township_app, "patrols", [DEMO_VILLAGE])
    many, more = summaries_for(township_app, "patrols", [DEMO_VILLAGE, *NEIGHBOURS, OTHER_TOWNSHIP_VILLAGE[0]])
    assert one[DEMO_VILLAGE]["key_period"] == "冬季防火重点时段"
    assert one[DEMO_VILLAGE]["nights_patrolled"] == 9 and one[DEMO_VILLAGE]["nights_due"] >= 12
    assert many[DEMO_VILLAGE] == one[DEMO_VILLAGE]
    for code in NEIGHBOURS:
        assert many[code]["nights_patrolled"] == 0 and many[code]["key_period"] == "冬季防火重点时段"
    assert many[OTHER_TOWNSHIP_VILLAGE[0]]["key_period"] is None  # another township declared nothing
    assert few == more


def test_a_scanned_plate_opens_its_checkpoint(app, volunteer):
    _route, points = demo_route(app)
    cid, name, code = points[2]
    response = volunteer.get("/scan", query_string={"text": f"HTTPS://FIRE.EXAMPLE/N/{code}"})
    assert response.status_code == 303
    page = volunteer.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert name in page and "补录巡查" in page or name in page
    # a resident's phone gets the plate's own page, not the village's records
    resident = app.test_client().get(f"/N/{code.lower()}")
    assert resident.status_code == 200 and name in resident.get_data(as_text=True)
    assert app.test_client().get("/n/ZZZZZZ").status_code == 404


def test_a_plate_scanned_on_a_phone_joins_the_patrol_under_way(app):
    """The entry point the phones issue calls: scans of one round make one run, first time kept."""
    from kiosk.context import Actor
    from kiosk.records import utcnow
    _route, points = demo_route(app)
    with app.test_request_context():
        walker = Actor("p-1", "黄志强", "person")
        first, second = (db.session.get(PatrolCheckpoint, points[i][0]) for i in (0, 1))
        now = utcnow()
        run_id = str(uuid.uuid4())  # the phone's
        v1 = service.record_scan(first, walker, run_id=run_id, started_at=now, at=now)
        v2 = service.record_scan(second, walker, run_id=run_id, started_at=now, at=now + dt.timedelta(minutes=9))
        again = service.record_scan(first, walker, run_id=run_id, started_at=now, at=now + dt.timedelta(minutes=20))
        db.session.commit()
        assert v1.run_id == v2.run_id == run_id and again.id == v1.id and v1.method == "scan"
        run = db.session.get(PatrolRun, v1.run_id)
        assert run.ended_at is None
        service.finish_run(run, now + dt.timedelta(minutes=30))
        db.session.commit()
        assert run.ended_at > run.started_at


def test_the_monthly_log_prints_the_months_patrols(app, volunteer):
    month = last_night(app).strftime("%Y-%m")
    page = volunteer.get(f"/patrols/log?month={month}").get_data(as_text=True)
    assert "夜间巡查登记表" in page and "黄志强" in page and "城东出租房片区" in page
    assert volunteer.get("/patrols/log?month=2020-01").status_code == 200
    assert volunteer.get("/patrols/log?month=garbage").status_code == 200


def test_the_committee_keeps_routes_and_checkpoints(app, committee):
    response = committee.post("/patrols/routes/new", data={"name": "菜场夜巡"})
    assert response.status_code == 303
    route_id = response.headers["Location"].rsplit("/", 1)[-1]
    for name, kind in [("东门充电棚", "ebike"), ("菜场北口", "market")]:
        assert committee.post(f"/patrols/routes/{route_id}/checkpoints",
                              data={"name": name, "kind": kind}).status_code == 303
    with app.app_context():
        got = db.session.scalars(db.select(PatrolCheckpoint).where(PatrolCheckpoint.route_id == route_id)
                                 .order_by(PatrolCheckpoint.position)).all()
        assert [(p.name, p.position, len(p.code)) for p in got] == [("东门充电棚", 1, 6), ("菜场北口", 2, 6)]
        assert db.session.get(PatrolRoute, route_id).village_id == DEMO_VILLAGE
    bad = committee.post(f"/patrols/routes/{route_id}/checkpoints", data={"name": "", "kind": "spaceship"})
    assert bad.status_code == 422


def test_township_staff_declare_a_key_period(township_app, station):
    response = station.post("/patrols/periods", data={"name": "春节", "starts_on": "2027-02-01",
                                                      "ends_on": "2027-02-20"})
    assert response.status_code == 303
    page = station.get("/patrols/periods").get_data(as_text=True)
    assert "春节" in page and "20 晚" in page.replace("20晚", "20 晚")
    assert station.post("/patrols/periods", data={"name": "x", "starts_on": "2027-02-20",
                                                  "ends_on": "2027-02-01"}).status_code == 422
