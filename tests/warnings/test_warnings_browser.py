"""Warnings in a real browser: the notice board switches to an immediate warning by itself, a
committee member acknowledges by tapping, township staff compose one on a large touchscreen."""
from __future__ import annotations

import re

import pytest

from kiosk.extensions import db
from kiosk.warnings.models import Warning, WarningReceipt
from kiosk.records import utcnow
from tests.conftest import DEMO_VILLAGE, TOWNSHIP, sign_in_by_tapping


pytestmark = pytest.mark.browser

GALE = "大风橙色预警：严禁野外用火"


def issue_immediate(app, title: str) -> str:
    """An immediate warning arrives on the kiosk, as the township's sync would deliver it."""
    with app.app_context():
        warning = Warning(village_id=TOWNSHIP, kind="immediate", title=title, to_all=True, targets=[],
                          body="县林业局发布森林火险红色预警。即日起全面禁止野外用火，请各村立即组织巡查。",
                          issued_by_name="周立新", issued_at=utcnow())
        db.session.add(warning)
        db.session.commit()
        return warning.id


def slide_settled(page) -> None:
    """Wait for the active slide's fade-in to end, so that a screenshot shows it as people see it."""
    page.wait_for_function("() => { const s = document.querySelector('.slide.is-active');"
                           " return s && s.getAnimations().every(a => a.playState === 'finished'); }")


def fits_width(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


def test_an_immediate_warning_takes_over_the_idle_notice_board_without_a_touch(live_server, kiosk_page, screenshot):
    page = kiosk_page
    page.goto(f"{live_server.url}/board")
    assert page.locator(".slide.is-active .slide-title").inner_text() == GALE  # the demo's unread one
    slide_settled(page)
    screenshot(page, "warnings-board-800x480")
    title = "森林火险红色预警：全面禁止野外用火"
    issue_immediate(live_server.app, title)
    # nobody touches the screen; the banner's poll (every 15 s) reloads the board within ~30 s
    page.wait_for_function(
        "t => { const s = document.querySelector('.slide.is-active'); return s && s.classList.contains("
        "'slide-urgent') && s.querySelector('.slide-title').textContent === t; }", arg=title, timeout=35000)
    assert title in page.locator("#warning-banner").inner_text()
    assert "另有 1 条" in page.locator("#warning-banner").inner_text()
    assert fits_width(page)
    slide_settled(page)
    screenshot(page, "warnings-board-interrupted-800x480")


def test_a_committee_member_acknowledges_by_tapping(live_server, kiosk_page, screenshot):
    page = kiosk_page
    sign_in_by_tapping(page, live_server.url, "陈建国")
    banner = page.locator("#warning-banner.is-on")
    assert GALE in banner.inner_text()
    assert banner.locator(".wb-link").bounding_box()["height"] >= 48
    screenshot(page, "warnings-home-banner-800x480")
    page.tap("#warning-banner .wb-link")
    page.wait_for_selector(".btn-ack")
    assert fits_width(page)
    screenshot(page, "warnings-detail-800x480")
    ack = page.locator(".btn-ack")
    ack.scroll_into_view_if_needed()
    assert ack.bounding_box()["height"] >= 56
    page.tap(".btn-ack")
    page.wait_for_selector(".ack-done")
    assert "陈建国 已于" in page.locator(".ack-done").inner_text()
    # the banner hears about it at once, not at its next poll
    page.wait_for_selector("#warning-banner.is-on", state="detached", timeout=5000)
    screenshot(page, "warnings-acknowledged-800x480")
    with live_server.app.app_context():
        [receipt] = db.session.scalars(db.select(WarningReceipt).join(Warning, Warning.id == WarningReceipt.warning_id)
                                       .where(Warning.title == GALE)).all()
        assert (receipt.village_id, receipt.person_name) == (DEMO_VILLAGE, "陈建国")
    page.goto(f"{live_server.url}/warnings/")
    assert page.locator("#warning-list .warning-row").count() == 2
    screenshot(page, "warnings-list-800x480")


def staff_sign_in(page, server) -> None:
    page.goto(f"{server.url}/staff/login")
    page.fill("input[name=username]", "zhou-test")
    page.fill("input[name=password]", "correct horse battery")
    page.tap("button[type=submit]")
    page.wait_for_url(f"{server.url}/supervision/")  # staff land on the overview


def test_township_staff_compose_a_warning_for_chosen_villages(township_live_server, large_kiosk_page, screenshot):
    page, server = large_kiosk_page, township_live_server
    staff_sign_in(page, server)
    page.goto(f"{server.url}/")  # the tile grid
    page.tap(".tile-township_warnings")
    page.wait_for_url(re.compile(r".*/warnings/township/$"))
    page.tap("text=新建预警")
    page.wait_for_selector("#warning-form")
    page.wait_for_selector("#village-picker", state="hidden")  # "every village" is the default
    page.tap("#warning-form button[type=submit]")
    page.wait_for_selector(".field-error")
    errors = page.locator(".field-error").all_inner_texts()
    assert "请选择预警类型。" in errors and "请输入标题。" in errors
    screenshot(page, "warnings-compose-errors-1280x800", full_page=True)
    page.tap("label.kind-immediate")
    page.fill("input[name=title]", "台风“海葵”防御紧急通知")
    page.fill("textarea[name=body]", "台风预计今晚登陆。请各村转移危旧房屋人员，检查微型消防站器材，今晚安排专人值守。")
    page.tap("label.target-some")
    page.wait_for_selector("#village-picker", state="visible")
    for name in ("西湾村", "城东村"):
        box = page.locator("label.village-pick", has_text=name)
        assert box.bounding_box()["height"] >= 56
        box.tap()
    screenshot(page, "warnings-compose-1280x800", full_page=True)
    page.tap("#warning-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/warnings/township/[0-9a-f-]{36}$"))
    rows = page.locator(".tw-table tbody tr")
    assert rows.count() == 2 and page.locator(".tw-table tr.is-unread").count() == 2
    assert "凤山村" not in page.locator(".tw-table").inner_text()
    screenshot(page, "warnings-township-show-1280x800", full_page=True)
    page.goto(f"{server.url}/warnings/township/")
    assert page.locator(".tw-item").count() == 3
    screenshot(page, "warnings-township-list-1280x800", full_page=True)


def test_the_warning_screens_fit_phones_and_the_small_kiosk(live_server, township_live_server, phone_page,
                                                            kiosk_page, large_kiosk_page, screenshot):
    with live_server.app.app_context():
        gale_id = db.session.scalar(db.select(Warning.id).where(Warning.title == GALE))
    for page, size in ((phone_page, "phone"), (kiosk_page, "800x480"), (large_kiosk_page, "1280x800")):
        for path, name in (("/warnings/", "list"), (f"/warnings/{gale_id}", "detail"), ("/", "home")):
            page.goto(live_server.url + path)
            assert fits_width(page), (size, path)
            if (size, name) != ("800x480", "list"):
                screenshot(page, f"warnings-kiosk-{name}-{size}")
    page = phone_page
    page.context.clear_cookies()
    staff_sign_in(page, township_live_server)
    for path, name in (("/warnings/township/", "list"), ("/warnings/township/new", "compose")):
        page.goto(township_live_server.url + path)
        assert fits_width(page), path
        screenshot(page, f"warnings-township-{name}-phone", full_page=True)
