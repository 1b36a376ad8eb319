"""Settling a held row: a person looks at what the township could not take, and why, and decides.

- ``apply``: take it as it is now (its parent may have arrived, a clash may have been cleared); it is
  checked again, and stays held when it still cannot be taken;
- for a natural key held by another record (two hydrants with one code, two answers to one step):
  ``merge`` — the other record stays, its empty fields take this one's values, and whatever pointed at
  this one now points at it; ``replace`` — the other record takes this one's values; ``rename`` — this
  one gets a new key from the table's hook (``sync.register_new_key``) and is taken;
- ``discard``: nothing is written; the held row stays on the list, settled, with everything it held.

Either side may settle. The writes go through the application's session like any edit, so they
travel by the normal sync (on a kiosk through its outbox, checked again by the township), and the held
record's settlement replicates too. The caller commits.
"""
from __future__ import annotations

from typing import Callable

import sqlalchemy as sa
from flask import current_app

from . import pulled, validate
from .models import SyncHeld
from .store import session, utcnow
from .tables import referrers, replicated

ACTIONS = ("apply", "merge", "replace", "rename", "discard")
PROTOCOL = ("id", "village_id", "version", "hlc", "origin", "recorded_at", "modified_at")


def register_new_key(app, table: str, make: Callable[[dict], dict]) -> None:
    """``make(row)`` returns new values for the natural key of a held ``table`` row ({column: value})."""
    app.extensions["sync"].new_key[table] = make


def _device_id() -> str | None:
    from .models import SyncState
    st = session().get(SyncState, 1)
    return st.device_id if st is not None else None


def _new_key(table: str):
    return current_app.extensions["sync"].new_key.get(table)


def actions_for(held: SyncHeld) -> list[str]:
    if held.status != "open" or held.table_name not in replicated():
        return []
    if held.reason in pulled.REASONS:
        # a township record the kiosk could not store: only that kiosk can try again; the township has it
        mine = current_app.extensions["sync"].mode == "device" and held.device_id == _device_id()
        return ["apply"] if mine else []
    if held.reason == "natural_key" and held.clash_id:
        return (["rename"] if _new_key(held.table_name) else []) + ["merge", "replace", "apply", "discard"]
    return ["apply", "discard"]


def open_held(village_prefix: str | None = None):
    q = SyncHeld.live().where(SyncHeld.status == "open")
    if village_prefix:
        q = q.where(SyncHeld.village_id.startswith(village_prefix))
    return q.order_by(SyncHeld.detected_at.desc())


def count_held(village_prefix: str | None = None) -> int:
    return session().scalar(sa.select(sa.func.count()).select_from(open_held(village_prefix).subquery())) or 0


def holder_of(held: SyncHeld):
    """The record holding the key a held row wanted (in the same village only), or None."""
    t = replicated().get(held.table_name)
    if t is None or not held.clash_id:
        return None
    record = session().get(t.model, held.clash_id)
    return record if record is not None and record.village_id == held.village_id else None


def _values(held: SyncHeld, changes: dict | None = None) -> dict:
    """The held row's database values, checked again; raises validate.Invalid."""
    t = replicated()[held.table_name]
    row = dict(held.row or {}, **(changes or {}))
    cols = [c for c in t.columns if c in row]
    values = validate.row(t, cols, [row[c] for c in cols])
    if values.get("village_id") != held.village_id:
        raise validate.Invalid("village_id", "is not the held record's village")
    return values


def _problem(t, values: dict) -> str | None:
    """Why ``values`` cannot be written here now (natural_key | missing_reference | scope), or None."""
    for cols in t.unique_keys:
        key = [values.get(c) for c in cols]
        if all(v is not None for v in key) and session().execute(sa.select(t.table.c.id).where(
                *[t.table.c[c] == v for c, v in zip(cols, key)], t.table.c.id != values["id"]).limit(1)).first():
            return "natural_key"
    from .tables import references
    scope = (values["village_id"], values["village_id"][:9])
    for ref in references(t):
        target = values.get(ref.column)
        parent = replicated().get(ref.parent)
        if not target or parent is None:
            continue
        found = session().execute(sa.select(parent.table.c.village_id).where(parent.table.c.id == target)).first()
        if found is None and ref.hard:
            return "missing_reference"
        if found is not None and found[0] not in scope:
            return "scope"
    return None


def _write(t, values: dict) -> None:
    record = session().get(t.model, values["id"])
    if record is None:
        record = t.model(id=values["id"], village_id=values["village_id"], version=values.get("version") or 0)
        session().add(record)
    for column, value in values.items():
        if column not in PROTOCOL:
            setattr(record, column, value)
    record.deleted = bool(values.get("deleted", False))


def _repoint(table: str, village: str, old: str, new: str) -> None:
    """Whatever in the village pointed at record ``old`` now points at ``new``."""
    for t, ref in referrers(table):
        column = getattr(t.model, ref.column)
        for record in session().scalars(sa.select(t.model).where(column == old, t.model.village_id == village)):
            setattr(record, ref.column, new)


def settle_held(held: SyncHeld, action: str, who: str) -> str | None:
    """Settle ``held`` with ``action``; None when done, else why not (the held row stays open)."""
    if action not in actions_for(held):
        return "not_possible"
    t = replicated()[held.table_name]
    if held.reason in pulled.REASONS:
        from .client import state
        stored, problem = pulled.try_again(state(), only=held.id)
        return None if stored else (problem or held.reason)
    try:
        if action == "apply":
            values = _values(held)
            problem = _problem(t, values)
            if problem:
                return problem
            _write(t, values)
        elif action == "rename":
            values = _values(held)
            values.update(_values(held, _new_key(held.table_name)(dict(held.row))))
            problem = _problem(t, values)
            if problem:
                return problem
            _write(t, values)
        elif action in ("merge", "replace"):
            holder = holder_of(held)
            if holder is None:
                return "missing_reference"
            values = _values(held)
            for column, value in values.items():
                if column in PROTOCOL or column in held.clash_columns or column == "deleted":
                    continue
                if action == "replace" or getattr(holder, column) in (None, "") and value not in (None, ""):
                    setattr(holder, column, value)
            _repoint(held.table_name, held.village_id, held.record_id, holder.id)
    except validate.Invalid as e:
        return f"invalid: {e}"
    held.status = "settled"
    held.resolution = {"apply": "applied", "merge": "merged", "replace": "replaced", "rename": "renamed",
                       "discard": "discarded"}[action]
    held.settled_by = (who or "")[:40]
    held.settled_at = utcnow()
    return None
