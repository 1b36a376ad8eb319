"""How many changes wait to go to the township: one count, the same on the status bar, the sync screen,
the home tile and `flask sync status` — the changes that will actually be sent."""
from __future__ import annotations

import re

import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.village import Person
from sync import SyncOutbox, SyncState
from tests.conftest import DEMO_VILLAGE


def sendable(app) -> int:
    """Outbox rows of the kiosk's own village: township-wide rows (templates, checklists, warnings the
    demo made here) are never sent — the township owns them."""
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(SyncOutbox)
                                 .where(SyncOutbox.village_id == DEMO_VILLAGE))


def on_the_status_bar(client) -> int:
    text = client.get("/status").get_data(as_text=True)
    return int(re.search(r"(\d+) 条更改待同步", text).group(1))


def on_the_sync_screen(client) -> int:
    page = client.get("/sync/").get_data(as_text=True)
    return int(re.search(r"待同步的更改</dt>\s*<dd>(\d+)", page).group(1))


def from_the_cli(app) -> int:
    output = app.test_cli_runner().invoke(args=["sync", "status"]).output
    return int(re.search(r"(\d+) change\(s\)", output).group(1))


def test_before_enrolment_screen_and_cli_count_the_changes_that_will_be_sent(app, client):
    expected = sendable(app)
    assert expected > 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncOutbox)) > expected  # township rows too
    assert on_the_status_bar(client) == on_the_sync_screen(client) == from_the_cli(app) == expected


def test_enrolment_does_not_change_the_count_and_an_edit_adds_one(app, client):
    before = on_the_status_bar(client)
    with app.app_context():
        db.session.merge(SyncState(id=1, server_url="https://fire.kunyang.example", token="t",
                                   device_id="0190a0b0-0000-7000-8000-000000000001",
                                   village_code=DEMO_VILLAGE, township_code=DEMO_VILLAGE[:9]))
        db.session.commit()
    assert on_the_status_bar(client) == on_the_sync_screen(client) == from_the_cli(app) == before
    with app.app_context():
        db.session.add(Person(village_id=DEMO_VILLAGE, name="徐明", duties=["volunteer"]))
        db.session.commit()
    assert on_the_status_bar(client) == on_the_sync_screen(client) == from_the_cli(app) == before + 1
