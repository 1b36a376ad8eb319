"""Fixtures of the security stories: a live server of either role, on either database."""
import pytest

from kiosk.extensions import db

from ..conftest import LiveServer, make_app


@pytest.fixture
def live(database, tmp_path):
    """A live server (threads, a database file) of the role the test asks for."""
    started = []

    def start(kind="sqlite", **config):
        app = make_app(database(kind, role=config.get("KIOSK_ROLE", "village")), tmp_path / f"live{len(started)}",
                       **config)
        started.append(LiveServer(app).start())
        return started[-1]

    yield start
    for server in started:
        server.stop()
        with server.app.app_context():
            db.engine.dispose()
