"""What a new user tripped over at the 800x480 touchscreen (issue 12): after a save the message is on
screen, irreversible actions ask first, no page is wider than the screen."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import DEMO_PINS, STAFF_PASSWORD, sign_in_by_tapping

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


# ---- no page is wider than the screen -----------------------------------------------------------

def overflowing(page) -> list[str]:
    """The elements that reach beyond the right edge of the page (what to fix when the page overflows)."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth, found = [];
        for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.right > width + 0.5 && r.width > 0) { found.push(el.tagName.toLowerCase() + '.' + el.className + ' ' + Math.round(r.right)); }
        }
        return found.slice(0, 8);
    }""")


def too_wide(page, base_url: str, paths, screenshot, name: str) -> dict:
    wide = {}
    for path in paths:
        page.goto(base_url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 800:
            wide[path] = (width, overflowing(page))
            screenshot(page, f"ux-overflow-{name}-{path.strip('/').replace('/', '-').replace('?', '-') or 'home'}")
    return wide


def tile_paths(page, base_url: str) -> list[str]:
    page.goto(base_url + "/")
    return ["/", *page.locator("a.tile").evaluate_all("els => els.map(e => e.getAttribute('href'))")]


@pytest.mark.parametrize("lang", ["zh_Hans", "en"])
def test_no_tiles_page_of_the_kiosk_is_wider_than_the_touchscreen(live_server, kiosk_page, screenshot, lang):
    page = kiosk_page
    sign_in_by_tapping(page, live_server.url, "陈建国")
    page.goto(f"{live_server.url}/lang/{lang}?next=/")
    paths = tile_paths(page, live_server.url)
    assert len(paths) >= 9
    assert not too_wide(page, live_server.url, paths, screenshot, f"kiosk-{lang}")


@pytest.mark.parametrize("lang", ["zh_Hans", "en"])
def test_no_tiles_page_of_the_township_is_wider_than_the_touchscreen(township_live_server, kiosk_page, screenshot,
                                                                    lang):
    page, base = kiosk_page, township_live_server.url
    page.goto(f"{base}/lang/{lang}?next=/staff/login")
    page.fill("input[name=username]", "zhou-test")
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.tap("button[type=submit]")
    page.wait_for_url(base + "/supervision/")  # staff land on the overview
    page.goto(f"{base}/")
    screenshot(page, f"ux-township-home-{lang}-800x480")
    paths = tile_paths(page, base)
    assert len(paths) >= 9
    wide = too_wide(page, base, paths, screenshot, f"township-{lang}")
    # the same tiles once a village is chosen
    page.goto(f"{base}/villages/")
    page.locator("#villages button").first.tap()
    page.wait_for_url(base + "/")
    wide |= too_wide(page, base, tile_paths(page, base), screenshot, f"township-village-{lang}")
    assert not wide


@pytest.mark.parametrize("lang", ["zh_Hans", "en"])
def test_the_kiosk_home_screen_in_both_languages(live_server, kiosk_page, screenshot, lang):
    page = kiosk_page
    sign_in_by_tapping(page, live_server.url, "陈建国")
    page.goto(f"{live_server.url}/lang/{lang}?next=/")
    widths = page.locator("a.tile").evaluate_all("els => els.map(e => Math.round(e.getBoundingClientRect().width))")
    assert max(widths) - min(widths) <= 1  # five equal columns, whatever a badge says
    screenshot(page, f"ux-kiosk-home-{lang}-800x480")


# ---- irreversible actions ask first -------------------------------------------------------------

def test_removing_a_person_asks_first_on_a_touch_sized_dialog(live_server, kiosk_page, screenshot):
    page = kiosk_page
    sign_in_by_tapping(page, live_server.url, "陈建国")
    page.goto(f"{live_server.url}/organisation/")
    page.tap("text=林海燕")
    page.wait_for_selector("#person-form")
    page.tap("text=移出名册")
    dialog = page.wait_for_selector("dialog[data-ask-first][open]")
    text = dialog.inner_text()
    assert "要把林海燕移出名册吗？" in text and "其一体机登录密码将立即失效。" in text
    for button in page.locator("dialog[open] .btn").all():
        box = button.bounding_box()
        assert box["height"] >= 48 and box["width"] >= 48
    assert in_view(page, "dialog[open] [data-confirm-yes]")
    screenshot(page, "ux-confirm-remove-person-zh-800x480")
    page.tap("dialog[open] [data-confirm-cancel]")
    page.wait_for_selector("dialog[data-ask-first]", state="detached")
    assert page.url.endswith("/edit")  # nothing happened, the form is still there
    page.tap("text=移出名册")
    page.wait_for_selector("dialog[data-ask-first][open]")
    page.tap("dialog[open] [data-confirm-yes]")
    page.wait_for_selector("text=已将林海燕移出名册。")
    assert "林海燕" not in page.inner_text("#roster")


def test_the_dialog_in_english(live_server, kiosk_page, screenshot):
    page = kiosk_page
    sign_in_by_tapping(page, live_server.url, "陈建国")
    page.goto(f"{live_server.url}/lang/en?next=/organisation/")
    page.tap("text=林海燕")
    page.tap("text=Remove from the roster")
    page.wait_for_selector("dialog[data-ask-first][open]")
    assert "Remove 林海燕 from the roster?" in page.inner_text("dialog[open]")
    screenshot(page, "ux-confirm-remove-person-en-800x480")


def test_dropping_a_clause_asks_first_and_the_editor_swaps_in_place(live_server, kiosk_page, screenshot):
    page = kiosk_page
    sign_in_by_tapping(page, live_server.url, "陈建国")
    page.goto(f"{live_server.url}/pact/")
    page.locator("form[action$='/pact/drafts'] button").first.tap()
    page.wait_for_selector("#clauses")
    before = page.locator("#clauses [data-clause]").count()
    first = page.locator("#clauses [data-clause] .clause-text").first.inner_text()
    page.locator("#clauses [data-clause] .btn-danger").first.tap()
    page.wait_for_selector("dialog[data-ask-first][open]")
    assert "要删除第 1 条吗？" in page.inner_text("dialog[open]") and first[:8] in page.inner_text("dialog[open]")
    screenshot(page, "ux-confirm-drop-clause-zh-800x480")
    url = page.url
    page.tap("dialog[open] [data-confirm-yes]")
    page.wait_for_selector("dialog[data-ask-first]", state="detached")
    page.locator(f"#clauses [data-clause]:nth-child({before - 1})").wait_for()
    page.locator(f"#clauses [data-clause]:nth-child({before})").wait_for(state="detached")
    assert page.url == url and not page.locator("dialog").count()


def test_publishing_says_how_many_pledges_will_be_asked_again(live_server, kiosk_page, screenshot):
    page = kiosk_page
    sign_in_by_tapping(page, live_server.url, "陈建国")
    page.goto(f"{live_server.url}/pact/")
    page.locator("form[action$='/pact/drafts'] button").first.tap()
    page.wait_for_selector("#adopt")
    page.fill("input[name=attendance]", "74")
    page.fill("input[name=presided_by]", "陈建国")
    page.tap("[data-adopt]")
    page.wait_for_selector("dialog[data-ask-first][open]")
    assert "到会 74 人" in page.inner_text("dialog[open]")
    screenshot(page, "ux-confirm-adopt-zh-800x480")
    page.tap("dialog[open] [data-confirm-yes]")
    page.wait_for_selector("[data-publish]")
    page.tap("[data-publish]")
    page.wait_for_selector("dialog[data-ask-first][open]")
    assert "份承诺需要重新签署" in page.inner_text("dialog[open]")
    screenshot(page, "ux-confirm-publish-zh-800x480")
    page.tap("dialog[open] [data-confirm-yes]")
    page.wait_for_selector("text=已发布。公告屏将展示公约")


def test_without_scripts_the_question_is_a_page_of_its_own(live_server, browser, screenshot):
    context = browser.new_context(viewport={"width": 800, "height": 480}, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/signin")
    page.click("text=陈建国")
    page.fill("input[name=pin]", DEMO_PINS["陈建国"])
    page.click(".key-ok")
    page.goto(f"{live_server.url}/organisation/")
    page.click("text=张磊")
    page.click("text=移出名册")
    page.wait_for_selector(".confirm-page")
    assert "要把张磊移出名册吗？" in page.inner_text(".confirm-page")
    screenshot(page, "ux-confirm-page-without-scripts-800x480")
    page.click(".confirm-page [data-confirm-yes]")
    page.wait_for_selector("text=已将张磊移出名册。")
    context.close()


# ---- an edit form left open while sync changed the record ----------------------------------------

@pytest.mark.parametrize("lang", ["zh_Hans", "en"])
def test_a_stale_save_shows_what_changed_and_the_second_save_stores(live_server, kiosk_page, screenshot, lang):
    from kiosk.extensions import db
    from kiosk.village import Person
    page, app = kiosk_page, live_server.app
    sign_in_by_tapping(page, live_server.url, "陈建国")
    page.goto(f"{live_server.url}/lang/{lang}?next=/organisation/")
    page.tap("text=张磊")
    page.wait_for_selector("#person-form")
    page.fill("input[name=phone]", "13900000002")
    with app.app_context():  # sync brings the township's change meanwhile
        zhang = db.session.scalar(Person.live().where(Person.name == "张磊"))
        zhang.phone, zhang.post = "13900000001", "村民小组长"
        db.session.commit()
    scroll_to_bottom(page)
    page.tap("#person-form button[type=submit]")
    page.wait_for_selector("#edited-meanwhile")
    page.wait_for_timeout(100)
    assert in_view(page, "#edited-meanwhile")
    table = page.inner_text("#edited-meanwhile")
    assert "13900000001" in table and "13900000002" in table and "村民小组长" in table
    assert page.input_value("input[name=post]") == "村民小组长"  # left alone here: the saved value is taken
    screenshot(page, f"ux-edited-meanwhile-{lang}-800x480")
    page.tap("#person-form button[type=submit]")
    page.wait_for_selector(".flash-success")
    with app.app_context():
        zhang = db.session.scalar(Person.live().where(Person.name == "张磊"))
        assert zhang.phone == "13900000002" and zhang.post == "村民小组长"


# ---- the door-to-door visit picks its household like the pledge screen ---------------------------

def test_a_visit_picks_its_household_by_touch_with_the_pledge_screens_picker(live_server, kiosk_page, screenshot):
    page = kiosk_page
    sign_in_by_tapping(page, live_server.url, "林海燕")
    page.goto(f"{live_server.url}/pact/visits")
    page.tap("a[href$='/pact/visits/new']")
    page.wait_for_selector("[data-kp-key='1']")
    assert not page.locator("select[name=household_id]").count()  # no 40-line dropdown
    screenshot(page, "ux-visit-pick-800x480")
    for key in "205":  # 2组05号
        page.tap(f"[data-kp-key='{key}']")
    expect(page.locator("#household-results [data-house]")).to_have_count(1)
    page.tap("#household-results [data-house='2组05号']")
    page.wait_for_selector("#visit-form")
    assert "2组05号" in page.inner_text("#visit-household")
    screenshot(page, "ux-visit-form-800x480")
    page.tap("label.chip:has-text('电动自行车')")
    page.tap("#visit-form button[type=submit]")
    page.wait_for_selector(".flash-success")
    assert "2组05号" in page.inner_text(".flash-success")
    page.wait_for_timeout(100)
    assert in_view(page, ".flash")
    screenshot(page, "ux-visit-saved-800x480")


# ---- the screens this issue changed, in both languages, to look at --------------------------------

@pytest.mark.parametrize("lang", ["zh_Hans", "en"])
def test_the_changed_screens_in_both_languages(live_server, kiosk_page, screenshot, lang):
    page, base = kiosk_page, live_server.url
    sign_in_by_tapping(page, base, "陈建国")
    page.goto(f"{base}/lang/{lang}?next=/organisation/")
    screenshot(page, f"ux-roster-{lang}-800x480")
    page.goto(f"{base}/organisation/new")
    page.locator("input[name=new_pin]").scroll_into_view_if_needed()
    screenshot(page, f"ux-person-new-pin-{lang}-800x480")
    page.goto(f"{base}/organisation/")
    page.locator("#roster a.row", has_text="李伟").tap()
    page.wait_for_selector("#person-form")
    page.locator("input[name=new_pin]").scroll_into_view_if_needed()
    screenshot(page, f"ux-person-edit-pin-{lang}-800x480")
    # a hydrant registered today: due in three months, not overdue
    page.goto(f"{base}/hydrants/new")
    page.fill("input[name=location]", "新村路口")
    scroll_to_bottom(page)
    page.tap("#hydrant-form button[type=submit]")
    page.wait_for_selector("#asset")
    assert page.get_attribute("#asset", "data-state") == "fine"
    screenshot(page, f"ux-hydrant-new-{lang}-800x480")
    page.goto(f"{base}/hydrants/labels")
    screenshot(page, f"ux-labels-unenrolled-{lang}-800x480")
    page.goto(f"{base}/pact/visits/new")
    page.wait_for_selector("[data-kp-key='1']")
    screenshot(page, f"ux-visit-pick-{lang}-800x480")
    page.locator("#household-results a.household-pick").first.tap()
    page.wait_for_selector("#visit-form")
    screenshot(page, f"ux-visit-form-{lang}-800x480")
    page.goto(f"{base}/pact/")
    page.locator("form[action$='/pact/drafts'] button").first.tap()
    page.wait_for_selector("#adopt")
    page.locator("#adopt .btn-danger").tap()
    page.wait_for_selector("dialog[data-ask-first][open]")
    screenshot(page, f"ux-confirm-discard-{lang}-800x480")
