"""Photos people take, checked and shrunk here, then kept in the one content-addressed blob store
(``sync.blobs``).

Records keep only the hash; the file travels apart from the record (sync), is stored once however
often it is referenced, and is resized here on the device so that a 4G link carries ~200 KB, not 8 MB.
"""
from __future__ import annotations

import io

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from sync import blobs

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_EDGE = 1600
Image.MAX_IMAGE_PIXELS = 40_000_000  # a decompression bomb is refused, not decoded


class PhotoError(ValueError):
    """A translated reason why an upload is not a usable photo."""


def too_large_message() -> str:
    return _("The photo is too large (at most %(mb)d MB).", mb=MAX_UPLOAD_BYTES // (1024 * 1024))


def store_photo(upload) -> str:
    """Check, shrink and store an uploaded photo (a werkzeug FileStorage); returns its hash.

    Raises :class:`PhotoError` with a message for the person holding the phone.
    """
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoError(too_large_message())
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
    return blobs.put(out.getvalue())


def store_photo_of(field) -> str | None:
    """Store the photo chosen in a form's file field and return its hash; None when none was chosen.
    A file that is not a usable photo puts its reason on the field instead (the form then has errors)."""
    upload = field.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    try:
        return store_photo(upload)
    except PhotoError as error:
        field.errors = list(field.errors) + [str(error)]
        return None


def store_photos_of(field) -> list[str]:
    """Store every photo chosen in a form's multiple-file field and return their hashes; a file that is
    not a usable photo puts its reason on the field (the form then has errors) and the others are kept."""
    stored = []
    for upload in field.data or []:
        if getattr(upload, "filename", ""):
            try:
                stored.append(store_photo(upload))
            except PhotoError as error:
                field.errors = list(field.errors) + [str(error)]
    return stored
