"""The persistence base every replicated table stands on.

``db`` is the one Flask-SQLAlchemy object of the application. Its metadata names every constraint,
because Alembic's batch mode on SQLite rebuilds tables and needs names to drop them (PITFALLS.md).

``SyncedRecord`` gives a table what replication needs:
- ``id``: UUID v7 made where the record is created, never an autoincrement;
- ``village_id``: scope — a 12-digit village code, or the 9-digit township code for township-wide rows;
- ``version`` and ``hlc``: bumped in the same flush as every change (see :func:`_stamp`);
- ``origin``: the node that wrote the current version;
- ``recorded_at`` / ``modified_at``: device wall-clock time, kept as labels only;
- ``deleted``: a tombstone, so that deletions replicate. Never ``session.delete()`` a synced record.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from . import clock
from .ids import uuid7

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=sa.MetaData(naming_convention=NAMING_CONVENTION))


def utcnow() -> dt.datetime:
    """Naive UTC: the one convention for datetimes in the database (SQLite keeps no zone)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class SyncNode(db.Model):
    """This database's identity in replication and the last clock value it issued.

    One row. The node id is made on first use, never derived from the machine: a cloned SD card
    carries the same row, which the sync protocol detects from its enrolment and sequence.
    """

    __tablename__ = "sync_node"
    id: Mapped[int] = mapped_column(primary_key=True)
    node_id: Mapped[str] = mapped_column(sa.String(36), default=uuid7)
    last_hlc: Mapped[str | None] = mapped_column(sa.String(64))


class SyncedRecord(db.Model):
    __abstract__ = True

    #: "fact" tables are append-only (inspections, checks, pledges...); "entity" tables are mutable.
    __sync_kind__ = "entity"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=uuid7)
    village_id: Mapped[str] = mapped_column(sa.String(12), index=True)
    version: Mapped[int] = mapped_column(default=0)
    hlc: Mapped[str] = mapped_column(sa.String(64), default="")
    origin: Mapped[str] = mapped_column(sa.String(36), default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    modified_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    deleted: Mapped[bool] = mapped_column(default=False)

    @classmethod
    def live(cls):
        """A select of the rows that are not tombstoned."""
        return sa.select(cls).where(cls.deleted.is_(False))


def commit_once(model, record_id: str):
    """Commit a record whose id the client made (a form shown once, submitted maybe twice).

    When another copy of the same submission committed first, the primary key refuses this one:
    roll back and keep what is there. Returns the stored record.
    """
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = db.session.get(model, record_id)
        if existing is None:
            raise
        return existing
    return db.session.get(model, record_id)


def local_node(session: Session) -> SyncNode:
    with session.no_autoflush:
        node = session.get(SyncNode, 1)
        if node is None:
            node = SyncNode(id=1, node_id=uuid7())
            session.add(node)
    return node


def _stamped_records(session: Session):
    for obj in session.new:
        if isinstance(obj, SyncedRecord):
            yield obj
    for obj in session.dirty:
        if isinstance(obj, SyncedRecord) and session.is_modified(obj, include_collections=False):
            # replication writes incoming versions as they are; it marks them to skip stamping
            if not getattr(obj, "_sync_incoming", False):
                yield obj


@event.listens_for(Session, "before_flush")
def _stamp(session: Session, flush_context, instances) -> None:
    """Give every new or changed synced record its next version and clock value, in the same flush."""
    records = [r for r in _stamped_records(session) if not getattr(r, "_sync_incoming", False)]
    if not records:
        return
    node = local_node(session)
    now = utcnow()
    last = node.last_hlc
    for record in records:
        last = clock.tick(last, node.node_id)
        record.version = (record.version or 0) + 1
        record.hlc = last
        record.origin = node.node_id
        if record.recorded_at is None:
            record.recorded_at = now
        record.modified_at = now
    node.last_hlc = last


# Change capture and the protocol's own tables register themselves on import; they come after
# _stamp so that capture sees each record's new version and the base it was made from.
from . import capture, models  # noqa: E402,F401
