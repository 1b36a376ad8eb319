"""Credentials, sessions and sign-in counters. Kept on the device that checks them and never
replicated: a PIN hash is no use elsewhere, and who is signed in here, and how often someone guessed
wrong here, is this device's own state."""
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


class SignInSession(db.Model):
    """Someone signed in on a browser of this device. The browser's cookie holds a random token; this
    row, found by the token's hash, says who it is. Ending the session is deleting the row."""

    __tablename__ = "sign_in_session"
    # SHA-256 of the cookie's token: whoever reads the table cannot sign in with it
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    person_id: Mapped[str | None] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    # the idle clock: seconds since boot (never the wall clock, which jumps), and which boot
    boot_id: Mapped[str] = mapped_column(sa.String(36))
    seen: Mapped[float] = mapped_column(sa.Float)
    # what the credential and the duties were at sign-in; a new PIN or new duties end the session
    stamp: Mapped[str] = mapped_column(sa.String(64))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)  # a label only


class Throttle(db.Model):
    """What someone may do only so often, under a key: failed staff sign-ins per address, per user
    name and per both (whether or not the user exists), counted and locked in one conditional UPDATE
    so that concurrent guesses cannot slip between a read and a write; and a resident's reports, one
    request at a time per sender while their count is checked."""

    __tablename__ = "throttle"
    # a keyed hash of what is counted: no address or user name in clear
    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column()
    touched_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class KnownAddress(db.Model):
    """An address a staff member signed in from (a keyed hash of it): a stranger's guesses from
    elsewhere never lock them out there."""

    __tablename__ = "staff_known_address"
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True)
    address_key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    last_ok_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
