"""Supervision's fixtures: the township of the tests (昆阳镇: the demo village, 西湾村, 凤山村, and
江口村 of 鳌江镇) with station staff, a county account, and a way to count SQL statements."""
from __future__ import annotations

import contextlib

import pytest
import sqlalchemy as sa

from kiosk.extensions import db

from ..conftest import OTHER_TOWNSHIP, LiveServer, add_staff, make_app, sign_in_staff


@pytest.fixture
def county(township_app):
    """A client signed in with a county account (its home township 昆阳镇)."""
    from kiosk.auth.models import StaffUser
    user_id = add_staff(township_app, "county-wu", name="吴科长")
    with township_app.app_context():
        db.session.get(StaffUser, user_id).scope = "county"
        db.session.commit()
    return sign_in_staff(township_app.test_client(), user_id)


@pytest.fixture
def elsewhere(township_app):
    """A client signed in as staff of another township (鳌江镇)."""
    return sign_in_staff(township_app.test_client(), add_staff(township_app, "aojiang", OTHER_TOWNSHIP, name="江站长"))


@pytest.fixture
def demo_township(database, db_kind, tmp_path):
    """The township server as `flask demo load` leaves it: 昆阳镇 with four villages that differ."""
    app = make_app(database(db_kind, "demo", role="township"), tmp_path / "township", KIOSK_ROLE="township")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def desk(demo_township):
    return sign_in_staff(demo_township.test_client(), add_staff(demo_township, "zhou-eval"))


@contextlib.contextmanager
def counted(app):
    """Counts the SQL statements run inside the block: ``with counted(app) as n: ...; n()``."""
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield lambda: len(statements)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


# ---- the township in a browser ------------------------------------------------------------------

DESK = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}


@pytest.fixture
def demo_township_server(database, tmp_path):
    """The township server as `flask demo load` leaves it (four villages, staff zhou), CSRF on."""
    app = make_app(database("sqlite", "demo", role="township"), tmp_path / "township-live",
                   WTF_CSRF_ENABLED=True, KIOSK_ROLE="township")
    server = LiveServer(app).start()
    yield server
    server.stop()
    with app.app_context():
        db.engine.dispose()


def staff_sign_in(page, url: str, touch: bool = False) -> None:
    """The demo's station staff member signs in and lands on the overview, not the tile grid."""
    page.goto(f"{url}/staff/login")
    page.fill("input[name=username]", "zhou")
    page.fill("input[name=password]", "pingyang-demo-2026")
    (page.tap if touch else page.click)("button[type=submit]")
    page.wait_for_url(f"{url}/supervision/")
