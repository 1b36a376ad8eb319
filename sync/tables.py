"""Which tables replicate, and how their rows travel.

Replicated tables are found, not listed: every mapped subclass of :class:`sync.store.Synced`, by
``__tablename__``. A row travels as the values of its columns in a fixed order; datetimes as ISO
text, JSON columns as JSON. Columns whose names end in ``_sha256`` name blobs (a hash, or a JSON
list/dict holding hashes).

What the server checks a pushed row against is read from the models too, never listed here:
- references: foreign keys to replicated tables, and soft references — a ``<table>_id`` column naming
  a replicated table, or the columns a model lists in ``__sync_references__ = {"pool_id": "water_pool"}``;
- natural keys: the table's unique constraints (a hydrant's code, one answer per step of a check);
- audience: a model may narrow who receives a row with ``__sync_audience__(row) -> [village codes]``
  (None: everyone in scope), e.g. a warning targeted at some villages of its township.
"""
from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import sqlalchemy as sa

from .store import Synced

META_COLUMNS = ("id", "village_id", "version", "hlc", "origin", "recorded_at", "modified_at", "deleted")
HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class Table:
    name: str
    model: type
    table: sa.Table
    columns: list[str]
    kind: str  # entity | fact
    encoders: dict[str, Callable[[Any], Any]]
    decoders: dict[str, Callable[[Any], Any]]
    blob_columns: list[str]
    unique_keys: list[tuple[str, ...]]
    audience: Callable[[dict], list[str] | None] | None

    def encode(self, row) -> list:
        """A database row (mapping) as wire values, in ``self.columns`` order."""
        return [self.encoders[c](row[c]) for c in self.columns]

    def encode_dict(self, row) -> dict:
        return {c: self.encoders[c](row[c]) for c in self.columns}

    def decode(self, columns: list[str], values: list) -> dict:
        return {c: self.decoders[c](v) for c, v in zip(columns, values)}


def _identity(v):
    return v


def _codec(column: sa.Column) -> tuple[Callable, Callable]:
    t = column.type
    if isinstance(t, sa.DateTime):
        return (lambda v: v.isoformat() if v is not None else None,
                lambda v: dt.datetime.fromisoformat(v).replace(tzinfo=None) if v is not None else None)
    if isinstance(t, sa.Date):
        return (lambda v: v.isoformat() if v is not None else None,
                lambda v: dt.date.fromisoformat(v) if v is not None else None)
    if isinstance(t, sa.Time):
        return (lambda v: v.isoformat() if v is not None else None,
                lambda v: dt.time.fromisoformat(v) if v is not None else None)
    if isinstance(t, sa.Numeric) and not isinstance(t, sa.Float):
        return (lambda v: str(v) if v is not None else None,
                lambda v: decimal.Decimal(v) if v is not None else None)
    if isinstance(t, sa.Boolean):
        return (lambda v: bool(v) if v is not None else None, lambda v: bool(v) if v is not None else None)
    if isinstance(t, sa.LargeBinary):
        import base64
        return (lambda v: base64.b64encode(v).decode() if v is not None else None,
                lambda v: base64.b64decode(v) if v is not None else None)
    return _identity, _identity


_cache: dict[int, dict[str, Table]] = {}


def _mapped_subclasses(cls) -> list[type]:
    found, todo = [], list(cls.__subclasses__())
    while todo:
        sub = todo.pop()
        todo.extend(sub.__subclasses__())
        if isinstance(getattr(sub, "__table__", None), sa.Table) and "__table__" in vars(sub):
            found.append(sub)
    return found


def replicated() -> dict[str, Table]:
    """Every replicated table of the models imported in this process, by table name."""
    key = Synced._generation
    if key in _cache:
        return _cache[key]
    classes = _mapped_subclasses(Synced)
    found: dict[str, Table] = {}
    for cls in sorted(classes, key=lambda c: c.__table__.name):
        table = cls.__table__
        if table.name in found:
            continue
        cols = [c.name for c in table.columns]
        enc, dec = {}, {}
        for c in table.columns:
            enc[c.name], dec[c.name] = _codec(c)
        found[table.name] = Table(
            name=table.name, model=cls, table=table, columns=cols,
            kind=getattr(cls, "__sync_kind__", "entity"), encoders=enc, decoders=dec,
            blob_columns=[c for c in cols if c.endswith("_sha256")], unique_keys=_unique_keys(table),
            audience=getattr(cls, "__sync_audience__", None))
    _cache.clear()
    _cache[key] = found
    return found


def _unique_keys(table: sa.Table) -> list[tuple[str, ...]]:
    keys = []
    for c in table.constraints:
        if isinstance(c, sa.UniqueConstraint) and c.columns:
            keys.append(tuple(col.name for col in c.columns))
    for ix in table.indexes:
        if ix.unique:
            keys.append(tuple(col.name for col in ix.columns))
    for col in table.columns:
        if col.unique and not col.primary_key:
            keys.append((col.name,))
    return sorted(set(keys))


@dataclass(frozen=True)
class Reference:
    column: str
    parent: str
    hard: bool  # a foreign key (the parent must exist) or a soft reference (checked when it exists)


def references(t: Table) -> list[Reference]:
    """Every column of ``t`` that names a row of a replicated table."""
    tables = replicated()
    found = {column: Reference(column, parent, True) for column, parent in fk_parents(t)}
    declared = getattr(t.model, "__sync_references__", {}) or {}
    for column in t.columns:
        if column in found or not column.endswith("_id") or column == "village_id":
            continue
        parent = declared.get(column) or column[:-3]
        if parent in tables:
            found[column] = Reference(column, parent, False)
    return list(found.values())


def referrers(name: str) -> list[tuple[Table, Reference]]:
    """(table, reference) of every replicated table pointing at table ``name``."""
    return [(t, ref) for t in replicated().values() for ref in references(t) if ref.parent == name]


def blob_refs(value) -> Iterable[str]:
    """Hashes named by a ``*_sha256`` column value: a hash, or JSON holding hashes."""
    if value is None:
        return
    if isinstance(value, str):
        if HEX64.match(value):
            yield value
        elif value[:1] in "[{":
            try:
                yield from blob_refs(json.loads(value))
            except ValueError:
                return
    elif isinstance(value, dict):
        for v in value.values():
            yield from blob_refs(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from blob_refs(v)


def row_blobs(table: Table, row: dict) -> set[str]:
    found: set[str] = set()
    for c in table.blob_columns:
        value = row.get(c)
        if value is not None:  # most rows have no photo: no generator to make for them
            found.update(blob_refs(value))
    return found


def canonical(values: dict) -> str:
    return json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def table_digest(session, name: str, village_ids: Iterable[str] | None = None) -> tuple[int, str]:
    """(row count, SHA-256 over every row in id order): two databases holding the same records
    give the same digest whatever engine they run on."""
    t = replicated()[name]
    query = sa.select(t.table).order_by(t.table.c.id)
    if village_ids is not None:
        query = query.where(t.table.c.village_id.in_(list(village_ids)))
    h = hashlib.sha256()
    n = 0
    for row in session.execute(query).mappings():
        h.update(canonical(t.encode_dict(row)).encode())
        h.update(b"\n")
        n += 1
    return n, h.hexdigest()


def fk_parents(t: Table) -> list[tuple[str, str]]:
    """(column, parent table) for each foreign key of ``t`` that points at another replicated table."""
    tables = replicated()
    return [(fk.parent.name, fk.column.table.name) for fk in t.table.foreign_keys
            if fk.column.table.name in tables and fk.column.name == "id"]


def ride_along(conn, chosen: list[tuple[str, dict]], pending: Callable[[str, list[str]], list[str]],
               depth: int = 3) -> list[tuple[str, dict]]:
    """Parents that must travel with ``chosen`` rows (table, row mapping) because they are still
    waiting further down the queue: a batch never carries a child whose parent the other side may
    not have yet (compaction moves an edited parent behind children made after it).

    ``pending(table, ids)`` returns the ids of that table still waiting beyond this batch."""
    tables = replicated()
    have = {(name, row["id"]) for name, row in chosen}
    extra: list[tuple[str, dict]] = []
    frontier = chosen
    for _ in range(depth):
        wanted: dict[str, set[str]] = {}
        for name, row in frontier:
            for column, parent in fk_parents(tables[name]):
                pid = row.get(column)
                if pid and (parent, pid) not in have:
                    wanted.setdefault(parent, set()).add(pid)
        if not wanted:
            break
        found = []
        for parent, ids in wanted.items():
            waiting = pending(parent, sorted(ids))
            if not waiting:
                continue
            t = tables[parent]
            for r in conn.execute(sa.select(t.table).where(t.table.c.id.in_(waiting))).mappings():
                found.append((parent, dict(r)))
                have.add((parent, r["id"]))
        if not found:
            break
        extra = found + extra  # grandparents before parents
        frontier = found
    return extra


def rank(name: str, _seen: frozenset = frozenset()) -> int:
    """0 for a table with no replicated parents, else one more than its deepest parent: applying a
    batch in rank order puts every parent before its children."""
    if name in _seen:
        return 0
    t = replicated().get(name)
    if t is None:
        return 0
    parents = [p for _c, p in fk_parents(t) if p != name]
    return 1 + max((rank(p, _seen | {name}) for p in parents), default=-1)


def parents_first(rows: list, name_of: Callable = lambda r: r[0]) -> list:
    """A stable sort of a batch's rows so that parents come before children."""
    return sorted(rows, key=lambda r: rank(name_of(r)))
