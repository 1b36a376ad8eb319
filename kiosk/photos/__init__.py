"""Photos people take (hydrant inspections, residents' reports, hazards): checked and shrunk on the
device, then kept in the one content-addressed blob store. Features call :func:`store_photo` (or
:func:`store_photo_of` for a form's file field) and keep the hash it returns; ``/blobs/<sha256>``
shows a stored photo to those who keep the records.

Beside a kiosk's photo button, "take it with a phone" shows a QR: the phone that scans it sends the
photo to the township, bound to that record's field, and it reaches the kiosk by sync (models.py,
templates/photos/_macros.html). Features pass the form's ``client_id`` to :func:`store_photo_of`, so
that a photo from a phone counts as the one chosen."""
from __future__ import annotations

from flask import Flask

from sync import blobs

from . import models, views  # noqa: F401  (models: the tables replicate)
from .service import (MAX_UPLOAD_BYTES, PhotoError, from_phones, store_photo, store_photo_of, store_photos_of,
                      too_large_message)

__all__ = ["MAX_UPLOAD_BYTES", "PhotoError", "from_phones", "store_photo", "store_photo_of", "store_photos_of",
           "too_large_message"]


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    # the phone reaches the township, never a kiosk on its loopback: each role has its half
    app.register_blueprint(views.township_bp if app.config["KIOSK_ROLE"] == "township" else views.kiosk_bp)
    # photo pickers refuse a file over the limit before it is sent
    app.jinja_env.globals.update(photo_max_bytes=MAX_UPLOAD_BYTES, photo_too_large=too_large_message,
                                 photos_from_phones=from_phones, photo_here=blobs.has)
