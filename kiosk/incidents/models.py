"""Fire incidents (协助火灾扑救、火灾现场保护): a fire the village's micro station helped fight, from
the alarm to the scene handed over, with the equipment used (which opens a check of it afterwards).

The "1-3-5" response goal (DOMAIN.md, micro fire station): the micro station on the scene within
1 minute, joint teams within 3, the professional brigade within 5.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from ..records import SyncedRecord

STATION_GOAL_MINUTES = 1
JOINT_GOAL_MINUTES = 3
BRIGADE_GOAL_MINUTES = 5

WHAT_BURNED = {
    "house": _l("Dwelling"),
    "rented_housing": _l("Rented housing"),
    "mixed_use": _l("Shop or workshop with living quarters"),
    "ebike": _l("E-bike or its battery"),
    "kitchen": _l("Kitchen, gas or LPG"),
    "wiring": _l("Wiring or appliance"),
    "vehicle": _l("Vehicle"),
    "forest": _l("Hillside, forest or fields"),
    "rubbish": _l("Rubbish or straw"),
    "other": _l("Other"),
}

HANDED_TO = {
    "brigade": _l("The fire brigade"),
    "police": _l("The police station"),
    "township": _l("The township"),
    "owner": _l("The owner or household"),
    "other": _l("Someone else (named below)"),
}


class Incident(SyncedRecord):
    """One fire: when the alarm came, where, what burned, who of the station went and when they and
    the brigade reached the scene, the equipment used, to whom the scene was handed."""

    __tablename__ = "fire_incident"
    alarm_at: Mapped[dt.datetime] = mapped_column(index=True)
    place: Mapped[str] = mapped_column(sa.String(120))
    burned: Mapped[str] = mapped_column(sa.String(16), default="other")
    # [{"id": person id, "name": name}] of the roster
    responders: Mapped[list] = mapped_column(sa.JSON, default=list)
    station_arrived_at: Mapped[dt.datetime | None] = mapped_column()
    brigade_arrived_at: Mapped[dt.datetime | None] = mapped_column()
    # [{"id": station item id, "title": what it was then}]
    equipment: Mapped[list] = mapped_column(sa.JSON, default=list)
    # the check of the equipment used, opened when the incident was recorded
    station_check_id: Mapped[str | None] = mapped_column(sa.String(36))
    handed_to: Mapped[str | None] = mapped_column(sa.String(12))
    handed_to_name: Mapped[str] = mapped_column(sa.String(60), default="")
    casualties: Mapped[str] = mapped_column(sa.String(120), default="")
    note: Mapped[str] = mapped_column(sa.String(1000), default="")
    photos_sha256: Mapped[list] = mapped_column(sa.JSON, default=list)
    recorded_by_id: Mapped[str | None] = mapped_column(sa.String(36))
    recorded_by_name: Mapped[str] = mapped_column(sa.String(40), default="")

    @property
    def burned_label(self):
        return WHAT_BURNED.get(self.burned, self.burned)

    @property
    def handed_to_label(self):
        return HANDED_TO.get(self.handed_to or "", None)

    @property
    def responder_names(self) -> list[str]:
        return [p.get("name", "") for p in self.responders or []]

    def minutes_to(self, arrived: dt.datetime | None) -> float | None:
        return None if arrived is None else round((arrived - self.alarm_at).total_seconds() / 60, 1)

    @property
    def station_minutes(self) -> float | None:
        return self.minutes_to(self.station_arrived_at)

    @property
    def brigade_minutes(self) -> float | None:
        return self.minutes_to(self.brigade_arrived_at)
