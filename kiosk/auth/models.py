"""Credentials. Kept on the device that checks them and never replicated: a PIN hash is no use
elsewhere, and lockout counters are local state."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..records import utcnow

from ..village.models import Person


class KioskPin(db.Model):
    """A person's PIN for signing in at this kiosk."""

    __tablename__ = "kiosk_pin"
    person_id: Mapped[str] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    pin_hash: Mapped[str] = mapped_column(sa.String(200))
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column()
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship()


class StaffUser(db.Model):
    """Township station staff: sign in with a password on the township server."""

    __tablename__ = "staff_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    township_code: Mapped[str] = mapped_column(sa.ForeignKey("township.code"))
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column()
    active: Mapped[bool] = mapped_column(default=True)
