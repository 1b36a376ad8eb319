"""The micro fire station (微型消防站): the station, its inventory, checklist templates and checks.

Checklist templates come in immutable editions: the township issues a default (``village_id`` = the
9-digit township code) and a village adds its own items in an edition of its own (``village_id`` =
the village code). A check pins the editions it was started with, and every answer keeps a copy of
what was asked, so a record reads the same however the templates or the inventory change later.

A check is written while it happens: one ``StationCheck`` in progress and one answer row per step,
saved the moment the volunteer taps. Until the check is finished an answer may be replaced (the row
is updated in place: one row per step, however often it is answered); once finished the check and
its answers are sealed and the application refuses any change. That is why both tables are synced
as entities rather than facts: they change during the minutes of the check, never after.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..records import SyncedRecord, utcnow

# DOMAIN.md, "Micro fire station": the four equipment groups of the community standard
GROUPS = {
    "fire_fighting": _l("Fire fighting"),
    "protection": _l("Protection"),
    "forcible_entry": _l("Forcible entry"),
    "communication": _l("Communication"),
}

# kind -> (group, label); the catalogue a station's inventory is chosen from
CATALOGUE = {
    "extinguisher": ("fire_fighting", _l("Fire extinguisher")),
    "hose": ("fire_fighting", _l("Fire hose")),
    "nozzle": ("fire_fighting", _l("Branch nozzle")),
    "breeching": ("fire_fighting", _l("Dividing breeching")),
    "hydrant_wrench": ("fire_fighting", _l("Hydrant wrench")),
    "searchlight": ("fire_fighting", _l("Searchlight")),
    "pump": ("fire_fighting", _l("Portable motor fire pump")),
    "motorcycle": ("fire_fighting", _l("Fire motorcycle / tricycle")),
    "helmet": ("protection", _l("Fire helmet")),
    "turnout_suit": ("protection", _l("Turnout suit")),
    "gloves": ("protection", _l("Fire gloves")),
    "boots": ("protection", _l("Fire boots")),
    "safety_belt": ("protection", _l("Safety belt")),
    "escape_hood": ("protection", _l("Escape hood")),
    "breathing_apparatus": ("protection", _l("Positive-pressure breathing apparatus")),
    "rescue_rope": ("protection", _l("Rescue rope")),
    "axe": ("forcible_entry", _l("Fire axe")),
    "pry_bar": ("forcible_entry", _l("Pry bar")),
    "ladder": ("forcible_entry", _l("Ladder")),
    "radio": ("communication", _l("Handheld radio")),
    "telephone": ("communication", _l("Telephone")),
    "other": ("fire_fighting", _l("Other equipment")),
}

# How an item is checked: OK / fault; count present vs expected; gauge zone; pressure vs threshold;
# a date (service, expiry, cylinder test) still valid.
CHECK_TYPES = {
    "ok_fault": _l("OK or fault"),
    "count": _l("Count present"),
    "gauge": _l("Gauge zone"),
    "pressure": _l("Pressure in MPa"),
    "date": _l("Date still valid"),
}

GAUGE_ZONES = {
    "green": _l("Green"),
    "red": _l("Red: under-pressure"),
    "yellow": _l("Yellow: over-filled"),
}

# Which date of an inventory line a "date still valid" step looks at
DATE_FIELDS = {
    "expires_on": _l("Service / expiry date"),
    "test_due_on": _l("Next cylinder test"),
}

STATUSES = {
    "in_progress": _l("In progress"),
    "complete": _l("Completed"),
    "incomplete": _l("Incomplete"),
}

REASONS = {
    "monthly": _l("Monthly check"),
    "after_callout": _l("After a call-out"),
    "other": _l("Other occasion"),
}


class Station(SyncedRecord):
    """The village's micro fire station. Its members are the roster's volunteer firefighters."""

    __tablename__ = "station"
    name: Mapped[str] = mapped_column(sa.String(60))
    location: Mapped[str] = mapped_column(sa.String(120), default="")
    chief_id: Mapped[str | None] = mapped_column(sa.String(36))
    duty_phone: Mapped[str | None] = mapped_column(sa.String(20))
    # days between routine checks; monthly by default (DOMAIN.md: monthly visual check at least)
    check_interval_days: Mapped[int] = mapped_column(default=30)


class StationItem(SyncedRecord):
    """An inventory line: one kind of equipment with its quantity, label and the dates that matter."""

    __tablename__ = "station_item"
    station_id: Mapped[str] = mapped_column(sa.ForeignKey("station.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(24))
    # model or specification, e.g. MF/ABC4, 13-65-20, QZ3.5/7.5; or the name of an "other" item
    spec: Mapped[str] = mapped_column(sa.String(60), default="")
    quantity: Mapped[int] = mapped_column(default=1)
    # label or serial number(s)
    label: Mapped[str] = mapped_column(sa.String(60), default="")
    # where it is kept, e.g. shelf A
    place: Mapped[str] = mapped_column(sa.String(40), default="")
    last_serviced_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # extinguisher: valid until (next service); other items: expiry
    expires_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # breathing apparatus: next cylinder test (every 3 years) / yearly professional test
    test_due_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    note: Mapped[str] = mapped_column(sa.String(200), default="")

    station: Mapped[Station] = relationship()

    @property
    def group(self) -> str:
        return CATALOGUE.get(self.kind, CATALOGUE["other"])[0]

    @property
    def kind_label(self):
        return CATALOGUE.get(self.kind, CATALOGUE["other"])[1]

    @property
    def title(self) -> str:
        if self.kind == "other" and self.spec:
            return self.spec
        return f"{self.kind_label} {self.spec}".strip()

    def dates(self) -> list[tuple[str, dt.date]]:
        return [(f, getattr(self, f)) for f in DATE_FIELDS if getattr(self, f) is not None]


class ChecklistTemplate(SyncedRecord):
    """One immutable edition of a checklist: the township's default or a village's own additions."""

    __tablename__ = "station_checklist"
    # "township" (issued to every village of the township) or "village" (added by the village)
    scope: Mapped[str] = mapped_column(sa.String(12))
    edition: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(sa.String(80), default="")
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    supersedes_id: Mapped[str | None] = mapped_column(sa.String(36))

    items: Mapped[list["ChecklistItem"]] = relationship(
        back_populates="template", order_by="ChecklistItem.position",
        primaryjoin="and_(ChecklistItem.template_id == ChecklistTemplate.id, ChecklistItem.deleted.is_(False))",
        viewonly=True)


class ChecklistItem(SyncedRecord):
    """One line of a checklist edition. ``kind`` ties it to inventory lines of that kind (one step
    per line); without a kind it is asked once for the whole station."""

    __tablename__ = "station_checklist_item"
    template_id: Mapped[str] = mapped_column(sa.ForeignKey("station_checklist.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    # stable key of a township default (translated on screen); None for a village's own wording
    code: Mapped[str | None] = mapped_column(sa.String(40))
    prompt: Mapped[str] = mapped_column(sa.String(200))
    check_type: Mapped[str] = mapped_column(sa.String(12))
    kind: Mapped[str | None] = mapped_column(sa.String(24))
    # pressure: the least acceptable reading in MPa
    threshold: Mapped[float | None] = mapped_column(sa.Float)
    # date: which date of the inventory line must still be valid
    date_field: Mapped[str | None] = mapped_column(sa.String(20))

    template: Mapped[ChecklistTemplate] = relationship(back_populates="items")


class StationCheck(SyncedRecord):
    """One routine (or after-call-out) check of the station, in progress or finished (sealed)."""

    __tablename__ = "station_check"
    station_id: Mapped[str] = mapped_column(sa.ForeignKey("station.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(12), default="in_progress", index=True)
    reason: Mapped[str] = mapped_column(sa.String(16), default="monthly")
    township_template_id: Mapped[str | None] = mapped_column(sa.String(36))
    village_template_id: Mapped[str | None] = mapped_column(sa.String(36))
    started_by_id: Mapped[str | None] = mapped_column(sa.String(36))
    started_by_name: Mapped[str] = mapped_column(sa.String(40), default="")
    finished_by_id: Mapped[str | None] = mapped_column(sa.String(36))
    finished_by_name: Mapped[str] = mapped_column(sa.String(40), default="")
    finished_at: Mapped[dt.datetime | None] = mapped_column()
    # filled when finishing: how many steps there were, and how they came out
    total_steps: Mapped[int] = mapped_column(default=0)
    faults: Mapped[int] = mapped_column(default=0)
    unanswered: Mapped[int] = mapped_column(default=0)
    # a check after use of some equipment (a fire call-out) covers only those inventory lines and
    # is not the routine check: the monthly one stays due
    partial: Mapped[bool] = mapped_column(default=False)
    item_ids: Mapped[list] = mapped_column(sa.JSON, default=list)

    station: Mapped[Station] = relationship()
    answers: Mapped[list["StationCheckAnswer"]] = relationship(
        back_populates="check", order_by="StationCheckAnswer.position",
        primaryjoin="and_(StationCheckAnswer.check_id == StationCheck.id, StationCheckAnswer.deleted.is_(False))",
        viewonly=True)

    @property
    def is_finished(self) -> bool:
        return self.status != "in_progress"

    @property
    def status_label(self):
        return STATUSES.get(self.status, self.status)

    @property
    def reason_label(self):
        return REASONS.get(self.reason, self.reason)


class StationCheckAnswer(SyncedRecord):
    """The answer to one step of a check; a copy of the question travels with it."""

    __tablename__ = "station_check_answer"
    __table_args__ = (sa.UniqueConstraint("check_id", "step_key"),)

    check_id: Mapped[str] = mapped_column(sa.ForeignKey("station_check.id"), index=True)
    # "<checklist item id>/<inventory line id or '-'>": one answer per step, ever
    step_key: Mapped[str] = mapped_column(sa.String(80))
    checklist_item_id: Mapped[str] = mapped_column(sa.String(36))
    station_item_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    position: Mapped[int] = mapped_column(default=0)
    # what was asked, as it was asked
    code: Mapped[str | None] = mapped_column(sa.String(40))
    prompt: Mapped[str] = mapped_column(sa.String(200))
    item_title: Mapped[str] = mapped_column(sa.String(120), default="")
    check_type: Mapped[str] = mapped_column(sa.String(12))
    expected: Mapped[int | None] = mapped_column()
    threshold: Mapped[float | None] = mapped_column(sa.Float)
    date_seen: Mapped[dt.date | None] = mapped_column(sa.Date)
    # the answer: True in order, False a fault; None only in a sealed incomplete check (not answered)
    ok: Mapped[bool | None] = mapped_column()
    count: Mapped[int | None] = mapped_column()
    zone: Mapped[str | None] = mapped_column(sa.String(8))
    pressure_mpa: Mapped[float | None] = mapped_column(sa.Float)
    answered_by_id: Mapped[str | None] = mapped_column(sa.String(36))
    answered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # the hazard this answer opened (or joined), set when the check is finished
    hazard_id: Mapped[str | None] = mapped_column(sa.String(36))

    check: Mapped[StationCheck] = relationship(back_populates="answers")

    @property
    def missing(self) -> int:
        if self.check_type == "count" and self.expected is not None and self.count is not None:
            return max(self.expected - self.count, 0)
        return 0
