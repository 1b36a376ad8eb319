"""The monthly village report (村月报) and the filing sheet (备案表): the committee sends them from the
kiosk with one tap; the township receives them, or returns them with a comment; the kiosk shows the
answer; the report prints on one A4 page with its figures."""
from __future__ import annotations

import re

import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.supervision import reports
from kiosk.supervision.models import ReportReview, ReportSubmission

from ..conftest import DEMO_VILLAGE, NEIGHBOURS

WEST = next(iter(NEIGHBOURS))


def forget_the_demo_report(app) -> str:
    """A village whose committee has not sent last month's report yet (the demo sends it)."""
    with app.app_context():
        period = reports.report_month()
        for submission in db.session.scalars(sa.select(ReportSubmission).where(
                ReportSubmission.village_id == DEMO_VILLAGE, ReportSubmission.kind == "monthly")):
            submission.deleted = True
        db.session.commit()
        return period


def submissions(app, kind="monthly") -> list[ReportSubmission]:
    with app.app_context():
        found = db.session.scalars(ReportSubmission.live().where(
            ReportSubmission.village_id == DEMO_VILLAGE, ReportSubmission.kind == kind)).all()
        db.session.expunge_all()
        return found


def state_on(html: str) -> str:
    return re.search(r'id="report-state">([^<]+)<', html).group(1)


def test_the_committee_sends_the_months_report_with_one_tap(app, committee):
    period = forget_the_demo_report(app)
    page = committee.get("/reports/").get_data(as_text=True)
    assert state_on(page) in ("未提交", "Not submitted") and 'id="submit-report"' in page
    assert 'id="report-work"' in page and 'data-work="hydrant_inspections"' in page
    client_id = re.search(r'name="client_id" type="hidden" value="([^"]+)"', page).group(1)

    response = committee.post("/reports/submit", data={"kind": "monthly", "client_id": client_id})
    assert response.status_code == 303
    [sent] = submissions(app)
    assert sent.period == period and sent.submitted_by_name == "陈建国"
    assert {w["key"] for w in sent.figures["work"]} >= {"hydrant_inspections", "station_checks"}
    assert set(sent.figures["hazards"]) >= {"found", "fixed", "overdue"}

    page = committee.get("/reports/").get_data(as_text=True)
    assert state_on(page) in ("已提交", "Submitted") and 'id="submit-report"' not in page
    # the same tap arriving twice (a flaky screen) keeps one report; a second report is refused
    committee.post("/reports/submit", data={"kind": "monthly", "client_id": client_id})
    committee.post("/reports/submit", data={"kind": "monthly", "client_id": "0" * 8 + client_id[8:]})
    assert len(submissions(app)) == 1


def test_a_volunteer_sees_the_report_but_cannot_send_it(app, volunteer):
    forget_the_demo_report(app)
    page = volunteer.get("/reports/").get_data(as_text=True)
    assert 'id="report-work"' in page and 'id="submit-report"' not in page
    assert volunteer.post("/reports/submit", data={"kind": "monthly"}).status_code == 403
    assert submissions(app) == []


def test_the_township_receives_the_report_and_the_overview_says_so(township_app, station):
    [sent] = submissions(township_app)  # the demo village sent last month's report
    listing = station.get("/supervision/reports").get_data(as_text=True)
    row = listing.split(f'data-village="{DEMO_VILLAGE}"')[1].split("</tr>")[0]
    assert f"/supervision/reports/{sent.id}" in row
    assert "未提交" in listing.split(f'data-village="{WEST}"')[1].split("</tr>")[0]

    page = station.get(f"/supervision/reports/{sent.id}").get_data(as_text=True)
    assert state_on(page) in ("已提交", "Submitted") and 'id="review-form"' in page
    assert station.post(f"/supervision/reports/{sent.id}", data={"decision": "received"}).status_code == 303
    page = station.get(f"/supervision/reports/{sent.id}").get_data(as_text=True)
    assert state_on(page) in ("已收到", "Received") and 'id="review-form"' not in page
    # an answered report is not answered again (the village sends it again to get another answer)
    station.post(f"/supervision/reports/{sent.id}", data={"decision": "returned", "comment": "再看看"})
    with township_app.app_context():
        assert db.session.scalars(sa.select(ReportReview.kind)).all() == ["received"]
    overview = station.get("/supervision/").get_data(as_text=True)
    row = overview.split(f'<tr data-village="{DEMO_VILLAGE}"')[1].split("</tr>")[0]
    cell = re.search(r'data-column="reports.last_month"[^>]*>(.*?)</td>', row, re.S).group(1)
    assert "已收到" in cell or "Received" in cell


def test_returning_a_report_needs_a_comment_which_the_village_reads(township_app, station):
    [sent] = submissions(township_app)
    refused = station.post(f"/supervision/reports/{sent.id}", data={"decision": "returned", "comment": "  "})
    assert refused.status_code == 422
    assert "需要修改" in refused.get_data(as_text=True) or "should change" in refused.get_data(as_text=True)
    with township_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportReview)) == 0
    assert station.post(f"/supervision/reports/{sent.id}", data={"decision": "maybe"}).status_code == 422
    assert "<span>已退回</span>" in refused.get_data(as_text=True)  # the choices in the reader's language

    assert station.post(f"/supervision/reports/{sent.id}", data={
        "decision": "returned", "comment": "巡查次数与台账不符，请核对"}).status_code == 303
    with township_app.app_context():
        [answer] = db.session.scalars(sa.select(ReportReview)).all()
        assert (answer.kind, answer.comment, answer.village_id) == ("returned", "巡查次数与台账不符，请核对", DEMO_VILLAGE)
    # the answer is the village's record (it replicates to its kiosk); this server shows it as the kiosk would
    with township_app.test_request_context():
        standing = reports.standings([DEMO_VILLAGE], "monthly", [sent.period])[(DEMO_VILLAGE, sent.period)]
        assert standing.state == "returned" and standing.review.comment == "巡查次数与台账不符，请核对"


def test_the_kiosk_shows_a_returned_report_with_the_comment_and_sends_it_again(app, committee):
    [sent] = submissions(app)
    with app.app_context():
        db.session.add(ReportReview(village_id=DEMO_VILLAGE, submission_id=sent.id, kind="returned",
                                    comment="请补充入户走访情况", staff_name="周站长"))
        db.session.commit()
    page = committee.get("/reports/").get_data(as_text=True)
    assert state_on(page) in ("已退回", "Returned") and "请补充入户走访情况" in page
    assert 'id="submit-report"' in page  # a returned report can be sent again
    assert committee.post("/reports/submit", data={"kind": "monthly"}).status_code == 303
    page = committee.get("/reports/").get_data(as_text=True)
    assert state_on(page) in ("已提交", "Submitted") and len(submissions(app)) == 2


def test_the_report_prints_on_one_a4_page_with_its_figures(app, committee):
    [sent] = submissions(app)
    page = committee.get(f"/reports/{sent.period}/print")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "城东村" in html and "消防安全工作月报" in html and sent.period in html
    hydrants = next(w for w in sent.figures["work"] if w["key"] == "hydrant_inspections")
    row = re.search(r'<tr data-work="hydrant_inspections">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r"<td>(\d+)</td>", row) == [str(hydrants["expected"]), str(hydrants["done"]),
                                                  str(hydrants["on_time"])]
    assert "陈建国" in html and "村委会" in html  # who sent it, and where the seal goes
    assert committee.get("/reports/2026-13/print").status_code == 404


def test_the_township_prints_the_report_as_it_was_sent(township_app, station):
    [sent] = submissions(township_app)
    html = station.get(f"/supervision/reports/{sent.id}/print").get_data(as_text=True)
    assert "消防安全工作月报" in html and 'id="report-hazards"' in html
    assert f"<td>{sent.figures['hazards']['found']}</td>" in html


def test_the_filing_sheet_is_sent_and_received(app, committee, township_app, station):
    assert committee.post("/reports/submit", data={"kind": "filing_sheet"}).status_code == 303
    [filed] = submissions(app, "filing_sheet")
    assert filed.figures  # the roster as it stood
    page = committee.get("/reports/").get_data(as_text=True)
    section = page.split('id="filing-sheet"')[1].split("</section>")[0]
    assert "已提交" in section or "Submitted" in section

    # at the township (its own copy of the demo village): the sheet arrives, staff receive it
    with township_app.app_context():
        db.session.add(ReportSubmission(id=filed.id, village_id=DEMO_VILLAGE, kind="filing_sheet",
                                        period=filed.period, figures=filed.figures,
                                        submitted_by_name=filed.submitted_by_name))
        db.session.commit()
    listing = station.get("/supervision/reports").get_data(as_text=True)
    assert f"/supervision/reports/{filed.id}" in listing.split(f'data-village="{DEMO_VILLAGE}"')[1].split("</tr>")[0]
    assert station.post(f"/supervision/reports/{filed.id}", data={"decision": "received"}).status_code == 303
    listing = station.get("/supervision/reports").get_data(as_text=True)
    row = listing.split(f'data-village="{DEMO_VILLAGE}"')[1].split("</tr>")[0]
    assert row.count("已收到") + row.count("Received") == 1  # the sheet; the month's report still waits


def test_a_report_sent_before_eight_in_the_morning_prints_the_villages_day(app, committee):
    import datetime as dt
    [sent] = submissions(app)
    with app.app_context():  # 00:30 on the 6th in the village is 16:30 on the 5th in UTC
        db.session.get(ReportSubmission, sent.id).recorded_at = dt.datetime(2026, 11, 5, 16, 30)
        db.session.commit()
    html = committee.get(f"/reports/{sent.period}/print").get_data(as_text=True)
    assert "2026-11-06" in html and "2026-11-05" not in html
