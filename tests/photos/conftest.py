"""A kiosk of 城东村 enrolled with the township (tests/sync/conftest.py: real servers over loopback),
and what a phone does with the QR the kiosk shows beside a photo button."""
from __future__ import annotations

import io
import random
import re

from PIL import Image

from kiosk.extensions import db
from tests.sync.conftest import kiosk, make_kiosk, sync_db, township  # noqa: F401  (fixtures)


def bearer(kiosk) -> dict:
    """The kiosk's own sync credential, as it sends it to the township."""
    from sync.models import SyncState
    with kiosk.ctx():
        state = db.session.get(SyncState, 1)
        return {"Authorization": f"Bearer {state.device_id}:{state.token}"}


def token_for(township, headers: dict, record_id: str, kind: str = "hazard_action", field: str = "photo"):
    """What the kiosk asks the township for when someone taps "take it with a phone"."""
    return township.app.test_client().post("/photo/api/kiosk-tokens", headers=headers,
                                           data={"kind": kind, "record_id": record_id, "field": field, "by": "陈建国"})


def path_of(url: str) -> str:
    """The QR's upper-case address, as the phone asks for it (the township's own host)."""
    return "/" + url.split("/", 3)[3]


def jpeg(width: int = 2000, height: int = 1500, seed: int = 1) -> bytes:
    """A camera-like JPEG: noise, so that it does not shrink to nothing."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (width // 8, height // 8), rng.randbytes(width // 8 * height // 8 * 3))
    out = io.BytesIO()
    image.resize((width, height)).save(out, "JPEG", quality=90)
    return out.getvalue()

