"""The township station's side of the warnings: a township-role server with its staff."""
from __future__ import annotations

import time

import pytest

from kiosk.extensions import db
from tests.conftest import DEMO_VILLAGE, LiveServer, make_app

TOWNSHIP = DEMO_VILLAGE[:9]  # 昆阳镇
# the demo village's neighbours on the township server (invented names, real code shape)
NEIGHBOURS = {"330326100202": "西湾村", "330326100203": "凤山村"}
OTHER_TOWNSHIP_VILLAGE = ("330326101201", "江口村")  # 鳌江镇


def add_villages(app) -> None:
    from kiosk.village import Village
    with app.app_context():
        for code, name in [*NEIGHBOURS.items(), OTHER_TOWNSHIP_VILLAGE]:
            if db.session.get(Village, code) is None:
                db.session.add(Village(code=code, name=name, township_code=code[:9]))
        db.session.commit()


def add_staff(app, username: str, township: str, password: str = "correct horse battery", name: str = "周站长"):
    from kiosk.auth.models import StaffUser
    from kiosk.auth.security import hasher
    with app.app_context():
        user = StaffUser(username=username, name=name, township_code=township,
                         password_hash=hasher().hash(password))
        db.session.add(user)
        db.session.commit()
        return user.id


def sign_in_staff(client, user_id: int):
    with client.session_transaction() as session:
        session["staff_id"] = user_id
        session["seen"] = time.time()
    return client


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
    return sign_in_staff(township_app.test_client(), add_staff(township_app, "zhou-test", TOWNSHIP))


@pytest.fixture
def township_live_server(database, tmp_path):
    """The township server over real HTTP (SQLite, CSRF on) with a staff account `zhou-test`."""
    app = make_app(database("sqlite"), tmp_path / "township-live", WTF_CSRF_ENABLED=True, KIOSK_ROLE="township")
    add_villages(app)
    add_staff(app, "zhou-test", TOWNSHIP, name="周立新")
    server = LiveServer(app).start()
    yield server
    server.stop()
    with app.app_context():
        db.engine.dispose()
