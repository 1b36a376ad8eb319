"""Supervision's fixtures: the township of the tests (昆阳镇: the demo village, 西湾村, 凤山村, and
江口村 of 鳌江镇) with station staff, a county account, and a way to count SQL statements."""
from __future__ import annotations

import contextlib

import pytest
import sqlalchemy as sa

from kiosk.extensions import db

from ..conftest import OTHER_TOWNSHIP, add_staff, make_app, sign_in_staff


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
