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


# what a staff account oversees: its own township, or every township of its township's county
STAFF_SCOPES = ("township", "county")


class StaffUser(db.Model):
    """Township station staff: sign in with a password on the township server. A county account
    (``scope == "county"``) belongs to a township too but oversees all of that county's townships."""

    __tablename__ = "staff_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    township_code: Mapped[str] = mapped_column(sa.ForeignKey("township.code"))
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column()
    active: Mapped[bool] = mapped_column(default=True)
    scope: Mapped[str] = mapped_column(sa.String(8), default="township", server_default="township")

    @property
    def is_county(self) -> bool:
        return self.scope == "county"

    def oversees(self, township_code: str | None) -> bool:
        """Whether this account may see the township's villages. Statistics codes nest: a township's
        nine digits begin with its county's six."""
        if not township_code:
            return False
        if self.is_county:
            return township_code[:6] == self.township_code[:6]
        return township_code == self.township_code
