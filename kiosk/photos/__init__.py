"""Photos people take (hydrant inspections, residents' reports, hazards): checked and shrunk on the
device, then kept in the one content-addressed blob store. Features call :func:`store_photo` (or
:func:`store_photo_of` for a form's file field) and keep the hash it returns; ``/blobs/<sha256>``
shows a stored photo to those who keep the records."""
from __future__ import annotations

from flask import Flask

from . import views
from .service import MAX_UPLOAD_BYTES, PhotoError, store_photo, store_photo_of, store_photos_of, too_large_message

__all__ = ["MAX_UPLOAD_BYTES", "PhotoError", "store_photo", "store_photo_of", "store_photos_of", "too_large_message"]


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    # photo pickers refuse a file over the limit before it is sent
    app.jinja_env.globals.update(photo_max_bytes=MAX_UPLOAD_BYTES, photo_too_large=too_large_message)
