"""The record base every feature's replicated tables stand on, and how records are saved.

``SyncedRecord`` is the application's abstract base built from sync/'s mixin: a UUID v7 ``id`` made
where the record is created, the ``village_id`` scope, version and clock, ``recorded_at`` (device time,
a label only) and the ``deleted`` tombstone. Never ``session.delete()`` such a row: set ``deleted``.
Append-only facts set ``__sync_kind__ = "fact"``.
"""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from sync import Synced, utcnow, uuid7  # noqa: F401  (re-exported: features import them from here)
from sync import among as sync_among

from .extensions import db


class SyncedRecord(Synced, db.Model):
    __abstract__ = True


def commit_once(model, client_id: str):
    """Commit a record whose id the client made (a form shown once, submitted maybe twice).

    When another copy of the same submission committed first, the primary key refuses this one:
    roll back and keep what is there. Returns the stored record.
    """
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = db.session.get(model, client_id)
        if existing is None:
            raise
        return existing
    return db.session.get(model, client_id)



def among(column, values):
    """``column IN values`` for a list of many (the township's summaries ask about up to 500 villages):
    on PostgreSQL ``column = ANY(array)``, one parameter, where IN would name, send and parse one
    placeholder a value (measured: 4 ms less Python per statement with 500 values)."""
    return sync_among(db.engine, column, values)
