"""In Chromium, at a desk (1280×800) and on a phone (390×844): the station's staff member signs in,
sees the demo's villages in one table, sorts a column, drills into a village, opens its monthly
report and receives it; exports the overview and reads it back."""
from __future__ import annotations

import io

import pytest

from ..conftest import DEMO_VILLAGE, STAFF_PASSWORD
from .conftest import DESK, PHONE, staff_sign_in


def widest_overflow(page) -> int:
    """How far the page itself scrolls sideways (a wide table scrolls in its own box instead)."""
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("device", ["desk", "phone"])
def test_a_morning_of_supervision(browser, demo_township_server, screenshot, device):
    url = demo_township_server.url
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=True,
                                  **(DESK if device == "desk" else PHONE))
    page = context.new_page()
    try:
        staff_sign_in(page, url)
        page.wait_for_selector("#overview-table")
        rows = page.locator("#overview-table tbody tr[data-village]")
        assert rows.count() == 4
        assert {"城东村", "西湾村", "凤山村"} <= set(page.locator("#overview-table tbody th").all_inner_texts())
        assert widest_overflow(page) <= 1
        screenshot(page, f"supervision-overview-{device}")
        # no header stands taller than a few lines, however long its label
        assert page.eval_on_selector("#overview-table thead tr", "e => e.offsetHeight") < 110
        page.eval_on_selector(".sv-scroll", "e => { e.scrollLeft = e.scrollWidth; }")
        screenshot(page, f"supervision-overview-right-{device}")

        # sort by the hazards past their deadline, fewest first
        page.click("th[data-column='hazards.overdue'] a")
        page.wait_for_selector("th[data-column='hazards.overdue'][aria-sort='descending']")
        page.click("th[data-column='hazards.overdue'] a")
        page.wait_for_selector("th[data-column='hazards.overdue'][aria-sort='ascending']")
        values = [int(v or 0) for v in page.locator("#overview-table tbody td[data-column='hazards.overdue']")
                  .all_inner_texts()]
        assert values == sorted(values)
        screenshot(page, f"supervision-sorted-{device}")

        # drill into the demo village: its hazards, with the village chosen
        page.click(f"tr[data-village='{DEMO_VILLAGE}'] td[data-column='hazards.overdue'] a")
        page.wait_for_url(f"{url}/hazards/")
        assert "城东村" in page.inner_text("body")
        screenshot(page, f"supervision-drill-{device}")

        # its monthly report: open it, receive it
        page.goto(f"{url}/supervision/")
        page.click(f"tr[data-village='{DEMO_VILLAGE}'] td[data-column='reports.last_month'] a")
        page.wait_for_selector("#reports-table")
        assert page.locator("#reports-table tbody tr").count() == 1 and page.is_visible("#all-villages")
        screenshot(page, f"supervision-reports-{device}")
        page.click(f"#reports-table tr[data-village='{DEMO_VILLAGE}'] td:nth-child(2) a")
        page.wait_for_selector("#review-form")
        assert page.inner_text("#report-state") == "已提交"
        assert page.locator("#report-work tr[data-work]").count() >= 4
        assert widest_overflow(page) <= 1
        screenshot(page, f"supervision-report-{device}", full_page=True)
        page.click("#review-form label:has-text('已收到')")
        page.click("#review-form button[type=submit]")
        page.wait_for_selector("#reports-table")
        assert "已收到" in page.inner_text(f"#reports-table tr[data-village='{DEMO_VILLAGE}']")
        screenshot(page, f"supervision-received-{device}")

        # the month's evaluation: a score adjusted with its reason, shown beside it
        page.goto(f"{url}/supervision/evaluation")
        page.wait_for_selector("#ranking")
        page.click("a[href*='/supervision/evaluation/330326100202/adjust']")
        page.fill("input[name=points]", "5")
        page.fill("textarea[name=reason]", "组织了全村消防演练")
        page.click("#adjust-form button[type=submit]")
        page.wait_for_selector("#ranking .sv-reason")
        assert "组织了全村消防演练" in page.inner_text("#ranking tr[data-village='330326100202']")
        assert widest_overflow(page) <= 1
        screenshot(page, f"supervision-evaluation-{device}")

        # the overview as XLSX, read back
        page.goto(f"{url}/supervision/")
        with page.expect_download() as download:
            page.click("a:text-is('XLSX')")
        from openpyxl import load_workbook
        with open(download.value.path(), "rb") as saved:
            sheet = load_workbook(io.BytesIO(saved.read())).active
        assert sheet.freeze_panes == "A2" and sheet.max_row == 5 and sheet["B1"].value == "村（社区）"
    finally:
        context.close()


def test_the_committee_reads_the_months_report_and_sends_the_filing_sheet_at_the_kiosk(kiosk_page, live_server,
                                                                                         screenshot):
    from ..conftest import sign_in_by_tapping
    page = kiosk_page
    sign_in_by_tapping(page, live_server.url, "陈建国")
    page.goto(f"{live_server.url}/reports/")
    page.wait_for_selector("#report-state")
    assert page.inner_text("#report-state") == "已提交"  # the demo sent last month's
    assert page.locator("#report-work tr[data-work]").count() >= 4
    assert widest_overflow(page) <= 1
    screenshot(page, "supervision-kiosk-report")
    page.tap("#submit-filing")
    page.wait_for_selector(".flash-success")
    assert "已提交" in page.inner_text("#filing-sheet")
    screenshot(page, "supervision-kiosk-filing-sent")


@pytest.mark.parametrize("device", ["desk", "phone"])
def test_a_county_account_sees_its_townships_then_a_page_of_villages(browser, demo_township_server, screenshot,
                                                                       device):
    """吴科长 of the county signs in: the townships come first, one row each, and the villages below
    fifty to a page; a township's name opens its own table."""
    from kiosk.auth.models import StaffUser
    from kiosk.extensions import db
    from kiosk.village import Village

    from ..conftest import OTHER_TOWNSHIP, add_staff, add_villages
    app = demo_township_server.app
    add_villages(app)
    user_id = add_staff(app, "county-wu", name="吴科长")
    with app.app_context():
        db.session.get(StaffUser, user_id).scope = "county"
        for n in range(60):  # 鳌江镇's villages, more than a page
            db.session.add(Village(code=f"{OTHER_TOWNSHIP}{300 + n}", name=f"鳌江{n + 1}村",
                                   township_code=OTHER_TOWNSHIP))
        db.session.commit()
    url = demo_township_server.url
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **(DESK if device == "desk" else PHONE))
    page = context.new_page()
    try:
        page.goto(f"{url}/staff/login")
        page.fill("input[name=username]", "county-wu")
        page.fill("input[name=password]", STAFF_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#township-table")
        assert page.locator("#township-table tbody tr").count() == 2
        assert page.locator("#overview-table tbody tr[data-village]").count() == 50
        assert widest_overflow(page) <= 1
        screenshot(page, f"supervision-county-{device}", full_page=device == "desk")
        page.click("a[rel=next]")
        page.wait_for_url("**page=2**")
        assert page.locator("#overview-table tbody tr[data-village]").count() == 15
        page.click(f"#township-table tr[data-township='{OTHER_TOWNSHIP}'] th a")
        page.wait_for_url(f"**township={OTHER_TOWNSHIP}**")
        assert page.locator("#township-table").count() == 0
        assert page.locator("#overview-table tbody tr[data-village]").count() == 50
    finally:
        context.close()
