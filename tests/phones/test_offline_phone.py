"""李伟 enrols his phone by scanning the QR the township made for him, walks to where there is no
signal, reports a hazard with a photo, inspects a hydrant and fixes an open hazard with an
after-photo, and sees the three waiting; back in range, all are sent and confirmed, and the township
holds each exactly once (even when sent again)."""
from __future__ import annotations

import io
import random

from PIL import Image

from kiosk.extensions import db
from tests.conftest import DEMO_VILLAGE, sign_in_staff
from tests.phones.conftest import APP, enrolment_url, on_page


def _camera_photo(path) -> int:
    """What a phone camera gives: 4000x3000, several MB."""
    rng = random.Random(16)
    small = Image.new("RGB", (400, 300))
    small.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(400 * 300)])
    small.resize((4000, 3000), Image.BICUBIC).save(path, "JPEG", quality=95)
    return path.stat().st_size


def _counts(app) -> tuple[int, int, int]:
    from kiosk.hazards.models import Hazard, HazardAction
    from kiosk.hydrants.models import HydrantInspection
    with app.app_context():
        return tuple(db.session.scalar(db.select(db.func.count()).select_from(m))
                     for m in (Hazard, HydrantInspection, HazardAction))


def _waiting(page, text: str) -> None:
    page.wait_for_function("(text) => document.querySelector('[data-outbox-count]')?.textContent === text", arg=text)


def test_a_volunteer_records_with_no_signal_and_everything_arrives_once(live_township, volunteers_phone, screenshot,
                                                                        tmp_path):
    app = live_township.app
    station = sign_in_staff(app.test_client(), live_township.staff_id, DEMO_VILLAGE)
    url = enrolment_url(station, app, "李伟")
    assert url.startswith(live_township.url.upper())
    from kiosk.hydrants.models import Hydrant
    with app.app_context():
        code = db.session.scalar(db.select(Hydrant.code).where(Hydrant.village_id == DEMO_VILLAGE,
                                                               Hydrant.deleted.is_(False)).order_by(Hydrant.code))

    counts = _counts(app)
    page = volunteers_phone.new_page()
    page.goto(url)
    screenshot(page, "phone-enrol")
    page.get_by_role("button", name="Use this phone").tap()
    on_page(page, "/phone/")
    # the app is kept on the phone: the worker controls the page once everything is precached
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    assert page.locator("[data-who]").text_content() == "李伟 · 城东村"
    screenshot(page, "phone-home")

    # no signal: the township is out of reach (stopped, not a browser switch the worker would ignore)
    live_township.stop()

    page.get_by_role("link", name="Report a hazard").tap()
    on_page(page, "/phone/report")
    page.select_option("select[name=category]", "ebike")
    page.fill("input[name=location]", "祠堂东侧楼道")
    page.fill("textarea[name=description]", "电动车在楼道里充电")
    photo = tmp_path / "camera.jpg"
    taken = _camera_photo(photo)
    page.set_input_files("input[name=photo]", str(photo))
    page.wait_for_selector("[data-preview]:not([hidden])")
    shrunk = int(page.get_attribute("[data-preview]", "data-bytes"))
    screenshot(page, "phone-report", full_page=True)
    page.get_by_role("button", name="Save").tap()
    on_page(page, "/phone/")
    _waiting(page, "1 waiting to send")

    # the hydrant's label, scanned with the camera: the inspection form, from the phone itself
    page.goto(f"{live_township.url}/H/{code}")
    on_page(page, f"/H/{code}")
    assert page.locator("[data-hydrant-code]").text_content() == code
    page.get_by_role("button", name="Everything passed").tap()
    screenshot(page, "phone-inspect", full_page=True)
    page.get_by_role("button", name="Save").tap()
    on_page(page, "/phone/")
    _waiting(page, "2 waiting to send")

    # and an open hazard of the village, fixed on the spot, with the after-photo
    fixed = page.locator("[data-hazards] a").first
    fixed_code = fixed.get_attribute("data-hazard")
    fixed.tap()
    on_page(page, "/phone/fix")
    page.get_by_text("Cleared").tap()
    after = tmp_path / "after.jpg"
    _camera_photo(after)
    page.set_input_files("input[name=photo]", str(after))
    page.wait_for_selector("[data-preview]:not([hidden])")
    screenshot(page, "phone-fix", full_page=True)
    page.get_by_role("button", name="Save").tap()
    on_page(page, "/phone/")
    _waiting(page, "3 waiting to send")
    screenshot(page, "phone-waiting")

    # back in range: the volunteer taps "Send now" rather than wait for the next retry
    live_township.start()
    page.get_by_role("button", name="Send now").tap()
    _waiting(page, "Everything is sent")
    assert page.locator("[data-outbox-list] li[data-state='sent']").count() == 3
    screenshot(page, "phone-sent")

    from kiosk.hazards.models import Hazard, HazardAction
    from kiosk.hydrants.models import HydrantInspection
    from sync import blobs
    ids = page.evaluate("() => idb.openDB('phone-app', 1).then((db) => db.getAll('outbox'))"
                        ".then((all) => all.map((r) => [r.kind, r.client_id]))")
    ids = dict(ids)
    with app.app_context():
        hazard = db.session.get(Hazard, ids["hazard"])
        assert hazard.location == "祠堂东侧楼道" and hazard.recorded_by_name == "李伟"
        stored = blobs.path(hazard.photo_sha256).stat().st_size
        with Image.open(io.BytesIO(blobs.path(hazard.photo_sha256).read_bytes())) as image:
            assert max(image.size) == 1280
        inspection = db.session.get(HydrantInspection, ids["inspection"])
        assert inspection.inspector_name == "李伟" and inspection.result == "ok"
        fix = db.session.get(HazardAction, ids["fix"])
        assert fix.kind == "fixed" and fix.phrase == "cleared" and fix.actor_name == "李伟" and fix.photo_sha256
        assert db.session.get(Hazard, fix.hazard_id).code == fixed_code
    print(f"\nphoto: taken {taken} bytes, shrunk on the phone {shrunk}, stored {stored}")

    # the same deliveries once more (a reply lost on the way): nothing changes
    again = page.evaluate("""(header) => idb.openDB('phone-app', 1).then((db) => db.getAll('outbox')).then((all) =>
        Promise.all(all.map((r) => {
          const form = new FormData();
          form.append('client_id', r.client_id);
          for (const [k, v] of Object.entries(r.fields)) form.append(k, v);
          const to = {hazard: '/phone/api/hazards', inspection: '/phone/api/inspections', fix: '/phone/api/fixes'};
          return fetch(to[r.kind], {method: 'POST', body: form, headers: header}).then((x) => x.json());
        })))""", APP)
    assert [a["status"] for a in again] == ["already"] * 3
    hazards, inspections, actions = counts
    assert _counts(app) == (hazards + 1, inspections + 1, actions + 1)
