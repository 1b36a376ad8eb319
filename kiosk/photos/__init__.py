"""Photos and other files, stored content-addressed by SHA-256 in ``<instance>/blobs``.

Records keep only the hash; the file travels apart from the record (sync), is stored once however
often it is referenced, and is resized here on the device so that a 4G link carries ~200 KB, not 8 MB.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, send_file
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from ..auth import role_required

bp = Blueprint("photos", __name__)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_EDGE = 1600
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
Image.MAX_IMAGE_PIXELS = 40_000_000  # a decompression bomb is refused, not decoded


class PhotoError(ValueError):
    """A translated reason why an upload is not a usable photo."""


def blob_dir() -> Path:
    return Path(current_app.instance_path) / "blobs"


def blob_path(sha256: str) -> Path:
    if not _HEX64.match(sha256 or ""):
        raise ValueError("not a sha256")
    return blob_dir() / sha256[:2] / sha256


def put_blob(data: bytes) -> str:
    """Store bytes under their hash (atomically, durably); returns the hash."""
    sha = hashlib.sha256(data).hexdigest()
    path = blob_path(sha)
    if path.exists():
        return sha
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return sha


def has_blob(sha256: str) -> bool:
    try:
        return blob_path(sha256).exists()
    except ValueError:
        return False


def store_photo(upload) -> str:
    """Check, shrink and store an uploaded photo (a werkzeug FileStorage); returns its hash.

    Raises :class:`PhotoError` with a message for the person holding the phone.
    """
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoError(_("The photo is too large (at most %(mb)d MB).", mb=MAX_UPLOAD_BYTES // (1024 * 1024)))
    if not data:
        raise PhotoError(_("The photo is empty."))
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
    return put_blob(out.getvalue())


@bp.get("/blobs/<sha256>")
@role_required("record")
def blob(sha256: str):
    try:
        path = blob_path(sha256)
    except ValueError:
        abort(404)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype="image/jpeg", max_age=31536000, etag=sha256)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
