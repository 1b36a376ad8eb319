"""Signing in at the kiosk with a PIN, lockout, idle sign-out, township staff passwords, roles."""
import pytest

from kiosk.auth.models import KioskPin
from kiosk.extensions import db

from .conftest import (DEMO_PINS, OTHER_TOWNSHIP_VILLAGE, STAFF_PASSWORD, add_staff, make_app, session_seen,
                       sign_in_staff)


def test_a_committee_member_signs_in_with_the_pin_pad(client, auth):
    page = client.get("/signin").get_data(as_text=True)
    assert "陈建国" in page and "李伟" in page
    assert "王德明" not in page  # no PIN, so not offered
    response = auth.sign_in_with_pin("陈建国")
    assert response.status_code == 303
    assert "陈建国" in client.get("/").get_data(as_text=True)


def test_wrong_pin_is_counted_with_a_clear_message(client, auth, app):
    response = auth.sign_in_with_pin("李伟", "9999")
    assert response.status_code == 422
    assert "密码错误。再错 4 次将被锁定。" in response.get_data(as_text=True)
    with app.app_context():
        cred = db.session.get(KioskPin, auth.person("李伟").id)
        assert cred.failed_attempts == 1


def test_five_wrong_pins_lock_the_person_out_even_with_the_right_pin(client, auth):
    for _ in range(4):
        auth.sign_in_with_pin("李伟", "9999")
    locked = auth.sign_in_with_pin("李伟", "9999")
    assert "已锁定" in locked.get_data(as_text=True)
    still_locked = auth.sign_in_with_pin("李伟", DEMO_PINS["李伟"])
    assert still_locked.status_code == 422 and "已锁定" in still_locked.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "sid" not in session


def test_lockout_ends_and_a_right_pin_resets_the_count(client, auth, app):
    for _ in range(5):
        auth.sign_in_with_pin("李伟", "9999")
    with app.app_context():
        cred = db.session.get(KioskPin, auth.person("李伟").id)
        cred.locked_until = None  # the lockout period has passed
        db.session.commit()
    assert auth.sign_in_with_pin("李伟").status_code == 303
    with app.app_context():
        assert db.session.get(KioskPin, auth.person("李伟").id).failed_attempts == 0


def test_empty_pin_gets_a_translated_error(client, auth):
    person = auth.person("李伟")
    response = client.post(f"/signin/{person.id}", data={"pin": ""})
    assert response.status_code == 422 and "请输入密码" in response.get_data(as_text=True)


def test_pins_are_stored_hashed(app, auth):
    with app.app_context():
        cred = db.session.get(KioskPin, auth.person("李伟").id)
        assert cred.pin_hash.startswith("$argon2") and DEMO_PINS["李伟"] not in cred.pin_hash


def test_idle_kiosk_signs_out_on_the_server_too(client, auth, idle_clock):
    auth.sign_in("陈建国")
    idle_clock["seconds"] += 3600
    response = client.get("/organisation/new")
    assert response.status_code == 302 and "/signin" in response.headers["Location"]


def test_status_polling_does_not_keep_a_session_alive(client, auth, idle_clock):
    auth.sign_in("陈建国")
    seen = session_seen(client)
    idle_clock["seconds"] += 60
    client.get("/status")
    assert session_seen(client) == seen
    client.get("/organisation/")  # a page a person opened is activity
    assert session_seen(client) == seen + 60


def test_sign_out_returns_to_the_notice_board(client, auth):
    auth.sign_in("陈建国")
    response = auth.sign_out()
    assert response.status_code == 303 and response.headers["Location"].endswith("/board")
    with client.session_transaction() as session:
        assert "sid" not in session


def test_a_person_of_another_village_cannot_use_this_kiosk(app, client, auth):
    from kiosk.village import Person, Village
    with app.app_context():
        db.session.add(Village(code="330326100202", name="城西村", township_code="330326100"))
        other = Person(village_id="330326100202", name="外村人", duties=["committee"])
        db.session.add(other)
        db.session.flush()
        from kiosk.auth.security import set_pin
        set_pin(other, "4827")
        db.session.commit()
        other_id = other.id
    assert client.post(f"/signin/{other_id}", data={"pin": "4827"}).status_code == 404


# Access control: one parametrized test over every protected URL (flaskr style).
MANAGE_ONLY = [("GET", "/organisation/new"), ("POST", "/organisation/new")]
RECORD = [("GET", "/organisation/"), ("GET", "/hazards/"), ("GET", "/hazards/new"),
          ("GET", "/organisation/filing-sheet")]


@pytest.mark.parametrize("method,url", MANAGE_ONLY + RECORD)
def test_residents_are_sent_to_sign_in(client, method, url):
    response = client.open(url, method=method)
    assert response.status_code == 302 and "/signin" in response.headers["Location"]


@pytest.mark.parametrize("method,url", MANAGE_ONLY)
def test_volunteers_cannot_manage_the_roster(volunteer, method, url):
    assert volunteer.open(url, method=method).status_code == 403


@pytest.mark.parametrize("method,url", RECORD)
def test_volunteers_can_record_and_read(volunteer, method, url):
    assert volunteer.open(url, method=method).status_code == 200


def test_staff_login_exists_only_on_the_township_server(client):
    assert client.get("/staff/login").status_code == 404


def test_township_staff_sign_in_with_a_password_and_are_locked_out(tmp_path, database):
    app = make_app(database("sqlite"), tmp_path / "t", KIOSK_ROLE="township")
    add_staff(app, "zhou")
    client = app.test_client()
    wrong = client.post("/staff/login", data={"username": "zhou", "password": "nope"})
    assert wrong.status_code == 422 and "用户名或密码错误" in wrong.get_data(as_text=True)
    signed_in = client.post("/staff/login", data={"username": "zhou", "password": "correct horse battery"})
    # staff land on the overview of their villages, not on the tile grid
    assert signed_in.status_code == 303 and signed_in.headers["Location"] == "/supervision/"
    client.post("/signout")
    for _ in range(5):
        client.post("/staff/login", data={"username": "zhou", "password": "nope"})
    locked = client.post("/staff/login", data={"username": "zhou", "password": "correct horse battery"})
    assert locked.status_code == 422 and "登录失败次数过多" in locked.get_data(as_text=True)
    unknown = client.post("/staff/login", data={"username": "nobody", "password": "x"})
    assert "用户名或密码错误" in unknown.get_data(as_text=True)


def test_forms_without_a_csrf_token_are_refused(tmp_path, database, auth):
    app = make_app(database("sqlite"), tmp_path / "c", WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        from kiosk.village import Person
        person_id = db.session.scalar(db.select(Person.id).where(Person.name == "李伟"))
    response = client.post(f"/signin/{person_id}", data={"pin": DEMO_PINS["李伟"]})
    assert response.status_code == 400 and "表单已过期" in response.get_data(as_text=True)


def test_township_staff_choose_a_village_of_their_own_township(township_app):
    client = township_app.test_client()
    add_staff(township_app, "zhou2")
    client.post("/staff/login", data={"username": "zhou2", "password": STAFF_PASSWORD})
    assert client.get("/organisation/").status_code == 404  # no village chosen yet
    page = client.get("/villages/").get_data(as_text=True)
    assert "城东村" in page and "西湾村" in page and OTHER_TOWNSHIP_VILLAGE[1] not in page
    assert client.post("/villages/", data={"code": OTHER_TOWNSHIP_VILLAGE[0]}).status_code == 404
    assert client.post("/villages/", data={"code": "330326100201"}).status_code == 303
    assert "陈建国" in client.get("/organisation/").get_data(as_text=True)


def test_staff_who_tap_a_village_tile_choose_the_village_and_land_on_that_tile(township_app):
    """The home page sends staff who have not chosen a village to the chooser, which leads on."""
    client = sign_in_staff(township_app.test_client(), add_staff(township_app, "zhou3"))
    home = client.get("/").get_data(as_text=True)
    assert 'href="/villages/?next=/organisation/"' in home
    page = client.get("/villages/?next=/organisation/").get_data(as_text=True)
    assert 'name="next" value="/organisation/"' in page
    response = client.post("/villages/", data={"code": "330326100202", "next": "/organisation/"})
    assert response.status_code == 303 and response.headers["Location"] == "/organisation/"
    # only paths of this site
    away = client.post("/villages/", data={"code": "330326100202", "next": "https://evil.example/"})
    assert away.headers["Location"] == "/"
    htmx = client.post("/villages/?next=/hazards/", data={"code": "330326100201"}, headers={"HX-Request": "true"})
    assert htmx.status_code == 204 and htmx.headers["HX-Redirect"] == "/hazards/"


def test_the_choose_a_village_tile_itself_needs_no_village(township_app):
    client = sign_in_staff(township_app.test_client(), add_staff(township_app, "zhou4"))
    tile = client.get("/").get_data(as_text=True).split('class="tile tile-villages"')[1].split("</a>")[0]
    assert 'href="/villages/"' in tile and "请先选择村" not in tile
