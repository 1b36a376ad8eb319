"""A stored photo, by its hash, for the people who keep the records."""
from __future__ import annotations

from flask import Blueprint, abort, send_file

from sync import blobs

from ..auth import role_required

bp = Blueprint("photos", __name__)


@bp.get("/blobs/<sha256>")
@role_required("record")
def blob(sha256: str):
    if not blobs.has(sha256):
        abort(404)
    return send_file(blobs.path(sha256), mimetype="image/jpeg", max_age=31536000, etag=sha256)
