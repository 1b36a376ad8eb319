"""The hazard register at the kiosk: the committee records what it finds, and every hazard walks the
closed loop — acknowledged, assigned, fixed with an after-photo, checked by someone else — by touch
steps that are facts; the lists show where each one stands."""
from __future__ import annotations

import datetime as dt
import re
import uuid

from kiosk.extensions import db
from kiosk.hazards import service
from kiosk.hazards.models import Hazard
from kiosk.hazards.service import Who
from tests.conftest import DEMO_VILLAGE

from .helpers import act, cached, code_of, facts, new_hazard, person_id, photo, standing

MANAGER = "林海燕"   # fire-safety manager, committee
VOLUNTEER = "李伟"   # volunteer firefighter, station chief


def hazard_at(app, location) -> Hazard:
    with app.app_context():
        return db.session.scalar(Hazard.live().where(Hazard.location == location))


def ids_listed(page: str) -> list[str]:
    return re.findall(r'data-hazard="([0-9a-f-]{36})"', page)


def counts(page: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-tab="(\w+)"[^>]*>[^<]*<span class="hz-count[^"]*">(\d+)', page)}


def test_a_volunteer_records_a_hazard_and_finds_it_in_the_register(app, volunteer):
    response = volunteer.post("/hazards/new", data={"category": "ebike", "location": "  3组05号楼道  ",
                                                    "description": "电动车停在楼道里充电", "severity": "serious"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/hazards/")
    hazard = hazard_at(app, "3组05号楼道")
    assert (hazard.village_id, hazard.source, hazard.severity, hazard.status) == (
        DEMO_VILLAGE, "committee", "serious", "reported")
    # the "3030" profile: acknowledged within 30 minutes, a serious one fixed within 7 days
    d = standing(app, hazard.id)
    assert d.respond_by - d.reported_at == dt.timedelta(minutes=30)
    assert d.fix_due - d.reported_at == dt.timedelta(days=7)
    assert facts(app, hazard.id) == []  # the hazard itself is the report
    register = volunteer.get("/hazards/").get_data(as_text=True)
    assert "隐患已登记" in register and "3组05号楼道" in register


def test_a_hazard_without_a_place_is_explained_and_not_recorded(app, volunteer):
    response = volunteer.post("/hazards/new", data={"category": "ebike", "location": "  ", "severity": "minor"})
    assert response.status_code == 422 and "请填写隐患位置" in response.get_data(as_text=True)
    wrong = volunteer.post("/hazards/new", data={"category": "dragons", "location": "村口", "severity": "minor"})
    assert wrong.status_code == 422 and "请选择其中一项" in wrong.get_data(as_text=True)
    assert hazard_at(app, "村口") is None


def test_the_loop_acknowledged_assigned_fixed_with_a_photo_and_checked_by_someone_else(app, auth):
    hid = new_hazard(app, location="祠堂后门", category="blocked_passage")
    committee = auth.sign_in(MANAGER)
    tabs = counts(committee.get("/hazards/?tab=new").get_data(as_text=True))
    assert hid in ids_listed(committee.get("/hazards/?tab=new").get_data(as_text=True))

    assert committee.post(f"/hazards/{hid}/acknowledge").status_code == 303
    assert standing(app, hid).status == "acknowledged"
    assert committee.post(f"/hazards/{hid}/acknowledge").status_code == 303  # a second tap adds nothing
    assert facts(app, hid) == ["acknowledged"]

    volunteer_id = person_id(app, VOLUNTEER)
    assert committee.post(f"/hazards/{hid}/assign", data={"to": f"person:{volunteer_id}"}).status_code == 303
    d = standing(app, hid)
    assert (d.status, d.assignee_id, d.assignee_name, d.assignee_role) == ("assigned", volunteer_id, VOLUNTEER,
                                                                          "volunteer")
    after = counts(committee.get("/hazards/").get_data(as_text=True))
    assert after["new"] == tabs["new"] - 1

    volunteer = auth.sign_in(VOLUNTEER)
    assert hid in ids_listed(volunteer.get("/hazards/?tab=mine").get_data(as_text=True))
    response = volunteer.post(f"/hazards/{hid}/step/fix", data={"phrase": "cleared", "note": "杂物已清走",
                                                                 "photo": photo()},
                              content_type="multipart/form-data")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/hazards/{hid}")
    d = standing(app, hid)
    assert d.status == "fixed" and len(d.fixed_photo_sha256) == 64 and d.is_open
    assert hid in ids_listed(volunteer.get("/hazards/?tab=verify").get_data(as_text=True))

    committee = auth.sign_in(MANAGER)
    page = committee.get(f"/hazards/{hid}").get_data(as_text=True)
    assert 'data-step="verify"' in page and 'id="after-photo"' in page
    assert committee.post(f"/hazards/{hid}/step/verify", data={"phrase": "rechecked_on_site"}).status_code == 303
    d = standing(app, hid)
    assert (d.status, d.is_open) == ("verified", False)
    assert cached(app, hid).status == "verified"  # the local table the lists read follows at once
    closed = committee.get("/hazards/?tab=closed").get_data(as_text=True)
    assert hid in ids_listed(closed) and hid not in ids_listed(committee.get("/hazards/").get_data(as_text=True))
    timeline = committee.get(f"/hazards/{hid}").get_data(as_text=True)
    assert timeline.count('class="hz-fact') == 5  # the report and four facts and "杂物已清走" in timeline


def test_whoever_fixed_it_is_refused_to_check_it(app, auth):
    hid = new_hazard(app)
    committee = auth.sign_in(MANAGER)
    committee.post(f"/hazards/{hid}/step/fix", data={"phrase": "cleared"})
    page = committee.get(f"/hazards/{hid}").get_data(as_text=True)
    assert 'data-step="verify"' not in page  # not offered to whoever fixed it
    refused = committee.post(f"/hazards/{hid}/step/verify", data={"phrase": "rechecked_on_site"})
    assert refused.status_code == 422 and "您标记了整改完成" in refused.get_data(as_text=True)
    assert standing(app, hid).status == "fixed" and facts(app, hid) == ["fixed"]
    # someone else may
    assert auth.sign_in("陈建国").post(f"/hazards/{hid}/step/verify", data={}).status_code == 303
    assert standing(app, hid).status == "verified"


def test_an_after_photo_that_is_not_an_image_is_refused_and_nothing_is_recorded(app, volunteer):
    hid = new_hazard(app)
    response = volunteer.post(f"/hazards/{hid}/step/fix",
                              data={"phrase": "cleared", "photo": photo(b"%PDF-1.4 not a picture", "after.pdf")},
                              content_type="multipart/form-data")
    assert response.status_code == 422 and "该文件不是照片" in response.get_data(as_text=True)
    assert standing(app, hid).status == "reported" and facts(app, hid) == []


def test_a_sent_back_hazard_is_fixed_again(app, auth):
    hid = new_hazard(app)
    auth.sign_in(VOLUNTEER).post(f"/hazards/{hid}/step/fix", data={"phrase": "moved_outside"})
    committee = auth.sign_in(MANAGER)
    empty = committee.post(f"/hazards/{hid}/step/send-back", data={})
    assert empty.status_code == 422  # a reason, tapped or written
    assert committee.post(f"/hazards/{hid}/step/send-back", data={"phrase": "only_partly"}).status_code == 303
    d = standing(app, hid)
    assert (d.status, d.sent_back) == ("fixing", 1)
    refused = committee.post(f"/hazards/{hid}/step/verify", data={})
    assert refused.status_code == 422 and "只有已标记整改完成的隐患才能复查" in refused.get_data(as_text=True)
    assert standing(app, hid).status == "fixing"


def test_a_step_sent_twice_is_one_fact(app, volunteer):
    hid = new_hazard(app)
    same = str(uuid.uuid4())
    for _ in range(2):
        assert volunteer.post(f"/hazards/{hid}/step/progress",
                              data={"client_id": same, "phrase": "owner_informed"}).status_code == 303
    assert facts(app, hid) == ["progress"]


def test_a_minor_hazard_fixed_on_the_spot_is_one_tap_and_a_serious_one_needs_a_check(app, volunteer):
    minor = new_hazard(app, severity="minor")
    assert 'data-step="on_spot"' in volunteer.get(f"/hazards/{minor}").get_data(as_text=True)
    assert volunteer.post(f"/hazards/{minor}/on-the-spot").status_code == 303
    assert (standing(app, minor).status, hazard_at(app, "老街12号后门").fixed_on_spot) == ("closed", True)
    serious = new_hazard(app, severity="serious", location="液化气站")
    assert 'data-step="on_spot"' not in volunteer.get(f"/hazards/{serious}").get_data(as_text=True)
    assert volunteer.post(f"/hazards/{serious}/on-the-spot").status_code == 409
    assert standing(app, serious).is_open


def test_a_volunteer_takes_the_field_steps_but_not_the_committees(app, volunteer):
    hid = new_hazard(app)
    page = volunteer.get(f"/hazards/{hid}").get_data(as_text=True)
    assert 'data-step="fix"' in page and 'data-step="assign"' not in page and 'data-step="acknowledge"' not in page
    assert volunteer.post(f"/hazards/{hid}/acknowledge").status_code == 403
    assert volunteer.post(f"/hazards/{hid}/assign", data={"to": "party:owner"}).status_code == 403
    assert volunteer.post(f"/hazards/{hid}/notice", data={"days": "7"}).status_code == 403
    assert volunteer.post(f"/hazards/{hid}/step/escalate", data={"phrase": "overdue"}).status_code == 403
    assert facts(app, hid) == []


def test_nothing_of_another_village_is_reachable(app, committee):
    other = new_hazard(app, village="330326100202", location="西湾祠堂")
    for method, url, data in [("GET", f"/hazards/{other}", None), ("POST", f"/hazards/{other}/acknowledge", {}),
                              ("POST", f"/hazards/{other}/assign", {"to": "party:owner"}),
                              ("POST", f"/hazards/{other}/step/fix", {"phrase": "cleared"}),
                              ("POST", f"/hazards/{other}/step/verify", {}),
                              ("POST", f"/hazards/{other}/on-the-spot", {}),
                              ("POST", f"/hazards/{other}/notice", {"days": "7"}),
                              ("GET", f"/hazards/{other}/notice/print", None)]:
        assert committee.open(url, method=method, data=data).status_code == 404, url
    assert facts(app, other) == []
    assert "西湾祠堂" not in committee.get("/hazards/?tab=open").get_data(as_text=True)
    # a person of another village's roster cannot be assigned either
    with app.app_context():
        from kiosk.village import Person
        stranger = Person(village_id="330326100202", name="王五", duties=["volunteer"])
        db.session.add(stranger)
        db.session.commit()
        stranger_id = stranger.id
    mine = new_hazard(app)
    assert committee.post(f"/hazards/{mine}/assign", data={"to": f"person:{stranger_id}"}).status_code == 409
    assert standing(app, mine).assignee_id is None


def test_assigned_to_the_household_or_owner(app, committee):
    hid = new_hazard(app, category="ebike")
    page = committee.get(f"/hazards/{hid}/assign").get_data(as_text=True)
    assert 'value="party:owner"' in page and 'value="party:household"' in page and "李伟" in page
    assert committee.post(f"/hazards/{hid}/assign", data={"to": "party:owner"}).status_code == 303
    assert (standing(app, hid).assignee_kind, standing(app, hid).assignee_role) == ("owner", "owner")


def test_the_register_pages_fifty_at_a_time_with_counts_for_every_tab(app, committee):
    with app.test_request_context():
        for i in range(120):
            service.open_hazard(village_id=DEMO_VILLAGE, category="combustibles", source="patrol",
                                location=f"柴堆{i:03d}")
        db.session.commit()
    first = committee.get("/hazards/").get_data(as_text=True)
    total = counts(first)["open"]
    assert total >= 120 and len(ids_listed(first)) == 50
    last_page = (total - 1) // 50 + 1
    last = committee.get(f"/hazards/?page={last_page}").get_data(as_text=True)
    assert len(ids_listed(last)) == total - 50 * (last_page - 1)
    seen = set()
    for page in range(1, last_page + 1):
        seen |= set(ids_listed(committee.get(f"/hazards/?page={page}").get_data(as_text=True)))
    assert len(seen) == total  # every open hazard on exactly one page
    fragment = committee.get("/hazards/?tab=new&page=2", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="hazard-register">') and "<html" not in fragment


def test_overdue_hazards_are_flagged_on_the_register_the_tile_and_the_board(app, committee, monkeypatch):
    hid = new_hazard(app, location="加油站旁", severity="serious")
    act(app, hid, "acknowledge", Who("person", person_id(app, MANAGER), MANAGER))
    assert hid not in ids_listed(committee.get("/hazards/?tab=overdue").get_data(as_text=True))
    soon = service.utcnow() + dt.timedelta(days=5)  # two days before the deadline: a reminder
    monkeypatch.setattr(service, "now", lambda: soon)
    assert "hz-due-soon" in committee.get(f"/hazards/{hid}").get_data(as_text=True)
    later = service.utcnow() + dt.timedelta(days=8)
    monkeypatch.setattr(service, "now", lambda: later)
    assert hid in ids_listed(committee.get("/hazards/?tab=overdue").get_data(as_text=True))
    page = committee.get(f"/hazards/{hid}").get_data(as_text=True)
    assert "hz-overdue" in page
    home = committee.get("/").get_data(as_text=True)
    assert re.search(r'tile-hazards.*?badge-bad', home, re.S)
    board = committee.get("/board").get_data(as_text=True)
    assert re.search(r"\d+ 处隐患已超过整改期限", board)


def test_a_rectification_notice_sets_a_deadline_and_prints_in_chinese_with_a_qr(app, committee):
    hid = new_hazard(app, category="gas", location="2组08号 厨房", severity="serious",
                     description="液化气瓶放在卧室")
    committee.get("/lang/en")
    assert committee.post(f"/hazards/{hid}/notice", data={"days": "15"}).status_code == 303
    d = standing(app, hid)
    assert d.notice_no == f"{dt.date.today().year}-{code_of(app, hid)}"
    assert dt.timedelta(days=14) < d.fix_due - service.utcnow() <= dt.timedelta(days=15)
    sheet = committee.get(f"/hazards/{hid}/notice/print").get_data(as_text=True)
    assert "整改通知书" in sheet and "2组08号 厨房" in sheet and "液化气瓶放在卧室" in sheet
    assert "<svg" in sheet and f"/R/{code_of(app, hid)}" in sheet
    assert "Rectification" not in sheet.split('id="notice"')[1]  # the notice itself is Chinese


def test_the_monthly_register_lists_the_months_hazards(app, committee):
    hid = new_hazard(app, location="晒谷场草堆")
    month = cached(app, hid).month
    page = committee.get(f"/hazards/ledger?month={month}").get_data(as_text=True)
    assert "晒谷场草堆" in page and month in page
    assert "晒谷场草堆" not in committee.get("/hazards/ledger?month=2001-01").get_data(as_text=True)


def test_the_township_sets_deadlines_that_new_hazards_follow(township_app, station):
    old = new_hazard(township_app, category="ebike")
    page = station.get("/hazards/deadlines").get_data(as_text=True)
    assert "3030" in page
    assert station.post("/hazards/deadlines", data={"category": "ebike", "severity": "", "ack_minutes": "60",
                                                    "fix_days": "3"}).status_code == 303
    new = new_hazard(township_app, category="ebike", location="5组楼道")
    d = standing(township_app, new)
    assert d.fix_due - d.reported_at == dt.timedelta(days=3) and d.respond_by - d.reported_at == dt.timedelta(hours=1)
    before = standing(township_app, old)
    assert before.fix_due - before.reported_at == dt.timedelta(days=30)  # a deadline given stays given
    other = standing(township_app, new_hazard(township_app, category="gas"))
    assert other.fix_due - other.reported_at == dt.timedelta(days=30)
    with township_app.app_context():
        from kiosk.hazards.models import HazardDeadline
        [line] = db.session.scalars(db.select(HazardDeadline)).all()
        assert line.village_id == DEMO_VILLAGE[:9]  # township-wide: it reaches every kiosk of the township
        line_id = line.id
    assert station.post(f"/hazards/deadlines/{line_id}/remove").status_code == 303
    again = standing(township_app, new_hazard(township_app, category="ebike", location="6组楼道"))
    assert again.fix_due - again.reported_at == dt.timedelta(days=30)


def test_the_village_sees_the_deadlines_as_a_setting_it_cannot_change(app, committee):
    page = committee.get("/hazards/deadlines").get_data(as_text=True)
    assert "3030" in page and "30 分钟" in page and "7 天" in page
    assert committee.post("/hazards/deadlines", data={"category": "", "severity": "", "ack_minutes": "30",
                                                      "fix_days": "1"}).status_code == 403


def test_the_residents_receipt_says_where_it_stands_and_nothing_personal(app, client, auth):
    hid = new_hazard(app, source="resident_report", reporter_phone="13957765432", reporter_name="张大妈",
                     location="3组林宅门口", category="blocked_passage")
    code = code_of(app, hid)
    page = client.get(f"/R/{code}").get_data(as_text=True)
    assert code in page and 'data-status="reported"' in page
    assert "13957765432" not in page and "张大妈" not in page and "3组林宅门口" not in page
    assert client.get(f"/r/{code.lower()}").status_code == 200
    assert client.get("/R/ZZZZZZZZ").status_code == 404
    assert client.get(f"/r/{code}/photo").status_code == 404  # nothing to show before it is fixed
    act(app, hid, "assign", Who("person", person_id(app, MANAGER), MANAGER),
        person=auth.person(VOLUNTEER))
    fixed_page = client.get(f"/R/{code}").get_data(as_text=True)
    assert "微型消防站" not in fixed_page and VOLUNTEER not in fixed_page  # a role, never a name
    assert "志愿消防队员" in fixed_page
    committee = auth.sign_in(VOLUNTEER)
    committee.post(f"/hazards/{hid}/step/fix", data={"phrase": "cleared", "photo": photo()},
                   content_type="multipart/form-data")
    auth.sign_out()
    done = client.get(f"/R/{code}").get_data(as_text=True)
    assert 'id="receipt-photo"' in done
    shown = client.get(f"/r/{code}/photo")
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    shown.close()


def test_the_hazard_overview_per_village_asks_the_database_a_fixed_number_of_times(app):
    from tests.conftest import NEIGHBOURS
    from tests.statements import summaries_for
    with app.app_context():
        for code in NEIGHBOURS:
            service.open_hazard(village_id=code, category="gas", source="committee", location="村口")
        db.session.commit()
    _, one = summaries_for(app, "hazards", [DEMO_VILLAGE])
    many_codes = [DEMO_VILLAGE, *NEIGHBOURS, *(f"330326100{n}" for n in range(210, 240))]
    many, statements = summaries_for(app, "hazards", many_codes)
    assert statements == one <= 3
    assert set(many) == set(many_codes) and many["330326100202"]["open"] == 1
    assert many["330326100210"] == {"open": 0, "open_over_30_days": 0, "overdue": 0, "listed": 0,
                                    "opened_this_month": 0, "fixed_on_time": 0,
                                    "median_days_to_fix": None, "oldest_open_days": None}


def test_the_derived_state_can_be_rebuilt_from_the_facts_at_any_time(app, runner, committee):
    hid = new_hazard(app)
    committee.post(f"/hazards/{hid}/acknowledge")
    before = cached(app, hid)
    with app.app_context():
        from kiosk.hazards.models import HazardState
        db.session.execute(db.delete(HazardState))  # a local table: nothing is lost with it
        db.session.commit()
    result = runner.invoke(args=["hazards", "refresh"])
    assert result.exit_code == 0 and "refreshed" in result.output
    after = cached(app, hid)
    assert {c: getattr(after, c) for c in ("status", "acknowledged_at", "fix_due", "next_due")} == \
        {c: getattr(before, c) for c in ("status", "acknowledged_at", "fix_due", "next_due")}


def test_the_township_lists_refers_and_lifts_only_after_the_check(township_app, station):
    from tests.conftest import OTHER_TOWNSHIP_VILLAGE
    hid = new_hazard(township_app, location="出租屋楼道", category="rented_housing", severity="serious")
    plain = new_hazard(township_app, location="晒场", category="open_flame")
    elsewhere = new_hazard(township_app, village=OTHER_TOWNSHIP_VILLAGE[0], location="江口码头")
    assert station.post(f"/hazards/{hid}/list", data={"responsible": "", "days": "15"}).status_code == 422
    assert station.post(f"/hazards/{hid}/list", data={"responsible": "陈建国", "days": "15"}).status_code == 303
    assert station.post(f"/hazards/{hid}/refer", data={"department": "law_enforcement",
                                                       "note": "户主拒不整改"}).status_code == 303
    d = standing(township_app, hid)
    assert (d.listed, d.listed_responsible, d.referred_to) == (True, "陈建国", "law_enforcement")
    assert dt.timedelta(days=14) < d.fix_due - service.utcnow() <= dt.timedelta(days=15)
    # listed on top of the township's list; nothing of another township
    listed = ids_listed(station.get("/hazards/township").get_data(as_text=True))
    assert listed[0] == hid and plain in listed and elsewhere not in listed
    assert ids_listed(station.get("/hazards/township?tab=listed").get_data(as_text=True)) == [hid]
    assert station.get(f"/hazards/{elsewhere}").status_code == 404
    assert station.post(f"/hazards/{elsewhere}/list", data={"responsible": "x", "days": "7"}).status_code == 404
    # lifted only after verification
    refused = station.post(f"/hazards/{hid}/delist")
    assert refused.status_code == 409 and "复查合格后方可摘牌" in refused.get_data(as_text=True)
    act(township_app, hid, "fix", Who("person", "p-1", "郑晓丽"), phrase="cleared")
    assert station.post(f"/hazards/{hid}/step/verify", data={"phrase": "rechecked_on_site"}).status_code == 303
    assert station.post(f"/hazards/{hid}/delist").status_code == 303
    assert not standing(township_app, hid).listed
    page = station.get(f"/hazards/{hid}").get_data(as_text=True)
    assert page.count('class="hz-fact') == 6  # the report, listed, referred, fixed, verified, delisted
