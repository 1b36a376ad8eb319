"""The kiosk stays usable during sync, links cut anywhere are "offline", enrolment is rate-limited,
and a township serves kiosks of an older schema (while a kiosk newer than its township waits)."""
from __future__ import annotations

import threading
import time

import requests
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.village import Household, Person
from sync.models import SyncOutbox
from tests.conftest import DEMO_VILLAGE

from .test_delivery import assert_same, record_hazards


def test_a_page_saves_at_once_while_a_slow_sync_waits_for_the_township(make_kiosk, township, proxy):
    kiosk = make_kiosk(township, url=proxy.url)
    assert kiosk.sync().ok
    record_hazards(kiosk, 3)
    proxy.stall("down")  # the township's answer takes its time
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.setdefault("result", kiosk.sync()))
    worker.start()
    while proxy.up == 0 and worker.is_alive():
        time.sleep(0.01)
    time.sleep(0.2)  # the request is out; the kiosk waits for the reply
    try:
        with kiosk.ctx():
            db.session.execute(sa.text("PRAGMA busy_timeout = 300"))  # a page would wait 10 s, then fail
            house = db.session.scalar(sa.select(Household).limit(1))
            house.note = "同步时也能保存"
            db.session.commit()
    finally:
        proxy.release()
        worker.join(30)
    assert outcome["result"].ok
    assert kiosk.sync().ok
    assert_same(kiosk, township)


def reply_headers(kiosk, township) -> bytes:
    """The header block of an exchange reply, as it goes over the wire (its layout, not its values)."""
    from tests.sync.test_trust import push
    r = push(kiosk, township, "hazard", [])
    lines = [f"HTTP/1.1 {r.status_code} {r.reason}"] + [f"{k}: {v}" for k, v in r.raw.headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def test_a_reply_cut_anywhere_inside_its_headers_is_offline(make_kiosk, township, proxy):
    kiosk = make_kiosk(township, url=proxy.url)
    assert kiosk.sync().ok
    block = reply_headers(kiosk, township)
    length_at = block.index(b"Content-Length:")
    # every byte of the Content-Length line (an empty or partial value), and steps through the rest
    cuts = sorted(set(range(length_at, block.index(b"\r\n", length_at) + 2)) | set(range(1, len(block), 9)))
    for cut in cuts:
        proxy.arm(down=cut)
        result = kiosk.sync()
        assert result.outcome == "offline" and result.exit_code == 1, (cut, block[:cut], result)
    proxy.arm()
    assert kiosk.sync().ok


def test_enrolment_attempts_are_limited_per_address(township, make_kiosk):
    from kiosk.syncui.service import enrol_error_text
    from sync import SyncError, enroll
    kiosk = make_kiosk()
    codes = []
    with kiosk.ctx():
        for _ in range(12):
            try:
                enroll(township.url, "WRONG-CODE1")
            except SyncError as e:
                codes.append(e.code)
            db.session.rollback()
        assert codes[:10] == ["code_unknown"] * 10 and codes[10:] == ["rate_limited"] * 2
    reply = requests.post(f"{township.url}/sync/v1/enrol", json={"code": township.code()}, timeout=10)
    assert reply.status_code == 429 and reply.json()["error"] == "rate_limited"
    assert int(reply.headers["Retry-After"]) > 0
    with kiosk.app.test_request_context():
        error = SyncError("rate_limited", "x", reply=reply.json())
        assert "10" in enrol_error_text(error)


def test_a_kiosk_enrols_on_its_screen_with_the_keypad_code(township, make_kiosk):
    kiosk = make_kiosk()
    kiosk.app.config["TOWNSHIP_URL"] = township.url
    from tests.sync.test_settling import signed_in
    client = signed_in(kiosk.app)
    page = client.get("/sync/").get_data(as_text=True)
    assert "data-enrol-keypad" in page
    assert client.post("/sync/enrol", data={"code": "WRONG-CODE1"}).status_code == 200
    response = client.post("/sync/enrol", data={"code": township.code().lower()})
    assert response.status_code == 303
    assert kiosk.state().village_code == DEMO_VILLAGE
    volunteer = signed_in(kiosk.app, "李伟")
    assert volunteer.post("/sync/enrol", data={"code": "X"}).status_code == 403


# ---- mixed versions ---------------------------------------------------------------------------

def older_schema(monkeypatch, table="person", column="note"):
    """This kiosk runs the previous schema: it knows ``table`` without ``column``."""
    import sync.client
    real = sync.client.local_schema

    def schema():
        out = real()
        out[table] = [c for c in out[table] if c != column]
        return out
    monkeypatch.setattr(sync.client, "local_schema", schema)
    return real


def test_an_older_kiosk_syncs_both_ways_with_a_newer_township(kiosk, township, monkeypatch):
    real = older_schema(monkeypatch)
    assert kiosk.sync().ok
    with township.ctx():
        pid = db.session.scalar(sa.select(Person.id).where(Person.name == "王德明"))
        person = db.session.get(Person, pid)
        person.note, person.phone = "只有新版本知道", "13900000009"
        db.session.commit()
    assert kiosk.sync().ok
    with kiosk.ctx():
        person = db.session.get(Person, pid)
        assert person.phone == "13900000009" and person.note is None  # the column it knows, not the new one
        person.post = "老版本改的"
        db.session.add(Person(village_id=DEMO_VILLAGE, name="新来的", duties=["volunteer"]))
        db.session.commit()
    assert kiosk.sync().ok
    with township.ctx():
        person = db.session.get(Person, pid)
        assert person.post == "老版本改的" and person.note == "只有新版本知道"  # kept: the kiosk never sent it
        newcomer = db.session.scalar(sa.select(Person).where(Person.name == "新来的"))
        assert newcomer.note is None and newcomer.active is True  # what it did not send took its default
    # the kiosk is upgraded: it declares the column and pulls everything again with it
    monkeypatch.setattr("sync.client.local_schema", real)
    assert kiosk.sync().ok
    with kiosk.ctx():
        assert db.session.get(Person, pid).note == "只有新版本知道"
    assert_same(kiosk, township)


def test_a_kiosk_newer_than_its_township_keeps_its_changes_and_still_pulls(kiosk, township, monkeypatch):
    import sync.server
    from sync.tables import Table, replicated
    assert kiosk.sync().ok
    full = replicated()
    person = full["person"]
    older = Table(**{**person.__dict__, "columns": [c for c in person.columns if c != "note"]})

    monkeypatch.setattr(sync.server, "replicated", lambda: {**replicated(), "person": older})
    with kiosk.ctx():
        pid = db.session.scalar(sa.select(Person.id).where(Person.name == "王德明"))
        db.session.get(Person, pid).note = "新版本的字段"
        db.session.commit()
    from kiosk.hazards.service import open_hazard
    with township.ctx():
        open_hazard(village_id=DEMO_VILLAGE, category="wiring", source="township", location="旧版乡镇")
        db.session.commit()
    result = kiosk.sync()
    assert result.outcome == "refused" and result.code == "township_older", result
    assert kiosk.count(SyncOutbox) == 1  # the change waits
    with kiosk.ctx():
        from kiosk.hazards.models import Hazard
        assert db.session.scalar(sa.select(Hazard).where(Hazard.location == "旧版乡镇")) is not None
    with kiosk.app.test_request_context():
        from kiosk.syncui.service import status_text
        text, tone, _ = status_text()
    assert tone == "bad"
    monkeypatch.undo()  # the township is upgraded
    assert kiosk.sync().ok
    with township.ctx():
        assert db.session.get(Person, pid).note == "新版本的字段"
