"""The micro fire station: a volunteer logs the monthly check on the touchscreen, the committee sees
whether the station is ready, faults land in the hazard register."""
from __future__ import annotations

import datetime as dt

from kiosk.extensions import db
from kiosk.station.models import Station, StationCheck, StationCheckAnswer, StationItem
from tests.edit_forms import opened

from .helpers import (GOOD, answer, answer_all, answers, start_check, station, station_hazards, steps,
                      tile_badge)


# ---- the demo station -----------------------------------------------------------------------------

def test_the_demo_station_is_stocked_and_its_check_is_overdue(committee, app):
    assert tile_badge(committee) == "检查逾期"
    page = committee.get("/station/inventory").get_data(as_text=True)
    for spec in ("13-65-20", "QZ3.5/7.5", "MF/ABC2", "RHZKF6.8/30", "拉梯 6 m 二节"):
        assert spec in page
    for group in ("灭火", "防护", "破拆", "通讯"):
        assert group in page
    status = committee.get("/station/").get_data(as_text=True)
    assert "逾期未检" in status and "李伟" in status and "0577-63712119" in status
    # escape hoods expire within 30 days; the team has fewer than five trained members besides the chief
    assert "逃生面罩" in status
    assert "队伍人数不足" in status


def test_a_check_has_about_thirty_steps_walking_shelf_by_shelf(volunteer, app):
    check_id = start_check(volunteer)
    walk = steps(app, check_id)
    assert 28 <= len(walk) <= 36
    kinds = [kind for _key, _t, kind, _e, _c in walk]
    assert kinds.index("extinguisher") < kinds.index("breathing_apparatus") < kinds.index("radio")
    types = {t for _k, t, *_ in walk}
    assert types == {"ok_fault", "count", "gauge", "pressure", "date"}
    # the breathing apparatus is checked against 20 MPa
    from kiosk.station.checklist import steps_for
    with app.app_context():
        pressure = [s for s in steps_for(db.session.get(StationCheck, check_id)) if s.check_type == "pressure"]
        assert [s.threshold for s in pressure] == [20.0]


# ---- logging a check ------------------------------------------------------------------------------

def test_every_answer_is_saved_as_it_is_given_and_a_new_answer_replaces_it(volunteer, app):
    check_id = start_check(volunteer)
    walk = steps(app, check_id)
    key, ctype, *_ = walk[0]
    assert ctype == "count"
    response = answer(volunteer, check_id, key, {"result": "count", "count": "0"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(walk[1][0])  # on to the next step
    assert [(a.step_key, a.count, a.ok) for a in answers(app, check_id)] == [(key, 0, False)]
    answer(volunteer, check_id, key, {"result": "all"})
    rows = answers(app, check_id)
    assert len(rows) == 1 and rows[0].ok is True and rows[0].count == walk[0][3]


def test_an_htmx_answer_swaps_in_the_next_step(volunteer, app):
    check_id = start_check(volunteer)
    walk = steps(app, check_id)
    response = volunteer.post(f"/station/checks/{check_id}/step/{walk[0][0]}", data={"result": "all"},
                              headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'data-step-key="{walk[1][0]}"' in body and "<html" not in body
    assert "第 2 项，共" in body


def test_a_volunteer_completes_a_check_with_two_faults_and_the_readiness_badge_changes(volunteer, app):
    assert tile_badge(volunteer) == "检查逾期"
    check_id = start_check(volunteer)
    answer_all(volunteer, app, check_id, special={
        ("ext_gauge", "extinguisher"): {"zone": "red"},
        ("ba_pressure", "breathing_apparatus"): {"pressure": "18.5"},
    })
    response = volunteer.post(f"/station/checks/{check_id}/finish")
    assert response.status_code == 303
    record = volunteer.get(f"/station/checks/{check_id}").get_data(as_text=True)
    assert 'data-status="complete"' in record and "18.5 兆帕" in record and "红区" in record
    assert tile_badge(volunteer) == "2 项故障"

    hazards = station_hazards(app)
    assert len(hazards) == 2
    for hazard in hazards:
        assert hazard.category == "equipment" and hazard.subject_kind == "station_item"
        assert hazard.status == "reported" and hazard.due_at is not None and hazard.subject_id
        assert hazard.found_by_kind == "station_check" and hazard.found_by_id == check_id
    assert {h.severity for h in hazards} == {"minor", "serious"}  # low breathing air is serious
    register = volunteer.get("/hazards/").get_data(as_text=True)
    assert register.count("微型消防站器材检查") == 2
    with app.app_context():
        check = db.session.get(StationCheck, check_id)
        assert (check.status, check.faults, check.unanswered) == ("complete", 2, 0)
        assert check.total_steps == len(steps(app, check_id))


def test_missing_items_open_a_hazard_and_correct_the_inventory(volunteer, app):
    check_id = start_check(volunteer)
    with app.app_context():
        hoses = db.session.scalar(db.select(StationItem).where(StationItem.kind == "hose"))
        assert hoses.quantity == 10
        hose_id = hoses.id
    answer_all(volunteer, app, check_id, special={("count", "hose"): {"result": "count", "count": "8"}})
    volunteer.post(f"/station/checks/{check_id}/finish")
    with app.app_context():
        assert db.session.get(StationItem, hose_id).quantity == 8
    (hazard,) = station_hazards(app)
    assert hazard.subject_id == hose_id and "缺 2" in hazard.description
    # the next check expects what is really on the shelf; the shortage stays open in the register
    second = start_check(volunteer)
    hose_step = [s for s in steps(app, second) if s[2] == "hose" and s[1] == "count"][0]
    assert hose_step[3] == 8


def test_the_same_fault_found_again_joins_the_open_hazard(volunteer, app):
    for _ in range(2):
        check_id = start_check(volunteer)
        answer_all(volunteer, app, check_id, special={("radio_charged", "radio"): {"result": "fault"}})
        volunteer.post(f"/station/checks/{check_id}/finish")
    assert len(station_hazards(app)) == 1
    assert tile_badge(volunteer) == "1 项故障"


def test_replayed_posts_never_duplicate(volunteer, app):
    made_here = "01890000-0000-7000-8000-000000000001"
    first = start_check(volunteer, client_id=made_here)
    assert first == made_here
    assert start_check(volunteer, client_id=made_here) == made_here
    assert start_check(volunteer) == made_here  # one check at a time: a second start resumes it
    walk = steps(app, made_here)
    for _ in range(3):
        answer(volunteer, made_here, walk[0][0], {"result": "all"})
    assert len(answers(app, made_here)) == 1
    answer_all(volunteer, app, made_here, special={("ladder_state", "ladder"): {"result": "fault"}})
    for _ in range(2):
        response = volunteer.post(f"/station/checks/{made_here}/finish")
        assert response.status_code == 303
    assert len(station_hazards(app)) == 1
    assert len(answers(app, made_here)) == len(walk)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(StationCheck)
                                 .where(StationCheck.status == "in_progress")) == 0


def test_a_finished_check_cannot_be_changed(volunteer, app):
    check_id = start_check(volunteer)
    answer_all(volunteer, app, check_id)
    volunteer.post(f"/station/checks/{check_id}/finish")
    before = {(a.step_key, a.ok, a.version) for a in answers(app, check_id)}
    key = steps(app, check_id)[0][0]
    response = answer(volunteer, check_id, key, {"result": "count", "count": "0"})
    assert response.status_code == 303 and response.headers["Location"].endswith(check_id)
    assert "此次检查已结束，不能再修改" in volunteer.get(response.headers["Location"]).get_data(as_text=True)
    htmx = volunteer.post(f"/station/checks/{check_id}/step/{key}", data={"result": "all"},
                          headers={"HX-Request": "true"})
    assert htmx.status_code == 204 and htmx.headers["HX-Redirect"].endswith(check_id)
    assert {(a.step_key, a.ok, a.version) for a in answers(app, check_id)} == before


# ---- bad input ------------------------------------------------------------------------------------

def _step_of(app, check_id, ctype):
    return next(s for s in steps(app, check_id) if s[1] == ctype)


def test_pressure_must_be_a_number_of_mpa(volunteer, app):
    check_id = start_check(volunteer)
    key = _step_of(app, check_id, "pressure")[0]
    for bad, message in (("abc", "请输入压力读数（兆帕）"), ("", "请输入压力读数（兆帕）"),
                         ("-3", "请重新读表"), ("95", "请重新读表"), ("nan", "请输入压力读数（兆帕）")):
        response = answer(volunteer, check_id, key, {"pressure": bad})
        assert response.status_code == 422, bad
        body = response.get_data(as_text=True)
        assert message in body and 'role="alert"' in body
        assert f'value="{bad}"' in body  # what was typed stays on the pad
    assert answers(app, check_id) == []
    assert answer(volunteer, check_id, key, {"pressure": "27,5"}).status_code == 303
    assert answers(app, check_id)[0].pressure_mpa == 27.5


def test_counts_cannot_be_negative_or_words(volunteer, app):
    check_id = start_check(volunteer)
    key = _step_of(app, check_id, "count")[0]
    for bad, message in (("-1", "数量不能为负数"), ("three", "请用整数填写在位数量"), ("", "请用整数填写在位数量")):
        response = answer(volunteer, check_id, key, {"result": "count", "count": bad})
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert answers(app, check_id) == []


def test_unknown_answers_are_refused(volunteer, app):
    check_id = start_check(volunteer)
    gauge = _step_of(app, check_id, "gauge")[0]
    assert answer(volunteer, check_id, gauge, {"zone": "purple"}).status_code == 422
    okf = _step_of(app, check_id, "ok_fault")[0]
    assert answer(volunteer, check_id, okf, {"result": "maybe"}).status_code == 422
    assert answer(volunteer, check_id, "no-such-step", {"result": "ok"}).status_code == 404
    assert answers(app, check_id) == []


def test_a_date_already_past_cannot_be_confirmed_as_valid(volunteer, app):
    with app.app_context():
        hood = db.session.scalar(db.select(StationItem).where(StationItem.kind == "escape_hood"))
        hood.expires_on = dt.date(2020, 1, 31)
        db.session.commit()
    check_id = start_check(volunteer)
    key = next(s[0] for s in steps(app, check_id) if s[1] == "date" and s[2] == "escape_hood")
    response = answer(volunteer, check_id, key, {"result": "ok"})
    assert response.status_code == 422 and "2020-01-31" in response.get_data(as_text=True)
    assert answer(volunteer, check_id, key, {"result": "fault"}).status_code == 303


def test_finishing_with_unanswered_items_is_allowed_only_as_incomplete(volunteer, app):
    check_id = start_check(volunteer)
    walk = steps(app, check_id)
    for key, ctype, *_ in walk[:5]:
        answer(volunteer, check_id, key, GOOD[ctype])
    response = volunteer.post(f"/station/checks/{check_id}/finish")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"还有 {len(walk) - 5} 项未回答" in body and "按未完成结束" in body
    with app.app_context():
        assert db.session.get(StationCheck, check_id).status == "in_progress"
    assert len(answers(app, check_id)) == 5

    response = volunteer.post(f"/station/checks/{check_id}/finish", data={"as_incomplete": "1"})
    assert response.status_code == 303
    with app.app_context():
        check = db.session.get(StationCheck, check_id)
        assert (check.status, check.unanswered) == ("incomplete", len(walk) - 5)
    rows = answers(app, check_id)
    assert len(rows) == len(walk) and sum(1 for r in rows if r.ok is None) == len(walk) - 5
    assert "未回答" in volunteer.get(f"/station/checks/{check_id}").get_data(as_text=True)
    # an incomplete check does not count as the month's check
    assert tile_badge(volunteer) == "检查逾期"


def test_a_new_item_cannot_be_put_into_service_already_expired(committee, app):
    before = _count(app, StationItem)
    response = committee.post("/station/inventory/new", data={
        "kind": "extinguisher", "spec": "MF/ABC4", "quantity": "6", "expires_on": "2020-05-01"})
    assert response.status_code == 422
    assert "该日期已过" in response.get_data(as_text=True)
    response = committee.post("/station/inventory/new", data={"kind": "extinguisher", "quantity": "-2"})
    assert response.status_code == 422 and "数量应为 0 到 9999 的整数" in response.get_data(as_text=True)
    response = committee.post("/station/inventory/new", data={"kind": "extinguisher", "quantity": "2",
                                                              "expires_on": "next year"})
    assert response.status_code == 422 and "请按“年-月-日”填写日期" in response.get_data(as_text=True)
    assert _count(app, StationItem) == before
    future = (dt.date.today() + dt.timedelta(days=365)).isoformat()
    response = committee.post("/station/inventory/new", data={
        "kind": "extinguisher", "spec": "MF/ABC4", "quantity": "6", "label": "MF4-01～06", "expires_on": future})
    assert response.status_code == 303
    assert _count(app, StationItem) == before + 1
    assert "MF4-01～06" in committee.get("/station/inventory").get_data(as_text=True)


def test_an_existing_items_past_date_may_be_recorded_as_it_is(committee, app):
    with app.app_context():
        hood_id = db.session.scalar(db.select(StationItem.id).where(StationItem.kind == "escape_hood"))
    response = committee.post(f"/station/inventory/{hood_id}/edit", data={
        "kind": "escape_hood", "spec": "TZL30", "quantity": "6", "expires_on": "2024-03-01",
        **opened(committee, f"/station/inventory/{hood_id}/edit")})
    assert response.status_code == 303
    assert "已过期" in committee.get("/station/inventory").get_data(as_text=True)
    assert tile_badge(committee) == "检查逾期"


def _count(app, model):
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model).where(model.deleted.is_(False)))


# ---- checklist templates --------------------------------------------------------------------------

def test_the_village_adds_its_own_item_in_a_new_edition(committee, app):
    running = start_check(committee)
    response = committee.post("/station/checklist", data={
        "prompt": "站门钥匙在村委会值班室", "check_type": "ok_fault", "kind": ""})
    assert response.status_code == 303
    page = committee.get("/station/checklist").get_data(as_text=True)
    assert "站门钥匙在村委会值班室" in page and "第 1 版" in page
    # the check already under way keeps the edition it started with
    assert all(s[4] is not None for s in steps(app, running))
    answer_all(committee, app, running)
    committee.post(f"/station/checks/{running}/finish")
    later = start_check(committee)
    last = steps(app, later)[-1]
    assert last[4] is None and last[2] is None  # the village's own item, for the station as a whole
    from kiosk.station.checklist import current_template
    with app.app_context():
        own = current_template("330326100201", "village")
        item_id = own.items[0].id
    committee.post(f"/station/checklist/{item_id}/remove", data={"confirm": "yes"})
    with app.app_context():
        own = current_template("330326100201", "village")
        assert own.edition == 2 and own.items == []


def test_a_checklist_item_needs_what_its_check_type_needs(committee, app):
    for data, message in (
            ({"prompt": "", "check_type": "ok_fault"}, "请写明检查什么"),
            ({"prompt": "数量", "check_type": "count", "kind": ""}, "数量或日期检查须指明器材"),
            ({"prompt": "压力", "check_type": "pressure", "kind": "breathing_apparatus"}, "请输入最低可接受压力"),
            ({"prompt": "压力", "check_type": "pressure", "kind": "breathing_apparatus", "threshold": "abc"},
             "请输入数字")):
        response = committee.post("/station/checklist", data=data)
        assert response.status_code == 422 and message in response.get_data(as_text=True), data


def test_the_township_default_is_issued_once_per_edition(runner, app):
    result = runner.invoke(args=["station", "seed-checklist", "--township", "330326100"])
    assert "0 checklist editions issued" in result.output
    result = runner.invoke(args=["station", "seed-checklist", "--township", "330326101"])
    assert "1 checklist editions issued" in result.output
    from kiosk.station.checklist import current_template
    with app.app_context():
        template = current_template("330326101", "township")
        assert template.edition == 1 and template.village_id == "330326101"
        assert any(i.check_type == "pressure" and i.threshold == 20.0 for i in template.items)


# ---- status, history, records ---------------------------------------------------------------------

def test_team_size_is_judged_against_the_standard(committee, app):
    from kiosk.station.service import readiness
    from kiosk.village import Person
    with app.app_context():
        s = db.session.get(Station, station(app).id)
        ready = readiness(s)
        assert ready.chief.name == "李伟" and ready.trained == 3 and ready.team_short
        for name in ("陈小华", "苏永强"):
            db.session.add(Person(village_id=s.village_id, name=name, duties=["volunteer"], trained=True))
        db.session.commit()
        assert not readiness(s).team_short


def test_a_check_is_monthly_and_becomes_due_again(volunteer, app):
    from kiosk.station.service import readiness
    check_id = start_check(volunteer)
    answer_all(volunteer, app, check_id)
    volunteer.post(f"/station/checks/{check_id}/finish")
    with app.app_context():
        s = db.session.get(Station, station(app).id)
        ready = readiness(s)
        from kiosk.context import local_day
        # due a month after the village's day of the check (its UTC date is a day behind after midnight)
        assert not ready.overdue and (ready.due_on - local_day(ready.last_check.finished_at)).days == 30
    # no faults, escape hoods still expiring within 30 days
    assert tile_badge(volunteer) == "1 项将到期"


def test_history_per_item_and_per_check_and_a_printable_record(volunteer, app):
    check_id = start_check(volunteer)
    answer_all(volunteer, app, check_id, special={("count", "axe"): {"result": "count", "count": "0"}})
    volunteer.post(f"/station/checks/{check_id}/finish")
    with app.app_context():
        axe_id = db.session.scalar(db.select(StationItem.id).where(StationItem.kind == "axe"))
    item = volunteer.get(f"/station/inventory/{axe_id}").get_data(as_text=True)
    assert item.count("全部在位") >= 2  # the demo's earlier checks and this one
    assert "0/1 在位，缺 1" in item
    history = volunteer.get("/station/checks").get_data(as_text=True)
    assert history.count("/station/checks/") >= 3 and "1 项故障" in history
    sheet = volunteer.get(f"/station/checks/{check_id}/print")
    body = sheet.get_data(as_text=True)
    assert sheet.status_code == 200 and "器材检查记录" in body and "站长（签字）" in body
    assert body.count("<tr>") >= len(steps(app, check_id))


def test_only_the_organisation_sees_the_station_and_only_the_committee_manages_it(client, auth, app):
    assert client.get("/station/").status_code == 302
    auth.sign_in("李伟")
    assert client.get("/station/").status_code == 200
    assert client.get("/station/inventory/new").status_code == 403
    assert client.get("/station/edit").status_code == 403
    assert client.post("/station/checklist", data={"prompt": "x", "check_type": "ok_fault"}).status_code == 403


def test_the_committee_edits_the_station(committee, app):
    people = {p.name: p.id for p in _people(app)}
    response = committee.post("/station/edit", data={
        "name": "城东村微型消防站", "location": "村委会一楼", "chief_id": people["黄志强"],
        "duty_phone": "abc", "check_interval_days": "30"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "电话号码" in body and 'role="alert"' in body
    response = committee.post("/station/edit", data={
        "name": "城东村微型消防站", "location": "村委会一楼", "chief_id": people["黄志强"],
        "duty_phone": "0577-63712119", "check_interval_days": "14", **opened(committee, "/station/edit")})
    assert response.status_code == 303
    assert station(app).chief_id == people["黄志强"] and station(app).check_interval_days == 14


def _people(app):
    from kiosk.village import Person
    with app.app_context():
        rows = db.session.scalars(db.select(Person)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def test_station_tables_stand_on_the_synced_record_base(app):
    from kiosk.records import SyncedRecord
    from kiosk.station.models import ChecklistItem, ChecklistTemplate
    for model in (Station, StationItem, ChecklistTemplate, ChecklistItem, StationCheck, StationCheckAnswer):
        assert issubclass(model, SyncedRecord)
    with app.app_context():
        template = db.session.scalar(db.select(ChecklistTemplate))
        assert template.village_id == "330326100" and template.scope == "township"  # township-wide
        assert db.session.scalar(db.select(StationItem)).village_id == "330326100201"
