"""Hydrants (消火栓) and fire water pools (消防水池): the registry, inspections, checks and residents'
problem reports.

Registry entries are mutable entities; inspections, pool checks and reports are append-only facts.
There are no foreign keys between these tables: replication may deliver an inspection before the
hydrant it concerns, and a fact must never be refused for that.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..records import SyncedRecord

# Label codes: short, unambiguous when read off a weathered plate (no 0/O, 1/I).
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 6

STATUSES = {
    "in_service": _l("In service"),
    "defect": _l("Defect"),
    "out_of_service": _l("Out of service"),
}

HYDRANT_KINDS = {
    "above_ground": _l("Above-ground hydrant"),
    "underground": _l("Underground hydrant"),
}

WATER_SOURCES = {
    "mains": _l("Municipal water mains"),
    "pool": _l("Fire water pool"),
    "natural": _l("River, pond or well"),
    "other": _l("Other"),
}

# DOMAIN.md, outdoor hydrant inspection items. The keys are part of the record's wire shape
# (bench/gen_records.py): never rename them.
INSPECTION_ITEMS = {
    "clear_5m": _l("Accessible, nothing parked or stored within 5 m"),
    "signage": _l("Easy to see, sign in place"),
    "body": _l("Body not deformed or rusted"),
    "caps": _l("Outlet caps present and tight"),
    "leak": _l("No leak"),
    "valve": _l("Valve opens and closes smoothly with the wrench"),
    "flow": _l("Water flows when opened"),
    "drain": _l("Barrel drains after use (dry barrel)"),
    "paint": _l("Paint in good condition"),
}
ITEM_RESULTS = {"pass": _l("Pass"), "fail": _l("Fail"), "na": _l("N/A")}
RESULTS = {"ok": _l("All in order"), "defect": _l("Defect found")}

# GB 50974-2014 §14: pools' water level monthly; in winter, ice checks.
POOL_CHECK_KINDS = {"level": _l("Monthly water-level check"), "ice": _l("Winter ice check")}
WATER_LEVELS = {"full": _l("Full"), "low": _l("Below normal level"), "empty": _l("Empty or nearly empty")}
ICE_STATES = {"none": _l("No ice"), "thin": _l("Thin ice, broken on the spot"),
              "frozen": _l("Frozen, water cannot be drawn")}

PROBLEMS = {
    "leaking": _l("Leaking"),
    "blocked": _l("Blocked or buried"),
    "cap_missing": _l("Cap missing"),
    "damaged": _l("Damaged"),
    "no_water": _l("No water"),
    "other": _l("Other problem"),
}


class WaterAsset:
    """What a hydrant and a pool have in common: a label code, a place, a status (columns are
    declared on each table), a ``title`` (what it is) and a ``display_name`` (which one)."""

    @property
    def status_label(self):
        return STATUSES.get(self.status, self.status)


class Hydrant(WaterAsset, SyncedRecord):
    __tablename__ = "hydrant"
    asset_kind = "hydrant"
    title = _l("Fire hydrant")

    code: Mapped[str] = mapped_column(sa.String(8), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(16), default="above_ground")
    # e.g. "DN100×1, DN65×2"
    outlets: Mapped[str] = mapped_column(sa.String(40), default="")
    location: Mapped[str] = mapped_column(sa.String(200))
    latitude: Mapped[float | None] = mapped_column()
    longitude: Mapped[float | None] = mapped_column()
    water_source: Mapped[str] = mapped_column(sa.String(16), default="mains")
    status: Mapped[str] = mapped_column(sa.String(16), default="in_service")
    # set when a resident reports a problem; cleared by the next inspection or by the committee
    reported_at: Mapped[dt.datetime | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(sa.String(200))

    @property
    def display_name(self) -> str:
        return self.location

    @property
    def kind_label(self):
        return HYDRANT_KINDS.get(self.kind, self.kind)

    @property
    def water_source_label(self):
        return WATER_SOURCES.get(self.water_source, self.water_source)


class WaterPool(WaterAsset, SyncedRecord):
    __tablename__ = "water_pool"
    asset_kind = "pool"
    title = _l("Fire water pool")

    code: Mapped[str] = mapped_column(sa.String(8), unique=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    capacity_m3: Mapped[float | None] = mapped_column()
    location: Mapped[str] = mapped_column(sa.String(200))
    latitude: Mapped[float | None] = mapped_column()
    longitude: Mapped[float | None] = mapped_column()
    status: Mapped[str] = mapped_column(sa.String(16), default="in_service")
    reported_at: Mapped[dt.datetime | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(sa.String(200))

    @property
    def display_name(self) -> str:
        return self.name


class HydrantInspection(SyncedRecord):
    """One inspection of one hydrant, item by item. Shaped like the sync benchmark's records:
    ``items`` maps each of INSPECTION_ITEMS to pass|fail|na."""

    __tablename__ = "hydrant_inspection"
    __sync_kind__ = "fact"
    # a hydrant's inspections in time order (service.refresh_checks reads them per hydrant); its latest
    # inspection (its state, the plot, the badge) is the first entry of the second, not every
    # inspection of five years grouped
    __table_args__ = (sa.Index("ix_hydrant_inspection_hydrant_id_recorded_at", "hydrant_id", "recorded_at"),
                      sa.Index("ix_hydrant_inspection_latest", "hydrant_id", "deleted", "recorded_at", "id"))

    hydrant_id: Mapped[str] = mapped_column(sa.String(36))
    inspector_id: Mapped[str | None] = mapped_column(sa.String(36))
    inspector_name: Mapped[str | None] = mapped_column(sa.String(40))
    items: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # {item: note} and {item: photo hash}, only for the items that have one
    item_notes: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    item_photos_sha256: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    pressure_mpa: Mapped[float | None] = mapped_column()
    result: Mapped[str] = mapped_column(sa.String(8))
    note: Mapped[str] = mapped_column(sa.String(500), default="")

    @property
    def result_label(self):
        return RESULTS.get(self.result, self.result)

    @property
    def failed_items(self) -> list[str]:
        return [k for k in INSPECTION_ITEMS if (self.items or {}).get(k) == "fail"]


class PoolCheck(SyncedRecord):
    """A water-level check (monthly) or an ice check (winter) of a fire water pool."""

    __tablename__ = "water_pool_check"
    __sync_kind__ = "fact"
    # in time order, and a pool's latest water-level check, like a hydrant's
    __table_args__ = (sa.Index("ix_water_pool_check_pool_id_recorded_at", "pool_id", "recorded_at"),
                      sa.Index("ix_water_pool_check_latest", "pool_id", "deleted", "check_kind", "recorded_at", "id"))

    pool_id: Mapped[str] = mapped_column(sa.String(36))
    inspector_id: Mapped[str | None] = mapped_column(sa.String(36))
    inspector_name: Mapped[str | None] = mapped_column(sa.String(40))
    check_kind: Mapped[str] = mapped_column(sa.String(8))
    water_level: Mapped[str | None] = mapped_column(sa.String(8))
    ice: Mapped[str | None] = mapped_column(sa.String(8))
    result: Mapped[str] = mapped_column(sa.String(8))
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    photo_sha256: Mapped[str | None] = mapped_column(sa.String(64))

    @property
    def result_label(self):
        return RESULTS.get(self.result, self.result)

    @property
    def check_kind_label(self):
        return POOL_CHECK_KINDS.get(self.check_kind, self.check_kind)

    @property
    def finding_label(self):
        if self.check_kind == "ice":
            return ICE_STATES.get(self.ice or "", self.ice)
        return WATER_LEVELS.get(self.water_level or "", self.water_level)


class ProblemReport(SyncedRecord):
    """A resident's report of a problem with a hydrant or pool, filed from the label's QR code."""

    __tablename__ = "water_problem_report"
    __sync_kind__ = "fact"

    # "hydrant" or "pool"
    asset_kind: Mapped[str] = mapped_column(sa.String(8))
    asset_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    problem: Mapped[str] = mapped_column(sa.String(16))
    description: Mapped[str] = mapped_column(sa.String(500), default="")
    reporter_phone: Mapped[str | None] = mapped_column(sa.String(20))
    photo_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    # a keyed hash of the sender's address, for rate limiting; not the address itself
    client_key: Mapped[str] = mapped_column(sa.String(64), index=True)
    hazard_id: Mapped[str | None] = mapped_column(sa.String(36))

    @property
    def problem_label(self):
        return PROBLEMS.get(self.problem, self.problem)


class InspectionIntervals(SyncedRecord):
    """How often a township wants its villages' hydrants and pools checked. A township-wide row:
    ``village_id`` holds the 9-digit township code. Without one, the defaults apply."""

    __tablename__ = "water_inspection_interval"

    hydrant_months: Mapped[int] = mapped_column(default=3)
    pool_months: Mapped[int] = mapped_column(default=1)


# ---- what the checks add up to, kept locally (service.refresh_checks) ------------------------------

class CheckMonth(db.Model):
    """The latest check of a hydrant (kind ``hydrant``) or pool (its check kind, ``level`` or ``ice``)
    in each of the village's calendar months it was checked: one row where the facts have dozens, in
    the shape the reporting rates read (kiosk.supervision.rates.once_every). Local: never
    replicated, derived from the facts in the transaction that writes them (a form, or sync's
    ``on_applied``), rebuilt at any time by ``flask hydrants refresh``."""

    __tablename__ = "water_check_month"
    __table_args__ = (sa.Index("ix_water_check_month_village_id_kind_month", "village_id", "kind", "month"),)

    asset_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    # the village's month of the checks ("2026-11")
    month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    village_id: Mapped[str] = mapped_column(sa.String(12))
    last_at: Mapped[dt.datetime] = mapped_column()


class LatestCheck(db.Model):
    """The latest check of each hydrant or pool (kinds as CheckMonth's): what the township's village
    summary and the due dates read instead of every inspection. Local and derived like CheckMonth."""

    __tablename__ = "water_check_latest"

    asset_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    village_id: Mapped[str] = mapped_column(sa.String(12), index=True)
    last_at: Mapped[dt.datetime] = mapped_column()
