"""The persistence base every replicated table stands on, and the session sync/ works in.

sync/ is a library: it owns no application's database object. The application creates its
Flask-SQLAlchemy ``db`` and hands it to :func:`sync.init_app`; everything here reaches the database
through :func:`session`, and features build their record base from the :class:`Synced` mixin.

The protocol's own tables (outbox, change log, devices, conflicts...) live on :data:`metadata`, which
sits beside the application's in its migrations. Both name every constraint: Alembic's batch mode on
SQLite rebuilds tables and needs names to drop them (PITFALLS.md).

:class:`Synced` gives a table what replication needs:
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
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from . import clock
from .ids import uuid7

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: the protocol's own tables; an application's migrations target this beside its own metadata
metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class Base(DeclarativeBase):
    """Declarative base of the protocol's own tables (not the application's)."""

    metadata = metadata


def session() -> Session:
    """The application's session: the Flask-SQLAlchemy object given to :func:`sync.init_app`."""
    return current_app.extensions["sync"].db.session


def utcnow() -> dt.datetime:
    """Naive UTC: the one convention for datetimes in the database (SQLite keeps no zone)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class SyncNode(Base):
    """This database's identity in replication and the last clock value it issued.

    One row. The node id is made on first use, never derived from the machine: a cloned SD card
    carries the same row, which the sync protocol detects from its enrolment and sequence.
    """

    __tablename__ = "sync_node"
    id: Mapped[int] = mapped_column(primary_key=True)
    node_id: Mapped[str] = mapped_column(sa.String(36), default=uuid7)
    last_hlc: Mapped[str | None] = mapped_column(sa.String(64))


class Synced:
    """Mixin of every replicated table. An application declares its abstract record base as
    ``class SyncedRecord(Synced, db.Model): __abstract__ = True`` and features subclass that."""

    #: "fact" tables are append-only (inspections, checks, pledges...); "entity" tables are mutable.
    __sync_kind__ = "entity"
    #: counts the classes made on this base, so that the list of replicated tables (sync.tables) is
    #: found again only when a model was added, not on each of the many calls per synced row
    _generation = 0

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        Synced._generation += 1

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


def local_node(s: Session) -> SyncNode:
    with s.no_autoflush:
        node = s.get(SyncNode, 1)
        if node is None:
            node = SyncNode(id=1, node_id=uuid7())
            s.add(node)
    return node


def _stamped_records(s: Session):
    for obj in s.new:
        if isinstance(obj, Synced):
            yield obj
    for obj in s.dirty:
        if isinstance(obj, Synced) and s.is_modified(obj, include_collections=False):
            # replication writes incoming versions as they are; it marks them to skip stamping
            if not getattr(obj, "_sync_incoming", False):
                yield obj


@event.listens_for(Session, "before_flush")
def _stamp(s: Session, flush_context, instances) -> None:
    """Give every new or changed synced record its next version and clock value, in the same flush."""
    records = [r for r in _stamped_records(s) if not getattr(r, "_sync_incoming", False)]
    if not records:
        return
    node = local_node(s)
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
