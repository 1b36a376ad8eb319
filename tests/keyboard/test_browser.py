"""Typing on the 7-inch kiosk with the screen alone: the on-screen keyboard docks under the field
that was tapped, turns pinyin into words, and has letters and a number pad; keys are tapped."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..conftest import sign_in_by_tapping

pytestmark = pytest.mark.browser

KEYBOARD = ".kb:not([hidden])"


def tap_keys(page, keys) -> None:
    """Tap each key of the on-screen keyboard (a letter, or a token such as "{bksp}")."""
    for key in keys:
        page.tap(f"{KEYBOARD} [data-skbtn='{key}']")


def box(page, selector: str) -> dict:
    return page.locator(selector).bounding_box()


def assert_in_sight(page, selector: str) -> None:
    """The field is on the screen, clear of the keyboard and of the status bar."""
    field, keyboard = box(page, selector), box(page, KEYBOARD)
    assert field["y"] >= 0 and field["y"] + field["height"] <= keyboard["y"], (field, keyboard)
    bar = page.evaluate("(() => { const r = document.querySelector('.statusbar').getBoundingClientRect();"
                        " return r.bottom; })()")
    assert field["y"] >= bar - 1


def count_input_events(page, selector: str) -> None:
    page.evaluate("sel => { window.inputs = 0; document.querySelector(sel)"
                  ".addEventListener('input', () => window.inputs++); }", selector)


def test_a_committee_member_types_where_a_hazard_is_in_pinyin(keyboard_kiosk, kiosk_page, screenshot):
    page = kiosk_page
    sign_in_by_tapping(page, keyboard_kiosk.url, "陈建国")
    page.goto(keyboard_kiosk.url + "/hazards/new")
    count_input_events(page, "input[name=location]")
    page.tap("input[name=location]")
    page.wait_for_selector(KEYBOARD)
    assert_in_sight(page, "input[name=location]")
    keys = page.locator(f"{KEYBOARD} .hg-button:not(.kb-blank)").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect()).map(r => [r.width, r.height])")
    assert len(keys) >= 30 and min(min(k) for k in keys) >= 48

    tap_keys(page, "xiaofangshuan")
    assert page.input_value("input[name=location]") == ""  # letters compose above the keys
    expect(page.locator(".kb-composing")).to_have_text("xiaofangshuan")
    page.wait_for_selector(".kb-candidates[data-for='xiaofangshuan']")
    expect(page.locator(".kb-cand").first).to_have_text("消防栓")
    screenshot(page, "keyboard-pinyin-800x480")
    page.tap(".kb-cand >> nth=0")
    assert page.input_value("input[name=location]") == "消防栓"
    assert page.evaluate("window.inputs") == 1
    expect(page.locator(".kb-composing")).to_have_text("")
    assert page.evaluate("document.activeElement.name") == "location"  # the field kept the caret

    # words, not only characters; the space bar takes the first; what is typed goes at the caret
    tap_keys(page, "pangbian")
    page.wait_for_selector(".kb-candidates[data-for='pangbian']")
    tap_keys(page, ["{space}"])
    assert page.input_value("input[name=location]") == "消防栓旁边"
    page.evaluate("document.querySelector('input[name=location]').setSelectionRange(0, 0)")
    tap_keys(page, "dongcun")
    page.wait_for_selector(".kb-candidates[data-for='dongcun']")
    page.tap(".kb-cand >> text=东村")
    assert page.input_value("input[name=location]") == "东村消防栓旁边"
    tap_keys(page, ["{bksp}"])
    assert page.input_value("input[name=location]") == "东消防栓旁边"

    # Done closes the keyboard; the form posts what was typed
    tap_keys(page, ["{enter}"])
    expect(page.locator(".kb")).to_be_hidden()
    page.tap("main button[type=submit]")
    page.wait_for_selector("text=隐患已登记。")
    assert "东消防栓旁边" in page.inner_text("main")


def test_a_long_description_stays_in_sight_and_takes_latin_letters(keyboard_kiosk, kiosk_page):
    page = kiosk_page
    sign_in_by_tapping(page, keyboard_kiosk.url, "陈建国")
    page.goto(keyboard_kiosk.url + "/hazards/new")
    page.tap("textarea[name=description]")
    page.wait_for_selector(KEYBOARD)
    assert_in_sight(page, "textarea[name=description]")
    tap_keys(page, ["{abc}"])
    expect(page.locator(".kb-bar")).to_be_hidden()  # no candidates for letters
    tap_keys(page, ["{shift}", "L", "p", "g", "{enter}", "o", "k"])
    assert page.input_value("textarea[name=description]") == "Lpg\nok"  # Enter is a new line here
    tap_keys(page, ["{sym}", "1", "2", "-", "3"])
    assert page.input_value("textarea[name=description]") == "Lpg\nok12-3"
    assert_in_sight(page, "textarea[name=description]")
    # the keyboard remembers the letters for the next field
    page.tap("input[name=location]")
    page.wait_for_function("document.activeElement.name === 'location'")
    expect(page.locator(f"{KEYBOARD} .kb-active")).to_have_attribute("data-skbtn", "{abc}")
    # a tap outside the fields closes it
    page.tap("h1")
    expect(page.locator(".kb")).to_be_hidden()
    assert not page.evaluate("document.documentElement.classList.contains('kb-open')")

    # away and back through the history: one keyboard, and it still types
    page.tap("input[name=location]")
    page.wait_for_selector(KEYBOARD)
    page.tap("main a.btn")  # Cancel
    page.wait_for_url("**/hazards/")
    page.go_back()
    page.wait_for_url("**/hazards/new")
    page.tap("input[name=location]")
    page.wait_for_selector(KEYBOARD)
    tap_keys(page, "ok")
    assert page.input_value("input[name=location]") == "ok"
    expect(page.locator(".kb")).to_have_count(1)


def test_numbers_and_phone_numbers_get_a_number_pad(keyboard_kiosk, kiosk_page, screenshot):
    page = kiosk_page
    sign_in_by_tapping(page, keyboard_kiosk.url, "陈建国")
    page.goto(keyboard_kiosk.url + "/organisation/new")
    page.tap("input[name=phone]")
    page.wait_for_selector(f"{KEYBOARD}.kb-numpad")
    assert page.locator(f"{KEYBOARD} [data-skbtn='q']").count() == 0
    tap_keys(page, "139 5771 0000".replace(" ", "") + "-")
    tap_keys(page, ["{bksp}"])
    assert page.input_value("input[name=phone]") == "13957710000"
    assert_in_sight(page, "input[name=phone]")
    screenshot(page, "keyboard-numpad-800x480")
    # the name next to it is text again
    page.tap("input[name=name]")
    page.wait_for_selector(f"{KEYBOARD}:not(.kb-numpad) [data-skbtn='q']")

    page.goto(keyboard_kiosk.url + "/station/edit")
    days = "input[data-kb-inputmode=numeric]"
    page.fill(days, "")
    page.tap(days)
    page.wait_for_selector(f"{KEYBOARD}.kb-numpad")
    assert page.locator(f"{KEYBOARD} [data-skbtn='.']").count() == 0  # whole numbers
    tap_keys(page, "30")
    assert page.input_value(days) == "30"
    assert_in_sight(page, days)


def test_screens_with_keys_of_their_own_keep_them(keyboard_kiosk, kiosk_page):
    page = kiosk_page
    page.goto(keyboard_kiosk.url + "/signin")
    page.tap("text=陈建国")
    page.wait_for_selector("[data-pinpad]")
    page.tap("#pin")
    assert page.get_attribute("#pin", "inputmode") == "numeric"  # left as the page made it
    sign_in_by_tapping(page, keyboard_kiosk.url, "陈建国")
    page.goto(keyboard_kiosk.url + "/hydrants/open")  # the code pad, its field focused at once
    page.tap("#code")
    page.wait_for_timeout(300)
    assert page.locator(KEYBOARD).count() == 0


def test_the_keyboard_speaks_english_on_an_english_screen(keyboard_kiosk, kiosk_page, screenshot):
    page = kiosk_page
    sign_in_by_tapping(page, keyboard_kiosk.url, "陈建国")
    page.goto(keyboard_kiosk.url + "/lang/en?next=/hazards/new")
    page.tap("input[name=location]")
    page.wait_for_selector(KEYBOARD)
    # letters first on an English screen; pinyin one tap away
    expect(page.locator(f"{KEYBOARD} .kb-active")).to_have_text("ABC")
    tap_keys(page, ["{shift}", "W", "e", "l", "l"])
    assert page.input_value("input[name=location]") == "Well"
    tap_keys(page, ["{pinyin}", *"shuichi"])
    page.wait_for_selector(".kb-candidates[data-for='shuichi']")
    expect(page.locator(f"{KEYBOARD} [data-skbtn='{{enter}}']")).to_have_text("Done")
    screenshot(page, "keyboard-english-800x480")
    page.tap(".kb-cand >> text=水池")
    assert page.input_value("input[name=location]") == "Well水池"
