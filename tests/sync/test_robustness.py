"""Flaky links, replays, wrong clocks and bad input leave both sides identical, with nothing duplicated."""
from __future__ import annotations

import datetime as dt
import gzip
import json
import re

import pytest
import requests
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.hazards.models import Hazard
from kiosk.village import Household
from sync import wire
from sync.models import SyncChangelog, SyncConflict, SyncDevice
from tests.conftest import DEMO_VILLAGE

from .conftest import OTHER_VILLAGE, TOWNSHIP
from .test_delivery import assert_same, record_hazards


def changelog_size(township):
    return township.count(SyncChangelog)


class Recorder:
    """A requests session that keeps every request it sent, to replay them verbatim."""

    def __init__(self):
        self.session = requests.Session()
        self.sent = []
        original = self.session.send

        def send(prepared, **kw):
            self.sent.append(prepared.copy())
            return original(prepared, **kw)

        self.session.send = send


def test_replaying_any_request_changes_nothing(kiosk, township):
    from kiosk.hazards.service import open_hazard
    assert kiosk.sync().ok
    record_hazards(kiosk, 5)
    with kiosk.ctx():
        h = db.session.scalar(sa.select(Household).limit(1))
        h.note = "独居老人，需重点走访"
        db.session.commit()
    with township.ctx():
        open_hazard(village_id=DEMO_VILLAGE, category="wiring", source="township", location="老街")
        db.session.commit()
    rec = Recorder()
    result = kiosk.sync(http=rec.session)
    assert result.ok and result.pushed == 6 and result.pulled == 1
    before_k, before_t, log = kiosk.digests(), township.digests(), changelog_size(township)
    with township.ctx():
        device_before = {c: getattr(db.session.get(SyncDevice, kiosk.state().device_id), c)
                         for c in ("push_hw", "regressions")}
    for prepared in rec.sent:
        response = requests.Session().send(prepared.copy())
        assert response.status_code == 200
    assert township.digests() == before_t and kiosk.digests() == before_k
    assert changelog_size(township) == log
    with township.ctx():
        device = db.session.get(SyncDevice, kiosk.state().device_id)
        assert {c: getattr(device, c) for c in device_before} == device_before
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncConflict)) == 0
    assert_same(kiosk, township)


def test_a_connection_cut_anywhere_loses_and_duplicates_nothing(make_kiosk, township, proxy):
    kiosk = make_kiosk(township, url=proxy.url)
    assert kiosk.sync().ok
    record_hazards(kiosk, 120)
    with township.ctx():
        from kiosk.hazards.service import open_hazard
        for i in range(60):
            open_hazard(village_id=DEMO_VILLAGE, category="blocked_passage", source="township", location=f"巷{i}")
        db.session.commit()
    # cut the request, then the reply, at many points; each run moves on or fails cleanly
    cuts = [("up", 200), ("down", 150), ("up", 3000), ("down", 2500), ("up", 9000), ("down", 400), ("down", 7000)]
    for direction, n in cuts:
        proxy.arm(**{direction: n})
        result = kiosk.sync(limit=25)
        assert result.outcome in ("ok", "offline"), result
    proxy.arm()
    assert kiosk.sync(limit=25).ok
    assert proxy.cuts >= 5
    assert_same(kiosk, township)
    with township.ctx():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Hazard)
                                 .where(Hazard.village_id == DEMO_VILLAGE, Hazard.source == "committee",
                                        Hazard.location.like("村口%"))) == 120


@pytest.mark.parametrize("days", [-365, 365])
def test_a_kiosk_clock_a_year_off_changes_no_order_and_no_winner(make_kiosk, township, monkeypatch, days):
    import sync.clock
    import sync.store
    kiosk = make_kiosk(township)
    assert kiosk.sync().ok
    with kiosk.ctx():
        house = db.session.scalar(sa.select(Household).order_by(Household.house_number).limit(1))
        house_id = house.id
    # the kiosk's clock jumps a year; the township edits the same household first
    with township.ctx():
        db.session.get(Household, house_id).phone = "13857700000"
        db.session.commit()
    shift = dt.timedelta(days=days)
    real_ms, real_now = sync.clock.wall_ms, sync.store.utcnow
    monkeypatch.setattr(sync.clock, "wall_ms", lambda: real_ms() + int(shift.total_seconds() * 1000))
    monkeypatch.setattr(sync.store, "utcnow", lambda: real_now() + shift)
    first, second = record_hazards(kiosk, 2, prefix="钟")
    with kiosk.ctx():
        db.session.get(Household, house_id).phone = "13857799999"
        db.session.commit()
    result = kiosk.sync()
    assert result.ok and result.conflicts == 1
    with township.ctx():
        seqs = {r.record_id: r.seq for r in db.session.scalars(sa.select(SyncChangelog).where(
            SyncChangelog.record_id.in_([first, second])))}
        assert seqs[first] < seqs[second]  # in the order they were made, not by their clock labels
        assert db.session.get(Household, house_id).phone == "13857700000"  # the township's came first
        device = db.session.get(SyncDevice, kiosk.state().device_id)
        assert abs(device.clock_offset_s - shift.total_seconds()) < 120
    with kiosk.ctx():
        assert db.session.get(Household, house_id).phone == "13857700000"
    assert abs(kiosk.state().clock_offset_s - shift.total_seconds()) < 120
    with kiosk.app.test_request_context():
        from kiosk.syncui.service import status_text
        text, tone, _ = status_text()
    assert "时钟不准" in text and tone == "warn"


def test_concurrent_edits_give_the_same_winner_on_both_sides_and_keep_the_loser(kiosk, township):
    assert kiosk.sync().ok
    with kiosk.ctx():
        house_id = db.session.scalar(sa.select(Household.id).order_by(Household.house_number).limit(1))
        db.session.get(Household, house_id).note = "村里改的：有租户"
        db.session.commit()
    with township.ctx():
        db.session.get(Household, house_id).note = "乡镇改的：空置"
        db.session.commit()
    result = kiosk.sync()
    assert result.ok and result.conflicts == 1
    for side in (kiosk, township):
        with side.ctx():
            assert db.session.get(Household, house_id).note == "乡镇改的：空置"
            conflict = db.session.scalar(sa.select(SyncConflict))
            assert conflict.loser["note"] == "村里改的：有租户" and conflict.status == "open"
    assert_same(kiosk, township)
    # a committee member sees it and chooses the village's version; that choice travels too
    from kiosk.village import Person
    from tests.conftest import open_session
    with kiosk.ctx():
        chen = db.session.scalar(sa.select(Person.id).where(Person.name == "陈建国"))
    client = open_session(kiosk.app.test_client(), person_id=chen)
    page = client.get("/sync/conflicts").get_data(as_text=True)
    assert "同步冲突" in page and "住户" in page
    detail = client.get(f"/sync/conflicts/{conflict.id}").get_data(as_text=True)
    assert "村里改的：有租户" in detail and "乡镇改的：空置" in detail
    version = re.search(r'name="version" value="(\d+)"', detail).group(1)
    assert client.post(f"/sync/conflicts/{conflict.id}", data={"action": "bogus", "version": version}).status_code == 422
    assert client.post(f"/sync/conflicts/{conflict.id}", data={"action": "apply", "version": version}).status_code == 303
    assert kiosk.sync().ok
    for side in (kiosk, township):
        with side.ctx():
            assert db.session.get(Household, house_id).note == "村里改的：有租户"
            assert db.session.get(SyncConflict, conflict.id).status == "settled"
    assert_same(kiosk, township)


def test_idle_sync_is_one_request_under_one_kilobyte(make_kiosk, township, proxy):
    kiosk = make_kiosk(township, url=proxy.url)
    assert kiosk.sync().ok
    proxy.reset()
    result = kiosk.sync()
    assert result.ok and result.requests == 1
    assert proxy.connections == 1
    assert proxy.up + proxy.down < 1024, (proxy.up, proxy.down)


# ---- refusals -----------------------------------------------------------------------------------

def raw_exchange(kiosk, township, rows=None, table="hazard", body=None, encoding="gzip", header=None):
    """A hand-made request, as a buggy or hostile client would send it."""
    from sync.tables import replicated
    st = kiosk.state()
    if body is None:
        with kiosk.ctx():
            t = replicated()[table]
            w = wire.Writer(dict({"now": 0, "acked": st.push_acked, "from": st.push_acked,
                                  "to": st.push_acked + len(rows or []), "cursor": st.pull_cursor}, **(header or {})))
            for i, values in enumerate(rows or []):
                w.table(t.name, t.columns)
                w.row([st.push_acked + i + 1, 0, "", None, *[values.get(c) for c in t.columns]])
            body = wire.compress(w.finish(), encoding)
    return requests.post(f"{township.url}/sync/v1/exchange", data=body, timeout=30,
                         headers={"Authorization": f"Bearer {st.device_id}:{st.token}",
                                  "Content-Encoding": encoding, "Content-Type": wire.CONTENT_TYPE})


def hazard_row(village, location="外村"):
    from sync.ids import uuid7
    now = dt.datetime(2026, 5, 1, 8, 0).isoformat()
    return {"id": uuid7(), "village_id": village, "version": 1, "hlc": "1777622400000-0000-x", "origin": "x",
            "recorded_at": now, "modified_at": now, "deleted": False, "category": "gas", "source": "committee",
            "severity": "minor", "status": "reported", "location": location, "description": "",
            "fixed_on_spot": False}


def test_a_batch_with_another_villages_record_is_refused_whole(kiosk, township):
    assert kiosk.sync().ok
    before = township.digests((DEMO_VILLAGE, OTHER_VILLAGE, TOWNSHIP))
    good, bad = hazard_row(DEMO_VILLAGE, "本村"), hazard_row(OTHER_VILLAGE)
    response = raw_exchange(kiosk, township, [good, bad])
    assert response.status_code == 403
    assert response.json()["error"] == "scope" and OTHER_VILLAGE in response.json()["message"]
    response = raw_exchange(kiosk, township, [hazard_row(TOWNSHIP)])
    assert response.status_code == 403  # nor township-wide rows: only the township writes those
    assert township.digests((DEMO_VILLAGE, OTHER_VILLAGE, TOWNSHIP)) == before


@pytest.mark.parametrize("case", ["garbage", "truncated", "no_trailer", "bad_json", "oversized", "bomb",
                                  "wrong_version", "unknown_table", "short_row"])
def test_malformed_truncated_or_oversized_payloads_are_refused_with_nothing_applied(kiosk, township, case):
    import zstandard
    assert kiosk.sync().ok
    before, log = township.digests(), changelog_size(township)
    row = hazard_row(DEMO_VILLAGE, "坏数据")
    head = json.dumps({"v": 1, "now": 0, "acked": 0, "from": 0, "to": 1, "cursor": 0}).encode()
    encoding = "gzip"
    if case == "garbage":
        body = b"\x00\x01not compressed at all"
    elif case == "truncated":
        good = raw_exchange.__wrapped__ if False else None  # noqa: F841
        full = gzip.compress(head + b"\n" + b'{"t":"hazard","c":["id"]}\n' + b'[1,0,"","x"]\n{"end":1}\n')
        body = full[: len(full) // 2]
    elif case == "no_trailer":
        body = gzip.compress(head + b"\n" + b'{"t":"hazard","c":["id","village_id","version","hlc"]}\n'
                             + json.dumps([1, 0, "", row["id"], DEMO_VILLAGE, 1, "h"]).encode() + b"\n")
    elif case == "bad_json":
        body = gzip.compress(head + b"\n{not json\n{\"end\":0}\n")
    elif case == "oversized":
        body = b"x" * (wire.MAX_BODY_BYTES + 10)
        encoding = "identity"
    elif case == "bomb":
        body = zstandard.ZstdCompressor().compress(b" " * (wire.MAX_BODY_BYTES * 3))
        encoding = "zstd"
    elif case == "wrong_version":
        body = gzip.compress(json.dumps({"v": 99}).encode() + b"\n{\"end\":0}\n")
    elif case == "unknown_table":
        body = gzip.compress(head + b"\n" + b'{"t":"secret_table","c":["id"]}\n[1,0,"","x"]\n{"end":1}\n')
    elif case == "short_row":
        body = gzip.compress(head + b"\n" + b'{"t":"hazard","c":["id","village_id","version","hlc"]}\n'
                             + b'[1,0,"","x"]\n{"end":1}\n')
    response = raw_exchange(kiosk, township, body=body, encoding=encoding)
    assert 400 <= response.status_code < 500
    problem = response.json()
    assert problem["error"] and problem["message"]
    assert township.digests() == before and changelog_size(township) == log


def test_a_restored_kiosk_database_is_detected_and_resynced_without_loss(kiosk, township, tmp_path):
    """A technician restores last week's backup: what the kiosk sent since is still at the township,
    comes back to the kiosk, and what is made after the restore still arrives."""
    import shutil
    assert kiosk.sync().ok
    path = kiosk.app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with kiosk.ctx():
        db.session.remove()
        db.engine.dispose()
    shutil.copyfile(path, tmp_path / "backup.db")
    sent_after_backup = record_hazards(kiosk, 4, prefix="备份后")
    assert kiosk.sync().ok
    record_hazards(kiosk, 1, prefix="再一次")
    assert kiosk.sync().ok
    with kiosk.ctx():
        db.session.remove()
        db.engine.dispose()
    shutil.copyfile(tmp_path / "backup.db", path)  # the restore
    made_after_restore = record_hazards(kiosk, 2, prefix="恢复后")
    result = kiosk.sync()
    assert result.ok and result.resync
    with township.ctx():
        device = db.session.get(SyncDevice, kiosk.state().device_id)
        assert device.regressions == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Hazard).where(
            Hazard.id.in_(made_after_restore))) == 2
    with kiosk.ctx():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Hazard).where(
            Hazard.id.in_(sent_after_backup))) == 4
    assert_same(kiosk, township)
    assert kiosk.sync().ok and not kiosk.sync().resync
