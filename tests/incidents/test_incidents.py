"""Fire incidents: the village records a fire it helped fight, the "1-3-5" goal is shown against its
times, the equipment used opens a check of just those items, and the township sees every village's."""
from __future__ import annotations

import datetime as dt

from kiosk.extensions import db
from kiosk.incidents.models import Incident
from kiosk.station.checklist import steps_for
from kiosk.station.models import StationCheck, StationItem
from kiosk.station import service as station_service
from tests.conftest import DEMO_VILLAGE, NEIGHBOURS, add_villages
from tests.patrols.helpers import person_id
from tests.statements import summaries_for


def today(app) -> dt.date:
    from kiosk.context import local_today
    with app.test_request_context():
        return local_today()


def lines(app, *kinds):
    with app.app_context():
        station = station_service.village_station(DEMO_VILLAGE)
        found = db.session.scalars(db.select(StationItem).where(StationItem.station_id == station.id,
                                                                StationItem.kind.in_(kinds))).all()
        return [(line.id, line.title) for line in found]


def fire(app, **extra):
    """A fire at 19:20 yesterday, as the volunteers enter it."""
    data = {"alarm_on": (today(app) - dt.timedelta(days=1)).isoformat(), "alarm_time": "19:20", "place": "新村路 8 号出租房",
            "burned": "ebike", "responders": [person_id(app, "李伟"), person_id(app, "张磊")],
            "station_time": "19:23", "brigade_time": "19:31", "handed_to": "brigade", "handed_to_name": "县消防救援大队"}
    data.update(extra)
    return data


def test_equipment_used_opens_a_check_of_just_those_items(app, volunteer):
    used = lines(app, "extinguisher", "hose")
    response = volunteer.post("/incidents/new", data=fire(app, equipment=[i for i, _t in used]))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    incident_id = response.headers["Location"].rsplit("/", 1)[-1]
    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        check = db.session.get(StationCheck, incident.station_check_id)
        assert (check.reason, check.partial, check.status) == ("after_callout", True, "in_progress")
        assert sorted(check.item_ids) == sorted(i for i, _t in used)
        assert {s.line.id for s in steps_for(check)} == {i for i, _t in used}  # nothing of the rest
        assert incident.station_minutes == 3 and incident.brigade_minutes == 11
    page = volunteer.get(f"/incidents/{incident_id}").get_data(as_text=True)
    assert f"/station/checks/{check.id}" in page and "进行用后检查" in page
    assert "3 分钟，目标 1 分钟" in page
    assert "11 分钟，目标 5 分钟" in page


def test_a_post_use_check_is_not_the_monthly_check(app, volunteer):
    """The demo station's monthly check is overdue; checking two items after a fire leaves it so."""
    from tests.station.helpers import answer_all
    used = lines(app, "extinguisher")
    response = volunteer.post("/incidents/new", data=fire(app, equipment=[i for i, _t in used]))
    with app.app_context():
        check_id = db.session.get(Incident, response.headers["Location"].rsplit("/", 1)[-1]).station_check_id
    answer_all(volunteer, app, check_id)
    assert volunteer.post(f"/station/checks/{check_id}/finish").status_code == 303
    with app.test_request_context():
        check = db.session.get(StationCheck, check_id)
        assert check.status == "complete"
        assert station_service.readiness(station_service.village_station(DEMO_VILLAGE)).overdue
    assert "用后检查已完成" in volunteer.get(response.headers["Location"]).get_data(as_text=True)


def test_arrival_across_midnight_and_before_the_alarm(app, volunteer):
    response = volunteer.post("/incidents/new", data=fire(
        app, alarm_on=(today(app) - dt.timedelta(days=1)).isoformat(), alarm_time="23:58", station_time="00:04",
        brigade_time=""))
    assert response.status_code == 303
    with app.app_context():
        incident = db.session.get(Incident, response.headers["Location"].rsplit("/", 1)[-1])
        assert incident.station_minutes == 6 and incident.brigade_minutes is None
    bad = volunteer.post("/incidents/new", data=fire(app, alarm_time="19:20", station_time="19:10"))
    assert bad.status_code == 422 and "到场时间须在接警之后" in bad.get_data(as_text=True)


def test_who_went_and_what_was_used_come_from_the_village(app, volunteer):
    nobody = "0190a0a0-0000-7000-8000-000000000000"
    bad = volunteer.post("/incidents/new", data=fire(app, responders=[nobody]))
    assert bad.status_code == 422 and "请从本村名册中选择出动人员" in bad.get_data(as_text=True)
    bad = volunteer.post("/incidents/new", data=fire(app, equipment=[nobody]))
    assert bad.status_code == 422 and "请选择本村微型消防站的器材" in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Incident)) == 1  # the demo's


def test_the_township_sees_every_villages_fires(township_app, station):
    add_villages(township_app)
    with township_app.test_request_context():
        from kiosk.context import Actor
        from kiosk.incidents import service
        from kiosk.records import uuid7, utcnow
        west = list(NEIGHBOURS)[0]
        alarm = utcnow() - dt.timedelta(minutes=1)
        service.record_incident(west, uuid7(), alarm_at=alarm, place="西湾村竹林", burned="forest", responders=[],
                                station_arrived_at=alarm + dt.timedelta(minutes=2), brigade_arrived_at=None,
                                equipment_ids=[], handed_to=None, handed_to_name="", casualties="", note="",
                                photos=[], actor=Actor(None, "周站长", "staff"))
        db.session.commit()
    page = station.get("/incidents/township").get_data(as_text=True)
    assert "西湾村竹林" in page and "山林田野" in page
    one, few = summaries_for(township_app, "incidents", [DEMO_VILLAGE])
    many, more = summaries_for(township_app, "incidents", [DEMO_VILLAGE, *NEIGHBOURS])
    assert one[DEMO_VILLAGE]["station_minutes"] in (4.0, None)  # the demo's kitchen fire, if this year
    assert many[west]["this_month"] == 1 and many[west]["station_minutes"] == 2.0
    assert few == more


def test_the_monthly_log_prints(app, committee):
    assert committee.post("/incidents/new", data=fire(app)).status_code == 303
    yesterday = today(app) - dt.timedelta(days=1)
    page = committee.get(f"/incidents/log?month={yesterday.strftime('%Y-%m')}").get_data(as_text=True)
    assert "火灾扑救登记表" in page and "新村路 8 号出租房" in page
