"""Photos people take, checked and shrunk here, then kept in the one content-addressed blob store
(``sync.blobs``).

Records keep only the hash; the file travels apart from the record (sync), is stored once however
often it is referenced, and is resized here on the device so that a 4G link carries ~200 KB, not 8 MB.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import secrets
import uuid

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from sync import blobs

from ..extensions import db
from ..records import utcnow
from .models import PhonePhoto, PhotoToken

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_EDGE = 1600
MAX_IMAGE_PIXELS = 40_000_000  # a decompression bomb is refused, not decoded


class PhotoError(ValueError):
    """A translated reason why an upload is not a usable photo."""


class PhotoTooLarge(PhotoError):
    """The upload is over MAX_UPLOAD_BYTES (a 413, where the caller answers with a status)."""


def too_large_message() -> str:
    return _("The photo is too large (at most %(mb)d MB).", mb=MAX_UPLOAD_BYTES // (1024 * 1024))


def store_photo(upload) -> str:
    """Check, shrink and store an uploaded photo (a werkzeug FileStorage); returns its hash.

    Raises :class:`PhotoError` with a message for the person holding the phone.
    """
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoTooLarge(too_large_message())
    if not data:
        raise PhotoError(_("The photo is empty."))
    # Pillow is imported when a photo comes, not with the kiosk's pages (memory on a Raspberry Pi)
    from PIL import Image, ImageOps, UnidentifiedImageError
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))
        if image.format not in ("JPEG", "PNG", "WEBP", "HEIF", "MPO"):
            raise PhotoError(_("This file is not a photo. Use a JPEG or PNG picture."))
        image = ImageOps.exif_transpose(image)  # phones store rotation in EXIF, which we strip
        image = image.convert("RGB")
        image.thumbnail((MAX_EDGE, MAX_EDGE))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        raise PhotoError(_("This file is not a photo. Use a JPEG or PNG picture."))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, optimize=True)
    return blobs.put(out.getvalue())


def store_photo_of(field, record_id: str | None = None) -> str | None:
    """Store the photo chosen in a form's file field and return its hash; None when none was chosen.
    A file that is not a usable photo puts its reason on the field instead (the form then has errors).

    With ``record_id`` (the form's ``client_id``), a photo a phone sent for this field through the
    QR, and that has reached the kiosk by sync, counts as chosen when no file was."""
    upload = field.data
    if not upload or not getattr(upload, "filename", ""):
        sent = from_phones(record_id, field.name) if record_id else []
        return sent[-1].photo_sha256 if sent else None
    try:
        return store_photo(upload)
    except PhotoError as error:
        field.errors = list(field.errors) + [str(error)]
        return None


def store_photos_of(field, record_id: str | None = None) -> list[str]:
    """Store every photo chosen in a form's multiple-file field and return their hashes; a file that is
    not a usable photo puts its reason on the field (the form then has errors) and the others are kept.
    With ``record_id``, the photos phones sent for this field come first (as for :func:`store_photo_of`)."""
    stored = [p.photo_sha256 for p in from_phones(record_id, field.name)] if record_id else []
    for upload in field.data or []:
        if getattr(upload, "filename", ""):
            try:
                stored.append(store_photo(upload))
            except PhotoError as error:
                field.errors = list(field.errors) + [str(error)]
    return stored


# ---- photos from a phone, through the kiosk's QR ----------------------------------------------------
#
# The township makes the token (the phone reaches the township, never the kiosk on its loopback), on
# the kiosk's sync credential, as it makes phone enrolments (docs/phones.md). The photo becomes a
# PhonePhoto fact in the village's scope and reaches the kiosk by sync.

# what a phone may send a photo for: the record's table, and who may ask at the kiosk (None: anyone
# at the screen, for the residents' report)
PHOTO_KINDS = {
    "hazard": "record",  # a patrol's finding
    "hazard_action": "record",  # a step of the hazard loop (the after-photo of a fix…)
    "hydrant_inspection": "record",
    "water_pool_check": "record",
    "water_problem_report": None,
    "warning_answer": "manage",
    "fire_incident": "record",
    "publicity_activity": "record",
}
# what the phone's page says the photo is for
KIND_LABELS = {
    "hazard": _l("A hazard found on patrol"),
    "hazard_action": _l("A hazard: a step of its handling"),
    "hydrant_inspection": _l("Hydrant inspection"),
    "water_pool_check": _l("A fire water pool's check"),
    "water_problem_report": _l("A report of a problem with a hydrant"),
    "warning_answer": _l("The answer to a township warning"),
    "fire_incident": _l("A fire incident"),
    "publicity_activity": _l("A publicity activity"),
}
# a form's photo field: ``photo``, ``photos`` or ``photo_<item>`` (an inspection item's photo)
FIELD_NAME = re.compile(r"photos?(_[a-z0-9_]{1,30})?")
PHOTOS_PER_TOKEN = {"photos": 6}  # fields that take several; the others take one
TOKEN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # upper case without 0/O/1/I: alphanumeric QR
TOKEN_LENGTH = 20  # 100 bits
TOKEN_MINUTES = 20
ATTEMPTS_PER_TOKEN = 10
# tokens one village may have made in TOKEN_WINDOW: a screen tapped on and on, or a stolen sync
# credential, cannot fill the table. Read, then written: concurrent requests may pass it by a few.
TOKENS_PER_WINDOW = 60
TOKEN_WINDOW = dt.timedelta(minutes=10)
ASK_TIMEOUT_SECONDS = 10


class TokenRefused(ValueError):
    """Why the township will not make a token: ``code`` for the kiosk, the status to answer with."""

    def __init__(self, code: str, status: int):
        super().__init__(code)
        self.code, self.status = code, status


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_token(text: str | None) -> str:
    return (text or "").strip().upper()[:40]


def valid_record_id(value: str | None) -> str | None:
    try:
        return str(uuid.UUID(value or ""))
    except (ValueError, AttributeError, TypeError):
        return None


def valid_target(kind: str | None, record_id: str | None, field: str | None) -> tuple[str, str, str] | None:
    """(kind, record id, field) when each is one a photo may be sent for, else None."""
    record_id = valid_record_id(record_id)
    if kind not in PHOTO_KINDS or record_id is None or not field or not FIELD_NAME.fullmatch(field):
        return None
    return kind, record_id, field


def new_token(village_code: str, kind: str | None, record_id: str | None, field: str | None,
              requested_by: str) -> tuple[PhotoToken, str]:
    """A token for one photo field of one record of ``village_code``; returns (row, token). Only its
    hash is stored. Raises :class:`TokenRefused`."""
    target = valid_target(kind, record_id, field)
    if target is None:
        raise TokenRefused("malformed", 400)
    kind, record_id, field = target
    table = db.metadata.tables[kind]
    owner = db.session.scalar(sa.select(table.c.village_id).where(table.c.id == record_id))
    if owner is not None and owner != village_code:
        raise TokenRefused("other_village", 404)  # an id that names another village's record
    recent = db.session.scalar(sa.select(sa.func.count()).select_from(PhotoToken).where(
        PhotoToken.village_id == village_code, PhotoToken.created_at > utcnow() - TOKEN_WINDOW))
    if recent >= TOKENS_PER_WINDOW:
        raise TokenRefused("too_many", 429)
    token = "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))
    minutes = current_app.config.get("PHOTO_TOKEN_MINUTES", TOKEN_MINUTES)
    row = PhotoToken(id=_hash(token), village_id=village_code, record_kind=kind, record_id=record_id, field=field,
                     requested_by=(requested_by or "")[:40], expires_at=utcnow() + dt.timedelta(minutes=minutes),
                     uses_left=PHOTOS_PER_TOKEN.get(field, 1))
    db.session.add(row)
    return row, token


def token_row(token: str) -> PhotoToken | None:
    return db.session.get(PhotoToken, _hash(normalise_token(token)))


def open_token(token: str) -> PhotoToken | None:
    """The token's row while it may still bring a photo (unexpired, uses left), else None."""
    row = token_row(token)
    if row is None or row.uses_left <= 0 or row.expires_at <= utcnow():
        return None
    return row


def count_attempt(token: str) -> PhotoToken | None:
    """Count one upload tried with the token (one conditional UPDATE: concurrent tries each count);
    None when the token is unknown, spent, expired or has had its tries."""
    claimed = db.session.execute(
        sa.update(PhotoToken)
        .where(PhotoToken.id == _hash(normalise_token(token)), PhotoToken.uses_left > 0,
               PhotoToken.expires_at > utcnow(), PhotoToken.attempts < ATTEMPTS_PER_TOKEN)
        .values(attempts=PhotoToken.attempts + 1)
        .returning(PhotoToken.id)).first()
    return db.session.get(PhotoToken, claimed.id) if claimed else None


def attach(row: PhotoToken, photo_sha256: str) -> PhonePhoto | None:
    """The photo, for the token's record only; None when the token was spent meanwhile (the UPDATE
    that takes one use is the check, so two photos sent at once with a one-photo token keep one)."""
    spent = db.session.execute(
        sa.update(PhotoToken).where(PhotoToken.id == row.id, PhotoToken.uses_left > 0)
        .values(uses_left=PhotoToken.uses_left - 1).returning(PhotoToken.id)).first()
    if spent is None:
        return None
    photo = PhonePhoto(village_id=row.village_id, record_kind=row.record_kind, record_id=row.record_id,
                       field=row.field, photo_sha256=photo_sha256, requested_by=row.requested_by)
    db.session.add(photo)
    return photo


def from_phones(record_id: str | None, field: str | None = None) -> list[PhonePhoto]:
    """The photos phones sent for this record (of this village: another's never resolve), oldest first."""
    from ..context import current_village
    village = current_village()
    if not record_id or len(record_id) > 36 or village is None:
        return []
    query = PhonePhoto.live().where(PhonePhoto.record_id == record_id, PhonePhoto.village_id == village.code)
    if field is not None:
        query = query.where(PhonePhoto.field == field)
    return db.session.scalars(query.order_by(PhonePhoto.hlc, PhonePhoto.id)).all()


def ask_township(kind: str, record_id: str, field: str, by: str) -> tuple[dict | None, str | None]:
    """The kiosk asks the township for a token: (its answer, None), or (None, why there is none)."""
    from ..syncui.service import township_credential
    credential = township_credential()
    if credential is None:
        return None, _("This kiosk is not connected to a township server, so a phone cannot send the photo. "
                       "Use the photo button.")
    server, headers = credential
    import requests  # only when the township is asked (memory on a Raspberry Pi)
    try:
        answer = requests.post(f"{server}/photo/api/kiosk-tokens", headers=headers, timeout=ASK_TIMEOUT_SECONDS,
                               data={"kind": kind, "record_id": record_id, "field": field, "by": by})
    except requests.RequestException:
        answer = None
    if answer is not None and answer.status_code == 201:
        return answer.json(), None
    if answer is not None and answer.status_code == 429:
        return None, _("Many photo codes were made just now. Wait a few minutes, or use the photo button.")
    return None, _("The township cannot be reached now, so a phone cannot send the photo. Use the photo button "
                   "(a camera or a USB stick), or try again when the status bar says synced.")
