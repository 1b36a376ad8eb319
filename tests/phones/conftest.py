"""The township server of 昆阳镇 as phones see it: a staff member who enrols phones, and helpers that
act as the phone (its cookie is the credential)."""
from __future__ import annotations

import re
import threading

import pytest
from werkzeug.serving import make_server

from kiosk.extensions import db
from tests.conftest import DEMO_VILLAGE, NEIGHBOURS, LiveServer, add_staff, sign_in_staff

APP = {"X-Phone-App": "1"}


def person_id(app, name: str, village: str = DEMO_VILLAGE) -> str:
    from kiosk.village import Person
    with app.app_context():
        return db.session.scalar(db.select(Person.id).where(Person.name == name, Person.village_id == village))


def enrolment_url(station, app, name: str, village: str = DEMO_VILLAGE) -> str:
    """Staff tap "add a phone" beside ``name``: the page shows the QR and the address it encodes."""
    with station.session_transaction() as session:
        session["village_code"] = village
    people = station.get("/phone/people").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', people)
    r = station.post(f"/phone/people/{person_id(app, name, village)}/enrol",
                     data={"csrf_token": token.group(1)} if token else {})
    assert r.status_code == 200, r.text
    return re.search(r'data-enrol-url>([^<]+)<', r.text).group(1)


PIXEL = ("Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/126.0.0.0 Mobile Safari/537.36")
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.5 Mobile/15E148 Safari/604.1")


def enrol(app, url: str, user_agent: str = PIXEL):
    """A phone (a fresh client) opens the QR's address and taps "use this phone"; returns it."""
    phone = app.test_client()
    phone.environ_base["HTTP_USER_AGENT"] = user_agent
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


class Township(LiveServer):
    """The township server over real HTTP on one port that survives a restart: stopping it is how a
    phone loses its signal honestly (a service worker's fetches ignore the browser's offline switch,
    docs/pitfalls.md)."""

    def __init__(self, app):
        self.app = app
        self.port = 0
        self.running = False

    def start(self) -> "Township":
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.running = True
        return self

    def stop(self) -> None:
        if self.running:
            super().stop()
            self.running = False


@pytest.fixture
def live_township(database, tmp_path):
    """The township of 昆阳镇 (SQLite, CSRF on) at a fixed loopback port, with a staff account."""
    from tests.conftest import add_villages, make_app
    app = make_app(database("sqlite"), tmp_path / "township-phones", WTF_CSRF_ENABLED=True, KIOSK_ROLE="township")
    add_villages(app)
    server = Township(app).start()
    app.config["PUBLIC_URL"] = server.url  # what the QR codes point at
    server.staff_id = add_staff(app, "zhou-phones", name="周立新")
    yield server
    server.stop()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def pixel_7(browser):
    """李伟's phone as the issue's test plan has it: a Pixel 7 (412x915, mobile, touch). In English, as
    ``volunteers_phone``."""
    context = browser.new_context(viewport={"width": 412, "height": 915}, device_scale_factor=2.625, is_mobile=True,
                                  has_touch=True, locale="en-US", timezone_id="Asia/Shanghai", accept_downloads=True)
    yield context
    context.close()


@pytest.fixture
def volunteers_phone(browser):
    """李伟's phone: 390x844, touch. In English: the phone's strings reach the Chinese catalog when
    i18n/phones.json is applied, and the test reads the same either way."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="en-US", timezone_id="Asia/Shanghai")
    yield context
    context.close()


def on_page(page, path: str) -> None:
    """Wait until the app has opened ``path`` and set itself up (not the page it came from)."""
    page.wait_for_function("(path) => location.pathname === path && document.body.dataset.ready === '1'", arg=path)
