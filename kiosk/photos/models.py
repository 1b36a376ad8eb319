"""Photos a phone takes for a kiosk's record, through the QR the kiosk shows beside a photo button.

- ``PhotoToken`` (township-local, never replicated, like phone enrolments): what the QR carries, bound
  to one village, one record (its kind and id) and one photo field, for a few uses and a few minutes.
  The township makes it (it is the one the phone reaches), on the kiosk's sync credential.
- ``PhonePhoto`` (a replicated fact in the village's scope): the photo the phone sent, for that
  record's field. It reaches the kiosk by the ordinary sync, its file with it (``photo_sha256``
  names the blob, so the blob is served to the village's kiosks and no one else's).

The record id is the kiosk form's ``client_id``: the id the record gets when the form is saved, so the
photo may arrive before or after the record itself.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..records import SyncedRecord, utcnow


class PhotoToken(db.Model):
    __tablename__ = "photo_token"
    # SHA-256 of the token: whoever reads the table cannot send photos with it
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    village_id: Mapped[str] = mapped_column(sa.String(12), index=True)
    record_kind: Mapped[str] = mapped_column(sa.String(40))
    record_id: Mapped[str] = mapped_column(sa.String(36))
    field: Mapped[str] = mapped_column(sa.String(40))
    requested_by: Mapped[str] = mapped_column(sa.String(40), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    expires_at: Mapped[dt.datetime] = mapped_column()
    # photos it may still bring (one for a one-photo field, a few for a field that takes several)
    uses_left: Mapped[int] = mapped_column(default=1)
    # uploads tried with it, stored or refused: a token stops taking tries after a few (hostile phones)
    attempts: Mapped[int] = mapped_column(default=0)


class PhonePhoto(SyncedRecord):
    __tablename__ = "phone_photo"
    __sync_kind__ = "fact"
    record_kind: Mapped[str] = mapped_column(sa.String(40))
    record_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    field: Mapped[str] = mapped_column(sa.String(40))
    photo_sha256: Mapped[str] = mapped_column(sa.String(64))
    # who asked for the QR at the kiosk (a label)
    requested_by: Mapped[str] = mapped_column(sa.String(40), default="")
