"""A page that saves while the sync worker writes: it waits its turn, it never answers 500
"database is locked". (The driver begins a transaction only at the first write, so a page holds no
read snapshot that the worker's commit could make stale — docs/pitfalls.md. This test keeps it so.)"""
from __future__ import annotations

import sqlite3
import threading
import time

import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.village import Household

from .conftest import make_app


def test_a_save_during_a_sync_write_waits_and_succeeds(database, tmp_path, auth_for):
    url = database("sqlite")
    app = make_app(url, tmp_path / "i")
    committee = auth_for(app).sign_in("陈建国")
    with app.app_context():
        house = db.session.scalar(sa.select(Household).order_by(Household.house_number).limit(1))
        hid, number = house.id, house.house_number
    path = url.removeprefix("sqlite:///")
    holding, done = threading.Event(), threading.Event()

    def sync_worker_writes():
        # another process's writer: it reads, then holds the write lock while the page posts
        other = sqlite3.connect(path, timeout=10, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE household SET note = 'from the township' WHERE id = ?", (hid,))
        holding.set()
        time.sleep(0.8)
        other.execute("COMMIT")
        other.close()
        done.set()

    worker = threading.Thread(target=sync_worker_writes)
    worker.start()
    holding.wait(5)
    response = committee.post(f"/households/{hid}/edit", data={
        "house_number": number, "head_name": "陈建华", "group_name": "第1组", "phone": "", "members": "3",
        "note": ""})
    worker.join(5)
    assert done.is_set()
    assert response.status_code in (303, 422), response.status_code
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
