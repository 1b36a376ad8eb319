"""In the browser, on the 7-inch touchscreen: the committee drafts the pact from the township's
model, adopts and publishes it; the notice board shows it; a resident signs with a finger; the
progress bar and the door-to-door list follow. Posters and lists are checked in print."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def sign_in(page, server, name: str) -> None:
    """Sign in through the session cookie. ``tests.conftest.sign_in_by_tapping`` cannot be used yet:
    base.html sets ``person`` for the status bar and so hides the PIN pad's ``person`` (its form
    posts to /signin/); see the report."""
    from urllib.parse import urlsplit

    from kiosk.extensions import db
    from kiosk.village import Person
    from tests.conftest import open_session
    app = server.app
    with app.app_context():
        person_id = db.session.scalar(db.select(Person.id).where(Person.name == name))
    client = open_session(app.test_client(), person_id=person_id)
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    page.context.clear_cookies()
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "domain": urlsplit(server.url).hostname,
                               "path": "/"}])
    page.goto(server.url + "/")

NEW_CLAUSE = "柴草堆放距灶台不少于2米，灶前不留火种。"


def draw(page, selector: str, points, touch: bool) -> None:
    """One stroke across the pad, by finger (CDP touch events) or by mouse."""
    page.locator(selector).scroll_into_view_if_needed()
    box = page.locator(selector).bounding_box()
    absolute = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in points]
    if touch:
        cdp = page.context.new_cdp_session(page)
        first, *rest = absolute
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [
            {"x": first[0], "y": first[1], "id": 1}]})
        for x, y in rest:
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y, "id": 1}]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        cdp.detach()
    else:
        page.mouse.move(*absolute[0])
        page.mouse.down()
        for x, y in absolute[1:]:
            page.mouse.move(x, y, steps=3)
        page.mouse.up()


def progress_now(page, base) -> int:
    page.goto(f"{base}/pact/progress")
    return int(page.locator("#progress-total [role=progressbar]").get_attribute("aria-valuenow"))


def test_draft_adopt_publish_board_pledge_progress(live_server, kiosk_page, screenshot):
    page, base = kiosk_page, live_server.url
    sign_in(page, live_server, "陈建国")
    page.tap(".tile-pact")
    page.wait_for_url(f"{base}/pact/")
    screenshot(page, "pacts-01-index-committee")
    page.tap("[data-template]")
    page.wait_for_selector("#clauses")
    assert "第 2 版" in page.inner_text("h1")
    screenshot(page, "pacts-02-draft")

    # the village adds its own clause (an htmx swap of the clause editor) and moves it up
    page.fill("#new-clause", NEW_CLAUSE)
    page.tap(".clause-add button[type=submit]")
    page.wait_for_selector(f"#clauses >> text={NEW_CLAUSE}")
    count = page.locator("[data-clause]").count()
    page.locator("[data-clause]").last.locator("button[aria-label*='上移']").tap()
    expect(page.locator("[data-clause]").nth(count - 2)).to_contain_text("柴草")
    screenshot(page, "pacts-03-draft-edited", full_page=True)

    page.fill("#meeting_date", "2024-05-12")
    page.fill("#attendance", "74")
    page.fill("#presided_by", "陈建国")
    page.tap("[data-adopt]")
    page.tap("dialog[open] [data-confirm-yes]")  # the text can then no longer change: asked first
    page.wait_for_selector("[data-publish]")
    page.tap("[data-publish]")
    page.tap("dialog[open] [data-confirm-yes]")  # pledges to version 1 are asked again: asked first
    page.wait_for_selector("text=已发布。公告屏将展示公约")
    screenshot(page, "pacts-04-published")

    before = progress_now(page, base)
    assert before == 0  # a new version: every household pledges again
    door = page.goto(f"{base}/pact/door-list")
    assert door.ok and page.locator("tr[data-household]").count() == 40

    # the notice board, idle: the new pact with the village's own clause
    page.goto(f"{base}/board")
    assert page.locator(".slide.is-active .pact-slide-title").inner_text() == "城东村防火公约"
    assert NEW_CLAUSE in page.inner_text(".slides") or NEW_CLAUSE in page.content()
    screenshot(page, "pacts-05-board")

    # a resident at the kiosk: nobody signed in
    page.goto(f"{base}/")
    page.tap(".statusbar button[type=submit]")  # sign out
    page.wait_for_url(f"{base}/board")
    page.goto(f"{base}/pact/")
    page.tap(".btn-pledge")
    page.wait_for_selector("[data-kp-key='1']")
    for key in "205":  # 2组05号
        page.tap(f"[data-kp-key='{key}']")
    expect(page.locator("#household-results [data-house]")).to_have_count(1)
    screenshot(page, "pacts-06-pick")
    page.tap("#household-results [data-house='2组05号']")
    page.wait_for_selector("[data-sigpad]")
    screenshot(page, "pacts-07-pledge")

    # tapping 'sign' with an empty pad is refused
    page.tap("[data-sign]")
    page.wait_for_selector("text=请用手指在框内签名")
    draw(page, "[data-sigpad]", [(0.1, 0.5), (0.15, 0.3), (0.2, 0.7), (0.25, 0.35), (0.3, 0.6)], touch=True)
    draw(page, "[data-sigpad]", [(0.4, 0.2), (0.42, 0.8)], touch=True)
    draw(page, "[data-sigpad]", [(0.5, 0.5), (0.6, 0.4), (0.7, 0.6), (0.8, 0.45)], touch=True)
    payload = page.input_value("[data-signature-input]")
    assert payload.startswith('{"v":1,"w":600,"h":240,"s":[[') and payload.count("],[") == 2
    screenshot(page, "pacts-08-signed")
    # click, not tap: after strokes sent as raw CDP touch events, Chromium's gesture detector
    # (which did not see them) takes a second Playwright tap on the same button for the end of a
    # double tap and sends no click. A finger on the real screen is one touch stream.
    page.click("[data-sign]")
    page.wait_for_selector(".thanks")
    assert "2组05号 已承诺遵守防火公约" in page.inner_text(".thanks")
    assert page.locator(".sig-svg path").count() == 3
    screenshot(page, "pacts-09-thanks")

    sign_in(page, live_server, "林海燕")
    assert progress_now(page, base) == before + 1
    screenshot(page, "pacts-10-progress")
    page.goto(f"{base}/pact/door-list")
    assert page.locator("tr[data-household]").count() == 39
    assert page.locator("tr[data-household='2组05号']").count() == 0


def test_print_views_of_poster_and_door_list(live_server, kiosk_page, browser, screenshot):
    page, base = kiosk_page, live_server.url
    sign_in(page, live_server, "陈建国")
    page.goto(f"{base}/pact/")
    page.tap("text=第 1 版详情")
    page.wait_for_url(re.compile(r".*/pact/v/[0-9a-f-]{36}$"))
    pact_url = page.url
    for size, (width, height) in (("A4", (794, 1123)), ("A3", (1123, 1587))):
        page.set_viewport_size({"width": width, "height": height})  # the sheet at 96 dpi, for the screenshot
        page.goto(f"{pact_url}/poster?size={size}")
        page.emulate_media(media="print")
        assert page.locator(".statusbar").is_hidden() and page.locator("[data-print]").is_hidden()
        assert page.inner_text(".poster-title") == "城东村防火公约"
        assert page.locator(".poster-clauses li").count() == 15 and page.locator(".poster-qr svg").is_visible()
        assert page.locator("body > :not(main):visible").count() == 0  # no banners on paper
        screenshot(page, f"pacts-print-poster-{size}", full_page=True)
        pdf = page.pdf(prefer_css_page_size=True, print_background=True)
        # the whole pact on one sheet
        assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
        page.emulate_media(media="screen")
    page.set_viewport_size({"width": 800, "height": 480})
    screenshot(page, "pacts-poster-screen")
    page.goto(f"{base}/pact/door-list")
    page.emulate_media(media="print")
    screenshot(page, "pacts-print-door-list", full_page=True)
    assert page.locator("tr[data-household]").count() == len(page.locator("tr[data-household]").all()) > 10
    assert page.locator(".tabs").is_hidden() and page.locator("body > :not(main):visible").count() == 0
    assert page.locator(".door-list h1").inner_text().startswith("城东村防火公约入户承诺走访名单")
    page.emulate_media(media="screen")


def test_screens_on_the_phone_and_the_large_kiosk(live_server, phone_page, large_kiosk_page, screenshot):
    phone_page.goto(f"{live_server.url}/P/330326100201")
    assert "城东村防火公约" in phone_page.inner_text("h1")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 412  # nothing sticks out sideways on a phone
    screenshot(phone_page, "pacts-phone-public", full_page=True)
    page, base = large_kiosk_page, live_server.url
    sign_in(page, live_server, "陈建国")
    for path, name in [("/pact/", "index"), ("/pact/progress", "progress"), ("/pact/pledge", "pick"),
                       ("/pact/visits/new", "visit-new"), ("/households/", "households"),
                       ("/pact/visits", "visits")]:
        page.goto(base + path)
        screenshot(page, f"pacts-large-{name}")
    # at a desk with a mouse: the pad takes mouse strokes too
    page.goto(base + "/pact/pledge")
    page.click("#household-results a.household-pick:not(:has(.badge))")
    page.wait_for_selector("[data-sigpad]")
    draw(page, "[data-sigpad]", [(0.1, 0.6), (0.2, 0.2), (0.3, 0.7), (0.4, 0.3)], touch=False)
    draw(page, "[data-sigpad]", [(0.5, 0.5), (0.9, 0.5)], touch=False)
    page.click("[data-sign]")
    page.wait_for_selector(".thanks")
    assert page.locator(".sig-svg path").count() == 2
    screenshot(page, "pacts-large-thanks")


def test_screens_at_800x480_for_the_committee(live_server, kiosk_page, screenshot):
    page, base = kiosk_page, live_server.url
    sign_in(page, live_server, "林海燕")
    for path, name in [("/pact/visits/new", "visit-new"), ("/households/", "households"),
                       ("/households/import", "import"), ("/pact/visits", "visits"), ("/pact/progress", "progress")]:
        page.goto(base + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 800, f"{path} is {width}px wide"
        screenshot(page, f"pacts-kiosk-{name}")
    # a small target is a missed tap: every button and link on the visit form is at least 48px tall
    page.goto(base + "/pact/visits/new")
    small = page.evaluate("""[...document.querySelectorAll('main button, main a.btn, main .chip, main select')]
        .filter(e => e.offsetParent && e.getBoundingClientRect().height < 47.5).map(e => e.outerHTML.slice(0, 80))""")
    assert small == []
