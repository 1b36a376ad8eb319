"""The kiosk on its 800x480 touchscreen, driven by tapping in Debian's Chromium."""
import re
import time

import pytest

from kiosk.extensions import db

from .conftest import LiveServer, make_app, sign_in_by_tapping

pytestmark = pytest.mark.browser


def test_home_screen_fits_the_touchscreen(live_server, kiosk_page, large_kiosk_page, screenshot):
    for page, name in ((kiosk_page, "home-800x480"), (large_kiosk_page, "home-1280x800")):
        page.goto(live_server.url + "/")
        assert page.locator(".tile").count() >= 7
        # no horizontal scrolling, and every tile at least 48 px in both directions
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        for box in page.locator(".tile").evaluate_all("els => els.map(e => e.getBoundingClientRect())"):
            assert box["width"] >= 48 and box["height"] >= 48
        screenshot(page, name)


def test_a_committee_member_signs_in_by_tapping_and_edits_the_roster(live_server, kiosk_page, screenshot):
    page = kiosk_page
    page.goto(live_server.url + "/signin")
    screenshot(page, "signin-800x480")
    page.tap("text=陈建国")
    page.wait_for_selector("[data-pinpad]")
    for digit in "2581":  # a wrong PIN first
        page.tap(f"[data-key='{digit}']")
    page.tap(".key-ok")
    page.wait_for_selector("text=密码错误")
    screenshot(page, "pinpad-wrong-800x480")
    page.tap("[data-key='clear']")
    for digit in "2580":
        page.tap(f"[data-key='{digit}']")
    page.tap(".key-ok")
    page.wait_for_url(live_server.url + "/")
    assert page.locator(".sb-who").inner_text() == "陈建国"

    page.tap(".tile-organisation")
    page.wait_for_selector("#roster")
    screenshot(page, "roster-800x480")
    page.tap("text=张磊")
    page.wait_for_selector("#person-form")
    page.fill("input[name=phone]", "139 5771 0000")
    page.tap("label.chip:has-text('网格员')")
    screenshot(page, "person-edit-800x480", full_page=True)
    page.tap("#person-form button[type=submit]")
    page.wait_for_selector("text=张磊的信息已保存。")
    row = page.locator("#roster li", has_text="张磊")
    assert "13957710000" in row.inner_text() and "网格员" in row.inner_text()


def test_a_bad_phone_number_is_explained_in_place(live_server, kiosk_page):
    page = kiosk_page
    sign_in_by_tapping(page, live_server.url, "林海燕")
    page.goto(live_server.url + "/organisation/new")
    page.fill("input[name=name]", "徐明")
    page.fill("input[name=phone]", "12345")
    page.tap("#person-form button[type=submit]")
    page.wait_for_selector(".field-error:has-text(\"电话号码\")")
    assert page.input_value("input[name=name]") == "徐明"  # what was typed is kept


@pytest.fixture
def quick_idle_server(database, tmp_path):
    app = make_app(database("sqlite"), tmp_path / "idle", WTF_CSRF_ENABLED=True, KIOSK_IDLE_SECONDS=3)
    server = LiveServer(app).start()
    yield server
    server.stop()
    with app.app_context():
        db.engine.dispose()


def test_an_idle_kiosk_signs_out_and_shows_the_notice_board(quick_idle_server, kiosk_page, screenshot):
    page = kiosk_page
    sign_in_by_tapping(page, quick_idle_server.url, "陈建国")
    page.goto(quick_idle_server.url + "/organisation/")
    page.wait_for_url(quick_idle_server.url + "/board", timeout=15000)
    page.wait_for_selector(".slide.is-active")
    screenshot(page, "board-800x480")
    page.goto(quick_idle_server.url + "/organisation/")
    assert "/signin" in page.url  # really signed out, not only hidden


@pytest.fixture
def kiosk_with(database, tmp_path):
    """A live kiosk with settings of the test's choosing: ``kiosk_with(KIOSK_IDLE_SECONDS=4)``."""
    started = []

    def start(**config):
        app = make_app(database("sqlite"), tmp_path / f"kiosk-{len(started)}", WTF_CSRF_ENABLED=True, **config)
        started.append(LiveServer(app).start())
        return started[-1]

    yield start
    for server in started:
        server.stop()
        with server.app.app_context():
            db.engine.dispose()


def active_slide(page) -> int:
    return page.evaluate("[...document.querySelectorAll('.slides .slide')]"
                         ".findIndex(s => s.classList.contains('is-active'))")


def test_tapping_the_notice_board_tile_shows_the_slides_moving(kiosk_with, kiosk_page):
    """The tile is a boosted link: htmx swaps the body in, and the new board must rotate too."""
    server = kiosk_with(BOARD_ROTATE_SECONDS=1)
    page = kiosk_page
    page.goto(server.url + "/")
    page.evaluate("window.sameDocument = true")
    page.tap(".tile-notices")
    page.wait_for_url(server.url + "/board")
    page.wait_for_selector(".slide.is-active")
    assert page.evaluate("window.sameDocument === true")  # boosted: no page load happened
    assert page.locator(".slides .slide").count() > 2
    first = active_slide(page)
    page.wait_for_function(f"() => [...document.querySelectorAll('.slides .slide')]"
                           f".findIndex(s => s.classList.contains('is-active')) !== {first}", timeout=5000)


def test_polls_do_not_keep_a_walked_away_member_signed_in(kiosk_with, kiosk_page):
    """The banner polls every second here (the status bar every 30 s), and a panel of the page refreshes
    itself from a page that is not passive: none of that is a person, on the screen or on the server.
    The screen's own sign-out is cut off here: the server ends the session by itself."""
    import requests
    server = kiosk_with(KIOSK_IDLE_SECONDS=4, WARNINGS_POLL_SECONDS=1)
    page = kiosk_page
    sign_in_by_tapping(page, server.url, "陈建国")
    page.route("**/signout", lambda route: route.abort())
    polled = []
    page.on("request", lambda r: polled.append(r.headers.get("x-kiosk-passive"))
            if r.url.endswith("/organisation/") and r.headers.get("hx-request") else None)
    with page.expect_request(lambda r: "/warnings/banner" in r.url):
        page.goto(server.url + "/organisation/")
    page.evaluate("""() => {
        const panel = document.createElement("div");
        panel.setAttribute("hx-get", "/organisation/");
        panel.setAttribute("hx-trigger", "every 500ms");
        panel.setAttribute("hx-swap", "none");
        document.body.appendChild(panel);
        htmx.process(panel);
    }""")
    cookie = next(c for c in page.context.cookies() if c["name"] == "session")["value"]
    # page.url, not wait_for_url: the cut-off sign-out may abort a navigation while the board loads
    # (ERR_ABORTED would end wait_for_url, not the test's story)
    deadline = time.monotonic() + 15
    while page.url != server.url + "/board":
        assert time.monotonic() < deadline, page.url
        page.wait_for_timeout(100)
    # about eight polls in the idle time: three leave room for a loaded machine's slow timers
    assert len(polled) >= 3 and set(polled) == {"1"}  # the panel kept polling, marked passive
    page.wait_for_timeout(4500)  # the board's own load is a page view: one more idle time
    later = requests.get(server.url + "/organisation/", cookies={"session": cookie}, allow_redirects=False)
    assert later.status_code == 302 and "/signin" in later.headers["Location"]  # ended on the server


def test_english_is_one_tap_away(live_server, kiosk_page, screenshot):
    page = kiosk_page
    page.goto(live_server.url + "/")
    assert page.locator(".tile-hazards .tile-label").inner_text() == "隐患排查"  # the Chinese UI
    page.tap("a.btn-lang")
    page.wait_for_selector("html[lang=en]")
    assert page.locator(".tile-hazards .tile-label").inner_text() == "Hazards"
    screenshot(page, "home-en-800x480")
    page.tap("a.btn-lang")
    page.wait_for_selector("html[lang=zh-Hans]")


def test_a_usb_scanner_on_the_home_screen_opens_the_hydrant(live_server, kiosk_page):
    """A scanner types the label's URL and Enter; no field needs to be focused."""
    from kiosk.hydrants.models import Hydrant
    with live_server.app.app_context():
        code = db.session.scalar(db.select(Hydrant.code).where(Hydrant.deleted.is_(False)).limit(1))
    page = kiosk_page
    page.goto(live_server.url + "/")
    page.keyboard.type(f"HTTPS://FIRE.EXAMPLE/H/{code}", delay=5)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/h/{code}*")


def test_the_filing_sheet_prints_on_one_a4_page(live_server, kiosk_page, screenshot):
    page = kiosk_page
    sign_in_by_tapping(page, live_server.url, "林海燕")
    page.goto(live_server.url + "/organisation/filing-sheet")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    screenshot(page, "filing-sheet-print-a4", full_page=True)
    assert page.locator(".statusbar").is_hidden() and page.locator(".actions").is_hidden()
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page(?![a-z])", pdf)) == 1
