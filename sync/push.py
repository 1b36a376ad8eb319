"""What the township does with a pushed batch: every row checked, then applied, merged or held.

A batch is refused whole (4xx, nothing applied) only when it is not a well-formed push of this
device's village: a malformed message, a row claiming another village, a table or column this
township does not know (the kiosk is newer: it keeps its changes until the township is upgraded).

Otherwise each row is taken on its own merits, in parents-first order:
- its values must fit their columns (:mod:`sync.validate`);
- the row as **stored** must be in the device's village (township-wide rows are read-only for kiosks);
- every reference it carries must resolve inside the device's scope (its village or the township);
  a foreign key must resolve at all;
- its natural keys (unique constraints) must not be held by another record: the first accepted wins;
- then: a replay or an old version is old news; the device's own newer version, or a version made
  from the one stored, is applied; a concurrent edit is merged field by field against the base values
  the device sent, and only fields both sides changed conflict (the losing values kept, as before).
A row that fails any check is held (``sync_held``) with its reason, whole, and the rest goes on; the
sequence is acknowledged, so no row can stop a kiosk's sync.
"""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field

import sqlalchemy as sa

from . import blobs, capture, clock, cursor, validate
from .extension import extension
from .models import SyncChangelog, SyncConflict, SyncHeld
from .store import local_node, session, utcnow
from .tables import Table, canonical, references, replicated, row_blobs

CONFLICT_NS = uuid.UUID("6f1c1f59-8d0e-4f55-9f52-3b4f2d7a1c01")
HELD_NS = uuid.UUID("0b7f8a52-4c1e-4d7b-9a56-1f3e2c9d8a40")
PROTOCOL = ("id", "village_id", "version", "hlc", "origin")


@dataclass
class Pushed:
    t: Table
    seq: int
    base_version: int
    base_hlc: str
    base: dict | None  # wire values, as agreed, of the columns the device changed (None: not sent)
    cols: list[str]
    raw: dict  # wire values as sent
    values: dict | None = None  # database values, when valid
    problem: tuple[str, str] | None = None  # (reason, detail)

    @property
    def id(self) -> str:
        return self.raw["id"]

    @property
    def stamp(self) -> str:
        return capture.stamp(self.raw["version"], self.raw["hlc"])


@dataclass
class Outcome:
    conflicted: list = field(default_factory=list)
    need: set = field(default_factory=set)
    held: list = field(default_factory=list)  # [table, id, reason]
    applied: int = 0


def encoded(t: Table, values: dict) -> dict:
    return {c: t.encoders[c](v) for c, v in values.items() if c in t.encoders}


class Admission:
    """Rows of one village taken into the township's tables; ``source`` is the pushing device (None
    when the township itself writes, e.g. settling a held row: then every device pulls the result)."""

    def __init__(self, village: str, device_id: str | None, source: str | None):
        self.village, self.device_id, self.source = village, device_id, source
        self.scope = (village, village[:9])
        self.conn = session().connection()
        self.out = Outcome()
        self.by_device: list[tuple] = []  # change-log entries the pushing device need not pull back
        self.by_server: list[tuple] = []  # change-log entries every device in scope pulls
        # (table, key columns, key values) -> ids holding it, loaded per table and kept up to date
        self.holders: dict[tuple, set[str]] = {}
        self.parents: dict[tuple[str, str], str] = {}  # (table, id) -> village, of referenced rows
        self._refs: dict[str, list] = {}  # table -> its references to replicated tables, found once a batch

    # ---- the pipeline ---------------------------------------------------------------------------

    def take(self, rows: list[Pushed]) -> Outcome:
        # the village's change-log lock, before reading anything: this village's pushes are taken one
        # after the other; other villages' go on meanwhile (sync.cursor)
        capture.next_values(self.conn, cursor.counter(self.village), 0)
        groups: list[tuple[Table, list[Pushed]]] = []
        for p in rows:
            if groups and groups[-1][0].name == p.t.name:
                groups[-1][1].append(p)
            else:
                groups.append((p.t, [p]))
        for t, group in groups:
            self._table(t, group)
        self.flush_log()
        return self.out

    def flush_log(self) -> None:
        capture.upsert_changelog(self.conn, self.by_device, self.source)
        capture.upsert_changelog(self.conn, self.by_server, None)
        # the application refreshes what it derives from these rows (a refresh of an untouched row is
        # harmless, so the winners sent back count too)
        written: dict[str, list[str]] = {}
        for entry in self.by_device + self.by_server:
            written.setdefault(entry[0], []).append(entry[1])
        extension().applied(written)
        self.by_device, self.by_server = [], []

    def _table(self, t: Table, rows: list[Pushed]) -> None:
        ids = [p.id for p in rows]
        existing = {r["id"]: dict(r) for r in self.conn.execute(
            sa.select(t.table).where(capture.among(self.conn, t.table.c.id, ids))).mappings()}
        cl = SyncChangelog.__table__
        stamps = {rid: (text or "").split() for rid, text in self.conn.execute(
            sa.select(cl.c.record_id, cl.c.stamps).where(cl.c.table_name == t.name,
                                                         capture.among(self.conn, cl.c.record_id, ids)))}
        self._load_references(t, rows, existing)
        self._load_holders(t, rows, existing)
        writes: list[tuple[Pushed, str, dict, list[str]]] = []  # (row, insert|update, db values, stamps)
        for p in rows:
            self._want_blobs(t, p.raw)
            if p.problem:
                self.hold(p, *p.problem, current=existing.get(p.id))
                continue
            current = existing.get(p.id)
            if current is not None and current["village_id"] != self.village:
                self.hold(p, "scope", f"{t.name} {p.id} is stored in {current['village_id']}, not in village "
                          f"{self.village}")
                continue
            decision = self._decide(t, p, current, stamps.get(p.id, []))
            if decision is None:
                continue
            action, values, written = decision
            after = dict(current or {}, **values)
            problem = self._references(t, after) or self._keys(t, after)
            if problem:
                self.hold(p, *problem, current=current)
                continue
            writes.append((p, action, values, written))
            for key in self._key_values(t, current or {}):
                self.holders.get(key, set()).discard(p.id)
            for key in self._key_values(t, after):
                self.holders.setdefault(key, set()).add(p.id)
            existing[p.id] = after
        self._write(t, writes, existing)

    def _decide(self, t: Table, p: Pushed, current: dict | None, history: list[str]):
        """None (nothing to write), or (insert|update, database values, stamps written)."""
        if current is None:
            return "insert", p.values, [p.stamp]
        mine = t.encode_dict(current)
        if all(mine.get(c) == p.raw[c] for c in p.cols) or p.stamp in history:
            return None  # a replay, or a version this township took before: old news, never a conflict
        theirs = p.raw
        if current["version"] == theirs["version"] and current["hlc"] == theirs["hlc"]:
            self.conflict(t, mine, theirs, "same_version")
            return None
        if current["origin"] == theirs.get("origin"):
            if current["version"] > theirs["version"]:
                return None  # an older version from the same writer
            return "update", p.values, [p.stamp]  # the device's own newer version
        follows = current["version"] == p.base_version and current["hlc"] == p.base_hlc
        if follows or (p.base_version == -1 and theirs["version"] > current["version"]):
            return "update", p.values, [p.stamp]
        if t.kind == "fact" or p.base is None:
            self.conflict(t, mine, theirs, "fact" if t.kind == "fact" else "edit")
            return None
        return self._merge(t, p, current, mine)

    def _merge(self, t: Table, p: Pushed, current: dict, mine: dict):
        """A concurrent edit: fields only the device changed are taken, fields both changed conflict
        (the township's value stays, the device's is kept in a conflict)."""
        merged, contested = dict(mine), []
        for c in p.cols:
            if c in PROTOCOL or c not in p.base or p.raw[c] == mine.get(c) or p.raw[c] == p.base[c]:
                continue
            if mine.get(c) == p.base[c]:
                merged[c] = p.raw[c]
            else:
                contested.append(c)
        if merged == mine:
            if contested:
                self.conflict(t, mine, dict(p.raw, **{c: mine[c] for c in p.cols if c not in contested
                                                      and c not in PROTOCOL}), "edit")
            else:
                self.by_server.append((t.name, p.id, self.village, [p.stamp]))
            return None
        node = local_node(session())
        node.last_hlc = clock.tick(node.last_hlc, node.node_id)
        merged.update(version=max(current["version"], p.raw["version"]) + 1, hlc=node.last_hlc,
                      origin=node.node_id, modified_at=t.encoders["modified_at"](utcnow()))
        if contested:
            loser = dict(merged, **{c: p.raw[c] for c in contested})
            loser.update(version=p.raw["version"], hlc=p.raw["hlc"], origin=p.raw.get("origin", ""))
            self.conflict(t, merged, loser, "edit", touch=False)
        values = {c: t.decoders[c](v) for c, v in merged.items() if c != "id"}
        return "merge", values, [p.stamp, capture.stamp(merged["version"], merged["hlc"])]

    # ---- checks ---------------------------------------------------------------------------------

    def references(self, t: Table) -> list:
        if t.name not in self._refs:
            tables = replicated()
            self._refs[t.name] = [ref for ref in references(t) if ref.parent in tables]
        return self._refs[t.name]

    def _load_references(self, t: Table, rows: list[Pushed], existing: dict) -> None:
        tables = replicated()
        for ref in self.references(t):
            wanted = set()
            for p in rows:
                for source in (p.values or {}, existing.get(p.id) or {}):
                    target = source.get(ref.column)
                    if isinstance(target, str) and target and (ref.parent, target) not in self.parents:
                        wanted.add(target)
            parent = tables[ref.parent].table
            for i in range(0, len(wanted), 500):
                chunk = sorted(wanted)[i:i + 500]
                for rid, village in self.conn.execute(sa.select(parent.c.id, parent.c.village_id)
                                                      .where(parent.c.id.in_(chunk))):
                    self.parents[(ref.parent, rid)] = village

    def _references(self, t: Table, row: dict):
        for ref in self.references(t):
            target = row.get(ref.column)
            if not target:
                continue
            if not isinstance(target, str):
                return "invalid", f"{ref.column} does not name a record"
            village = self.parents.get((ref.parent, target))
            if village is None:
                if ref.hard:
                    return "missing_reference", f"{ref.column} names {ref.parent} {target}, which the township lacks"
                continue  # a fact may arrive before what it concerns (a soft reference)
            if village not in self.scope:
                return "scope", f"{ref.column} names {ref.parent} {target} of another village ({village})"
        return None

    def _key_values(self, t: Table, row: dict):
        for cols in t.unique_keys:
            values = tuple(row.get(c) for c in cols)
            if all(v is not None for v in values):
                yield (t.name, cols, values)

    def _load_holders(self, t: Table, rows: list[Pushed], existing: dict) -> None:
        for cols in t.unique_keys:
            firsts = set()
            for p in rows:
                for source in (p.values or {}, existing.get(p.id) or {}):
                    if source.get(cols[0]) is not None:
                        firsts.add(source[cols[0]])
            firsts = {v for v in firsts if (t.name, cols[0], v) not in self.holders}
            column = t.table.c[cols[0]]
            for i in range(0, len(firsts), 500):
                chunk = list(firsts)[i:i + 500]
                for r in self.conn.execute(sa.select(t.table.c.id, *[t.table.c[c] for c in cols])
                                           .where(column.in_(chunk))).mappings():
                    self.holders.setdefault((t.name, cols, tuple(r[c] for c in cols)), set()).add(r["id"])
                for v in chunk:
                    self.holders.setdefault((t.name, cols[0], v), set())  # marks the value as loaded

    def _keys(self, t: Table, row: dict):
        for key in self._key_values(t, row):
            _name, cols, values = key
            others = self.holders.get(key, set()) - {row["id"]}
            if others:
                holder = min(others)
                return ("natural_key", f"{', '.join(cols)} = {', '.join(map(str, values))} is held by "
                        f"{t.name} {holder}", holder, cols)
        return None

    # ---- writing --------------------------------------------------------------------------------

    def _write(self, t: Table, writes: list, existing: dict) -> None:
        if not writes:
            return
        try:
            with session().begin_nested():
                self._execute(t, writes)
        except sa.exc.DBAPIError:
            # something the checks did not foresee: find the row the database refuses, hold it
            ok = []
            for w in writes:
                try:
                    with session().begin_nested():
                        self._execute(t, [w])
                    ok.append(w)
                except sa.exc.DBAPIError as e:
                    self.hold(w[0], "refused", f"the database refused it: {str(e.orig).splitlines()[0][:300]}")
            writes = ok
        for p, action, _values, written in writes:
            self.out.applied += 1
            entry = (t.name, p.id, self.village, written)
            (self.by_server if action == "merge" else self.by_device).append(entry)

    def _execute(self, t: Table, writes: list) -> None:
        inserts = [values for _p, action, values, _s in writes if action == "insert"]
        updates = [values | {"id": p.id} for p, action, values, _s in writes if action != "insert"]
        if inserts:
            by_shape: dict[tuple, list] = {}
            for v in inserts:
                by_shape.setdefault(tuple(sorted(v)), []).append(v)
            for group in by_shape.values():
                capture.insert_many(self.conn, t.table, group)
        for u in updates:
            self.conn.execute(sa.update(t.table).where(t.table.c.id == u["id"])
                              .values({k: v for k, v in u.items() if k != "id"}))

    def _want_blobs(self, t: Table, raw: dict) -> None:
        for sha in row_blobs(t, raw):
            if not blobs.has(sha):
                self.out.need.add(sha)

    # ---- what could not be taken ----------------------------------------------------------------

    def hold(self, p: Pushed, reason: str, detail: str, clash: str | None = None, cols=(),
             current: dict | None = None) -> None:
        """Keep a row the township cannot take, whole, with its reason; the device gets the stored version."""
        row = validate.storable(p.raw)
        digest = hashlib.sha256(canonical(row).encode()).hexdigest()
        hid = str(uuid.uuid5(HELD_NS, f"{self.device_id}/{p.t.name}/{p.id}/{digest}"))
        self.out.held.append([p.t.name, str(p.id)[:36], reason])
        if current is not None and current.get("village_id") == self.village:
            self.by_server.append((p.t.name, p.id, self.village))
        stored = current["version"] if current is not None and current.get("village_id") == self.village else 0
        if session().get(SyncHeld, hid) is not None:
            return
        session().add(SyncHeld(id=hid, village_id=self.village, table_name=p.t.name, record_id=str(p.id)[:36],
                               reason=reason, detail=detail[:500], device_id=self.device_id, row=row,
                               base=validate.storable(p.base) if p.base else None, clash_id=clash,
                               clash_columns=list(cols), stored_version=stored, detected_at=utcnow(), status="open"))
        session().flush()

    def conflict(self, t: Table, winner: dict, loser: dict, kind: str, touch: bool = True) -> None:
        if touch:
            self.by_server.append((t.name, winner["id"], self.village))
        self.out.conflicted.append([t.name, winner["id"]])
        if t.name == SyncConflict.__tablename__:
            return  # two people settled the same conflict: the first settlement stands, quietly
        cid = str(uuid.uuid5(CONFLICT_NS, f"{t.name}/{loser['id']}/{loser['version']}/{loser['hlc']}"))
        if session().get(SyncConflict, cid) is not None:
            return
        session().add(SyncConflict(id=cid, village_id=self.village, table_name=t.name, record_id=winner["id"],
                                   kind=kind, winner=winner, loser=loser, loser_device=self.device_id,
                                   detected_at=utcnow(), status="open"))
        session().flush()


def pushed_from_held(held: SyncHeld, row: dict | None = None) -> Pushed:
    """A held row as a push again (checked from scratch), e.g. when a person settles it."""
    t = replicated()[held.table_name]
    raw = dict(row if row is not None else held.row)
    cols = [c for c in t.columns if c in raw]
    p = Pushed(t=t, seq=0, base_version=-2, base_hlc="", base=held.base, cols=cols, raw=raw)
    try:
        p.values = validate.row(t, cols, [raw[c] for c in cols])
    except validate.Invalid as e:
        p.problem = ("invalid", str(e))
    return p


def retry_missing_references(village: str, limit: int = 50) -> int:
    """Held rows whose parent has arrived since: taken now, as the township's own write."""
    waiting = session().scalars(sa.select(SyncHeld).where(
        SyncHeld.village_id == village, SyncHeld.reason == "missing_reference", SyncHeld.status == "open",
        SyncHeld.deleted.is_(False)).order_by(SyncHeld.detected_at).limit(limit)).all()
    taken = 0
    for held in waiting:
        if held.table_name not in replicated():
            continue
        admission = Admission(village, held.device_id, None)
        p = pushed_from_held(held)
        before = len(admission.out.held)
        admission.take([p])
        if admission.out.applied and len(admission.out.held) == before:
            held.status, held.resolution, held.settled_by, held.settled_at = "settled", "applied", "sync", utcnow()
            taken += 1
    return taken
