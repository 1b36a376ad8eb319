"""The township server of 昆阳镇 as phones see it: a staff member who enrols phones, and helpers that
act as the phone (its cookie is the credential)."""
from __future__ import annotations

import re

import pytest

from kiosk.extensions import db
from tests.conftest import DEMO_VILLAGE, NEIGHBOURS, add_staff, sign_in_staff

APP = {"X-Phone-App": "1"}


def person_id(app, name: str, village: str = DEMO_VILLAGE) -> str:
    from kiosk.village import Person
    with app.app_context():
        return db.session.scalar(db.select(Person.id).where(Person.name == name, Person.village_id == village))


def enrolment_url(station, app, name: str, village: str = DEMO_VILLAGE) -> str:
    """Staff tap "add a phone" beside ``name``: the page shows the QR and the address it encodes."""
    with station.session_transaction() as session:
        session["village_code"] = village
    r = station.post(f"/phone/people/{person_id(app, name, village)}/enrol")
    assert r.status_code == 200, r.text
    return re.search(r'data-enrol-url>([^<]+)<', r.text).group(1)


def enrol(app, url: str):
    """A phone (a fresh client) opens the QR's address and taps "use this phone"; returns it."""
    phone = app.test_client()
    path = "/" + url.split("/", 3)[3]
    assert phone.get(path).status_code == 200
    r = phone.post(path)
    assert r.status_code == 303 and r.headers["Location"].endswith("/phone/"), r.text
    return phone


@pytest.fixture
def station(township_app):
    return sign_in_staff(township_app.test_client(), add_staff(township_app, "zhou-phones"), DEMO_VILLAGE)


@pytest.fixture
def a_neighbour_person(township_app):
    """A volunteer of 西湾村, the neighbouring village, on the township's roster."""
    from kiosk.village import Person
    village = next(iter(NEIGHBOURS))
    with township_app.app_context():
        db.session.add(Person(village_id=village, name="王小明", duties=["volunteer"]))
        db.session.commit()
    return village
