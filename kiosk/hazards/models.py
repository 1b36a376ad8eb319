"""The hazard register (隐患台账). Every finding that needs fixing lands here, whatever found it."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from ..records import SyncedRecord

# DOMAIN.md, "Hazards": what a report form offers
CATEGORIES = {
    "ebike": _l("E-bike parked or charged indoors"),
    "wiring": _l("Wiring and electrical"),
    "gas": _l("Gas / LPG cylinders"),
    "open_flame": _l("Open flame or outdoor burning"),
    "combustibles": _l("Combustible storage"),
    "blocked_passage": _l("Blocked passage, exit or fire lane"),
    "equipment": _l("Damaged or missing fire equipment"),
    "hydrant": _l("Hydrant buried, blocked or damaged"),
    "mixed_use": _l("Living and working in one building"),
    "rented_housing": _l("Rented housing"),
    "wooden": _l("Wooden stairs or partitions"),
    "escape_items": _l("No smoke alarm or escape items"),
    "vulnerable": _l("Vulnerable residents (elderly living alone)"),
    "other": _l("Other"),
}

SOURCES = {
    "resident_report": _l("Resident report"),
    "hydrant_inspection": _l("Hydrant inspection"),
    "pool_check": _l("Water pool check"),
    "station_check": _l("Station equipment check"),
    "door_visit": _l("Door-to-door visit"),
    "patrol": _l("Night patrol"),
    "committee": _l("Village committee"),
    "township": _l("Township station"),
}

# The closed loop ("3030" by default) walks these in order; the register treats the last two as closed.
STATUSES = {
    "reported": _l("Reported"),
    "dispatched": _l("Dispatched"),
    "fixing": _l("Being fixed"),
    "fixed": _l("Fixed"),
    "verified": _l("Verified"),
    "closed": _l("Closed"),
}
CLOSED_STATUSES = ("verified", "closed")

SEVERITIES = {"minor": _l("Minor"), "serious": _l("Serious")}


class Hazard(SyncedRecord):
    __tablename__ = "hazard"

    category: Mapped[str] = mapped_column(sa.String(24))
    source: Mapped[str] = mapped_column(sa.String(24))
    severity: Mapped[str] = mapped_column(sa.String(12), default="minor")
    status: Mapped[str] = mapped_column(sa.String(12), default="reported", index=True)
    location: Mapped[str] = mapped_column(sa.String(200), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # what it concerns: e.g. ("hydrant", <id>), ("station_item", <id>), ("household", <id>)
    subject_kind: Mapped[str | None] = mapped_column(sa.String(24))
    subject_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    # the record that found it (an inspection, a check, a report, a visit)
    found_by_kind: Mapped[str | None] = mapped_column(sa.String(24))
    found_by_id: Mapped[str | None] = mapped_column(sa.String(36))
    photo_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    reporter_name: Mapped[str | None] = mapped_column(sa.String(40))
    reporter_phone: Mapped[str | None] = mapped_column(sa.String(20))
    # the closed loop's dates; deadlines are set from the township's profile ("3030" by default)
    due_at: Mapped[dt.datetime | None] = mapped_column()
    closed_at: Mapped[dt.datetime | None] = mapped_column()
    closed_note: Mapped[str | None] = mapped_column(sa.String(500))
    fixed_on_spot: Mapped[bool] = mapped_column(default=False)

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES

    @property
    def category_label(self):
        return CATEGORIES.get(self.category, self.category)

    @property
    def source_label(self):
        return SOURCES.get(self.source, self.source)

    @property
    def status_label(self):
        return STATUSES.get(self.status, self.status)
