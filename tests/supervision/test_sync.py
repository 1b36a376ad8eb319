"""Over real sync (the township on PostgreSQL behind a live server, the kiosk on SQLite): the month's
report goes up and the township's answer comes back; what a kiosk records changes the overview and
the evaluation at its next sync; the township's settings screens reach the kiosk."""
from __future__ import annotations

import datetime as dt
import re
import time

import pytest

from kiosk.extensions import db

sync_fixtures = pytest.importorskip("tests.sync.conftest")
from tests.sync.conftest import make_kiosk, sync_db, township  # noqa: E402,F401

from kiosk.supervision.models import ReportSubmission  # noqa: E402
from tests.conftest import DEMO_VILLAGE, add_staff, open_session  # noqa: E402

pytestmark = pytest.mark.postgres
TOWNSHIP = DEMO_VILLAGE[:9]


def staff_of(township):
    return open_session(township.app.test_client(), staff_id=add_staff(township.app, f"s{time.monotonic_ns()}",
                                                                      TOWNSHIP))


def committee_of(kiosk, name="陈建国"):
    with kiosk.ctx():
        person = db.session.scalar(db.text("SELECT id FROM person WHERE name = :n"), {"n": name})
    return open_session(kiosk.app.test_client(), person_id=person)


def hidden_fields(html: str) -> dict:
    return dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*type="hidden"[^>]*value="([^"]*)"', html)
                + re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))


def report_state(html: str) -> str:
    return re.search(r'id="report-state">([^<]+)<', html).group(1)


def latest_report(township) -> ReportSubmission:
    with township.ctx():
        found = db.session.scalars(ReportSubmission.live().where(
            ReportSubmission.village_id == DEMO_VILLAGE, ReportSubmission.kind == "monthly")
            .order_by(ReportSubmission.hlc.desc())).first()
        db.session.expunge(found)
        return found


def cell(html: str, village: str, attribute: str) -> str:
    row = html.split(f'<tr data-village="{village}"')[1].split("</tr>")[0]
    return re.search(attribute, row, re.S).group(1)


def test_the_report_goes_up_and_the_townships_answer_comes_back(make_kiosk, township):
    kiosk = make_kiosk(township)
    staff = staff_of(township)
    committee = committee_of(kiosk)
    assert kiosk.sync().ok  # the demo's report of last month goes up with everything else
    sent = latest_report(township)
    page = staff.get(f"/supervision/reports/{sent.id}").get_data(as_text=True)
    assert report_state(page) == "已提交"

    assert staff.post(f"/supervision/reports/{sent.id}", data={
        "decision": "returned", "comment": "请补充本月入户走访情况"}).status_code == 303
    assert "请补充本月入户走访情况" not in committee.get("/reports/").get_data(as_text=True)  # not synced yet
    assert kiosk.sync().ok
    page = committee.get("/reports/").get_data(as_text=True)
    assert report_state(page) == "已退回" and "请补充本月入户走访情况" in page

    # the committee sends it again; the township receives the new one; the kiosk hears so
    assert committee.post("/reports/submit", data={"kind": "monthly", **hidden_fields(
        page.split('id="monthly-report"')[1].split("</section>")[0])}).status_code == 303
    assert kiosk.sync().ok
    again = latest_report(township)
    assert again.id != sent.id and again.period == sent.period
    listing = staff.get("/supervision/reports").get_data(as_text=True)
    assert f"/supervision/reports/{again.id}" in listing
    assert staff.post(f"/supervision/reports/{again.id}", data={"decision": "received"}).status_code == 303
    assert kiosk.sync().ok
    assert report_state(committee.get("/reports/").get_data(as_text=True)) == "已收到"


def test_the_overview_and_the_evaluation_follow_the_kiosks_next_sync(make_kiosk, township):
    kiosk = make_kiosk(township)
    staff = staff_of(township)
    assert kiosk.sync().ok
    with kiosk.ctx():
        from kiosk.context import local_today
        from kiosk.supervision.rates import month_key
        month = month_key(local_today())
    evaluation = f"/supervision/evaluation?month={month}"
    score = cell(staff.get(evaluation).get_data(as_text=True), DEMO_VILLAGE, r'data-score="([^"]*)"')
    overdue = cell(staff.get("/supervision/").get_data(as_text=True), DEMO_VILLAGE,
                   r'data-column="hazards.overdue"[^>]*>(.*?)</td>')

    # at the kiosk: three hazards found this month, each already past the deadline it was given
    from kiosk.hazards.service import open_hazard, refresh
    from kiosk.records import utcnow
    with kiosk.ctx():
        for n in range(3):
            hazard = open_hazard(village_id=DEMO_VILLAGE, category="ebike", source="door_visit",
                                 location=f"{n + 1}组出租房", description="电动车在楼道充电")
            hazard.fix_by = utcnow() - dt.timedelta(hours=1)
            db.session.flush()
            refresh([hazard.id])
        db.session.commit()
    assert cell(staff.get(evaluation).get_data(as_text=True), DEMO_VILLAGE, r'data-score="([^"]*)"') == score
    assert kiosk.sync().ok
    after = staff.get(evaluation).get_data(as_text=True)
    assert cell(after, DEMO_VILLAGE, r'data-score="([^"]*)"') != score
    moved = cell(staff.get("/supervision/").get_data(as_text=True), DEMO_VILLAGE,
                 r'data-column="hazards.overdue"[^>]*>(.*?)</td>')
    assert int(re.sub(r"<[^>]+>", "", moved)) == int(re.sub(r"<[^>]+>", "", overdue) or 0) + 3


def test_the_townships_settings_screens_reach_the_kiosk(make_kiosk, township):
    kiosk = make_kiosk(township)
    staff = staff_of(township)
    assert kiosk.sync().ok
    settings = staff.get("/supervision/settings").get_data(as_text=True)
    assert "/hydrants/intervals" in settings and "/hazards/deadlines" in settings

    form = staff.get("/hydrants/intervals").get_data(as_text=True)
    assert staff.post("/hydrants/intervals", data={**hidden_fields(form), "hydrant_months": "6",
                                                   "pool_months": "2"}).status_code == 303
    assert staff.post("/hazards/deadlines", data={"category": "ebike", "severity": "", "ack_minutes": "60",
                                                  "fix_days": "3"}).status_code == 303
    with kiosk.app.test_request_context():
        from kiosk.hydrants.service import intervals_for
        assert intervals_for(TOWNSHIP) != (6, 2)  # not before the kiosk syncs
    assert kiosk.sync().ok
    with kiosk.app.test_request_context():
        from kiosk.hazards.service import deadlines_for
        from kiosk.hydrants.service import intervals_for
        assert intervals_for(TOWNSHIP) == (6, 2)
        found = deadlines_for(TOWNSHIP, "ebike", "minor")
        assert (found.ack_minutes, found.fix_days) == (60, 3)
    # what the committee sees on the kiosk's own screens
    committee = committee_of(kiosk)
    page = committee.get("/hydrants/intervals").get_data(as_text=True)
    assert "<dd>每 6 个月</dd>" in page and "<dd>每 2 个月</dd>" in page
    # and a hazard found at the kiosk now takes the township's deadline
    from kiosk.hazards.service import open_hazard
    with kiosk.ctx():
        hazard = open_hazard(village_id=DEMO_VILLAGE, category="ebike", source="door_visit", location="村口")
        assert hazard.fix_by - hazard.recorded_at == dt.timedelta(days=3)
        db.session.rollback()
