"""The hazard register (隐患台账) and its closed loop ("3030"). Every finding that needs fixing lands here,
whatever found it; everything that happens to it afterwards is an append-only fact (docs/hazards.md).

- ``hazard``: what was found, where, about what (replicated; nobody edits it in the loop);
- ``hazard_action``: the facts — acknowledged, assigned, fixed, verified... (replicated, append-only);
- ``hazard_state``: what the facts add up to, derived on each device (local, never replicated);
- ``hazard_deadline``: the township's deadline profile, "3030" unless it says otherwise (replicated,
  township-wide).

No foreign keys between the replicated tables: replication may deliver an action before its hazard,
and a fact must never be refused for that.
"""
from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from ..extensions import db
from ..i18n import translated
from ..records import SyncedRecord, uuid7

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

# What a rectification notice asks for, by category (DOMAIN.md, "Hazard notices").
REMEDIES = {
    "ebike": _l("Move e-bikes out of the home and the stairway; charge them only at the charging point."),
    "wiring": _l("Have an electrician remove makeshift wiring, put wiring in conduit and fit an "
                 "earth-leakage breaker."),
    "gas": _l("Take LPG cylinders out of bedrooms; keep at most two, upright, with an intact hose."),
    "open_flame": _l("Put out the fire and stop burning in the open."),
    "combustibles": _l("Clear the combustible goods away from the house and the passages."),
    "blocked_passage": _l("Clear the passage, exit or fire lane and keep it clear."),
    "equipment": _l("Repair or replace the fire equipment."),
    "hydrant": _l("Clear and repair the hydrant so that it can be used at once."),
    "mixed_use": _l("Separate the living quarters from the workshop or shop, or stop people sleeping there."),
    "rented_housing": _l("Bring the rented rooms up to the fire-safety rules for rented housing."),
    "wooden": _l("Replace or protect the wooden stairs or partitions."),
    "escape_items": _l("Fit a smoke alarm and keep the four escape items at home."),
    "vulnerable": _l("Arrange for someone to look in regularly and check the home's fire safety."),
    "other": _l("Remove the hazard described above."),
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

SEVERITIES = {"minor": _l("Minor"), "serious": _l("Serious")}

# The ladder a hazard climbs; sent back returns a fixed hazard to "fixing". Open until verified or
# closed (fixed on the spot, or closed before the loop existed).
STATUSES = {
    "reported": _l("Reported"),
    "acknowledged": _l("Acknowledged"),
    "assigned": _l("Assigned"),
    "fixing": _l("Being fixed"),
    "fixed": _l("Fixed, to be checked"),
    "verified": _l("Checked and closed"),
    "closed": _l("Fixed on the spot"),
}
CLOSED_STATUSES = ("verified", "closed")

# What can happen to a hazard (docs/hazards.md, "Facts, not a status field").
ACTIONS = {
    "reported": _l("Reported"),
    "acknowledged": _l("Acknowledged"),
    "assigned": _l("Assigned"),
    "notice_issued": _l("Rectification notice issued"),
    "progress": _l("Progress"),
    "fixed": _l("Marked as fixed"),
    "verified": _l("Checked and verified"),
    "sent_back": _l("Sent back"),
    "referred": _l("Referred to a department"),
    "escalated": _l("Escalated"),
    "listed": _l("Put under listed supervision"),
    "delisted": _l("Listed supervision lifted"),
    "closed_on_spot": _l("Fixed on the spot"),
}

# Preset phrases per step: one tap, no typing (the key is stored, the words are shown in the
# reader's language).
PHRASES = {
    "fixed": {
        "cleared": _l("Cleared"),
        "moved_outside": _l("Moved outside"),
        "cylinder_removed": _l("Cylinder removed"),
        "rewired": _l("Rewired by an electrician"),
        "repaired": _l("Repaired"),
        "replaced": _l("Replaced"),
        "refilled": _l("Refilled"),
    },
    "verified": {
        "rechecked_on_site": _l("Re-checked on site: fixed"),
        "photo_shows_fixed": _l("The photo shows it fixed"),
        "tested_working": _l("Tested: it works"),
    },
    "sent_back": {
        "not_fixed": _l("Not fixed yet"),
        "only_partly": _l("Only partly fixed"),
        "came_back": _l("The problem came back"),
        "photo_unclear": _l("The photo does not show it"),
    },
    "progress": {
        "owner_informed": _l("Owner informed"),
        "parts_ordered": _l("Parts ordered"),
        "owner_will_fix": _l("Owner will fix it"),
        "owner_refuses": _l("Owner refuses"),
        "waiting_for_owner": _l("Owner not at home"),
    },
    "closed_on_spot": {
        "cleared": _l("Cleared"),
        "moved_outside": _l("Moved outside"),
        "cylinder_removed": _l("Cylinder removed"),
    },
    "escalated": {
        "overdue": _l("Past its deadline"),
        "owner_refuses": _l("Owner refuses"),
        "needs_township": _l("Needs the township's help"),
    },
}

# Where a refusal is referred (抄告): the competent departments (DOMAIN.md, "Hazard notices").
DEPARTMENTS = {
    "law_enforcement": _l("Comprehensive law enforcement team"),
    "police": _l("Police station"),
    "housing": _l("Housing and construction office"),
    "market": _l("Market regulation office"),
    "power": _l("Power supply office"),
    "gas_supplier": _l("Gas supplier"),
    "fire_brigade": _l("Fire and rescue brigade"),
}

# Whom a hazard is assigned to when it is not a person of the roster.
PARTIES = {"household": _l("The household"), "owner": _l("The owner")}

# The fixed origin of the facts the loop's migration wrote for hazards recorded before it
# (migrations/versions/0030_hazard_loop.py); with ids made from the hazard, a kiosk and the
# township migrating apart write identical rows.
MIGRATION_ORIGIN = "migration"
ACTION_NAMESPACE = uuid.UUID("5d0b6f6e-6a2b-4c8e-9a55-3030a1c0ffee")

# Receipt codes: short, read off a phone or a printed notice, no 0/O/1/I (as hydrant labels).
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 8


def receipt_code(hazard_id: str) -> str:
    """The hazard's public code, made from the random part of its id: the same wherever it is
    computed (the migration gives old hazards theirs), no counter to agree on."""
    value = uuid.UUID(hazard_id).int
    chars = []
    for _ in range(CODE_LENGTH):
        value, digit = divmod(value, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[digit])
    return "".join(chars)


class Hazard(SyncedRecord):
    __tablename__ = "hazard"
    # every count of the register joins its states to the live hazards: this answers "live?" from the
    # index alone, without reading each hazard's row. At county scale the open hazards of every village
    # are too many to look up one by one: there the summary keeps out the few deleted ones instead
    # (ix_hazard_deleted). Features count their assets' hazards by kind of subject (hydrants, station
    # items) and the hazards a patrol found since a night began.
    __table_args__ = (sa.Index("ix_hazard_live", "id", "deleted"),
                      sa.Index("ix_hazard_deleted", "id", postgresql_where=sa.text("deleted"),
                               sqlite_where=sa.text("deleted")),
                      sa.Index("ix_hazard_subject", "subject_kind", "subject_id"),
                      sa.Index("ix_hazard_source", "source", "recorded_at"))

    category: Mapped[str] = mapped_column(sa.String(24))
    source: Mapped[str] = mapped_column(sa.String(24))
    severity: Mapped[str] = mapped_column(sa.String(12), default="minor")
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
    # who recorded it: a person of the roster or township staff (None: a resident, a command)
    recorded_by_id: Mapped[str | None] = mapped_column(sa.String(36))
    recorded_by_name: Mapped[str | None] = mapped_column(sa.String(40))
    # the deadlines the township's profile gave when it was reported (a later change of the profile
    # moves no deadline already given): acknowledge by, fix by
    respond_by: Mapped[dt.datetime | None] = mapped_column()
    fix_by: Mapped[dt.datetime | None] = mapped_column()
    # the receipt code (receipt_code(id)): /R/<code>, the QR on a notice
    code: Mapped[str] = mapped_column(sa.String(8), index=True)

    # what the facts add up to on this device; read-only here (service.refresh writes it)
    state: Mapped["HazardState | None"] = relationship(
        primaryjoin=lambda: Hazard.id == foreign(HazardState.hazard_id), viewonly=True, lazy="joined",
        uselist=False)

    def __init__(self, **kwargs):
        kwargs.setdefault("id", uuid7())
        kwargs.setdefault("code", receipt_code(kwargs["id"]))
        super().__init__(**kwargs)

    @property
    def category_label(self):
        return translated(CATEGORIES).get(self.category, self.category)

    @property
    def source_label(self):
        return translated(SOURCES).get(self.source, self.source)

    @property
    def severity_label(self):
        return translated(SEVERITIES).get(self.severity, self.severity)

    # The derived state, as other features and templates ask for it
    @property
    def status(self) -> str:
        return self.state.status if self.state is not None else "reported"

    @property
    def status_label(self):
        return translated(STATUSES).get(self.status, self.status)

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES

    @property
    def due_at(self) -> dt.datetime | None:
        """The fix deadline."""
        return self.state.fix_due if self.state is not None else None

    @property
    def fixed_on_spot(self) -> bool:
        return self.status == "closed"


class HazardAction(SyncedRecord):
    """One thing that happened to a hazard after it was reported (the hazard row is the report; a
    ``reported`` fact is another resident reporting it again). Ordered by (hlc, id); ``recorded_at``
    is the device's time, a label. Which columns a kind fills: docs/hazards.md."""

    __tablename__ = "hazard_action"
    __sync_kind__ = "fact"

    hazard_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    # who: a person of the roster (person, id), township staff (staff, staff id), a resident, or the
    # system (facts written by the migration)
    actor_kind: Mapped[str] = mapped_column(sa.String(10), default="person")
    actor_id: Mapped[str | None] = mapped_column(sa.String(36))
    actor_name: Mapped[str | None] = mapped_column(sa.String(40))
    phrase: Mapped[str | None] = mapped_column(sa.String(24))
    note: Mapped[str | None] = mapped_column(sa.String(500))
    photo_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    # assigned: to a person of the roster (person, id, name, duty) or to the household or owner
    assignee_kind: Mapped[str | None] = mapped_column(sa.String(12))
    assignee_id: Mapped[str | None] = mapped_column(sa.String(36))
    assignee_name: Mapped[str | None] = mapped_column(sa.String(40))
    assignee_role: Mapped[str | None] = mapped_column(sa.String(24))
    # notice issued, listed: the fix deadline they set
    deadline: Mapped[dt.datetime | None] = mapped_column()
    # referred: to which department (DEPARTMENTS)
    department: Mapped[str | None] = mapped_column(sa.String(24))
    # listed: who answers for it
    responsible: Mapped[str | None] = mapped_column(sa.String(40))
    notice_no: Mapped[str | None] = mapped_column(sa.String(24))

    @property
    def kind_label(self):
        return ACTIONS.get(self.kind, self.kind)

    @property
    def phrase_label(self):
        if not self.phrase:
            return None
        return PHRASES.get(self.kind, {}).get(self.phrase, self.phrase)

    @property
    def department_label(self):
        return DEPARTMENTS.get(self.department, self.department) if self.department else None


class HazardState(db.Model):
    """What a hazard's facts add up to (service.derive), kept on each device so that the register
    filters and counts with indexes. Local: never replicated, rebuilt from the facts at any time
    (``flask hazards refresh``). Nothing but service.refresh writes it."""

    __tablename__ = "hazard_state"
    # a village's open hazards by deadline (the register, the badge, the board). No index on is_open
    # alone: half the rows, and SQLite (no statistics on a kiosk) would prefer it to an asset's own
    # hazards by subject
    __table_args__ = (sa.Index("ix_hazard_state_open", "village_id", "is_open", "next_due"),)

    hazard_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    village_id: Mapped[str] = mapped_column(sa.String(12), index=True)
    status: Mapped[str] = mapped_column(sa.String(12), index=True)
    is_open: Mapped[bool] = mapped_column()
    reported_at: Mapped[dt.datetime] = mapped_column()
    # the village's month of reported_at ("2026-11"), for the monthly figures
    month: Mapped[str] = mapped_column(sa.String(7), index=True)
    respond_by: Mapped[dt.datetime | None] = mapped_column()
    fix_due: Mapped[dt.datetime | None] = mapped_column()
    # the deadline the hazard waits on now (acknowledge, else fix); None once fixed or closed
    next_due: Mapped[dt.datetime | None] = mapped_column(index=True)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column()
    assignee_kind: Mapped[str | None] = mapped_column(sa.String(12))
    assignee_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    assignee_name: Mapped[str | None] = mapped_column(sa.String(40))
    assignee_role: Mapped[str | None] = mapped_column(sa.String(24))
    notice_no: Mapped[str | None] = mapped_column(sa.String(24))
    fixed_at: Mapped[dt.datetime | None] = mapped_column()
    fixed_photo_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    closed_at: Mapped[dt.datetime | None] = mapped_column()
    fixed_on_time: Mapped[bool | None] = mapped_column()
    days_to_fix: Mapped[float | None] = mapped_column()
    sent_back: Mapped[int] = mapped_column(default=0)
    listed: Mapped[bool] = mapped_column(default=False, index=True)
    listed_responsible: Mapped[str | None] = mapped_column(sa.String(40))
    listed_due: Mapped[dt.datetime | None] = mapped_column()
    referred_to: Mapped[str | None] = mapped_column(sa.String(24))
    escalated_at: Mapped[dt.datetime | None] = mapped_column()
    last_action_at: Mapped[dt.datetime] = mapped_column()
    actions: Mapped[int] = mapped_column(default=0)

    @property
    def status_label(self):
        return translated(STATUSES).get(self.status, self.status)


class HazardDeadline(SyncedRecord):
    """One line of a township's deadline profile: how long a hazard of this category and severity
    may wait to be acknowledged and to be fixed. ``village_id`` is the township's code (township-wide
    rows reach every kiosk of the township). ``category``/``severity`` empty means "any"; the most
    specific line wins. Ids are made from (township, category, severity), so a line is one row."""

    __tablename__ = "hazard_deadline"

    category: Mapped[str | None] = mapped_column(sa.String(24))
    severity: Mapped[str | None] = mapped_column(sa.String(12))
    ack_minutes: Mapped[int] = mapped_column()
    fix_days: Mapped[int] = mapped_column()
    # the profile's name, on the township's base line ("3030")
    label: Mapped[str | None] = mapped_column(sa.String(24))
