"""The one store of content-addressed files (photos) on either side: ``<instance>/blobs/<sha[:2]>/<sha>``.

The application stores what people upload with :func:`put`; replication moves the same files between
devices. Partial transfers wait in ``<instance>/blobs/.incoming/`` and are checked against their hash
before they are moved in place."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app

from .tables import HEX64

# a photo is resized to ~200 KB on the device; anything far larger is not a photo from a kiosk
MAX_BLOB_BYTES = 16 * 1024 * 1024
CHUNK_BYTES = 256 * 1024


def root() -> Path:
    return Path(current_app.instance_path) / "blobs"


def path(sha: str) -> Path:
    if not HEX64.match(sha or ""):
        raise ValueError("not a sha256")
    return root() / sha[:2] / sha


def has(sha: str) -> bool:
    try:
        return path(sha).exists()
    except ValueError:
        return False


def put(data: bytes) -> str:
    """Store bytes under their hash (atomically, durably); returns the hash."""
    sha = hashlib.sha256(data).hexdigest()
    target = path(sha)
    if target.exists():
        return sha
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, target)
    return sha


def partial(sha: str, owner: str = "") -> Path:
    if not HEX64.match(sha or ""):
        raise ValueError("not a sha256")
    folder = root() / ".incoming"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / (f"{owner}-{sha}.part" if owner else f"{sha}.part")


def append(part: Path, data: bytes) -> int:
    with open(part, "ab") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
        return f.tell()


def finish(part: Path, sha: str) -> bool:
    """Move a complete partial file in place if its content matches ``sha``; drop it otherwise."""
    h = hashlib.sha256()
    with open(part, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    if h.hexdigest() != sha:
        part.unlink(missing_ok=True)
        return False
    target = path(sha)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(part, target)
    return True
