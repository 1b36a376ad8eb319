"""A stored photo, by its hash, for the people who keep the records; and photos a phone takes for a
kiosk's record through a QR.

- the kiosk (``photos_kiosk``): "take it with a phone" beside a photo button asks the township for a
  token (on the kiosk's sync credential: the township is the one the phone reaches) and shows its QR,
  then polls the field's photo area until the photo has come by sync;
- the township (``photos_phone``): the kiosk's request for a token, and the page the QR opens on the
  phone (it works in WeChat's browser: no service worker, one form; a script shrinks the photo first).
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

import sync
from sync import blobs

from ..auth import may, role_required
from ..context import acting_person
from ..devices.service import kiosk_village
from ..extensions import csrf, db
from ..qr import public_url, symbol_svg
from ..village.models import Village
from ..web import passive, public
from . import service
from .service import PHOTO_KINDS, PhotoError, PhotoTooLarge, TokenRefused

bp = Blueprint("photos", __name__)
kiosk_bp = Blueprint("photos_kiosk", __name__)
township_bp = Blueprint("photos_phone", __name__)

POLL_SECONDS = 4


@bp.get("/blobs/<sha256>")
@role_required("record")
def blob(sha256: str):
    if not blobs.has(sha256):
        abort(404)
    return send_file(blobs.path(sha256), mimetype="image/jpeg", max_age=31536000, etag=sha256)


# ---- the kiosk: a QR beside the photo button ------------------------------------------------------

def _target_or_4xx(values) -> tuple[str, str, str]:
    target = service.valid_target(values.get("kind"), values.get("record_id"), values.get("field"))
    if target is None:
        abort(400)
    role = PHOTO_KINDS[target[0]]
    if role is not None and not may(role):
        abort(403)
    return target


@kiosk_bp.post("/photos/phone")
@public  # who may ask depends on the record (a resident's report needs no one signed in): checked above
def ask_phone():
    kind, record_id, field = _target_or_4xx(request.form)
    answer, problem = service.ask_township(kind, record_id, field, acting_person().name or "")
    url = answer.get("url") if answer else None
    if url:
        sync.request_sync_now()  # the photo comes back by sync: the worker starts watching at once
    minutes = int(answer.get("minutes", service.TOKEN_MINUTES)) if answer else 0
    return render_template("photos/_phone.html", kind=kind, record_id=record_id, field=field, url=url,
                           problem=problem, qr=symbol_svg(url, "qr photo-phone-qr") if url else None,
                           minutes=minutes, polls=minutes * 60 // POLL_SECONDS, photos=service.from_phones(record_id, field),
                           poll_seconds=POLL_SECONDS)


@kiosk_bp.get("/photos/phone/<kind>/<record_id>/<field>")
@public
@passive  # the page polls it by itself: it keeps no one signed in
def arrived(kind: str, record_id: str, field: str):
    kind, record_id, field = _target_or_4xx({"kind": kind, "record_id": record_id, "field": field})
    photos = service.from_phones(record_id, field)
    polls = max(0, min(request.args.get("polls", 0, type=int), 3600))
    # one photo is all a one-photo field takes (once its file is here too); a field that takes several
    # is watched until the QR expires
    here = bool(photos) and all(blobs.has(p.photo_sha256) for p in photos)
    done = polls <= 0 or (here and field not in service.PHOTOS_PER_TOKEN)
    if not done:
        sync.request_sync_now()  # someone is waiting at the screen: sync now rather than in minutes
    return render_template("photos/_arrived.html", kind=kind, record_id=record_id, field=field, photos=photos,
                           polls=polls - 1, done=done, poll_seconds=POLL_SECONDS)


# ---- the township: tokens for kiosks, the page the phone opens ----------------------------------------

@township_bp.post("/photo/api/kiosk-tokens")
@csrf.exempt  # a kiosk's server-to-server request, on its sync credential
@public
def kiosk_token():
    village_code = kiosk_village(request.headers.get("Authorization"))
    if village_code is None:
        return jsonify(error="not_a_kiosk"), 401
    try:
        row, token = service.new_token(village_code, request.form.get("kind"), request.form.get("record_id"),
                                       request.form.get("field"), request.form.get("by") or "")
    except TokenRefused as refused:
        return jsonify(error=refused.code), refused.status
    db.session.commit()
    minutes = current_app.config.get("PHOTO_TOKEN_MINUTES", service.TOKEN_MINUTES)
    return jsonify(url=public_url(f"PHOTO/{token}"), minutes=minutes, uses=row.uses_left,
                   expires_at=row.expires_at.isoformat()), 201


def _take_page(token: str, row, status: int = 200, error: str | None = None):
    village = db.session.get(Village, row.village_id) if row is not None else None
    return render_template("photos/take.html", row=row, village=village, error=error,
                           what=service.KIND_LABELS.get(row.record_kind) if row is not None else None,
                           action=url_for("photos_phone.take", token=service.normalise_token(token)),
                           max_bytes=service.MAX_UPLOAD_BYTES), status


@township_bp.route("/photo/<token>", methods=["GET", "POST"])
@township_bp.route("/PHOTO/<token>", methods=["GET", "POST"])  # what the upper-case QR asks for
@csrf.exempt  # the token in the address is the credential: a page elsewhere cannot know it
@public
def take(token: str):
    if request.method == "GET":
        row = service.open_token(token)
        return _take_page(token, row, 200 if row else 410)
    row = service.count_attempt(token)
    if row is None:
        spent = service.open_token(token)  # still open: it has had its tries
        return _take_page(token, None, 429 if spent else 410)
    db.session.commit()  # the try counts, whatever the file turns out to be
    try:
        sha = service.store_photo(request.files.get("photo") or _NoFile())
    except PhotoTooLarge as error:
        return _take_page(token, row, 413, str(error))
    except PhotoError as error:
        return _take_page(token, row, 422, str(error))
    if service.attach(row, sha) is None:
        db.session.rollback()
        return _take_page(token, None, 410)
    db.session.commit()
    return redirect(url_for("photos_phone.sent", token=service.normalise_token(token)), 303)


@township_bp.get("/photo/<token>/sent")
@public
def sent(token: str):
    row = service.token_row(token)
    if row is None:
        abort(404)
    return render_template("photos/sent.html", row=row, more=row.uses_left > 0 and service.open_token(token),
                           again=url_for("photos_phone.take", token=service.normalise_token(token)))


@township_bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    """Over the request limit (a phone with no script sends the camera's file as it is): say so."""
    token = (request.view_args or {}).get("token", "")
    return _take_page(token, service.open_token(token), 413, service.too_large_message())


class _NoFile:
    """What the form sent when it sent no file: empty, refused as such by the photo store."""

    filename = ""

    def read(self, size: int = -1) -> bytes:
        return b""
