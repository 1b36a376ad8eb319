"""What a new user tripped over at the 800x480 touchscreen (issue 12): after a save the message is on
screen, irreversible actions ask first, no page is wider than the screen."""
from __future__ import annotations

import pytest

from .conftest import DEMO_PINS, sign_in_by_tapping

pytestmark = pytest.mark.browser


def in_view(page, selector: str) -> bool:
    """The element is inside the viewport and not hidden under the sticky status bar."""
    box = page.locator(selector).first.bounding_box()
    bar = page.locator(".statusbar").bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= bar["y"] + bar["height"] - 1 and box["y"] + box["height"] <= height


def scroll_to_bottom(page) -> int:
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    return page.evaluate("window.scrollY")


def first_hydrant_code(page, base_url: str) -> str:
    page.goto(f"{base_url}/hydrants/")
    return page.locator("a.hyd-row").first.get_attribute("data-code")


# ---- after saving, the confirmation is on screen -----------------------------------------------

def test_an_inspection_saved_from_the_bottom_of_the_form_shows_its_confirmation(live_server, kiosk_page, screenshot):
    page = kiosk_page
    sign_in_by_tapping(page, live_server.url, "李伟")
    code = first_hydrant_code(page, live_server.url)
    page.goto(f"{live_server.url}/hydrants/{code}/inspect?all=pass")
    assert scroll_to_bottom(page) > 400
    page.tap("#save-inspection")
    page.wait_for_selector(".flash-success, .flash-warning")
    page.wait_for_timeout(100)
    assert in_view(page, ".flash")
    screenshot(page, "ux-saved-inspection-800x480")


def test_a_person_saved_from_the_bottom_of_the_form_shows_its_confirmation(live_server, kiosk_page):
    page = kiosk_page
    sign_in_by_tapping(page, live_server.url, "陈建国")
    page.goto(f"{live_server.url}/organisation/")
    page.tap("text=张磊")
    page.wait_for_selector("#person-form")
    assert scroll_to_bottom(page) > 100
    page.tap("#person-form button[type=submit]")
    page.wait_for_selector("text=张磊的信息已保存。")
    page.wait_for_timeout(100)
    assert in_view(page, ".flash")


def test_a_refused_save_shows_the_first_problem(live_server, kiosk_page):
    page = kiosk_page
    sign_in_by_tapping(page, live_server.url, "陈建国")
    page.goto(f"{live_server.url}/organisation/")
    page.tap("text=张磊")
    page.wait_for_selector("#person-form")
    page.fill("input[name=phone]", "12345")
    scroll_to_bottom(page)
    page.tap("#person-form button[type=submit]")
    page.wait_for_selector(".field-error")
    page.wait_for_timeout(100)
    assert in_view(page, ".field-error")


def test_a_page_opened_from_far_down_a_list_starts_at_its_top(live_server, kiosk_page):
    page = kiosk_page
    sign_in_by_tapping(page, live_server.url, "李伟")
    page.goto(f"{live_server.url}/hydrants/")
    assert scroll_to_bottom(page) > 200
    page.locator("a.hyd-row").last.tap()
    page.wait_for_selector("#asset")
    page.wait_for_timeout(100)
    assert page.evaluate("window.scrollY") == 0
