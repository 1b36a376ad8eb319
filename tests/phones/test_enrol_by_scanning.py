"""The township's station staff tap "add a phone" beside 李伟; 李伟 scans the QR on the screen with
his phone's camera and taps "use this phone". Later the staff sign the phone out: the phone says so
and keeps what it had not sent."""
from __future__ import annotations

import subprocess

from tests.conftest import DEMO_VILLAGE, carry_session, open_session
from tests.phones.conftest import on_page


def _staff_screen(browser, live_township):
    client = open_session(live_township.app.test_client(), staff_id=live_township.staff_id, village_code=DEMO_VILLAGE)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    carry_session(context, client, live_township.url)
    return context


def test_a_volunteer_enrols_by_scanning_the_qr_on_the_staff_screen_and_is_later_signed_out(
        live_township, browser, volunteers_phone, screenshot, tmp_path):
    staff = _staff_screen(browser, live_township)
    desk = staff.new_page()
    desk.goto(f"{live_township.url}/phone/people")
    desk.locator("tr[data-person='李伟'] button").click()
    desk.wait_for_selector(".phone-qr")
    shot = screenshot(desk, "phone-staff-qr")

    # the phone's camera reads the code on the screen
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(shot)], capture_output=True, text=True, check=True)
    url = decoded.stdout.strip()
    assert url.startswith(live_township.url.upper() + "/PHONE/ENROL/")

    phone = volunteers_phone.new_page()
    phone.goto(url)
    phone.get_by_role("button", name="Use this phone").tap()
    on_page(phone, "/phone/")
    phone.wait_for_function("() => navigator.serviceWorker.controller !== null")

    # online, the hydrant's label (through the phone's worker) opens the inspection for him
    from kiosk.extensions import db
    from kiosk.hydrants.models import Hydrant
    with live_township.app.app_context():
        code = db.session.scalar(db.select(Hydrant.code).where(Hydrant.village_id == DEMO_VILLAGE,
                                                               Hydrant.deleted.is_(False)).order_by(Hydrant.code))
    phone.goto(f"{live_township.url}/H/{code}")
    on_page(phone, "/phone/inspect")
    assert phone.locator("[data-hydrant-code]").text_content() == code
    phone.goto(f"{live_township.url}/phone/")
    on_page(phone, "/phone/")

    # the staff's list shows it; they sign it out (asked first)
    desk.goto(f"{live_township.url}/phone/people")
    screenshot(desk, "phone-staff-list")
    desk.locator("tr[data-phone='李伟'] button").click()
    desk.locator("dialog button[type=submit], .confirm button[type=submit]").last.click()
    desk.wait_for_selector("tr[data-phone='李伟'].is-revoked")

    # a record made after that stays on the phone, and the phone says why it is not sent
    phone.get_by_role("link", name="Report a hazard").tap()
    on_page(phone, "/phone/report")
    phone.fill("input[name=location]", "村口")
    phone.get_by_role("button", name="Save").tap()
    on_page(phone, "/phone/")
    phone.wait_for_selector("[data-notice][data-tone='bad']")
    assert "signed out" in phone.locator("[data-notice]").text_content()
    assert phone.locator("[data-outbox-count]").text_content() == "1 waiting to send"
    screenshot(phone, "phone-revoked")
    staff.close()


def test_a_browser_that_cannot_keep_the_app_says_what_to_open_instead(live_township, browser, volunteers_phone):
    """WeChat's built-in browser has no service worker: the volunteer is told to use the phone's own
    browser; what they record there still waits in the outbox and is sent."""
    from tests.phones.conftest import enrolment_url
    station = open_session(live_township.app.test_client(), staff_id=live_township.staff_id,
                           village_code=DEMO_VILLAGE)
    url = enrolment_url(station, live_township.app, "李伟")
    volunteers_phone.add_init_script("delete Navigator.prototype.serviceWorker")
    phone = volunteers_phone.new_page()
    phone.goto(url)
    phone.get_by_role("button", name="Use this phone").tap()
    on_page(phone, "/phone/")
    assert "WeChat" in phone.locator("[data-notice]").text_content()
    phone.get_by_role("link", name="Report a hazard").tap()
    on_page(phone, "/phone/report")
    phone.fill("input[name=location]", "村口")
    phone.get_by_role("button", name="Save").tap()
    on_page(phone, "/phone/")
    phone.wait_for_function("() => document.querySelector('[data-outbox-count]')?.textContent === 'Everything is sent'")
