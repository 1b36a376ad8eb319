"""The keyboard's fixtures: the real pinyin table, built once per session from the installed
packages' data (as `flask keyboard build` does at install), and a kiosk that reads it."""
from __future__ import annotations

import pytest

from kiosk.extensions import db
from kiosk.keyboard import service

from ..conftest import LiveServer, make_app


@pytest.fixture(scope="session")
def pinyin_table(tmp_path_factory):
    return service.build(tmp_path_factory.mktemp("keyboard") / "pinyin.sqlite3")


@pytest.fixture
def keyboard_kiosk(database, tmp_path, pinyin_table):
    """The kiosk over real HTTP (SQLite, demo village, CSRF on), with the built pinyin table."""
    app = make_app(database("sqlite"), tmp_path / "keyboard-instance", WTF_CSRF_ENABLED=True,
                   KEYBOARD_DICTIONARY=str(pinyin_table.path))
    server = LiveServer(app).start()
    yield server
    server.stop()
    with app.app_context():
        db.engine.dispose()
