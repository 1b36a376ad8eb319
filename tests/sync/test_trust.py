"""A county can trust what kiosks send: scope on every stored row, references in scope, files only
where a row names them, hostile values and headers refused with a reason (never a 500), and no row
that can stop a sync. Each attack is made as a kiosk of one village would make it, with its own
credential, over real HTTP to the township on PostgreSQL."""
from __future__ import annotations

import datetime as dt
import json

import pytest
import requests
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.village import Person
from sync import wire
from sync.ids import uuid7
from sync.models import SyncConflict, SyncDevice, SyncHeld
from sync.tables import replicated
from tests.conftest import DEMO_VILLAGE

from .conftest import OTHER_VILLAGE, TOWNSHIP

NOW = dt.datetime(2026, 5, 1, 8, 0).isoformat()


def wire_row(side, model, rid) -> dict:
    """A stored row as the wire carries it."""
    t = replicated()[model.__tablename__]
    with side.ctx():
        row = db.session.execute(sa.select(t.table).where(t.table.c.id == rid)).mappings().one()
        return t.encode_dict(row)


def push(kiosk, township, table, rows, header=None, base=None, seq_from=None):
    """A push the way a hostile (or buggy) kiosk would make it: its own credential, rows of our making."""
    st = kiosk.state()
    t = replicated()[table]
    start = st.push_acked if seq_from is None else seq_from
    head = dict({"v": 2, "now": 0, "acked": st.push_acked, "from": start, "to": start + len(rows),
                 "cursor": st.pull_cursor}, **(header or {}))
    lines = [head] + ([{"t": t.name, "c": t.columns}] if rows else [])
    for i, values in enumerate(rows):
        version = values.get("version", 1)
        base_version = version - 1 if isinstance(version, int) and not isinstance(version, bool) else 0
        lines.append([start + i + 1, base_version, "", base, *[values.get(c) for c in t.columns]])
    lines.append({"end": len(rows)})
    # ASCII-escaped JSON, as a hostile client may send it: lone surrogates and all
    body = wire.compress("".join(json.dumps(x) + "\n" for x in lines).encode(), "gzip")
    return requests.post(f"{township.url}/sync/v1/exchange", data=body, timeout=30,
                         headers={"Authorization": f"Bearer {st.device_id}:{st.token}",
                                  "Content-Encoding": "gzip", "Content-Type": wire.CONTENT_TYPE})


def make_warning(township, **kw):
    from kiosk.warnings.models import Warning
    with township.ctx():
        w = Warning(village_id=TOWNSHIP, kind="immediate", title=kw.pop("title", "大风橙色预警"), body="严禁野外用火",
                    issued_at=dt.datetime(2026, 5, 1, 8), issued_by_name="周站长", **kw)
        db.session.add(w)
        db.session.commit()
        return w.id


def test_a_village_cannot_rewrite_a_township_warning_or_another_villages_person(kiosk, township):
    from kiosk.warnings.models import Warning
    wid = make_warning(township)
    with township.ctx():
        west = Person(village_id=OTHER_VILLAGE, name="西村的人", duties=["grid"])
        db.session.add(west)
        db.session.commit()
        west_id = west.id
    assert kiosk.sync().ok
    before = township.digests((DEMO_VILLAGE, OTHER_VILLAGE, TOWNSHIP))
    # the stolen warning moved into the village and rewritten; the other village's person renamed
    forged = dict(wire_row(township, Warning, wid), village_id=DEMO_VILLAGE, title="假的", version=9)
    person = dict(wire_row(township, Person, west_id), village_id=DEMO_VILLAGE, name="改了名", version=9)
    response = push(kiosk, township, "warning", [forged])
    assert response.status_code == 200
    response = push(kiosk, township, "person", [person], seq_from=kiosk.state().push_acked + 1)
    assert response.status_code == 200
    after = township.digests((DEMO_VILLAGE, OTHER_VILLAGE, TOWNSHIP))
    assert {k: v for k, v in after.items() if k != "sync_held"} == \
        {k: v for k, v in before.items() if k != "sync_held"}
    with township.ctx():
        assert db.session.get(Warning, wid).title == "大风橙色预警"
        assert db.session.get(Person, west_id).name == "西村的人"
        held = db.session.scalars(sa.select(SyncHeld)).all()
        assert sorted(h.reason for h in held) == ["scope", "scope"]
        assert {h.village_id for h in held} == {DEMO_VILLAGE}  # kept in the pusher's scope, not the victim's


def test_a_stale_edit_plants_no_conflict_in_another_villages_scope(kiosk, township):
    with township.ctx():
        west = Person(village_id=OTHER_VILLAGE, name="西村的人", duties=["grid"])
        db.session.add(west)
        db.session.commit()
        west_id = west.id
    assert kiosk.sync().ok
    row = dict(wire_row(township, Person, west_id), village_id=DEMO_VILLAGE, name="冲突", version=1, hlc="1-0000-x")
    assert push(kiosk, township, "person", [row]).status_code == 200
    with township.ctx():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncConflict)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncConflict).where(
            SyncConflict.village_id == OTHER_VILLAGE)) == 0


def test_a_forged_conflict_cannot_reach_another_villages_record(kiosk, township):
    from sync import settle
    with township.ctx():
        west = Person(village_id=OTHER_VILLAGE, name="西村的人", duties=["grid"])
        db.session.add(west)
        db.session.commit()
        west_id = west.id
    forged = {"id": uuid7(), "village_id": DEMO_VILLAGE, "version": 1, "hlc": "1777622400000-0000-x", "origin": "x",
              "recorded_at": NOW, "modified_at": NOW, "deleted": False, "table_name": "person", "record_id": west_id,
              "kind": "edit", "winner": {"name": "西村的人"}, "loser": {"name": "被改了"}, "loser_device": None,
              "detected_at": NOW, "status": "open", "resolution": None, "settled_by": None, "settled_at": None}
    assert push(kiosk, township, "sync_conflict", [forged]).status_code == 200
    with township.ctx():
        conflict = db.session.get(SyncConflict, forged["id"])
        settle(conflict, "apply", "周站长")
        db.session.commit()
        assert db.session.get(Person, west_id).name == "西村的人"


def test_a_reference_to_another_villages_record_is_held_and_shows_nowhere(kiosk, township):
    from kiosk.hydrants.models import Hydrant, HydrantInspection
    with township.ctx():
        theirs = Hydrant(village_id=OTHER_VILLAGE, code="WEST01", location="西街")
        db.session.add(theirs)
        db.session.commit()
        hid = theirs.id
    inspection = {"id": uuid7(), "village_id": DEMO_VILLAGE, "version": 1, "hlc": "1777622400000-0000-x",
                  "origin": "x", "recorded_at": NOW, "modified_at": NOW, "deleted": False, "hydrant_id": hid,
                  "inspector_id": None, "inspector_name": "李伟", "items": {}, "item_notes": {},
                  "item_photos_sha256": {}, "pressure_mpa": 0.3, "result": "ok", "note": ""}
    response = push(kiosk, township, "hydrant_inspection", [inspection])
    assert response.status_code == 200
    assert response_header(response).get("held") == [["hydrant_inspection", inspection["id"], "scope"]]
    with township.ctx():
        assert db.session.get(HydrantInspection, inspection["id"]) is None


def test_a_missing_parent_holds_the_child_until_the_parent_arrives(kiosk, township):
    from kiosk.pacts.models import PactClause
    clause = {"id": uuid7(), "village_id": DEMO_VILLAGE, "version": 1, "hlc": "1777622400000-0000-x", "origin": "x",
              "recorded_at": NOW, "modified_at": NOW, "deleted": False, "pact_id": uuid7(), "lineage": uuid7(),
              "position": 1, "topic": None, "text": "不在楼道给电动车充电"}
    assert push(kiosk, township, "pact_clause", [clause]).status_code == 200
    with township.ctx():
        assert db.session.get(PactClause, clause["id"]) is None
        held = db.session.scalar(sa.select(SyncHeld))
        assert held.reason == "missing_reference" and held.row["text"] == "不在楼道给电动车充电"


def response_header(response) -> dict:
    """The reply's header (requests has already undone the compression)."""
    return wire.read(response.content)[0]


def test_files_are_served_only_to_devices_whose_scope_names_them(make_kiosk, township):
    from sync import blobs
    from tests.sync.test_blobs import hazard_with, photo
    east = make_kiosk(township)
    west = make_kiosk(township, village=OTHER_VILLAGE, flavour="empty")
    sha, data = photo(east, 20_000)
    hazard_with(east, sha)
    assert east.sync().ok
    with township.ctx():
        assert blobs.has(sha)
    unnamed, _ = photo(township, 1000, b"z")

    def fetch(kiosk, h):
        st = kiosk.state()
        return requests.get(f"{township.url}/sync/v1/blobs/{h}", timeout=10,
                            headers={"Authorization": f"Bearer {st.device_id}:{st.token}"})

    assert fetch(east, sha).content == data
    assert fetch(west, sha).status_code == 404
    assert fetch(east, unnamed).status_code == 404


def test_a_targeted_warning_reaches_only_its_villages(make_kiosk, township):
    from kiosk.warnings.models import Warning
    east = make_kiosk(township)
    west = make_kiosk(township, village=OTHER_VILLAGE, flavour="empty")
    everyone = make_warning(township, title="全镇")
    west_only = make_warning(township, title="只给西村", to_all=False, targets=[OTHER_VILLAGE])
    assert east.sync().ok and west.sync().ok
    with east.ctx():
        assert db.session.get(Warning, everyone) is not None
        assert db.session.get(Warning, west_only) is None
    with west.ctx():
        assert db.session.get(Warning, west_only) is not None


# ---- hostile values and headers ---------------------------------------------------------------

@pytest.mark.parametrize("header, reason", [
    ({"now": 10 ** 400}, "now"), ({"now": float("inf")}, "now"), ({"now": "tomorrow"}, "now"),
    ({"cursor": 2 ** 63}, "cursor"), ({"acked": -5}, "acked"), ({"pending": 10 ** 30}, "pending"),
    ({"rid": "\ud800"}, "rid"), ({"app": "x" * 500}, "app"), ({"schema": {"hazard": [1, 2]}}, "schema"),
])
def test_hostile_headers_are_refused_with_a_reason(kiosk, township, header, reason):
    assert kiosk.sync().ok
    response = push(kiosk, township, "hazard", [], header=header)
    assert 400 <= response.status_code < 500, response.text
    assert reason in response.json()["message"]


def test_a_clock_of_1e400_and_json_nested_100000_deep_are_refused(kiosk, township):
    st = kiosk.state()
    auth = {"Authorization": f"Bearer {st.device_id}:{st.token}", "Content-Type": wire.CONTENT_TYPE}
    for body in (b'{"v":2,"now":1e400,"acked":0,"from":0,"to":0,"cursor":0}\n{"end":0}\n',
                 b'{"v":2,"x":' + b"[" * 100_000 + b"]" * 100_000 + b'}\n{"end":0}\n'):
        response = requests.post(f"{township.url}/sync/v1/exchange", data=body, headers=auth, timeout=30)
        assert response.status_code == 400 and response.json()["error"] == "malformed"
    with township.ctx():
        device = db.session.get(SyncDevice, st.device_id)
        assert device.clock_offset_s is None
    staff_page = township.app.test_client()
    from tests.conftest import add_staff, sign_in_staff
    client = sign_in_staff(staff_page, add_staff(township.app, "zhou"))
    assert client.get("/devices/").status_code == 200


def stored_types_are_right(township) -> list[str]:
    """Every stored value of every replicated table fits its column's type."""
    from sync import validate
    wrong = []
    with township.ctx():
        for name, t in replicated().items():
            for row in db.session.execute(sa.select(t.table)).mappings():
                encoded = t.encode_dict(row)
                for c in t.columns:
                    try:
                        validate.column_checker(t.model, t.table.c[c])(encoded[c])
                    except validate.Invalid as e:
                        wrong.append(f"{name}.{c}: {e.reason}: {str(encoded[c])[:40]}")
    return wrong


def hostile_values():
    from hypothesis import strategies as st
    scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2 ** 70, max_value=2 ** 70),
                        st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
                        st.sampled_from(["", "\x00", "\ud800", "x" * 5000, "2026-13-45", "1e400", "Infinity"]))
    return st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                         st.dictionaries(st.text(max_size=5), inner, max_size=3)),
                        max_leaves=8)


def test_hostile_rows_of_every_table_get_no_5xx_and_store_nothing_of_the_wrong_type(kiosk, township):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    assert kiosk.sync().ok
    tables = sorted(replicated())

    header_keys = ["now", "cursor", "acked", "pending", "rid", "app", "limit", "echo", "schema"]

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(table=st.sampled_from(tables), data=st.data())
    def attempt(table, data):
        header = {k: data.draw(hostile_values()) for k in header_keys if data.draw(st.booleans())} \
            if data.draw(st.integers(0, 3)) == 0 else {}
        t = replicated()[table]
        row = {"id": uuid7(), "village_id": DEMO_VILLAGE, "version": 1, "hlc": "1777622400000-0000-x",
               "origin": "x", "recorded_at": NOW, "modified_at": NOW, "deleted": False}
        for c in t.columns:
            if c not in ("id", "village_id", "version", "hlc") and data.draw(st.booleans()):
                row[c] = data.draw(hostile_values())
        response = push(kiosk, township, table, [row], header=header)
        assert response.status_code < 500, response.text
        if response.status_code != 200:
            assert response.json()["message"]
        else:
            h = response_header(response)
            assert h["acked"] == h["hw"]
            with kiosk.ctx():
                from sync.client import state
                state().push_acked = h["acked"]
                db.session.commit()

    attempt()
    assert stored_types_are_right(township) == []


def test_a_plain_message_gets_the_same_verdict_on_every_value_as_a_full_check(township):
    """The township checks the text of a message without NUL or lone surrogates by type and length
    only (validate.plain_message): every hostile value of every column is refused as it would be
    value by value, or accepted as the same database value."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from sync import validate
    with township.ctx():
        columns = [(t, c) for t in replicated().values() for c in t.columns]

    def verdict(t, c, value, plain):
        try:
            return "ok", validate.row(t, [c], [value], plain)
        except validate.Invalid as e:
            return "invalid", e.reason

    @settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(column=st.sampled_from(columns), value=hostile_values(), escaped=st.booleans())
    def attempt(column, value, escaped):
        t, c = column
        # as a hostile kiosk may write it: escapes (\\u0000, \\ud800) or raw UTF-8, a surrogate's bytes too
        data = (b'{"v":2}\n' + json.dumps({"t": t.name, "c": [c]}).encode() + b"\n"
                + json.dumps([value], ensure_ascii=escaped).encode("utf-8", "surrogatepass") + b'\n{"end":1}\n')
        _header, sections = wire.read(data)
        sent = sections[0][2][0][0]
        if validate.plain_message(data):
            assert verdict(t, c, sent, True) == verdict(t, c, sent, False)

    with township.ctx():
        attempt()
