"""At the kiosk, 李伟 marks a hazard as fixed. The kiosk has no camera: he taps "take it with a phone"
beside the after-photo, scans the QR with his phone (in WeChat's browser, which keeps no service
worker), takes the photo and sends it. The photo reaches the township, comes to the kiosk by the
ordinary sync, appears beside the photo button, and is the after-photo of the fix he saves."""
from __future__ import annotations

import re
import subprocess

import pytest

from kiosk.extensions import db
from tests.conftest import LiveServer, carry_session, open_session
from tests.photos.conftest import jpeg

WECHAT = ("Mozilla/5.0 (Linux; Android 14; Pixel 7 Build/UQ1A) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Version/4.0 Chrome/120.0 Mobile Safari/537.36 XWEB/1200 MMWEBSDK/20240301 MicroMessenger/8.0.48")


def _person(app, name):
    from kiosk.village import Person
    with app.app_context():
        return db.session.scalar(db.select(Person.id).where(Person.name == name))


def _a_hazard_to_fix(app) -> str:
    from kiosk.hazards.models import Hazard, HazardState
    with app.app_context():
        return db.session.scalar(db.select(Hazard.id).join(HazardState, HazardState.hazard_id == Hazard.id)
                                 .where(HazardState.is_open.is_(True), HazardState.status != "fixed")
                                 .order_by(Hazard.id))


@pytest.fixture
def wechat_phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai", user_agent=WECHAT)
    context.add_init_script("delete Navigator.prototype.serviceWorker")
    yield context
    context.close()


def test_a_photo_taken_on_the_phone_through_the_kiosks_qr_appears_on_the_kiosks_record(
        kiosk, township, kiosk_page, wechat_phone, screenshot, tmp_path):
    township.app.config["PUBLIC_URL"] = township.url  # the township's public address, in the QR
    assert kiosk.sync()
    hazard_id = _a_hazard_to_fix(kiosk.app)
    li_wei = open_session(kiosk.app.test_client(), person_id=_person(kiosk.app, "李伟"))
    server = LiveServer(kiosk.app).start()
    try:
        carry_session(kiosk_page.context, li_wei, server.url)
        kiosk_page.goto(f"{server.url}/hazards/{hazard_id}/step/fix")
        screenshot(kiosk_page, "photo-kiosk-fix")
        kiosk_page.locator("[data-photo-phone=photo] .photo-phone-btn").tap()
        kiosk_page.wait_for_selector(".photo-phone-qr")
        qr = kiosk_page.locator(".photo-phone-qr")
        qr.scroll_into_view_if_needed()
        box = qr.bounding_box()
        assert box["width"] >= 150 and 0 <= box["y"] and box["y"] + box["height"] <= 480
        shot = screenshot(kiosk_page, "photo-kiosk-qr")

        # the phone's camera reads the code on the screen
        decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(shot)], capture_output=True, text=True,
                                 check=True)
        url = decoded.stdout.strip()
        assert url.startswith(township.url.upper() + "/PHOTO/")

        phone = wechat_phone.new_page()
        phone.goto(url)
        screenshot(phone, "photo-phone-take")
        camera = tmp_path / "IMG_20260301_101500.jpg"
        camera.write_bytes(jpeg(4000, 3000))
        phone.set_input_files("[data-photo-input]", str(camera))
        phone.wait_for_selector("[data-photo-preview]:not([hidden])")
        phone.locator("[data-photo-send]").tap()
        phone.wait_for_selector("[data-photo-sent]")
        screenshot(phone, "photo-phone-sent")

        from kiosk.photos.models import PhonePhoto
        with township.ctx():
            sent = db.session.scalars(db.select(PhonePhoto)).one()
            sha, record_id = sent.photo_sha256, sent.record_id
        from sync import blobs
        with township.ctx():
            with blobs.path(sha).open("rb") as f:
                from PIL import Image
                size = Image.open(f).size
        assert max(size) == 1280  # shrunk on the phone (the township keeps it as it came, under 1600)

        # before the sync, the kiosk is still waiting; the ordinary sync brings the photo and its file
        assert kiosk_page.locator(".photo-arrived-item").count() == 0
        assert kiosk.sync()
        kiosk_page.wait_for_selector(f".photo-arrived-item[data-photo-sha='{sha}'] img", timeout=15000)
        assert kiosk_page.locator(".photo-phone-qr").is_hidden()  # the QR has done its work
        screenshot(kiosk_page, "photo-kiosk-arrived")

        kiosk_page.locator("#save-step").tap()
        kiosk_page.wait_for_url(re.compile(rf"/hazards/{hazard_id}(\?.*)?$"))
        from kiosk.hazards.models import HazardAction
        with kiosk.ctx():
            fix = db.session.get(HazardAction, record_id)
            assert fix is not None and fix.kind == "fixed" and fix.photo_sha256 == sha
        assert kiosk_page.locator(f"img[src*='{sha}']").count() >= 1
        screenshot(kiosk_page, "photo-kiosk-record")
    finally:
        server.stop()


def test_with_no_link_the_kiosk_says_to_use_the_photo_button(kiosk, township):
    from sync.models import SyncState
    kiosk.sync()
    with kiosk.ctx():  # enrolled, and now the township is out of reach
        db.session.get(SyncState, 1).server_url = "http://127.0.0.1:9"
        db.session.commit()
    li_wei = open_session(kiosk.app.test_client(), person_id=_person(kiosk.app, "李伟"))
    import uuid
    r = li_wei.post("/photos/phone", data={"kind": "hazard_action", "record_id": str(uuid.uuid4()), "field": "photo"})
    assert r.status_code == 200 and "data-problem" in r.text and "<svg" not in r.text
    assert "hx-trigger" not in r.text  # nothing to wait for


def test_who_may_ask_for_a_qr(kiosk, township):
    import uuid
    anyone = kiosk.app.test_client()
    ask = {"record_id": str(uuid.uuid4()), "field": "photo"}
    assert anyone.post("/photos/phone", data={"kind": "hazard_action", **ask}).status_code == 403
    assert anyone.post("/photos/phone", data={"kind": "person", **ask}).status_code == 400
    assert anyone.get(f"/photos/phone/hazard_action/{ask['record_id']}/photo?polls=3").status_code == 403
    # a resident reporting a hydrant's problem at the screen may use a phone too
    assert anyone.post("/photos/phone", data={"kind": "water_problem_report", **ask}).status_code == 200
