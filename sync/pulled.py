"""Writing the township's records on a kiosk, and holding the ones its database will not take.

The township has already accepted every row it sends, so a kiosk cannot refuse one on the protocol's
grounds; but its own database still may: a kiosk a release behind whose schema keeps a rule the
township's has relaxed, a value its older code cannot read, or a child whose parent was one of those.
Such a row must not stop the page (every later pull would meet it again, for good). It is held on the
kiosk instead — a :class:`SyncHeld` of reason ``kiosk_refused`` or ``kiosk_missing_parent``, one per
record, holding the newest version the township sent — which travels up like any held row, so both
conflicts screens show it. Each run tries the held rows again after its pulls, parents first, and a
person can ask for it at once; once the row is stored the held record is settled ("applied").

Rows are written through Core, as every pulled row is: they keep the township's version and clock and
are never captured again.
"""
from __future__ import annotations

import uuid

import sqlalchemy as sa

from . import validate
from .models import SyncHeld, SyncOutbox
from .store import session, utcnow
from .tables import Table, fk_parents, rank, replicated

REFUSED, MISSING_PARENT = "kiosk_refused", "kiosk_missing_parent"
REASONS = (REFUSED, MISSING_PARENT)
PULLED_NS = uuid.UUID("5d0e6b1c-8f3a-4a52-b7e1-2c9f40d6a813")


def held_id(device_id: str, table: str, record_id: str) -> str:
    """One held record per township record and kiosk: a newer refused version replaces the older."""
    return str(uuid.uuid5(PULLED_NS, f"{device_id}/{table}/{record_id}"))


def _first_line(error: Exception) -> str:
    orig = getattr(error, "orig", error)
    return (str(orig).splitlines() or [type(orig).__name__])[0][:300]


class Page:
    """What one pulled page wrote and what it had to hold, for a kiosk enrolled as ``st``."""

    def __init__(self, conn, st):
        self.conn, self.st = conn, st
        self.held = 0

    def hold(self, t: Table, raw: dict, reason: str, detail: str) -> None:
        row = {k: validate.storable(v) for k, v in raw.items()}
        hid = held_id(self.st.device_id, t.name, str(raw.get("id"))[:36])
        held = session().get(SyncHeld, hid)
        if held is not None and held.status == "open" and held.reason == reason and held.row == row:
            return  # held again as it was: nothing new to show or to send up
        if held is None:
            held = SyncHeld(id=hid, village_id=self.st.village_code, table_name=t.name,
                            record_id=str(raw.get("id"))[:36], device_id=self.st.device_id, clash_columns=[])
            session().add(held)
        held.reason, held.detail, held.row = reason, detail[:500], row
        held.stored_version = row.get("version") if isinstance(row.get("version"), int) else 0
        held.detected_at, held.status = utcnow(), "open"
        held.resolution = held.settled_by = held.settled_at = None
        session().flush()
        self.held += 1

    def decoded(self, t: Table, cols: list[str], values: list) -> dict | None:
        raw = dict(zip(cols, values))
        try:
            return t.decode(cols, values)
        except (TypeError, ValueError, KeyError, OverflowError) as e:
            self.hold(t, raw, REFUSED, f"this kiosk cannot read it: {_first_line(e)}")
            return None

    def with_parents(self, t: Table, rows: list[dict]) -> list[dict]:
        """``rows`` less those pointing at a parent this kiosk does not hold (held, with their reason).

        Pages are applied parents first, so a parent sent in the same page is already written or held."""
        for column, parent in fk_parents(t):
            targets = {r[column] for r in rows if r.get(column)}
            if not targets:
                continue
            p = replicated()[parent].table
            present = set()
            listed = sorted(targets)
            for i in range(0, len(listed), 500):
                present.update(self.conn.execute(sa.select(p.c.id).where(p.c.id.in_(listed[i:i + 500]))).scalars())
            kept = []
            for r in rows:
                if r.get(column) and r[column] not in present:
                    self.hold(t, t.encode_dict(r), MISSING_PARENT,
                              f"its {parent} {r[column]} is not stored on this kiosk")
                else:
                    kept.append(r)
            rows = kept
        return rows

    def store(self, t: Table, rows: list[dict]) -> list[dict]:
        """Write ``rows``; those the database refuses are held and the rest written. Returns the written."""
        if not rows:
            return []
        try:
            with session().begin_nested():
                _write(self.conn, t, rows)
            return rows
        except sa.exc.DBAPIError:
            written = []
            for r in rows:
                try:
                    with session().begin_nested():
                        _write(self.conn, t, [r])
                    written.append(r)
                except sa.exc.DBAPIError as e:
                    self.hold(t, t.encode_dict(r), REFUSED, f"this kiosk's database refused it: {_first_line(e)}")
            return written

    def settle(self, t: Table, ids: list[str]) -> None:
        """Records held here before and stored now: their held records are settled."""
        if not ids:
            return
        hids = [held_id(self.st.device_id, t.name, i) for i in ids]
        for i in range(0, len(hids), 500):
            for held in session().scalars(sa.select(SyncHeld).where(SyncHeld.id.in_(hids[i:i + 500]),
                                                                   SyncHeld.status == "open")):
                _settled(held)


def _settled(held: SyncHeld) -> None:
    # settled by no one: stored by the kiosk itself once it could
    held.status, held.resolution, held.settled_by, held.settled_at = "settled", "applied", "", utcnow()


def _write(conn, t: Table, rows: list[dict]) -> None:
    ids = [r["id"] for r in rows]
    existing = set(conn.execute(sa.select(t.table.c.id).where(t.table.c.id.in_(ids))).scalars())
    inserts = [r for r in rows if r["id"] not in existing]
    updates = [r for r in rows if r["id"] in existing]
    if inserts:
        conn.execute(sa.insert(t.table), inserts)
    if updates:
        stmt = sa.update(t.table).where(t.table.c.id == sa.bindparam("_match_id"))
        conn.execute(stmt, [dict({k: v for k, v in u.items() if k != "id"}, _match_id=u["id"]) for u in updates])


def open_here(st, only: str | None = None) -> list[SyncHeld]:
    q = sa.select(SyncHeld).where(SyncHeld.reason.in_(REASONS), SyncHeld.status == "open",
                                  SyncHeld.device_id == st.device_id, SyncHeld.deleted.is_(False))
    if only is not None:
        q = q.where(SyncHeld.id == only)
    return list(session().scalars(q))


def try_again(st, only: str | None = None) -> tuple[int, str | None]:
    """Try the township records held on this kiosk again, parents first, until nothing more goes in.

    Returns (how many were stored, why the last one tried could not be). The caller commits."""
    conn = session().connection()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    ob = SyncOutbox.__table__
    stored, problem = 0, None
    while True:
        waiting = sorted(open_here(st, only), key=lambda h: (rank(h.table_name), h.detected_at))
        progress = False
        for held in waiting:
            t = replicated().get(held.table_name)
            if t is None or not isinstance(held.row, dict):
                problem = "unknown_table"
                continue
            current = conn.execute(sa.select(t.table.c.version).where(t.table.c.id == held.record_id)).first()
            if current is not None and current[0] >= (held.stored_version or 0):
                _settled(held)  # a version at least as new was stored since
                stored, progress = stored + 1, True
                continue
            if conn.execute(sa.select(ob.c.seq).where(ob.c.table_name == t.name,
                                                      ob.c.record_id == held.record_id)).first():
                problem = "changed_here"  # edited here meanwhile: the next push meets the township first
                continue
            page = Page(conn, st)
            cols = [c for c in t.columns if c in held.row]
            row = page.decoded(t, cols, [held.row[c] for c in cols])
            rows = page.with_parents(t, [row]) if row is not None else []
            if rows and page.store(t, rows):
                _settled(held)
                stored, progress = stored + 1, True
            else:
                problem = held.reason  # held again by the page, with today's reason
        if not progress:
            return stored, (problem if only is not None and stored == 0 else None)
