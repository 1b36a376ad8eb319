"""At the kiosk, 陈建国 (committee) taps "add a phone" beside 李伟: the kiosk asks the township over
its own sync credential and shows the QR; 李伟's phone opens it and records as 李伟. With no link,
the kiosk says what to do instead."""
from __future__ import annotations

import re
import uuid

from kiosk.extensions import db
from tests.conftest import carry_session, open_session
from tests.phones.conftest import APP, IPHONE, PIXEL, enrol
from tests.sync.conftest import OTHER_VILLAGE, kiosk, make_kiosk, sync_db, township  # noqa: F401  (fixtures)


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
        carry_session(kiosk_page.context, committee, server.url)
        kiosk_page.goto(f"{server.url}/phones/")
        screenshot(kiosk_page, "phone-kiosk-people")
        kiosk_page.locator("tr[data-person='李伟'] button.btn-primary").tap()
        kiosk_page.wait_for_selector(".phone-qr")
        box = kiosk_page.locator(".phone-qr").bounding_box()
        assert box["y"] + box["height"] <= 480 and box["width"] >= 150
        screenshot(kiosk_page, "phone-kiosk-qr")
        # 李伟's phone opens it: the kiosk lists it beside him, with its own sign-out
        enrol(township.app, kiosk_page.text_content("[data-enrol-url]").strip())
        kiosk_page.goto(f"{server.url}/phones/")
        line = kiosk_page.locator("tr[data-person='李伟'] .phone-line")
        assert "Pixel 7 · Chrome" in line.text_content()
        box = line.locator("button").bounding_box()
        assert box["height"] >= 48 and box["x"] + box["width"] <= 800
        line.scroll_into_view_if_needed()
        screenshot(kiosk_page, "phone-kiosk-phones")
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


def test_the_kiosk_lists_each_phone_and_signs_out_one(kiosk, township):
    """李伟 has two phones (his own and the one he lent his son); the kiosk lists both, with what
    each is, when it was enrolled and last seen, and signs out one of them only."""
    kiosk.sync()
    committee = open_session(kiosk.app.test_client(), person_id=_person(kiosk.app, "陈建国"))
    li_wei = _person(kiosk.app, "李伟")
    phones = []
    for agent in (PIXEL, IPHONE):
        r = committee.post(f"/phones/{li_wei}/add")
        phones.append(enrol(township.app, re.search(r'data-enrol-url>([^<]+)<', r.text).group(1), agent))
    assert phones[0].get("/phone/status").status_code == 200  # seen just now

    page = committee.get("/phones/").text
    row = page.split('data-person="李伟"')[1].split("</tr>")[0]
    assert "Pixel 7 · Chrome" in row and "iPhone · Safari" in row, row
    assert row.count("data-phone=") == 2
    pixel = re.search(r'data-phone="([^"]+)">\s*<span class="phone-line-text"><strong>Pixel 7', row).group(1)

    asked = committee.post(f"/phones/{li_wei}/phones/{pixel}/sign-out")
    assert asked.status_code == 200 and phones[0].get("/phone/status").status_code == 200  # asked first
    committee.post(f"/phones/{li_wei}/phones/{pixel}/sign-out", data={"confirm": "yes"})
    assert phones[0].get("/phone/status").json["error"] == "revoked"
    assert phones[1].get("/phone/status").status_code == 200  # the other phone is still his
    row = committee.get("/phones/").text.split('data-person="李伟"')[1].split("</tr>")[0]
    assert row.count("is-revoked") == 1


def test_a_kiosk_lists_and_signs_out_its_own_villages_phones_only(kiosk, township):
    kiosk.sync()
    from kiosk.phones.models import PhoneCredential
    from kiosk.village import Person
    with township.ctx():  # 王小明 of 城西村 has a phone
        person = Person(village_id=OTHER_VILLAGE, name="王小明", duties=["volunteer"])
        db.session.add(person)
        db.session.flush()
        neighbours = PhoneCredential(id=str(uuid.uuid4()), token_hash="0" * 64, person_id=person.id,
                                     village_id=OTHER_VILLAGE)
        db.session.add(neighbours)
        db.session.commit()
        a_neighbours_phone = neighbours.id
    from sync.models import SyncState
    with kiosk.ctx():
        state = db.session.get(SyncState, 1)
        bearer = {"Authorization": f"Bearer {state.device_id}:{state.token}"}
    client = township.app.test_client()
    assert client.get("/phone/api/kiosk-phones", headers=bearer).json["phones"] == []
    assert client.get("/phone/api/kiosk-phones").status_code == 401
    assert client.post("/phone/api/kiosk-revocations", data={"phone_id": a_neighbours_phone},
                       headers=bearer).status_code == 404
    assert client.post("/phone/api/kiosk-revocations", data={"phone_id": "x" * 400},
                       headers=bearer).status_code == 404
