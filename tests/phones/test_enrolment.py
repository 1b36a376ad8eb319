"""A committee member or the township enrols a volunteer's phone with one scan; the phone then
records as that volunteer, for their village only, until the township signs it out."""
from __future__ import annotations

import uuid

from kiosk.extensions import db
from tests.conftest import DEMO_VILLAGE
from tests.phones.conftest import APP, enrol, enrolment_url


def _hazard(phone, client_id=None, **values):
    form = {"client_id": client_id or str(uuid.uuid4()), "category": "ebike", "location": "祠堂门口",
            "description": "电动车在楼道充电", "severity": "minor", **values}
    return phone.post("/phone/api/hazards", data=form, headers=APP)


def test_a_volunteer_enrols_by_opening_the_qr_and_the_phone_records_as_them(township_app, station):
    url = enrolment_url(station, township_app, "李伟")
    assert url.startswith("HTTP://LOCALHOST/PHONE/ENROL/")
    phone = enrol(township_app, url)
    cookie = phone.get_cookie("phone")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"

    data = phone.get("/phone/data.json").json
    assert data["person"]["name"] == "李伟" and data["village"]["code"] == DEMO_VILLAGE
    assert data["hydrants"] and all(h["code"] for h in data["hydrants"])
    assert "李伟" in data["roster"] and "ebike" in dict(data["categories"])

    r = _hazard(phone)
    assert r.status_code == 201, r.text
    from kiosk.hazards.models import Hazard
    with township_app.app_context():
        hazard = db.session.get(Hazard, r.json["id"])
        assert hazard.village_id == DEMO_VILLAGE and hazard.recorded_by_name == "李伟"

    # the staff's list shows the phone
    page = station.get("/phone/people").text
    assert 'data-phone="李伟"' in page


def test_the_qr_opens_once(township_app, station):
    url = enrolment_url(station, township_app, "李伟")
    enrol(township_app, url)
    second = township_app.test_client()
    path = "/" + url.split("/", 3)[3]
    assert second.get(path).status_code == 410
    assert second.post(path).status_code == 410
    assert second.get("/phone/data.json").status_code == 401


def test_an_expired_qr_enrols_nothing(township_app, station):
    url = enrolment_url(station, township_app, "李伟")
    from kiosk.phones.models import PhoneEnrolment
    from kiosk.records import utcnow
    with township_app.app_context():
        for row in db.session.scalars(db.select(PhoneEnrolment)):
            row.expires_at = utcnow()
        db.session.commit()
    phone = township_app.test_client()
    assert phone.post("/" + url.split("/", 3)[3]).status_code == 410
    assert phone.get_cookie("phone") is None


def test_opening_the_qr_only_asks_a_link_preview_enrols_nothing(township_app, station):
    url = enrolment_url(station, township_app, "李伟")
    preview = township_app.test_client()
    r = preview.get("/" + url.split("/", 3)[3])
    assert "李伟" in r.text and preview.get_cookie("phone") is None
    enrol(township_app, url)  # the volunteer's own tap still works


def test_a_revoked_phone_is_refused_and_told_so(township_app, station):
    phone = enrol(township_app, enrolment_url(station, township_app, "李伟"))
    from kiosk.phones.models import PhoneCredential
    with township_app.app_context():
        credential_id = db.session.scalar(db.select(PhoneCredential.id))
    asked = station.post(f"/phone/phones/{credential_id}/revoke")
    assert asked.status_code == 200 and phone.get("/phone/data.json").status_code == 200  # asked first
    assert station.post(f"/phone/phones/{credential_id}/revoke", data={"confirm": "yes"}).status_code == 303

    r = _hazard(phone)
    assert r.status_code == 403 and r.json["error"] == "revoked"
    assert phone.get("/phone/data.json").status_code == 403
    assert phone.get("/phone/status").json["error"] == "revoked"
    assert "Revoked" in station.get("/phone/people").text or "已撤销" in station.get("/phone/people").text


def test_a_phone_reaches_only_its_own_village(township_app, station, a_neighbour_person):
    neighbour = enrol(township_app, enrolment_url(station, township_app, "王小明", a_neighbour_person))
    data = neighbour.get("/phone/data.json").json
    assert data["village"]["code"] == a_neighbour_person
    from kiosk.hydrants.models import Hydrant
    with township_app.app_context():
        demo_code = db.session.scalar(db.select(Hydrant.code).where(Hydrant.village_id == DEMO_VILLAGE))
    assert demo_code not in {h["code"] for h in data["hydrants"]}
    assert "李伟" not in data["roster"]

    # the demo village's hydrant: refused as an inspection, and its label opens the public page
    r = neighbour.post("/phone/api/inspections", headers=APP,
                       data={"client_id": str(uuid.uuid4()), "hydrant": demo_code, "item_clear_5m": "pass"})
    assert r.status_code == 422
    assert neighbour.get(f"/H/{demo_code}").status_code == 200

    # a record id of the demo village: never overwritten, never revealed
    own = enrol(township_app, enrolment_url(station, township_app, "李伟"))
    stored = _hazard(own).json["id"]
    assert _hazard(neighbour, client_id=stored).status_code == 409
    from kiosk.hazards.models import Hazard
    with township_app.app_context():
        assert db.session.get(Hazard, stored).village_id == DEMO_VILLAGE


def test_deliveries_need_the_apps_header(township_app, station):
    phone = enrol(township_app, enrolment_url(station, township_app, "李伟"))
    r = phone.post("/phone/api/hazards", data={"client_id": str(uuid.uuid4()), "category": "ebike",
                                               "location": "x", "severity": "minor"})
    assert r.status_code == 400


def test_a_hazard_delivered_twice_is_stored_once(township_app, station):
    phone = enrol(township_app, enrolment_url(station, township_app, "李伟"))
    client_id = str(uuid.uuid4())
    assert _hazard(phone, client_id).status_code == 201
    again = _hazard(phone, client_id)
    assert again.status_code == 200 and again.json["status"] == "already"
    from kiosk.hazards.models import Hazard
    with township_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Hazard).where(Hazard.id == client_id)) == 1


def test_a_delivery_is_checked_like_the_kiosks_form(township_app, station):
    phone = enrol(township_app, enrolment_url(station, township_app, "李伟"))
    r = _hazard(phone, location="", category="nonsense")
    assert r.status_code == 422 and set(r.json["errors"]) == {"location", "category"}
    assert _hazard(phone, client_id="not-a-uuid").status_code == 422



def test_over_https_the_phones_cookie_is_secure(township_app, station):
    url = enrolment_url(station, township_app, "李伟")
    phone = township_app.test_client()
    path = "/" + url.split("/", 3)[3]
    r = phone.post(path, base_url="https://fire.township.example")
    assert r.status_code == 303
    cookie = r.headers["Set-Cookie"]
    assert "phone=" in cookie and "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
