"""Publicity, education and training (宣传教育培训): the activity log, who attended a training or a
drill, and the village's yearly plan.

An activity is what the village did on a day (or over some days, for a door-to-door campaign);
attendance at a training or a drill is a fact per person of the roster, and it is what makes them
trained (``kiosk.organisation.service.mark_trained``). The yearly plan is one row per month and kind
of activity, with how many are planned.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from ..records import SyncedRecord

# DOMAIN.md, duties 2 and mechanism 6
KINDS = {
    "broadcast": _l("Village broadcast"),
    "tricycle": _l("Fire-tricycle tour"),
    "door_to_door": _l("Door-to-door campaign"),
    "talk": _l("Talk or poster session"),
    "training": _l("Training of the volunteer team"),
    "drill": _l("Drill"),
}
# these record attendance from the roster, which makes people trained
ATTENDED_KINDS = ("training", "drill")
KIND_ICONS = {"broadcast": "speaker", "tricycle": "truck", "door_to_door": "home", "talk": "people",
              "training": "check", "drill": "flame"}

MAX_REACHED = 100_000


class Activity(SyncedRecord):
    """One publicity or training activity of the village."""

    __tablename__ = "publicity_activity"
    kind: Mapped[str] = mapped_column(sa.String(16), index=True)
    held_on: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    # a campaign over several days (door to door): its last day; None for one day
    ends_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    place: Mapped[str] = mapped_column(sa.String(80), default="")
    topic: Mapped[str] = mapped_column(sa.String(120), default="")
    # [{"id": person id, "name": name}] who ran it, from the roster
    organisers: Mapped[list] = mapped_column(sa.JSON, default=list)
    reached: Mapped[int | None] = mapped_column()
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    photos_sha256: Mapped[list] = mapped_column(sa.JSON, default=list)
    recorded_by_id: Mapped[str | None] = mapped_column(sa.String(36))
    recorded_by_name: Mapped[str] = mapped_column(sa.String(40), default="")

    @property
    def kind_label(self):
        return KINDS.get(self.kind, self.kind)

    @property
    def takes_attendance(self) -> bool:
        return self.kind in ATTENDED_KINDS

    @property
    def organiser_names(self) -> list[str]:
        return [p.get("name", "") for p in self.organisers or []]

    @property
    def last_day(self) -> dt.date:
        return self.ends_on or self.held_on


class Attendance(SyncedRecord):
    """A person of the roster took part in a training or a drill (an append-only fact)."""

    __tablename__ = "publicity_attendance"
    __sync_kind__ = "fact"
    __sync_references__ = {"activity_id": "publicity_activity"}
    __table_args__ = (sa.UniqueConstraint("activity_id", "person_id"),)
    activity_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    person_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    person_name: Mapped[str] = mapped_column(sa.String(40))


class PlannedActivity(SyncedRecord):
    """The yearly plan: how many activities of a kind the village plans in a month."""

    __tablename__ = "publicity_plan"
    __table_args__ = (sa.UniqueConstraint("village_id", "year", "month", "kind"),)
    year: Mapped[int] = mapped_column()
    month: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(sa.String(16))
    planned: Mapped[int] = mapped_column(default=0)

    @property
    def kind_label(self):
        return KINDS.get(self.kind, self.kind)
