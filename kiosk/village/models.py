"""The village and the people the policy asks it to file: organisation roster and households."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..records import SyncedRecord

# Duty roles of the village fire-safety organisation (一委一站一队 at village level).
DUTIES = {
    "first_responsible": _l("First responsible person (group leader)"),
    "safety_manager": _l("Fire-safety manager"),
    "committee": _l("Committee member"),
    "grid": _l("Grid member"),
    "patrol": _l("Patrol member"),
    "volunteer": _l("Volunteer firefighter"),
}
# Duties that may manage the village's records (roster, pact, registry); the rest may record.
MANAGING_DUTIES = {"first_responsible", "safety_manager", "committee"}


class Township(db.Model):
    """Reference data, the same on every device: not replicated."""

    __tablename__ = "township"
    code: Mapped[str] = mapped_column(sa.String(9), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    county_code: Mapped[str] = mapped_column(sa.String(6))
    station_class: Mapped[int] = mapped_column(default=3)

    villages: Mapped[list["Village"]] = relationship(back_populates="township", order_by="Village.code")


class Village(db.Model):
    """A village or community; its 12-digit code is the scope of all its records."""

    __tablename__ = "village"
    code: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    township_code: Mapped[str] = mapped_column(sa.ForeignKey("township.code"), index=True)
    # village (村) or community (社区)
    kind: Mapped[str] = mapped_column(sa.String(12), default="village")

    township: Mapped[Township] = relationship(back_populates="villages")

    @property
    def full_name(self) -> str:
        return f"{self.township.name}{self.name}"


class Person(SyncedRecord):
    """A member of the village fire-safety organisation: committee, grid, patrol, volunteers."""

    __tablename__ = "person"
    name: Mapped[str] = mapped_column(sa.String(40))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    # a list of DUTIES keys
    duties: Mapped[list] = mapped_column(sa.JSON, default=list)
    # 职务: the post in the village, free text (e.g. 村支书, 村委委员)
    post: Mapped[str | None] = mapped_column(sa.String(40))
    trained: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str | None] = mapped_column(sa.String(200))

    @property
    def can_manage(self) -> bool:
        return bool(MANAGING_DUTIES & set(self.duties or []))

    def duty_labels(self) -> list[str]:
        return [str(DUTIES[d]) for d in (self.duties or []) if d in DUTIES]


class Household(SyncedRecord):
    """A household of the village: who pledges to the fire pact and who is visited door to door."""

    __tablename__ = "household"
    house_number: Mapped[str] = mapped_column(sa.String(20))
    head_name: Mapped[str] = mapped_column(sa.String(40))
    # 村民小组
    group_name: Mapped[str | None] = mapped_column(sa.String(20))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    members: Mapped[int | None] = mapped_column()
    # e.g. elderly living alone, rented out: who needs a visit first
    note: Mapped[str | None] = mapped_column(sa.String(200))
