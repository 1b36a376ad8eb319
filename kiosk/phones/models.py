"""Volunteers' phones: one-time enrolment tokens and the credentials enrolled phones hold.

Both are kept on the township server, which checks them, and never replicated (like PINs and
sessions, kiosk/auth/models.py): a credential is of no use anywhere else, and a kiosk cannot make one
that the township would believe while it is offline (docs/phones.md)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..records import utcnow
from ..village.models import Person


class PhoneEnrolment(db.Model):
    """A one-time, expiring token that turns the phone which opens it into the person's phone."""

    __tablename__ = "phone_enrolment"
    # SHA-256 of the token: whoever reads the table cannot enrol a phone with it
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"), index=True)
    village_id: Mapped[str] = mapped_column(sa.String(12))
    created_by: Mapped[str] = mapped_column(sa.String(40))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
    used_at: Mapped[dt.datetime | None] = mapped_column()

    person: Mapped[Person] = relationship()


class PhoneCredential(db.Model):
    """What an enrolled phone holds (in an httpOnly cookie): bound to one person and their village,
    checked against this row on every request, revoked by setting ``revoked_at``."""

    __tablename__ = "phone_credential"
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    # SHA-256 of the cookie's token
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    person_id: Mapped[str] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"), index=True)
    village_id: Mapped[str] = mapped_column(sa.String(12), index=True)
    # what the phone said it is when it enrolled, e.g. "Pixel 7 · Chrome" (a label for the list, never
    # trusted; service.device_label)
    device: Mapped[str] = mapped_column(sa.String(120), default="")
    enrolled_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column()
    revoked_by: Mapped[str | None] = mapped_column(sa.String(40))

    person: Mapped[Person] = relationship()
