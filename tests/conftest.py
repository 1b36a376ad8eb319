"""Fixtures in the flaskr style: an app on its own database, a client, a CLI runner, signed-in people.

Every test that takes ``app`` runs twice: on SQLite (the kiosk) and on a real PostgreSQL (the
township), both migrated by Alembic, both holding the Pingyang demo village. Databases are copied
from templates made once per session, so each test starts from the same state in milliseconds.
"""
from __future__ import annotations

import os
import shutil
import threading
import time
import uuid
import weakref
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from kiosk import create_app
from kiosk.extensions import db

from .pg import Cluster

ROOT = Path(__file__).resolve().parent.parent
ARTEFACTS = ROOT / "tests" / "artefacts"
DEMO_VILLAGE = "330326100201"
TOWNSHIP = DEMO_VILLAGE[:9]  # 昆阳镇
# the demo village's neighbours on the township server (invented names, real code shape)
NEIGHBOURS = {"330326100202": "西湾村", "330326100203": "凤山村"}
OTHER_TOWNSHIP = "330326101"  # 鳌江镇
OTHER_TOWNSHIP_VILLAGE = ("330326101201", "江口村")
STAFF_PASSWORD = "correct horse battery"
DEMO_PINS = {"陈建国": "2580", "林海燕": "3691", "李伟": "1357"}

BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "ARGON2_MEMORY_KIB": 8192,  # fast hashing in tests; the kiosk uses 64 MiB
    "WTF_CSRF_ENABLED": False,  # switched on where CSRF itself is tested, and in browser tests
    "VILLAGE_CODE": DEMO_VILLAGE,
}


# Every engine a test connected through, disposed when the test ends: an app a test made and let go
# would otherwise leave its pooled connections to the garbage collector, whose ResourceWarning then
# fails whichever test happens to be running (warnings are errors here).
_engines: "weakref.WeakSet[sa.engine.Engine]" = weakref.WeakSet()


@sa.event.listens_for(sa.engine.Engine, "engine_connect")
def _remember_engine(connection):
    _engines.add(connection.engine)


@pytest.fixture(autouse=True)
def _dispose_engines():
    yield
    for engine in list(_engines):
        engine.dispose()


def _remember_url_builders() -> None:
    """Compile each URL rule's builder once per test session, not once per app.

    Werkzeug writes and compiles Python source for two builders of every rule when an app registers
    it: 85 of the 110 ms that ``create_app`` took, and the suite makes an app for almost every test.
    A builder depends only on the rule's text, its parsed parts and its defaults, so the same function
    serves every app; it still runs the app's own converters, through the rule it is bound to.
    """
    from werkzeug.routing.rules import Rule
    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None or getattr(compile_builder, "remembers", False):
        return  # another Werkzeug: build as it does
    made = {}

    def remembered(self, append_unknown=True):
        key = (self.rule, tuple(self._trace), append_unknown, repr(sorted((self.defaults or {}).items())))
        if key not in made:
            made[key] = compile_builder(self, append_unknown)
        return made[key]

    remembered.remembers = True
    Rule._compile_builder = remembered


_remember_url_builders()


def make_app(url: str, data_dir: Path, **extra):
    config = dict(BASE_CONFIG, SQLALCHEMY_DATABASE_URI=url, KIOSK_DATA_DIR=str(data_dir))
    config.update(extra)
    return create_app(config)


def migrate(app, with_demo: bool) -> None:
    from flask_migrate import upgrade
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        if with_demo:
            from kiosk.demo import load_demo
            load_demo()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def pg_cluster():
    cluster = Cluster(in_memory=True).start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def templates(tmp_path_factory, request):
    """Migrated template databases, made on first use.

    (kind 'sqlite'|'postgresql', flavour 'demo'|'empty', role 'village'|'township') -> source. The role
    matters for the demo: a township's demo data and change capture are the server's.
    """
    made = {}

    def get(kind: str, flavour: str, role: str = "village"):
        key = (kind, flavour, role)
        if key not in made:
            folder = tmp_path_factory.mktemp(f"template-{kind}-{flavour}-{role}")
            if kind == "sqlite":
                path = folder / "template.db"
                migrate(make_app(f"sqlite:///{path}", folder, KIOSK_ROLE=role), flavour == "demo")
                made[key] = path
            else:
                cluster = request.getfixturevalue("pg_cluster")
                name = f"template_{flavour}_{role}"
                url = cluster.create_database(name)
                migrate(make_app(url, folder, KIOSK_ROLE=role), flavour == "demo")
                made[key] = name
        return made[key]

    return get


@pytest.fixture
def database(templates, tmp_path, request):
    """A factory: a fresh database URL of the given kind, copied from a migrated template."""
    dropped = []

    def make(kind: str = "sqlite", flavour: str = "demo", role: str = "village") -> str:
        source = templates(kind, flavour, role)
        if kind == "sqlite":
            path = tmp_path / f"{kind}-{flavour}-{role}-{uuid.uuid4().hex[:8]}.db"
            shutil.copyfile(source, path)
            return f"sqlite:///{path}"
        cluster = request.getfixturevalue("pg_cluster")
        name = f"t_{uuid.uuid4().hex[:12]}"
        dropped.append(name)
        return cluster.create_database(name, template=source)

    yield make
    if dropped:
        cluster = request.getfixturevalue("pg_cluster")
        for name in dropped:
            cluster.drop_database(name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_kind(request):
    return request.param


@pytest.fixture
def app(database, db_kind, tmp_path):
    app = make_app(database(db_kind), tmp_path / "instance")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Auth:
    """Sign people in the quick way (session) for tests that are not about signing in."""

    def __init__(self, app, client):
        self.app, self.client = app, client

    def person(self, name: str):
        from kiosk.village import Person
        with self.app.app_context():
            return db.session.scalar(db.select(Person).where(Person.name == name))

    def sign_in(self, name: str):
        """Sign ``name`` in on this client; returns the client."""
        return open_session(self.client, person_id=self.person(name).id)

    def sign_in_with_pin(self, name: str, pin: str | None = None):
        person = self.person(name)
        return self.client.post(f"/signin/{person.id}", data={"pin": pin or DEMO_PINS[name]})

    def sign_out(self):
        return self.client.post("/signout")


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


@pytest.fixture
def committee(auth):
    """The client, signed in as the village's first responsible person."""
    auth.sign_in("陈建国")
    return auth.client


@pytest.fixture
def volunteer(auth):
    auth.sign_in("李伟")
    return auth.client


@pytest.fixture
def auth_for():
    """Auth for an app of the test's own making: ``auth_for(app).sign_in("李伟")`` gives a client."""
    return lambda app: Auth(app, app.test_client())


# ---- the township: its villages and its station staff ------------------------------------------

def add_villages(app) -> None:
    """The demo village's neighbours of 昆阳镇, and one village of another township (鳌江镇)."""
    from kiosk.village import Village
    with app.app_context():
        for code, name in [*NEIGHBOURS.items(), OTHER_TOWNSHIP_VILLAGE]:
            if db.session.get(Village, code) is None:
                db.session.add(Village(code=code, name=name, township_code=code[:9]))
        db.session.commit()


def add_staff(app, username: str, township: str = TOWNSHIP, password: str = STAFF_PASSWORD,
              name: str = "周站长") -> int:
    """A township station staff account; returns its id."""
    from kiosk.auth.models import StaffUser
    from kiosk.auth.security import hasher
    with app.app_context():
        user = StaffUser(username=username, name=name, township_code=township,
                         password_hash=hasher().hash(password))
        db.session.add(user)
        db.session.commit()
        return user.id


def sign_in_staff(client, user_id: int, village: str | None = None):
    """Sign a staff member in on ``client`` (the quick way), looking at ``village`` if given."""
    return open_session(client, staff_id=user_id, **({"village_code": village} if village else {}))


def open_session(client, person_id: str | None = None, staff_id: int | None = None, **cookie):
    """The quick way to sign in: a session row for the person or staff member, its token in
    ``client``'s cookie (with ``cookie``'s other values). Returns the client."""
    from kiosk.auth import security
    from kiosk.auth.models import StaffUser
    from kiosk.village import Person
    app = client.application
    with app.app_context():
        token = security.start_session(person=db.session.get(Person, person_id) if person_id else None,
                                       staff=db.session.get(StaffUser, staff_id) if staff_id else None)
    with client.session_transaction() as session:
        session["sid"] = token
        session.update(cookie)
    return client


def carry_session(context, client, url: str) -> None:
    """A browser ``context`` at ``url`` signed in as ``client`` is (see :func:`open_session`)."""
    context.add_cookies([{"name": "session", "value": client.get_cookie("session").value, "url": url}])


@pytest.fixture
def idle_clock(monkeypatch):
    """The server's idle clock (the boot, and seconds since it) under the test's control:
    ``idle_clock["seconds"] += 60`` is a minute nobody touched the screen."""
    from kiosk.auth import security
    now = {"boot": "boot-1", "seconds": 1000.0}
    monkeypatch.setattr(security, "boot_clock", lambda: (now["boot"], now["seconds"]))
    return now


def session_seen(client) -> float | None:
    """When the client's session last saw its person, on the server's idle clock (None: ended)."""
    import hashlib
    from kiosk.auth.models import SignInSession
    with client.session_transaction() as session:
        token = session.get("sid")
    if not token:
        return None
    with client.application.app_context():
        row = db.session.get(SignInSession, hashlib.sha256(token.encode()).hexdigest())
        return row.seen if row else None


@pytest.fixture
def staff(app, client):
    """The client, signed in as a township station staff member of 昆阳镇 (the demo village's township)."""
    return sign_in_staff(client, add_staff(app, "zhou"))


@pytest.fixture
def township_app(database, db_kind, tmp_path):
    """The township server of 昆阳镇: same demo data, township role, three villages of its own."""
    app = make_app(database(db_kind), tmp_path / "township", KIOSK_ROLE="township")
    add_villages(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def station(township_app):
    """A client of the township server, signed in as 昆阳镇 station staff."""
    return sign_in_staff(township_app.test_client(), add_staff(township_app, "zhou-test"))


@pytest.fixture
def township_live_server(database, tmp_path):
    """The township server over real HTTP (SQLite, CSRF on) with a staff account `zhou-test`."""
    app = make_app(database("sqlite"), tmp_path / "township-live", WTF_CSRF_ENABLED=True, KIOSK_ROLE="township")
    add_villages(app)
    add_staff(app, "zhou-test", name="周立新")
    server = LiveServer(app).start()
    yield server
    server.stop()
    with app.app_context():
        db.engine.dispose()


# ---- live servers and the browser -------------------------------------------------------------

class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "LiveServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(5)
        self.server.server_close()
        # a client can have its response before the request's thread has given its connection back;
        # disposing of the engine then would leave that connection to the garbage collector (a
        # ResourceWarning failing whichever test runs next)
        with self.app.app_context():
            checked_out = getattr(db.engine.pool, "checkedout", lambda: 0)
            deadline = time.monotonic() + 5
            while checked_out() and time.monotonic() < deadline:
                time.sleep(0.02)


@pytest.fixture
def live_server(database, tmp_path):
    """The kiosk (SQLite, demo village, CSRF on) served over real HTTP on a free loopback port."""
    app = make_app(database("sqlite"), tmp_path / "live-instance", WTF_CSRF_ENABLED=True)
    server = LiveServer(app).start()
    yield server
    server.stop()
    with app.app_context():
        db.engine.dispose()


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    executable = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(executable).exists():
        raise RuntimeError("Chromium not found: `make test` installs Debian's chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _context(browser, **options):
    options.setdefault("locale", "zh-CN")
    options.setdefault("timezone_id", "Asia/Shanghai")
    return browser.new_context(**options)


@pytest.fixture
def kiosk_page(browser):
    """The 7-inch official touchscreen: 800x480, touch, Chinese."""
    context = _context(browser, viewport={"width": 800, "height": 480}, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def large_kiosk_page(browser):
    context = _context(browser, viewport={"width": 1280, "height": 800}, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(browser):
    """A resident's phone (Pixel 7 viewport, touch)."""
    context = _context(browser, viewport={"width": 412, "height": 839}, device_scale_factor=2.625,
                       is_mobile=True, has_touch=True,
                       user_agent="Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 "
                                  "(KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot():
    """Save a screenshot under tests/artefacts/ (not committed) to look at."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, full_page: bool = False) -> Path:
        path = ARTEFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


def tap_pin(page, pin: str) -> None:
    for digit in pin:
        page.tap(f"[data-key='{digit}']")
    page.tap(".key-ok")


def sign_in_by_tapping(page, base_url: str, name: str) -> None:
    page.goto(f"{base_url}/signin")
    page.tap(f"text={name}")
    page.wait_for_selector("[data-pinpad]")
    tap_pin(page, DEMO_PINS[name])
    page.wait_for_url(f"{base_url}/")
