"""Answers to warnings: a committee member says what the village did, with the records it made (a
patrol, a broadcast, visits); the township sees answers per warning and per village, and corrects or
withdraws what it issued — a withdrawn warning leaves the board and the banner."""
from __future__ import annotations

import re

from kiosk.extensions import db
from kiosk.warnings.models import Warning, WarningAnswer, WarningReceipt
from tests.conftest import DEMO_VILLAGE, NEIGHBOURS, add_staff, add_villages, sign_in_staff
from tests.patrols.helpers import demo_route, recent_patrol, run_data
from tests.statements import summaries_for

from .test_warnings import GALE, banner, issue, warning_titled


def issued_hours_ago(app, title, hours=3) -> str:
    import datetime as dt
    from kiosk.records import utcnow
    warning_id = issue(app, title)
    with app.app_context():
        db.session.get(Warning, warning_id).issued_at = utcnow() - dt.timedelta(hours=hours)
        db.session.commit()
    return warning_id


def patrol_now(app, client) -> str:
    """A patrol recorded after the warning came (it ended half an hour ago): its run id."""
    night, start, end = recent_patrol(app)
    route_id, points = demo_route(app)
    response = client.post(f"/patrols/routes/{route_id}/runs/new",
                           data=run_data(app, night, start=start, end=end, reached=[(points[0][0], start)]))
    assert response.status_code == 303, response.get_data(as_text=True)[:1500]
    return response.headers["Location"].rsplit("/", 1)[-1]


def offered(client, warning_id) -> list[str]:
    page = client.get(f"/warnings/{warning_id}/answer").get_data(as_text=True)
    return re.findall(r'name="links" type="checkbox" value="([^"]+)"', page)


def test_a_committee_member_answers_with_a_patrol_made_since_the_warning(app, committee):
    warning_id = issued_hours_ago(app, "今晚起开展夜间巡查")
    run_id = patrol_now(app, committee)
    assert f"patrol_run:{run_id}" in offered(committee, warning_id)
    response = committee.post(f"/warnings/{warning_id}/answer", data={
        "actions": ["patrol", "broadcast"], "links": [f"patrol_run:{run_id}"], "note": "每晚巡查"})
    assert response.status_code == 303
    with app.app_context():
        [answer] = db.session.scalars(db.select(WarningAnswer).where(WarningAnswer.warning_id == warning_id)).all()
        assert answer.actions == ["broadcast", "patrol"] and answer.links[0]["kind"] == "patrol_run"
        assert answer.person_name == "陈建国" and answer.village_id == DEMO_VILLAGE
        # answering is reading: the receipt came with it
        assert db.session.scalar(db.select(WarningReceipt).where(WarningReceipt.warning_id == warning_id))
    page = committee.get(f"/warnings/{warning_id}").get_data(as_text=True)
    assert "本村落实情况" in page and "开展巡查" in page and f"/patrols/runs/{run_id}" in page


def test_an_answer_names_only_records_the_village_offers(app, committee):
    warning_id = issue(app, "检查出租房")
    response = committee.post(f"/warnings/{warning_id}/answer", data={
        "actions": ["inspection"], "links": ["patrol_run:0190a0a0-0000-7000-8000-000000000000"]})
    assert response.status_code == 422 and "请选择本村在预警发出后登记的记录" in response.get_data(as_text=True)
    empty = committee.post(f"/warnings/{warning_id}/answer", data={})
    assert empty.status_code == 422 and "请点选本村做了什么" in empty.get_data(as_text=True)


def test_a_volunteer_does_not_answer_for_the_village(app, volunteer):
    warning_id = issue(app, "检查出租房")
    assert volunteer.post(f"/warnings/{warning_id}/answer", data={"actions": ["patrol"]}).status_code == 403


def test_the_township_sees_answers_per_warning_and_per_village(township_app):
    """The village's answer as replication delivers it to the township."""
    add_villages(township_app)
    warning_id = issue(township_app, "冬季巡查")
    with township_app.test_request_context():
        from kiosk.records import uuid7
        from kiosk.village import Person, Village
        from kiosk.warnings import service
        chen = db.session.scalar(db.select(Person).where(Person.name == "陈建国"))
        service.answer(db.session.get(Warning, warning_id), db.session.get(Village, DEMO_VILLAGE), chen, uuid7(),
                       actions=["patrol"], links=[{"kind": "patrol_run", "id": uuid7(),
                                                   "label": "12月1日 晚夜间巡查：城东出租房片区，黄志强"}],
                       note="", photos=[])
        db.session.commit()
    staff = sign_in_staff(township_app.test_client(), add_staff(township_app, "reader"))
    page = staff.get(f"/warnings/township/{warning_id}").get_data(as_text=True)
    answers = page.split('id="warning-answers"')[1].split("</section>")[0]
    assert "城东村" in answers and "开展巡查" in answers and "夜间巡查" in answers
    assert "1 个村已答复" in staff.get("/warnings/township/").get_data(as_text=True)
    village = staff.get(f"/warnings/township/village/{DEMO_VILLAGE}").get_data(as_text=True)
    assert "冬季巡查" in village and "已答复" in village
    assert staff.get("/warnings/township/village/330326101201").status_code == 404  # not its township
    one, few = summaries_for(township_app, "warnings", [DEMO_VILLAGE])
    many, more = summaries_for(township_app, "warnings", [DEMO_VILLAGE, *NEIGHBOURS])
    assert many[DEMO_VILLAGE]["unanswered"] == one[DEMO_VILLAGE]["unanswered"]
    assert many[list(NEIGHBOURS)[0]]["unanswered"] >= 1 and few == more


def test_a_withdrawn_warning_leaves_the_board_and_the_banner(app, client, committee):
    gale = warning_titled(app, GALE)
    assert GALE in banner(client.get("/").get_data(as_text=True))
    with app.app_context():
        from kiosk.warnings import service
        service.withdraw_warning(db.session.get(Warning, gale.id), "险情已解除")
        db.session.commit()
    assert GALE not in banner(client.get("/").get_data(as_text=True))
    assert GALE not in client.get("/board").get_data(as_text=True)
    listed = client.get("/warnings/").get_data(as_text=True)
    assert GALE in listed and "已撤销" in listed.split(GALE)[1][:600]
    page = committee.get(f"/warnings/{gale.id}").get_data(as_text=True)
    assert "镇里已于" in page and "险情已解除" in page and "答复：本村落实情况" not in page
    assert committee.get(f"/warnings/{gale.id}/answer").status_code == 404


def test_township_staff_correct_and_withdraw_what_they_issued(township_app, station):
    add_villages(township_app)
    gale = warning_titled(township_app, GALE)
    page = station.get(f"/warnings/township/{gale.id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    response = station.post(f"/warnings/township/{gale.id}/edit", data={
        "version": version, "kind": "immediate", "title": GALE + "（更正）", "body": "阵风可达10级。"})
    assert response.status_code == 303
    with township_app.app_context():
        corrected = db.session.get(Warning, gale.id)
        assert (corrected.revision, corrected.title, corrected.corrected_at is not None) == (2, GALE + "（更正）", True)
    # a correction over a version that changed meanwhile is refused
    stale = station.post(f"/warnings/township/{gale.id}/edit", data={
        "version": version, "kind": "immediate", "title": "旧", "body": "旧"})
    assert stale.status_code == 422
    assert station.post(f"/warnings/township/{gale.id}/withdraw", data={"reason": ""}).status_code == 422
    assert station.post(f"/warnings/township/{gale.id}/withdraw", data={"reason": "误发"}).status_code == 303
    shown = station.get(f"/warnings/township/{gale.id}").get_data(as_text=True)
    assert "误发" in shown and "撤回此预警" not in shown
    other = sign_in_staff(township_app.test_client(), add_staff(township_app, "lin", "330326101"))
    assert other.post(f"/warnings/township/{gale.id}/withdraw", data={"reason": "x"}).status_code == 404
