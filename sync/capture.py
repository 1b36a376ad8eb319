"""Change capture in the same transaction as the change.

Every flush that writes synced records also writes, on the same connection:
- on a kiosk (``SYNC_MODE = "device"``): one outbox row per record, numbered by the device's
  monotonic sequence. A record changed again before it was pushed keeps one row (its number moves
  up, its base — the version last agreed with the server — stays), so the outbox never holds more
  rows than there are records, and several changes need one push;
- on the township (``SYNC_MODE = "server"``): one change-log row per record, numbered by the
  server's sequence, which is what devices pull by.

The numbers come from ``sync_counter``: taking them locks the counter row until the transaction
ends, so on PostgreSQL numbers are committed in the order they were handed out and a reader that
sees number N committed has seen everything below it (PITFALLS.md: a bare BIGSERIAL is not safe).
The township numbers each scope apart (:mod:`sync.cursor`): a village's push locks its village's
counter only, and villages never wait for one another.

Rows written by replication itself go through Core, not the ORM, so they are never re-stamped or
re-queued here; ORM objects marked ``_sync_incoming`` are skipped as well.
"""
from __future__ import annotations

import datetime as dt
import decimal

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from . import cursor
from .ids import uuid7
from .store import Synced, utcnow


def mode() -> str:
    """device | server | off: the app's ``SYNC_MODE`` setting, else the mode given to init_app."""
    if not has_app_context():
        return "device"
    ext = current_app.extensions.get("sync")
    return current_app.config.get("SYNC_MODE") or (ext.mode if ext is not None else "off")


def next_values(conn, name: str, n: int) -> int:
    """Reserve ``n`` numbers of counter ``name`` (made at 0 when new); returns the highest. Locks the
    counter row until the transaction ends. One statement, so that two transactions making the same
    new counter at once both succeed, one after the other."""
    from .models import SyncCounter
    t = SyncCounter.__table__
    stmt = _insert(conn, t).values(name=name, value=n)
    stmt = stmt.on_conflict_do_update(index_elements=["name"], set_={"value": t.c.value + n})
    return int(conn.execute(stmt.returning(t.c.value)).scalar())


def current_value(conn, name: str) -> int:
    from .models import SyncCounter
    t = SyncCounter.__table__
    return int(conn.execute(sa.select(t.c.value).where(t.c.name == name)).scalar() or 0)


def _insert(conn, table):
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def among(conn, column, values: list):
    """``column IN values``; on PostgreSQL ``column = ANY(array)``, one parameter however many values
    (a batch of 2,000 ids is not 2,000 placeholders to name, send and parse). ``conn``: a connection
    or an engine (only its dialect is read)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY
        values = list(values)
        if isinstance(column.type, sa.String) and all(type(v) is str for v in values) and not any(
                '"' in v or "\\" in v for v in values):
            # the array's text written here, each element in quotes (so "NULL" stays a text): psycopg
            # would quote each element through a regular expression, in Python (6 lookups of a
            # 10,000-row push: 60,000 of them)
            text = '{"' + '","'.join(values) + '"}' if values else "{}"
            array = conn.dialect.type_compiler_instance.process(column.type) + "[]"
            return column == sa.any_(sa.literal(text, _ArrayText(array)))
        return column == sa.any_(sa.literal(values, ARRAY(column.type)))
    return column.in_(values)


class _ArrayText(sa.types.UserDefinedType):
    """An array parameter sent as the array's text, ``$1::VARCHAR(36)[]``: PostgreSQL reads it once,
    as a constant. (``CAST($1::VARCHAR AS VARCHAR(36)[])`` would be read again for every row a
    sequential scan tests: 70 s of a 10,000-row push.)"""
    cache_ok = True
    render_bind_cast = True

    def __init__(self, array: str):
        self.array = array

    def get_col_spec(self, **_kw) -> str:
        return self.array

    def bind_processor(self, dialect):
        return None


def insert_many(conn, table, rows: list[dict], conflict: tuple[list[str], list[str]] | None = None) -> None:
    """Rows of one shape written at once; ``conflict`` = (key columns, columns an existing row takes
    from the new one) makes it an upsert. The rows must not repeat a key (one statement may not
    write a row twice). On PostgreSQL one statement per table, each column one array parameter
    (``unnest``), where an executemany would cost a round of the driver per row; elsewhere (the
    kiosk's SQLite) the driver's own executemany loop."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        if _as_document(table, rows[0]):
            return _document_insert(conn, table, rows, conflict)
        return _unnest_insert(conn, table, rows, conflict)
    stmt = _insert(conn, table)
    if conflict is not None:
        keys, taken = conflict
        stmt = stmt.on_conflict_do_update(index_elements=keys, set_={c: stmt.excluded[c] for c in taken})
    conn.execute(stmt, rows)


def _as_document(table, row: dict) -> bool:
    """Whether rows of these columns can travel as one JSON document (:func:`_document_insert`):
    every column's values have a JSON form PostgreSQL reads back as the same value."""
    return all(isinstance(table.c[name].type, _DOCUMENT_TYPES) for name in row)


_DOCUMENT_TYPES = (sa.String, sa.Integer, sa.Float, sa.Numeric, sa.Boolean, sa.DateTime, sa.Date, sa.Time,
                   sa.JSON)


def _json_value(value):
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} has no JSON form here")


def _on_conflict(quote, conflict) -> str:
    if conflict is None:
        return ""
    keys, taken = conflict
    return (f" ON CONFLICT ({', '.join(map(quote, keys))}) DO UPDATE SET "
            + ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in taken))


def _document_insert(conn, table, rows: list[dict], conflict) -> None:
    """The rows as one JSON parameter, read by ``json_populate_recordset`` into the table's own row
    type: one json.dumps (in C) and one parse on the server, where the column arrays of
    :func:`_unnest_insert` cost psycopg a packed value per element in Python (a push of 10,000
    inspections: 230,000 of them). Keys are the column names; a JSON column's value is kept as the
    text it was written in, as the arrays' ``::json`` did; JSON null is SQL NULL."""
    import json

    def quote(name: str) -> str:
        return conn.dialect.identifier_preparer.quote(name)
    names = ", ".join(map(quote, rows[0]))
    sql = (f"INSERT INTO {quote(table.name)} ({names}) SELECT {names} "
           f"FROM json_populate_recordset(NULL::{quote(table.name)}, %(rows)s::json)")
    sql += _on_conflict(quote, conflict)
    conn.exec_driver_sql(sql, {"rows": json.dumps(rows, ensure_ascii=False, allow_nan=False, default=_json_value)})


def _unnest_insert(conn, table, rows: list[dict], conflict) -> None:
    import json

    def quote(name: str) -> str:
        return conn.dialect.identifier_preparer.quote(name)
    names = list(rows[0])
    params, arrays, picks = {}, [], []
    for k, name in enumerate(names):
        column = table.c[name]
        values = [r[name] for r in rows]
        if isinstance(column.type, sa.JSON):  # as text, made JSON again in the statement
            values = [None if v is None else json.dumps(v, ensure_ascii=False) for v in values]
            element, pick = "text", f"u.c{k}::{column.type.compile(conn.dialect)}"
        else:
            element, pick = column.type.compile(conn.dialect), f"u.c{k}"
            try:
                python = column.type.python_type
            except NotImplementedError:
                python = None
            if python in (int, float, str, bool):  # one Python type per array (0 among floats is not an int)
                values = [None if v is None else python(v) for v in values]
        params[f"p{k}"] = values
        # binary: psycopg quotes each element of a text array in Python (a regular expression per
        # value), the largest CPU cost of a push; a binary array is lengths and bytes. A column of
        # NULLs only has no element type to send in binary
        placeholder = "b" if any(v is not None for v in values) else "s"
        arrays.append(f"%(p{k}){placeholder}::{element}[]")
        picks.append(pick)
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, names))}) SELECT {', '.join(picks)} "
           f"FROM unnest({', '.join(arrays)}) AS u({', '.join(f'c{k}' for k in range(len(names)))})")
    sql += _on_conflict(quote, conflict)
    conn.exec_driver_sql(sql, params)


def upsert_outbox(conn, entries: list[tuple]) -> None:
    """entries: (table, id, village_id, base_version, base_hlc[, base_values]), in change order.

    A record already waiting keeps its base: the version and the values last agreed with the server.
    ``base_values`` (wire form, the columns this change touched) only add the columns not yet in it.
    Two statements whatever the number of entries (a flush of a thousand records is not a thousand
    round trips): the entries are first made one row per record, the last change's place in the
    queue with the first change's base."""
    from .models import SyncOutbox
    if not entries:
        return
    ob = SyncOutbox.__table__
    rows: dict[tuple[str, str], dict] = {}
    for e in entries:
        t, i, v, bv, bh = e[:5]
        base = e[5] if len(e) > 5 else None
        row = rows.pop((t, i), None)
        if row is None:
            row = dict(table_name=t, record_id=i, base_version=bv, base_hlc=bh, base_values=base or None)
        elif base:
            row["base_values"] = dict(base, **(row["base_values"] or {}))
        row["village_id"] = v
        rows[(t, i)] = row  # moved to the end: its number is its last change's
    by_table: dict[str, list[str]] = {}
    for (t, i), row in rows.items():
        if row["base_values"]:
            by_table.setdefault(t, []).append(i)
    for name, ids in by_table.items():
        for k in range(0, len(ids), 500):
            for rid, base in conn.execute(sa.select(ob.c.record_id, ob.c.base_values).where(
                    ob.c.table_name == name, ob.c.record_id.in_(ids[k:k + 500]))):
                if base:
                    row = rows[(name, rid)]
                    row["base_values"] = dict(row["base_values"], **base)
    top = next_values(conn, "outbox", len(rows))
    first = top - len(rows) + 1
    plain, merging = [], []
    for k, row in enumerate(rows.values()):
        row["seq"] = first + k
        (merging if row["base_values"] else plain).append(row)
    key = ["table_name", "record_id"]
    insert_many(conn, ob, plain, (key, ["seq", "village_id"]))
    insert_many(conn, ob, merging, (key, ["seq", "village_id", "base_values"]))


def stamp(version, hlc) -> str:
    return f"{version}/{hlc}"


def _merge_stamps(old: str, new: list[str], keep: int = 8) -> str:
    seen = [s for s in (old or "").split() if s not in new] + list(new)
    return " ".join(seen[-keep:])


def upsert_changelog(conn, entries: list[tuple], source_device: str | None) -> None:
    """entries: (table, id, village_id[, [version stamps written]]) in change order."""
    from .models import SyncChangelog
    if not entries:
        return
    cl = SyncChangelog.__table__
    stamps: dict[tuple[str, str], list[str]] = {}
    for e in entries:
        if len(e) > 3 and e[3]:
            stamps.setdefault((e[0], e[1]), []).extend(e[3])
    seen, unique = set(), []
    for e in reversed(entries):
        if (e[0], e[1]) not in seen:
            seen.add((e[0], e[1]))
            unique.append(e[:3])
    unique.reverse()
    old: dict[tuple[str, str], str] = {}
    by_table: dict[str, list[str]] = {}
    for t, i, _v in unique:
        if (t, i) in stamps:
            by_table.setdefault(t, []).append(i)
    for name, ids in by_table.items():
        for rid, text in conn.execute(sa.select(cl.c.record_id, cl.c.stamps).where(
                cl.c.table_name == name, among(conn, cl.c.record_id, ids))):
            old[(name, rid)] = text or ""
    # each scope numbered from its own counter, in a fixed order (two transactions writing the same
    # scopes take their counters in the same order, and never wait on each other in a circle)
    seqs: list[int] = [0] * len(unique)
    by_scope: dict[str, list[int]] = {}
    for k, (_t, _i, v) in enumerate(unique):
        by_scope.setdefault(v, []).append(k)
    for scope in sorted(by_scope):
        positions = by_scope[scope]
        first = next_values(conn, cursor.counter(scope), len(positions)) - len(positions) + 1
        for n, k in enumerate(positions):
            seqs[k] = first + n
    now = utcnow()
    rows = [dict(table_name=t, record_id=i, village_id=v, seq=seqs[k], source_device=source_device,
                 received_at=now, stamps=_merge_stamps(old.get((t, i), ""), stamps.get((t, i), [])))
            for k, (t, i, v) in enumerate(unique)]
    key, taken = ["table_name", "record_id"], ["seq", "village_id", "source_device", "received_at"]
    insert_many(conn, cl, [r for r in rows if (r["table_name"], r["record_id"]) in stamps], (key, taken + ["stamps"]))
    insert_many(conn, cl, [r for r in rows if (r["table_name"], r["record_id"]) not in stamps], (key, taken))


def _changed_records(session: Session):
    for obj in list(session.new):
        if isinstance(obj, Synced) and not getattr(obj, "_sync_incoming", False):
            yield obj, True
    for obj in list(session.dirty):
        if (isinstance(obj, Synced) and not getattr(obj, "_sync_incoming", False)
                and obj not in session.deleted and session.is_modified(obj, include_collections=False)):
            yield obj, False


def _before(state, attr: str, default):
    """The value an attribute had before this flush's changes (store._stamp has already run)."""
    hist = getattr(state.attrs, attr).history
    if hist.deleted:
        return hist.deleted[0]
    if hist.added:
        return default
    return hist.unchanged[0] if hist.unchanged else default


@event.listens_for(Session, "before_flush")
def _capture(session: Session, flush_context, instances) -> None:
    m = mode()
    if m == "off":
        return
    changed = list(_changed_records(session))
    if not changed:
        return
    conn = session.connection()
    if m == "server":
        entries = []
        for obj, _new in changed:
            if obj.id is None:
                obj.id = uuid7()
            entries.append((obj.__tablename__, obj.id, obj.village_id, [stamp(obj.version, obj.hlc)]))
        upsert_changelog(conn, entries, None)
        return
    entries = []
    for obj, new in changed:
        if obj.id is None:
            obj.id = uuid7()
        if new:
            base_version, base_hlc, base_values = 0, "", None
        else:
            state = sa.inspect(obj)
            base_version = _before(state, "version", (obj.version or 1) - 1) or 0
            base_hlc = _before(state, "hlc", "") or ""
            base_values = _base_values(conn, obj, state)
        entries.append((obj.__tablename__, obj.id, obj.village_id, base_version, base_hlc, base_values))
    upsert_outbox(conn, entries)


# columns that are the protocol's, not a person's: never merged field by field
UNMERGED = ("id", "village_id", "version", "hlc", "origin", "recorded_at", "modified_at")


def _base_values(conn, obj, state) -> dict:
    """The values before this change (wire form) of the columns it changes."""
    from .tables import replicated
    t = replicated().get(obj.__tablename__)
    if t is None:
        return {}
    out, unknown = {}, []
    for attr in state.mapper.column_attrs:
        name = attr.columns[0].name
        if name in UNMERGED or name not in t.encoders:
            continue
        hist = state.attrs[attr.key].history
        if not hist.added and not hist.deleted:
            continue
        if hist.deleted:
            out[name] = t.encoders[name](hist.deleted[0])
        else:  # set without loading the old value: read it from the row as it still stands
            unknown.append(name)
    if unknown:
        found = conn.execute(sa.select(*[t.table.c[c] for c in unknown]).where(t.table.c.id == obj.id)).mappings().first()
        for name in unknown:
            out[name] = t.encoders[name](found[name]) if found is not None else None
    return out
