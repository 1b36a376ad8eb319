"""The issue's test plan in one story, on a Pixel 7 (412x915, touch) with real servers: the township
(PostgreSQL, over HTTP) and the village's kiosk (SQLite) syncing with it.

At the kiosk, 陈建国 adds a phone for 李伟; 李伟 opens the QR's address on his phone and the app is
kept on it. The township goes out of reach (its server is stopped: the honest way to lose the
signal); 李伟 checks the station step by step (one fault) and marks a hazard fixed with a JPEG
after-photo; both wait on the phone. The township comes back, 李伟 taps "Send now": each record
arrives exactly once, and at the kiosk after its sync; sending them again changes nothing. Then
陈建国 signs the phone out at the kiosk: the phone says so plainly, keeps what it could not send, saves
it as a file, and sends it once the committee enrols it again."""
from __future__ import annotations

import json
import re
import subprocess

import pytest
from PIL import Image

from kiosk.extensions import db
from tests.conftest import DEMO_VILLAGE, LiveServer, make_app, open_session
from tests.phones.conftest import APP, Township, on_page
from tests.sync.conftest import OTHER_VILLAGE, TOWNSHIP, _fresh_node, make_kiosk, sync_db  # noqa: F401
from tests.sync.conftest import Township as SyncedTownship

ANSWER_BUTTONS = {"ok_fault": "In order", "gauge": "Green", "date": "Still valid"}


@pytest.fixture
def township_and_kiosk(sync_db, make_kiosk, tmp_path):
    """The township of 昆阳镇 on PostgreSQL at a loopback port that survives a restart, and the demo
    village's kiosk enrolled with it."""
    app = make_app(sync_db("postgresql", "empty"), tmp_path / "township", KIOSK_ROLE="township")
    with app.app_context():
        from kiosk.village import Village, seed_townships
        seed_townships()
        db.session.add(Village(code=DEMO_VILLAGE, name="城东村", township_code=TOWNSHIP))
        db.session.add(Village(code=OTHER_VILLAGE, name="城西村", township_code=TOWNSHIP))
        from kiosk.station.checklist import seed_township_template
        seed_township_template(TOWNSHIP)  # what `flask station` issues on a township
        db.session.commit()
    _fresh_node(app)
    server = Township(app).start()
    app.config["PUBLIC_URL"] = server.url
    township = SyncedTownship(app, server)
    yield township, make_kiosk(township)
    server.stop()
    township.dispose()


def _count(side, model, **where) -> int:
    return side.count(model, **where)


def _waiting(page, text: str) -> None:
    page.wait_for_function("(text) => document.querySelector('[data-outbox-count]')?.textContent === text", arg=text)


def _outbox(page) -> dict:
    return dict(page.evaluate("() => idb.openDB('phone-app', 1).then((db) => db.getAll('outbox'))"
                              ".then((all) => all.map((r) => [r.kind, r.client_id]))"))


def _enrolment_url(kiosk, committee, person_id, kiosk_page, screenshot) -> str:
    """The kiosk's "add a phone" screen at 800x480, read by the phone's camera (zbar off a screenshot)."""
    r = committee.post(f"/phones/{person_id}/add")
    assert r.status_code == 200, r.text
    server = LiveServer(kiosk.app).start()  # its stylesheets, as the touchscreen shows the page
    try:
        kiosk_page.set_content(r.text.replace("<head>", f'<head><base href="{server.url}/">', 1))
        kiosk_page.wait_for_load_state("networkidle")
        shot = screenshot(kiosk_page, "phone-story-kiosk-qr")
    finally:
        server.stop()
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(shot)], capture_output=True, text=True,
                             check=True).stdout.strip()
    assert decoded == re.search(r"data-enrol-url>([^<]+)<", r.text).group(1)
    return decoded


def _check_the_station(page, screenshot) -> int:
    """Tap through every step as the volunteer would: everything in order but the first
    extinguisher's body, which is cracked. Returns the number of steps."""
    page.get_by_role("button", name="Start the check").tap()
    page.wait_for_selector("[data-step]:not([hidden])")
    steps, faulted = 0, False
    while page.locator("[data-step]").is_visible():
        kind = page.get_attribute("[data-outbox-form]", "data-step-type")
        item = page.text_content("[data-step-item]").lower()
        steps += 1
        if steps == 3:
            screenshot(page, "phone-station-step", full_page=True)
        if kind == "ok_fault" and "extinguisher" in item and not faulted:
            faulted = True
            page.locator("[data-answers] button", has_text="Fault").tap()
        elif kind == "count":
            page.locator("[data-answers] button").first.tap()  # all present
        elif kind == "pressure":
            page.fill("input[name=number]", "28.5")
            page.locator("[data-save-number]").tap()
        else:
            page.locator("[data-answers] button", has_text=ANSWER_BUTTONS[kind]).tap()
        page.wait_for_function("(n) => document.querySelector('[data-step]').hidden || "
                               "document.querySelector('[data-tally]').textContent.startsWith(`${n} of`)", arg=steps)
    assert faulted
    page.wait_for_selector("[data-summary]:not([hidden])")
    assert page.locator("[data-faults] li").count() == 1
    screenshot(page, "phone-station-summary", full_page=True)
    page.get_by_role("button", name="Finish the check").tap()
    return steps


def test_a_volunteer_records_with_no_signal_and_it_reaches_the_township_and_the_kiosk(
        township_and_kiosk, pixel_7, kiosk_page, screenshot, tmp_path):
    township, kiosk = township_and_kiosk
    assert kiosk.sync()  # the roster, the station and the open hazards reach the township
    from kiosk.village import Person
    with kiosk.ctx():
        people = {p.name: p.id for p in db.session.scalars(db.select(Person))}
    committee = open_session(kiosk.app.test_client(), person_id=people["陈建国"])

    from kiosk.hazards.models import HazardAction
    from kiosk.station.models import StationCheck, StationCheckAnswer
    before = {side: (_count(side, StationCheck), _count(side, HazardAction)) for side in (township, kiosk)}

    page = pixel_7.new_page()
    page.goto(_enrolment_url(kiosk, committee, people["李伟"], kiosk_page, screenshot))
    page.get_by_role("button", name="Use this phone").tap()
    on_page(page, "/phone/")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")  # everything precached
    screenshot(page, "phone-story-home")

    township.server.stop()  # out of reach

    page.get_by_role("link", name="Station check").tap()
    on_page(page, "/phone/station")
    steps = _check_the_station(page, screenshot)
    on_page(page, "/phone/")
    _waiting(page, "1 waiting to send")

    fixed = page.locator("[data-hazards] a").first
    fixed.tap()
    on_page(page, "/phone/fix")
    page.get_by_text("Cleared").tap()
    after = tmp_path / "after.jpg"
    Image.new("RGB", (3000, 4000), (90, 140, 60)).save(after, "JPEG", quality=90)
    page.set_input_files("input[name=photo]", str(after))
    page.wait_for_selector("[data-preview]:not([hidden])")
    screenshot(page, "phone-story-fix", full_page=True)
    page.get_by_role("button", name="Save").tap()
    on_page(page, "/phone/")
    _waiting(page, "2 waiting to send")
    screenshot(page, "phone-story-waiting")
    assert (_count(township, StationCheck), _count(township, HazardAction)) == before[township]

    township.server.start()  # back in range
    page.get_by_role("button", name="Send now").tap()
    _waiting(page, "Everything is sent")
    assert page.locator("[data-outbox-list] li[data-state='sent']").count() == 2
    screenshot(page, "phone-story-sent")
    ids = _outbox(page)

    def arrived(side):
        assert _count(side, StationCheck, id=ids["check"]) == 1
        assert _count(side, StationCheckAnswer, check_id=ids["check"]) == steps
        assert _count(side, HazardAction, id=ids["fix"]) == 1
        assert (_count(side, StationCheck), _count(side, HazardAction)) == tuple(n + 1 for n in before[side])

    arrived(township)
    with township.ctx():
        check = db.session.get(StationCheck, ids["check"])
        assert (check.status, check.faults, check.started_by_name) == ("complete", 1, "李伟")
        photo = db.session.get(HazardAction, ids["fix"]).photo_sha256

    # the replies were lost on the way: the phone sends the same records again, and nothing changes
    again = page.evaluate("""(header) => idb.openDB('phone-app', 1).then((db) => db.getAll('outbox')).then((all) =>
        Promise.all(all.map((r) => {
          const form = new FormData();
          form.append('client_id', r.client_id);
          for (const [k, v] of Object.entries(r.fields)) form.append(k, v);
          const to = {check: '/phone/api/station-checks', fix: '/phone/api/fixes'};
          return fetch(to[r.kind], {method: 'POST', body: form, headers: header}).then((x) => x.json());
        })))""", APP)
    assert [a["status"] for a in again] == ["already"] * 2
    arrived(township)

    assert kiosk.sync()
    arrived(kiosk)
    from sync import blobs
    with kiosk.ctx():
        assert blobs.has(photo)
        assert db.session.get(StationCheck, ids["check"]).faults == 1

    # 陈建国 signs the phone out at the kiosk, from the list of 李伟's phones
    listed = committee.get("/phones/").text.split('data-person="李伟"')[1].split("</tr>")[0]
    phone_id = re.search(r'data-phone="([^"]+)"', listed).group(1)
    committee.post(f"/phones/{people['李伟']}/phones/{phone_id}/sign-out", data={"confirm": "yes"})

    page.get_by_role("link", name="Report a hazard").tap()
    on_page(page, "/phone/report")
    page.fill("input[name=location]", "祠堂后门")
    page.get_by_role("button", name="Save").tap()
    on_page(page, "/phone/")
    notice = page.locator("[data-notice]")
    assert "signed out" in notice.text_content() and notice.get_attribute("data-tone") == "bad"
    _waiting(page, "1 waiting to send")  # kept, not sent
    assert page.locator("[data-outbox-list] li[data-state='waiting']").count() == 1
    assert page.get_by_role("button", name="Send now").is_hidden()
    screenshot(page, "phone-story-revoked")
    with page.expect_download() as download:
        page.get_by_role("button", name="Save the unsent records as a file").tap()
    kept = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert [(r["kind"], r["fields"]["location"], r["made_by"]["name"]) for r in kept["records"]] == [
        ("hazard", "祠堂后门", "李伟")]
    from kiosk.hazards.models import Hazard
    assert _count(township, Hazard, id=kept["records"][0]["client_id"]) == 0
    refused = township.app.test_client()
    refused.set_cookie("phone", pixel_7.cookies(township.url)[0]["value"])
    answer = refused.get("/phone/status")
    assert answer.status_code == 403 and answer.json["error"] == "revoked"
    assert answer.json["message"] == ("这部手机已被村里或乡镇注销。"
                                      "尚未发送的记录仍保存在手机上，请交给村委会成员查看。")

    # the committee enrols the phone again: what it kept is sent, as 李伟's
    page.goto(_enrolment_url(kiosk, committee, people["李伟"], kiosk_page, screenshot))
    page.get_by_role("button", name="Use this phone").tap()
    on_page(page, "/phone/")
    _waiting(page, "Everything is sent")
    with township.ctx():
        assert db.session.get(Hazard, kept["records"][0]["client_id"]).recorded_by_name == "李伟"
