"""The station check, the door-to-door visit and the night patrol as a phone delivers them: the
township records them with the features' own services (the same rows a kiosk makes), once however
often they are delivered, and refuses with a reason what it cannot read."""
from __future__ import annotations

import json
import time
import uuid

from kiosk.extensions import db
from tests.conftest import DEMO_VILLAGE
from tests.phones.conftest import APP, enrol, enrolment_url

# what the kiosk's step buttons post for an answer in order
IN_ORDER = {"ok_fault": {"result": "ok"}, "gauge": {"zone": "green"}, "count": {"result": "all"},
            "pressure": {"pressure": "28.5"}, "date": {"result": "ok"}}


def _answers(steps, fault_on: str) -> dict:
    answers = {s["key"]: IN_ORDER[s["type"]] for s in steps}
    answers[fault_on] = {"result": "fault"}
    return answers


def _deliver_check(phone, data, client_id, answers):
    station = data["station"]
    return phone.post("/phone/api/station-checks", headers=APP, data={
        "client_id": client_id, "reason": "monthly", "answers": json.dumps(answers),
        "township_template_id": station["township_template_id"] or "",
        "village_template_id": station["village_template_id"] or ""})


def _columns(answer) -> tuple:
    return (answer.step_key, answer.position, answer.code, answer.prompt, answer.item_title, answer.check_type,
            answer.expected, answer.threshold, answer.date_seen, answer.ok, answer.count, answer.zone,
            answer.pressure_mpa, answer.answered_by_id)


def test_a_station_check_from_the_phone_is_the_kiosks_check(township_app, station):
    phone = enrol(township_app, enrolment_url(station, township_app, "李伟"))
    data = phone.get("/phone/data.json").json
    steps = data["station"]["steps"]
    assert len(steps) > 20 and {s["type"] for s in steps} >= {"count", "gauge", "ok_fault", "pressure", "date"}
    fault = next(s for s in steps if s["type"] == "ok_fault" and s["title"].startswith("灭火器"))
    client_id = str(uuid.uuid4())

    r = _deliver_check(phone, data, client_id, _answers(steps, fault["key"]))
    assert r.status_code == 201, r.text

    from kiosk.context import Actor
    from kiosk.hazards.models import Hazard
    from kiosk.station import service
    from kiosk.station.checklist import steps_for
    from kiosk.station.models import StationCheck, StationCheckAnswer
    with township_app.test_request_context():
        check = db.session.get(StationCheck, client_id)
        assert (check.status, check.faults, check.total_steps, check.started_by_name) == ("complete", 1, len(steps),
                                                                                        "李伟")
        hazard = db.session.scalar(db.select(Hazard).where(Hazard.found_by_id == client_id))
        assert hazard.source == "station_check" and hazard.category == "equipment"
        faulty = next(a for a in check.answers if a.ok is False)
        assert faulty.step_key == fault["key"] and faulty.hazard_id == hazard.id

        # the same check tapped through on the kiosk, step by step
        person = check.started_by_id
        actor = Actor(person, "李伟", "person")
        check.station.id  # noqa: B018  (loaded before the kiosk's check starts)
        kiosk_check = service.start_check(check.station, client_id=str(uuid.uuid4()), reason="monthly", actor=actor)
        db.session.flush()
        for step in steps_for(kiosk_check):
            fields = {"result": "fault"} if step.key == fault["key"] else IN_ORDER[step.check_type]
            service.save_answer(kiosk_check, step, service.parse_answer(step, fields), actor)
        service.finish_check(kiosk_check, incomplete_ok=False, actor=actor)
        db.session.commit()
        rows = {c: db.session.scalars(db.select(StationCheckAnswer).where(StationCheckAnswer.check_id == c)
                                      .order_by(StationCheckAnswer.position)).all()
                for c in (client_id, kiosk_check.id)}
        assert [_columns(a) for a in rows[client_id]] == [_columns(a) for a in rows[kiosk_check.id]]
        # the fault joins the hazard the phone's check opened, as a second kiosk check would
        assert next(a for a in rows[kiosk_check.id] if a.ok is False).hazard_id == hazard.id
        checks = db.session.scalar(db.select(db.func.count()).select_from(StationCheck))

    again = _deliver_check(phone, data, client_id, _answers(steps, fault["key"]))
    assert again.status_code == 200 and again.json["status"] == "already"
    with township_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(StationCheck)) == checks


def test_a_station_check_the_township_cannot_read_is_refused_with_its_reason(township_app, station):
    phone = enrol(township_app, enrolment_url(station, township_app, "李伟"))
    data = phone.get("/phone/data.json").json
    steps = data["station"]["steps"]
    pressure = next(s for s in steps if s["type"] == "pressure")
    some = next(s for s in steps if s["type"] == "ok_fault")["key"]
    answers = {**_answers(steps, some), pressure["key"]: {"pressure": "99"}}
    r = _deliver_check(phone, data, str(uuid.uuid4()), answers)
    assert r.status_code == 422 and "40" in r.json["message"]
    assert _deliver_check(phone, data, str(uuid.uuid4()), ["not", "a", "check"]).status_code == 422
    foreign = {**data, "station": {**data["station"], "township_template_id": str(uuid.uuid4())}}
    assert _deliver_check(phone, foreign, str(uuid.uuid4()), _answers(steps, some)).status_code == 422
    from kiosk.station.models import StationCheck
    with township_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(StationCheck)
                                 .where(StationCheck.started_by_name == "李伟")) == 0


def test_a_door_to_door_visit_from_the_phone(township_app, station):
    phone = enrol(township_app, enrolment_url(station, township_app, "李伟"))
    data = phone.get("/phone/data.json").json
    household = data["households"][0]
    assert set(household) == {"id", "number", "head", "group", "note"}  # no phone numbers on the phone
    from kiosk.context import local_today
    with township_app.app_context():
        today = local_today().isoformat()
    client_id = str(uuid.uuid4())
    visit = {"client_id": client_id, "household_id": household["id"], "visited_on": today, "visitors": "李伟",
             "topics": ["ebike", "gas"], "hazards-0-category": "ebike", "hazards-0-description": "楼道充电",
             "hazards-0-fixed_on_spot": "y", "note": "老人独居"}
    r = phone.post("/phone/api/visits", headers=APP, data=visit)
    assert r.status_code == 201, r.text
    assert phone.post("/phone/api/visits", headers=APP, data=visit).json["status"] == "already"
    from kiosk.hazards.models import Hazard
    from kiosk.pacts.models import DoorVisit
    with township_app.app_context():
        stored = db.session.get(DoorVisit, client_id)
        assert stored.topics == ["ebike", "gas"] and stored.hazards_found == 1 and stored.village_id == DEMO_VILLAGE
        assert db.session.scalar(db.select(db.func.count()).select_from(Hazard)
                                 .where(Hazard.found_by_id == client_id)) == 1
    refused = phone.post("/phone/api/visits", headers=APP, data={**visit, "client_id": str(uuid.uuid4()),
                                                                 "topics": []})
    assert refused.status_code == 422 and refused.json["errors"]["topics"]


def test_a_patrol_scanned_on_the_phone_makes_one_run(township_app, station):
    phone = enrol(township_app, enrolment_url(station, township_app, "李伟"))
    route = phone.get("/phone/data.json").json["routes"][0]
    first, second = route["checkpoints"][:2]
    run, started = str(uuid.uuid4()), int(time.time() * 1000) - 30 * 60_000

    def scan(point, minutes, client_id=None):
        return phone.post("/phone/api/patrol-scans", headers=APP, data={
            "client_id": client_id or str(uuid.uuid4()), "run": run, "route": route["id"], "code": point["code"],
            "started": started, "at": started + minutes * 60_000})

    one = str(uuid.uuid4())
    assert scan(first, 1, one).status_code == 201
    assert scan(first, 1, one).json["status"] == "already"  # the same scan delivered again
    assert scan(first, 5).json["status"] == "already"  # the plate scanned again: its first time stays
    assert scan(second, 12).status_code == 201
    end = {"client_id": run, "route": route["id"], "started": started, "ended": started + 25 * 60_000,
           "note": "一切正常"}
    assert phone.post("/phone/api/patrol-ends", headers=APP, data=end).status_code == 201
    assert phone.post("/phone/api/patrol-ends", headers=APP, data=end).json["status"] == "already"

    from kiosk.patrols.models import PatrolRun, PatrolVisit
    with township_app.app_context():
        stored = db.session.get(PatrolRun, run)
        assert stored.ended_at is not None and stored.note == "一切正常" and stored.recorded_by_name == "李伟"
        visits = db.session.scalars(db.select(PatrolVisit).where(PatrolVisit.run_id == run)).all()
        assert sorted(v.checkpoint_name for v in visits) == sorted([first["name"], second["name"]])
        assert {v.method for v in visits} == {"scan"}

    # a time the phone's clock cannot have given, and a plate of no checkpoint
    assert phone.post("/phone/api/patrol-scans", headers=APP, data={
        "client_id": str(uuid.uuid4()), "run": str(uuid.uuid4()), "code": first["code"], "started": "9" * 20,
        "at": "soon"}).status_code == 422
    assert phone.post("/phone/api/patrol-scans", headers=APP, data={
        "client_id": str(uuid.uuid4()), "run": str(uuid.uuid4()), "code": "ZZZZZZ", "started": started,
        "at": started}).status_code == 422


def test_a_plate_scanned_by_an_enrolled_phone_opens_the_patrol(township_app, station):
    phone = enrol(township_app, enrolment_url(station, township_app, "李伟"))
    code = phone.get("/phone/data.json").json["routes"][0]["checkpoints"][0]["code"]
    r = phone.get(f"/N/{code}")
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/phone/patrol#{code}")
    assert township_app.test_client().get(f"/N/{code}").status_code == 200  # a resident: the plate's page
