"""An app of the demo village with settings of the test's own (a public address, CSRF, the township
role), on the test's kind of database, closed after the test."""
from __future__ import annotations

import pytest

from kiosk.extensions import db
from tests.conftest import make_app


@pytest.fixture
def app_with(database, db_kind, tmp_path):
    made = []

    def make(**config):
        app = make_app(database(db_kind), tmp_path / f"app-{len(made)}", **config)
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
