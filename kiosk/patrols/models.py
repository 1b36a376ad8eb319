"""Night patrols (群防群治): the township's key periods, the village's routes and checkpoints, and the
patrol runs with the checkpoints they reached.

A key period is township-wide (``village_id`` = the 9-digit township code), so replication carries it
to every kiosk of the township; in a key period every night from 22:00 to 06:00 is due. A night is
named by the date of its evening (the night of 1 December runs from 22:00 on the 1st to 06:00 on the
2nd).

Times are stored as naive UTC like every other moment; the kiosk's clock is only a label of when a
row was written (``recorded_at``), never what a run's times are compared with.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from ..records import SyncedRecord

# DOMAIN.md, "Night patrols": where patrols look
CHECKPOINT_KINDS = {
    "rented_housing": _l("Rented housing"),
    "ebike": _l("E-bike parking and charging"),
    "market": _l("Market"),
    "mixed_use": _l("Mixed-use premises"),
    "hydrant": _l("Hydrant or water pool"),
    "open_burning": _l("Hillside, fields (open burning)"),
    "other": _l("Other place"),
}

# a checkpoint reached: entered at the kiosk afterwards, or scanned on the spot (the phones issue)
VISIT_METHODS = {
    "kiosk": _l("Entered at the kiosk afterwards"),
    "scan": _l("Scanned on the spot"),
}

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O/1/I (docs/pitfalls.md)
CODE_LENGTH = 6

NIGHT_STARTS = dt.time(22, 0)
NIGHT_ENDS = dt.time(6, 0)


class KeyPeriod(SyncedRecord):
    """A key period (重点时段) declared by the township: every night from ``starts_on`` to ``ends_on``
    (both evenings included) is due in every village of the township."""

    __tablename__ = "patrol_key_period"
    name: Mapped[str] = mapped_column(sa.String(40))
    starts_on: Mapped[dt.date] = mapped_column(sa.Date)
    ends_on: Mapped[dt.date] = mapped_column(sa.Date)
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    declared_by_name: Mapped[str] = mapped_column(sa.String(40), default="")

    @property
    def township_code(self) -> str:
        return self.village_id

    @property
    def nights(self) -> int:
        return (self.ends_on - self.starts_on).days + 1

    def covers(self, night: dt.date) -> bool:
        return self.starts_on <= night <= self.ends_on


class PatrolRoute(SyncedRecord):
    """A village's patrol route: an ordered walk past its checkpoints."""

    __tablename__ = "patrol_route"
    name: Mapped[str] = mapped_column(sa.String(40))
    note: Mapped[str] = mapped_column(sa.String(200), default="")


class PatrolCheckpoint(SyncedRecord):
    """A place on a route, with a weatherproof QR plate (``HTTPS://HOST/N/CODE``)."""

    __tablename__ = "patrol_checkpoint"
    __sync_references__ = {"route_id": "patrol_route"}
    route_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    code: Mapped[str] = mapped_column(sa.String(6), unique=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    kind: Mapped[str] = mapped_column(sa.String(16), default="other")
    position: Mapped[int] = mapped_column(default=0)

    @property
    def kind_label(self):
        return CHECKPOINT_KINDS.get(self.kind, self.kind)

    @property
    def title(self) -> str:
        return self.name


class PatrolRun(SyncedRecord):
    """One patrol: who walked which route, from when to when, and on which night it counts.

    ``night_of`` is the evening whose 22:00–06:00 window the run overlaps (None for a patrol outside
    every night window): coverage is counted from it in one query. ``ended_at`` is None while a run
    scanned on a phone is still under way."""

    __tablename__ = "patrol_run"
    __sync_references__ = {"route_id": "patrol_route"}
    route_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    route_name: Mapped[str] = mapped_column(sa.String(40), default="")
    started_at: Mapped[dt.datetime] = mapped_column()
    ended_at: Mapped[dt.datetime | None] = mapped_column()
    night_of: Mapped[dt.date | None] = mapped_column(sa.Date, index=True)
    # [{"id": person id, "name": name}] of the roster, as they were named then
    patrollers: Mapped[list] = mapped_column(sa.JSON, default=list)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    recorded_by_id: Mapped[str | None] = mapped_column(sa.String(36))
    recorded_by_name: Mapped[str] = mapped_column(sa.String(40), default="")

    @property
    def patroller_names(self) -> list[str]:
        return [p.get("name", "") for p in self.patrollers or []]


class PatrolVisit(SyncedRecord):
    """A checkpoint reached on a run, and when (an append-only fact)."""

    __tablename__ = "patrol_visit"
    __sync_kind__ = "fact"
    __sync_references__ = {"run_id": "patrol_run", "checkpoint_id": "patrol_checkpoint"}
    __table_args__ = (sa.UniqueConstraint("run_id", "checkpoint_id"),)
    run_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    checkpoint_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    checkpoint_name: Mapped[str] = mapped_column(sa.String(60), default="")
    reached_at: Mapped[dt.datetime] = mapped_column()
    method: Mapped[str] = mapped_column(sa.String(8), default="kiosk")

    @property
    def method_label(self):
        return VISIT_METHODS.get(self.method, self.method)
