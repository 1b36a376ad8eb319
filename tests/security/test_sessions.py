"""A signed-in session lives on the device that signed the person in: sign-out, walking away, a new
PIN, a change of duties and a reboot end it there, and a copied cookie opens nothing afterwards. The
wall clock may jump by hours either way (a Pi without a battery clock, corrected by NTP after a power
cut): sessions and open forms do not notice."""
import re
import time

import pytest

from kiosk.auth import security
from kiosk.extensions import db
from kiosk.village import Person

from ..conftest import DEMO_PINS, STAFF_PASSWORD, add_staff, make_app


# the devices form still passes tuple choices on this branch (the sync branch makes them SelectChoice)
DEVICES_FORM_TUPLES = pytest.mark.filterwarnings("ignore:Passing SelectField choices as tuples:DeprecationWarning")


def cookie_of(client) -> str:
    return client.get_cookie(client.application.config["SESSION_COOKIE_NAME"]).value


def thief_with(app, cookie: str):
    """Someone else's browser with a copy of the cookie."""
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    return thief


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def asked_to_sign_in(response, login="/signin") -> bool:
    return response.status_code == 302 and login in response.headers["Location"]


@pytest.fixture
def wall(monkeypatch):
    """Move the wall clock (time.time, what signed cookies are stamped with) by some hours."""
    real = time.time

    def move(hours: float):
        monkeypatch.setattr(time, "time", lambda: real() + hours * 3600)

    return move


def test_a_cookie_copied_before_sign_out_opens_nothing_afterwards(app, client, auth):
    auth.sign_in_with_pin("陈建国")
    copied = cookie_of(client)
    assert thief_with(app, copied).get("/organisation/").status_code == 200  # a copy works while signed in
    auth.sign_out()
    assert asked_to_sign_in(thief_with(app, copied).get("/organisation/"))
    assert asked_to_sign_in(thief_with(app, copied).post("/organisation/new", data={"name": "冒名"}))


@DEVICES_FORM_TUPLES
def test_a_staff_cookie_copied_before_sign_out_no_longer_opens_the_devices(township_app):
    add_staff(township_app, "zhou")
    client = township_app.test_client()
    assert client.post("/staff/login", data={"username": "zhou", "password": STAFF_PASSWORD}).status_code == 303
    copied = cookie_of(client)
    assert thief_with(township_app, copied).get("/devices/").status_code == 200
    client.post("/signout")
    assert asked_to_sign_in(thief_with(township_app, copied).get("/devices/"), "/staff/login")


def test_the_cookie_carries_a_random_session_id_and_no_identity(app, client, auth):
    auth.sign_in_with_pin("陈建国")
    data = app.session_interface.get_signing_serializer(app).loads(cookie_of(client))
    assert "person_id" not in data and "staff_id" not in data and "seen" not in data
    assert auth.person("陈建国").id not in str(data)
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", data["sid"])
    first = data["sid"]
    auth.sign_out()
    auth.sign_in_with_pin("陈建国")
    assert app.session_interface.get_signing_serializer(app).loads(cookie_of(client))["sid"] != first


def test_the_session_table_keeps_no_usable_cookie(app, client, auth):
    from kiosk.auth.models import SignInSession
    auth.sign_in_with_pin("陈建国")
    sid = app.session_interface.get_signing_serializer(app).loads(cookie_of(client))["sid"]
    with app.app_context():
        rows = db.session.scalars(db.select(SignInSession)).all()
    assert len(rows) == 1 and sid not in rows[0].id  # a hash of it: reading the table signs no one in


def test_a_new_pin_ends_the_sessions_of_that_person(app, client, auth):
    auth.sign_in_with_pin("李伟")
    assert client.get("/hazards/").status_code == 200
    with app.app_context():
        security.set_pin(db.session.get(Person, auth.person("李伟").id), "4827")
        db.session.commit()
    assert asked_to_sign_in(client.get("/hazards/"))


def test_new_duties_end_the_sessions_of_that_person_even_when_they_come_by_sync(app, client, auth):
    auth.sign_in_with_pin("林海燕")
    assert client.get("/organisation/new").status_code == 200
    with app.app_context():
        person = db.session.get(Person, auth.person("林海燕").id)
        person.duties = ["volunteer"]  # a committee member no more
        db.session.commit()
    assert asked_to_sign_in(client.get("/organisation/new"))


def test_another_persons_changes_leave_a_session_alone(app, client, auth):
    auth.sign_in_with_pin("林海燕")
    with app.app_context():
        db.session.get(Person, auth.person("李伟").id).duties = ["patrol"]
        security.set_pin(db.session.get(Person, auth.person("陈建国").id), "4827")
        db.session.commit()
    assert client.get("/organisation/new").status_code == 200


def test_idle_time_is_measured_on_the_boot_clock(app, client, auth, idle_clock, wall):
    auth.sign_in_with_pin("陈建国")
    idle = app.config["KIOSK_IDLE_SECONDS"]
    idle_clock["seconds"] += idle - 5
    assert client.get("/organisation/").status_code == 200  # a person's request: the idle time restarts
    idle_clock["seconds"] += idle - 5
    wall(+9)  # NTP puts the wall clock 9 hours forward: nobody walked away for that
    assert client.get("/organisation/").status_code == 200
    idle_clock["seconds"] += idle + 1
    assert asked_to_sign_in(client.get("/organisation/"))
    idle_clock["seconds"] -= idle + 1  # gone is gone: the same cookie does not come back
    assert asked_to_sign_in(client.get("/organisation/"))


def test_polls_do_not_restart_the_idle_time(app, client, auth, idle_clock):
    auth.sign_in_with_pin("陈建国")
    idle = app.config["KIOSK_IDLE_SECONDS"]
    for _ in range(4):
        idle_clock["seconds"] += idle / 4 - 1
        client.get("/status", headers={"HX-Request": "true"})
        client.get("/warnings/banner", headers={"HX-Request": "true"})
        client.post("/healthz/heartbeat")
        # a swap nobody asked for: the page says so (kiosk.js marks requests no input started)
        client.get("/organisation/", headers={"HX-Request": "true", "X-Kiosk-Passive": "1"})
    idle_clock["seconds"] += 8
    assert asked_to_sign_in(client.get("/organisation/"))


def test_a_reboot_ends_every_session(app, client, auth, idle_clock):
    auth.sign_in_with_pin("陈建国")
    idle_clock["boot"] = "boot-2"
    idle_clock["seconds"] = 12.0  # a fresh boot: the clock starts again near zero
    assert asked_to_sign_in(client.get("/organisation/"))


@DEVICES_FORM_TUPLES
def test_township_staff_keep_their_desk_hour_but_no_more(township_app, idle_clock):
    add_staff(township_app, "zhou")
    client = township_app.test_client()
    client.post("/staff/login", data={"username": "zhou", "password": STAFF_PASSWORD})
    idle_clock["seconds"] += 3500
    assert client.get("/devices/").status_code == 200
    idle_clock["seconds"] += 3601
    assert asked_to_sign_in(client.get("/devices/"), "/staff/login")


@pytest.mark.parametrize("hours", [-6, -30, +9, +24 * 40])
def test_sessions_and_open_forms_survive_the_wall_clock_jumping(tmp_path, database, wall, hours):
    app = make_app(database("sqlite"), tmp_path / "i", WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        li, chen = (db.session.scalar(db.select(Person.id).where(Person.name == n)) for n in ("李伟", "陈建国"))
    # 李伟's PIN pad is open, and 陈建国 signed in on another browser
    pad = client.get(f"/signin/{li}").get_data(as_text=True)
    token = csrf_of(pad)
    other = app.test_client()
    other_pad = other.get(f"/signin/{chen}").get_data(as_text=True)
    other_token = csrf_of(other_pad)
    assert other.post(f"/signin/{chen}", data={"pin": DEMO_PINS["陈建国"], "csrf_token": other_token}
                      ).status_code == 303
    wall(hours)
    response = client.post(f"/signin/{li}", data={"pin": DEMO_PINS["李伟"], "csrf_token": token})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert other.get("/organisation/").status_code == 200
