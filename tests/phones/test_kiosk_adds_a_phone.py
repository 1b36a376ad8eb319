"""At the kiosk, 陈建国 (committee) taps "add a phone" beside 李伟: the kiosk asks the township over
its own sync credential and shows the QR; 李伟's phone opens it and records as 李伟. With no link,
the kiosk says what to do instead."""
from __future__ import annotations

import re
import uuid

from kiosk.extensions import db
from tests.conftest import open_session
from tests.phones.conftest import APP, enrol
from tests.sync.conftest import kiosk, make_kiosk, sync_db, township  # noqa: F401  (fixtures)


def _person(app, name):
    from kiosk.village import Person
    with app.app_context():
        return db.session.scalar(db.select(Person.id).where(Person.name == name))


def test_the_kiosks_qr_fits_its_screen(kiosk, township, kiosk_page, screenshot):
    from tests.conftest import LiveServer
    kiosk.sync()
    committee = open_session(kiosk.app.test_client(), person_id=_person(kiosk.app, "陈建国"))
    server = LiveServer(kiosk.app).start()
    try:
        kiosk_page.context.add_cookies([{"name": "session", "value": committee.get_cookie("session").value,
                                         "url": server.url}])
        kiosk_page.goto(f"{server.url}/phones/")
        screenshot(kiosk_page, "phone-kiosk-people")
        kiosk_page.locator("tr[data-person='李伟'] button.btn-primary").tap()
        kiosk_page.wait_for_selector(".phone-qr")
        box = kiosk_page.locator(".phone-qr").bounding_box()
        assert box["y"] + box["height"] <= 480 and box["width"] >= 150
        screenshot(kiosk_page, "phone-kiosk-qr")
    finally:
        server.stop()


def test_a_committee_member_adds_a_volunteers_phone_at_the_kiosk(kiosk, township):
    assert kiosk.sync()  # 李伟 reaches the township's roster
    committee = open_session(kiosk.app.test_client(), person_id=_person(kiosk.app, "陈建国"))
    assert 'data-person="李伟"' in committee.get("/phones/").text
    r = committee.post(f"/phones/{_person(kiosk.app, '李伟')}/add")
    assert r.status_code == 200
    url = re.search(r'data-enrol-url>([^<]+)<', r.text).group(1)
    assert url.startswith(township.url.upper() + "/PHONE/ENROL/")

    phone = enrol(township.app, url)
    assert phone.get("/phone/data.json").json["person"]["name"] == "李伟"
    assert phone.post("/phone/api/hazards", headers=APP, data={
        "client_id": str(uuid.uuid4()), "category": "gas", "location": "村口", "severity": "minor"}).status_code == 201


def test_with_no_link_the_kiosk_says_so(kiosk, township):
    from sync.models import SyncState
    with kiosk.ctx():  # enrolled, and now the township is out of reach
        db.session.get(SyncState, 1).server_url = "http://127.0.0.1:9"
        db.session.commit()
    committee = open_session(kiosk.app.test_client(), person_id=_person(kiosk.app, "陈建国"))
    r = committee.post(f"/phones/{_person(kiosk.app, '李伟')}/add")
    assert r.status_code == 200 and "data-problem" in r.text and "<svg" not in r.text.split("data-problem")[1]


def test_a_kiosk_gets_enrolments_for_its_own_village_only(kiosk, township):
    kiosk.sync()
    from sync.models import SyncState
    with kiosk.ctx():
        state = db.session.get(SyncState, 1)
        bearer = f"Bearer {state.device_id}:{state.token}"
    from kiosk.village import Person
    with township.ctx():
        db.session.add(Person(village_id="330326100202", name="王小明", duties=["volunteer"]))
        db.session.commit()
        stranger = db.session.scalar(db.select(Person.id).where(Person.name == "王小明"))
    client = township.app.test_client()
    assert client.post("/phone/api/kiosk-enrolments", data={"person_id": stranger},
                       headers={"Authorization": bearer}).status_code == 404
    assert client.post("/phone/api/kiosk-enrolments", data={"person_id": _person(kiosk.app, "李伟")},
                       headers={"Authorization": bearer + "x"}).status_code == 401
    assert client.post("/phone/api/kiosk-enrolments", data={"person_id": _person(kiosk.app, "李伟")},
                       headers={"Authorization": bearer}).status_code == 201


def test_a_committee_member_signs_a_volunteers_phones_out_at_the_kiosk(kiosk, township):
    kiosk.sync()
    committee = open_session(kiosk.app.test_client(), person_id=_person(kiosk.app, "陈建国"))
    li_wei = _person(kiosk.app, "李伟")
    r = committee.post(f"/phones/{li_wei}/add")
    phone = enrol(township.app, re.search(r'data-enrol-url>([^<]+)<', r.text).group(1))
    assert phone.get("/phone/status").status_code == 200

    asked = committee.post(f"/phones/{li_wei}/sign-out")
    assert asked.status_code == 200 and phone.get("/phone/status").status_code == 200  # asked first
    done = committee.post(f"/phones/{li_wei}/sign-out", data={"confirm": "yes"}, follow_redirects=True)
    assert "1" in done.text and "李伟" in done.text
    assert phone.get("/phone/status").json["error"] == "revoked"
