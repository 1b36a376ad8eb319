"""Settling a conflict: a person looks at both versions and keeps one.

"Keep" leaves the record as the township decided. "Apply" copies the losing version's values onto the
record as a new local edit, so it travels like any other change. Either way the conflict row is
marked settled, and that replicates too.
"""
from __future__ import annotations

import sqlalchemy as sa

from .models import SyncConflict
from .store import session, utcnow
from .tables import META_COLUMNS, replicated

SETTLE_ACTIONS = ("keep", "apply")


def differences(conflict: SyncConflict) -> list[tuple[str, object, object]]:
    """(column, winner value, loser value) for the columns people care about that differ."""
    winner, loser = conflict.winner or {}, conflict.loser or {}
    cols = [c for c in winner.keys() | loser.keys() if c not in META_COLUMNS or c == "deleted"]
    order = {c: i for i, c in enumerate(winner.keys())}
    cols.sort(key=lambda c: order.get(c, 999))
    return [(c, winner.get(c), loser.get(c)) for c in cols if winner.get(c) != loser.get(c)]


def settle(conflict: SyncConflict, action: str, who: str) -> None:
    """The caller commits."""
    if action not in SETTLE_ACTIONS:
        raise ValueError(action)
    if conflict.status != "open":
        return
    if action == "apply":
        t = replicated().get(conflict.table_name)
        record = session().get(t.model, conflict.record_id) if t else None
        # only ever within the conflict's own village: a forged conflict cannot reach another's record
        if record is not None and record.village_id == conflict.village_id:
            for column, _winner, loser in differences(conflict):
                if column in t.columns:
                    setattr(record, column, t.decoders[column](loser))
    conflict.status = "settled"
    conflict.resolution = "applied" if action == "apply" else "kept"
    conflict.settled_by = (who or "")[:40]
    conflict.settled_at = utcnow()


def open_conflicts(village_prefix: str | None = None):
    q = SyncConflict.live().where(SyncConflict.status == "open")
    if village_prefix:
        q = q.where(SyncConflict.village_id.startswith(village_prefix))
    return q.order_by(SyncConflict.detected_at.desc())


def count_open(village_prefix: str | None = None) -> int:
    return session().scalar(sa.select(sa.func.count()).select_from(open_conflicts(village_prefix).subquery())) or 0
