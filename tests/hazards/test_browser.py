"""The loop in the browser. The whole story over real sync — a resident reports on a phone at the
township, the kiosk's manager assigns it, a volunteer fixes it with a photo, the township checks it, the
resident sees it fixed and the hydrant is back on the map — counting the taps of every step at 800×480;
the notice on one A4 page; every screen in both languages. Screenshots: tests/artefacts/hazards-*.png,
the tap counts: tests/artefacts/hazards-taps.json."""
from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.hazards.models import Hazard
from kiosk.hydrants.models import Hydrant
from tests.conftest import ARTEFACTS, STAFF_PASSWORD, LiveServer, add_staff, sign_in_by_tapping
from tests.hydrants.helpers import jpeg
from tests.sync.conftest import make_kiosk, sync_db, township  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

PHONE = dict(viewport={"width": 412, "height": 839}, device_scale_factor=2.625, is_mobile=True, has_touch=True,
             locale="zh-CN", timezone_id="Asia/Shanghai",
             user_agent="Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
                        "Chrome/120.0 Mobile Safari/537.36")
KIOSK = dict(viewport={"width": 800, "height": 480}, has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai")
DESK = dict(viewport={"width": 1280, "height": 800}, has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai")


class Taps:
    """Counts a person's taps, step by step."""

    def __init__(self):
        self.counts: dict[str, int] = {}
        self.step = None

    def start(self, step: str):
        self.step = step
        self.counts[step] = 0

    def tap(self, page, selector: str):
        page.tap(selector)
        self.counts[self.step] += 1

    def choose_photo(self, page, selector: str, data: bytes):
        """Tapping the photo button opens the camera or the gallery: one tap, then the picture."""
        page.set_input_files(selector, files=[{"name": "after.jpg", "mimeType": "image/jpeg", "buffer": data}])
        self.counts[self.step] += 1


@pytest.fixture
def contexts(browser):
    made = []

    def make(js=True, **options):
        context = browser.new_context(java_script_enabled=js, **options)
        made.append(context)
        return context.new_page()

    yield make
    for context in made:
        context.close()


@pytest.fixture
def story(make_kiosk, township):  # noqa: F811
    """The demo village's kiosk enrolled with the township, both served over HTTP with CSRF on."""
    kiosk = make_kiosk(township)
    assert kiosk.sync().ok
    for side in (kiosk, township):
        side.app.config["WTF_CSRF_ENABLED"] = True
    add_staff(township.app, "zhou", name="周立新")
    server = LiveServer(kiosk.app).start()
    yield kiosk, township, server
    server.stop()


def staff_login(page, url):
    page.goto(f"{url}/staff/login")
    page.fill("input[name=username]", "zhou")
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/supervision/")  # staff land on the overview


def plot_state(page, code):
    return page.get_attribute(f'.plot-point[data-code="{code}"]', "data-state")


def no_sideways_scroll(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_whole_loop_over_real_sync_and_the_taps_it_takes(story, contexts, screenshot):
    kiosk, township, server = story
    taps = Taps()
    with kiosk.ctx():
        code = db.session.scalar(sa.select(Hydrant.code).where(Hydrant.location == "村委会大楼门口"))

    # a resident reports a blocked hydrant from its label, on a phone, at the township — no JavaScript
    phone = contexts(js=False, **PHONE)
    phone.goto(f"{township.url}/H/{code}")
    phone.check('#report-form input[value="blocked"]')
    phone.fill("#description", "消火栓被三轮车挡住了")
    phone.click("#send-report")
    phone.wait_for_selector("#report-sent")
    receipt = re.search(r"/r/([A-Z0-9]{8})", phone.get_attribute("#receipt-link", "href")).group(1)
    screenshot(phone, "hazards-phone-report-receipt", full_page=True)
    no_sideways_scroll(phone, 412)

    # the kiosk receives it
    assert kiosk.sync().ok
    with kiosk.ctx():
        hid = db.session.scalar(sa.select(Hazard.id).where(Hazard.code == receipt))
    assert hid

    # the fire-safety manager at the kiosk: the register, then the hazard
    manager = contexts(**KIOSK)
    sign_in_by_tapping(manager, server.url, "林海燕")
    manager.goto(f"{server.url}/hazards/?tab=new")
    assert manager.locator(f'[data-hazard="{hid}"]').is_visible()
    screenshot(manager, "hazards-kiosk-register-new-800x480")
    manager.tap(f'[data-hazard="{hid}"]')
    manager.wait_for_selector("#hazard-steps")
    screenshot(manager, "hazards-kiosk-hazard-reported-800x480")
    for button in manager.query_selector_all("#hazard-steps .btn"):
        assert button.bounding_box()["height"] >= 48

    # assign it to the volunteer: two taps
    taps.start("assign")
    taps.tap(manager, '[data-step="assign"]')
    manager.wait_for_selector("#assign-form")
    screenshot(manager, "hazards-kiosk-assign-800x480")
    taps.tap(manager, '[data-person="李伟"]')
    manager.wait_for_selector("#assignee")
    assert "李伟" in manager.inner_text("#assignee")

    # acknowledging another new one: one tap
    with kiosk.ctx():
        other = db.session.scalar(sa.select(Hazard.id).where(Hazard.location == "村文化礼堂配电箱"))
    manager.goto(f"{server.url}/hazards/{other}")
    taps.start("acknowledge")
    taps.tap(manager, '[data-step="acknowledge"]')
    manager.wait_for_selector('#hazard[data-status="acknowledged"]')

    # a minor one fixed on the spot: one tap
    taps.start("fix on the spot")
    taps.tap(manager, '[data-step="on_spot"]')
    manager.wait_for_selector('#hazard[data-status="closed"]')

    # checking one the patrol fixed: two taps at the kiosk too
    with kiosk.ctx():
        fixed = db.session.scalar(sa.select(Hazard.id).where(Hazard.location == "老街菜场后巷"))
    manager.goto(f"{server.url}/hazards/{fixed}")
    taps.start("verify at the kiosk")
    taps.tap(manager, '[data-step="verify"]')
    manager.wait_for_selector("#step-form")
    screenshot(manager, "hazards-kiosk-verify-800x480")
    taps.tap(manager, "#save-step")
    manager.wait_for_selector('#hazard[data-status="verified"]')

    # the volunteer marks it fixed with an after-photo
    volunteer = contexts(**KIOSK)
    sign_in_by_tapping(volunteer, server.url, "李伟")
    volunteer.goto(f"{server.url}/hazards/?tab=mine")
    volunteer.tap(f'[data-hazard="{hid}"]')
    taps.start("fix with photo")
    taps.tap(volunteer, '[data-step="fix"]')
    volunteer.wait_for_selector("#step-form")
    taps.tap(volunteer, '#step-form label.seg-opt:has-text("已清理")')
    taps.choose_photo(volunteer, "#photo", jpeg(colour=(40, 160, 60)))
    screenshot(volunteer, "hazards-kiosk-fix-800x480")
    taps.tap(volunteer, "#save-step")
    volunteer.wait_for_selector('#hazard[data-status="fixed"]')
    # the photo shows once it has loaded (the swap puts the element in first)
    volunteer.wait_for_function("() => { const img = document.querySelector('#after-photo img');"
                                " return img && img.complete && img.naturalWidth > 0; }", timeout=10000)
    assert not volunteer.locator('[data-step="verify"]').count()  # not for whoever fixed it
    screenshot(volunteer, "hazards-kiosk-hazard-fixed-800x480")
    assert kiosk.sync().ok

    # the township checks it
    desk = contexts(**DESK)
    staff_login(desk, township.url)
    desk.goto(f"{township.url}/hazards/township?tab=verify")
    assert desk.locator(f'[data-hazard="{hid}"]').is_visible()
    screenshot(desk, "hazards-township-to-check-1280x800")
    desk.click(f'[data-hazard="{hid}"]')
    taps.start("verify at the township")
    desk.wait_for_selector("#hazard-steps")
    taps.tap(desk, '[data-step="verify"]')
    desk.wait_for_selector("#step-form")
    taps.tap(desk, "#save-step")
    desk.wait_for_selector('#hazard[data-status="verified"]')
    screenshot(desk, "hazards-township-verified-1280x800", full_page=True)
    assert kiosk.sync().ok

    # the resident's receipt shows it fixed, with the photo (no JavaScript)
    phone.goto(f"{township.url}/R/{receipt}")
    assert phone.get_attribute("#receipt", "data-status") == "verified"
    assert "整改并复查合格" in phone.inner_text("#receipt-status")
    assert phone.locator("#receipt-photo").evaluate("img => img.naturalWidth") > 0
    assert "李伟" not in phone.content() and "林海燕" not in phone.content()
    screenshot(phone, "hazards-phone-receipt-fixed", full_page=True)
    no_sideways_scroll(phone, 412)

    # and the hydrant is back in service on the kiosk's map
    manager.goto(f"{server.url}/hydrants/")
    assert plot_state(manager, code) == "fine"

    (ARTEFACTS / "hazards-taps.json").write_text(json.dumps(taps.counts, ensure_ascii=False, indent=1))
    print("taps at 800x480:", taps.counts)
    assert taps.counts == {"assign": 2, "acknowledge": 1, "fix on the spot": 1, "verify at the kiosk": 2,
                           "fix with photo": 4, "verify at the township": 2}


def test_every_screen_in_both_languages(live_server, township_live_server, contexts, screenshot):
    base, town = live_server.url, township_live_server.url
    add_staff(township_live_server.app, "zhou", name="周立新")
    for lang in ("zh", "en"):
        kiosk = contexts(**KIOSK)
        sign_in_by_tapping(kiosk, base, "林海燕")
        if lang == "en":
            kiosk.goto(f"{base}/lang/en?next=/hazards/")
        kiosk.goto(f"{base}/hazards/")
        screenshot(kiosk, f"hazards-kiosk-register-{lang}-800x480")
        no_sideways_scroll(kiosk, 800)
        kiosk.goto(f"{base}/hazards/?tab=overdue")
        screenshot(kiosk, f"hazards-kiosk-register-overdue-{lang}-800x480")
        with live_server.app.app_context():
            ids = {h.location: h.id for h in db.session.scalars(sa.select(Hazard))}
        for where, name in (("3组12号 楼道", "notice-overdue"), ("老街菜场后巷", "to-check"),
                            ("村委会东侧消防通道", "closed")):
            kiosk.goto(f"{base}/hazards/{ids[where]}")
            screenshot(kiosk, f"hazards-kiosk-hazard-{name}-{lang}-800x480")
            no_sideways_scroll(kiosk, 800)
        kiosk.goto(f"{base}/hazards/{ids['3组12号 楼道']}")
        screenshot(kiosk, f"hazards-kiosk-hazard-timeline-{lang}-800x480", full_page=True)
        for step in ("verify", "send-back", "progress"):
            kiosk.goto(f"{base}/hazards/{ids['老街菜场后巷']}/step/{step}")
            screenshot(kiosk, f"hazards-kiosk-step-{step}-{lang}-800x480")
        kiosk.goto(f"{base}/hazards/{ids['村文化礼堂配电箱']}/notice")
        screenshot(kiosk, f"hazards-kiosk-notice-form-{lang}-800x480")
        kiosk.goto(f"{base}/hazards/{ids['3组12号 楼道']}/refer")
        screenshot(kiosk, f"hazards-kiosk-refer-{lang}-800x480")
        kiosk.goto(f"{base}/hazards/ledger")
        screenshot(kiosk, f"hazards-kiosk-ledger-{lang}-800x480")
        kiosk.goto(f"{base}/hazards/deadlines")
        screenshot(kiosk, f"hazards-kiosk-deadlines-{lang}-800x480")
        kiosk.goto(f"{base}/")
        screenshot(kiosk, f"hazards-kiosk-home-{lang}-800x480")

        desk = contexts(**DESK)
        staff_login(desk, town)
        if lang == "en":
            desk.goto(f"{town}/lang/en?next=/hazards/township")
        desk.goto(f"{town}/hazards/township")
        screenshot(desk, f"hazards-township-list-{lang}-1280x800")
        desk.goto(f"{town}/hazards/deadlines")
        screenshot(desk, f"hazards-township-deadlines-{lang}-1280x800")
        with township_live_server.app.app_context():
            overdue = db.session.scalar(sa.select(Hazard.id).where(Hazard.location == "3组12号 楼道"))
            code = db.session.scalar(sa.select(Hazard.code).where(Hazard.location == "老街菜场后巷"))
        desk.goto(f"{town}/hazards/{overdue}/list")
        screenshot(desk, f"hazards-township-listing-{lang}-1280x800")

        phone = contexts(js=False, **PHONE)
        if lang == "en":
            phone.goto(f"{town}/lang/en?next=/R/{code}")
        phone.goto(f"{town}/R/{code}")
        screenshot(phone, f"hazards-phone-receipt-{lang}", full_page=True)
        no_sideways_scroll(phone, 412)


def test_a_notice_prints_on_one_a4_page_in_chinese(live_server, contexts, screenshot):
    with live_server.app.app_context():
        hid = db.session.scalar(sa.select(Hazard.id).where(Hazard.location == "3组12号 楼道"))
    page = contexts(**DESK)
    sign_in_by_tapping(page, live_server.url, "林海燕")
    page.goto(f"{live_server.url}/lang/en?next=/hazards/{hid}/notice/print")
    page.goto(f"{live_server.url}/hazards/{hid}/notice/print")
    assert "整改通知书" in page.inner_text("#notice") and page.locator("#notice svg").count() == 1
    screenshot(page, "hazards-notice-sheet", full_page=True)
    page.emulate_media(media="print")
    screenshot(page, "hazards-notice-print", full_page=True)
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page(?![a-z])", pdf)) == 1
    page.goto(f"{live_server.url}/hazards/ledger")
    pdf = page.pdf(format="A4", landscape=True)
    assert len(re.findall(rb"/Type\s*/Page(?![a-z])", pdf)) >= 1
