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

Rows written by replication itself go through Core, not the ORM, so they are never re-stamped or
re-queued here; ORM objects marked ``_sync_incoming`` are skipped as well.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from .ids import uuid7
from .store import Synced, utcnow


def mode() -> str:
    """device | server | off: the app's ``SYNC_MODE`` setting, else the mode given to init_app."""
    if not has_app_context():
        return "device"
    ext = current_app.extensions.get("sync")
    return current_app.config.get("SYNC_MODE") or (ext.mode if ext is not None else "off")


def next_values(conn, name: str, n: int) -> int:
    """Reserve ``n`` numbers of counter ``name``; returns the highest. Locks the counter row."""
    from .models import SyncCounter
    t = SyncCounter.__table__
    top = conn.execute(sa.update(t).where(t.c.name == name).values(value=t.c.value + n)
                       .returning(t.c.value)).scalar()
    if top is None:
        conn.execute(sa.insert(t).values(name=name, value=n))
        top = n
    return int(top)


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


def upsert_outbox(conn, entries: list[tuple[str, str, str, int, str]]) -> None:
    """entries: (table, id, village_id, base_version, base_hlc), in change order."""
    from .models import SyncOutbox
    if not entries:
        return
    top = next_values(conn, "outbox", len(entries))
    first = top - len(entries) + 1
    rows = [dict(table_name=t, record_id=i, village_id=v, seq=first + k, base_version=bv, base_hlc=bh)
            for k, (t, i, v, bv, bh) in enumerate(entries)]
    stmt = _insert(conn, SyncOutbox.__table__)
    stmt = stmt.on_conflict_do_update(index_elements=["table_name", "record_id"],
                                      set_={"seq": stmt.excluded.seq, "village_id": stmt.excluded.village_id})
    # one statement per row: a multi-row upsert would fail on SQLite when two rows share a key
    for row in rows:
        conn.execute(stmt, row)


def upsert_changelog(conn, entries: list[tuple[str, str, str]], source_device: str | None) -> None:
    """entries: (table, id, village_id) in change order."""
    from .models import SyncChangelog
    if not entries:
        return
    seen, unique = set(), []
    for e in reversed(entries):
        if (e[0], e[1]) not in seen:
            seen.add((e[0], e[1]))
            unique.append(e)
    unique.reverse()
    top = next_values(conn, "changelog", len(unique))
    first = top - len(unique) + 1
    now = utcnow()
    rows = [dict(table_name=t, record_id=i, village_id=v, seq=first + k, source_device=source_device,
                 received_at=now) for k, (t, i, v) in enumerate(unique)]
    stmt = _insert(conn, SyncChangelog.__table__)
    stmt = stmt.on_conflict_do_update(
        index_elements=["table_name", "record_id"],
        set_={"seq": stmt.excluded.seq, "village_id": stmt.excluded.village_id,
              "source_device": stmt.excluded.source_device, "received_at": stmt.excluded.received_at})
    conn.execute(stmt, rows)


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
            entries.append((obj.__tablename__, obj.id, obj.village_id))
        upsert_changelog(conn, entries, None)
        return
    entries = []
    for obj, new in changed:
        if obj.id is None:
            obj.id = uuid7()
        if new:
            base_version, base_hlc = 0, ""
        else:
            state = sa.inspect(obj)
            base_version = _before(state, "version", (obj.version or 1) - 1) or 0
            base_hlc = _before(state, "hlc", "") or ""
        entries.append((obj.__tablename__, obj.id, obj.village_id, base_version, base_hlc))
    upsert_outbox(conn, entries)
