"""Photos travel after the records that name them: resumable, deduplicated, size-limited."""
from __future__ import annotations

import hashlib
import os

import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.hazards.service import open_hazard
from sync import blobs
from sync.models import SyncBlobQueue
from tests.conftest import DEMO_VILLAGE


def photo(side, size=700_000, seed=b"a"):
    data = (hashlib.sha256(seed).digest() * (size // 32 + 1))[:size]
    data = os.urandom(16) + data  # not compressible twice the same way, and unique per call
    with side.ctx():
        from sync.blobs import put as put_blob
        return put_blob(data), data


def hazard_with(side, sha, where="配电箱"):
    with side.ctx():
        open_hazard(village_id=DEMO_VILLAGE, category="wiring", source="committee", location=where, photo_sha256=sha)
        db.session.commit()


def server_has(township, sha):
    with township.ctx():
        return blobs.has(sha)


def test_a_photo_follows_its_record_and_resumes_after_a_cut(make_kiosk, township, proxy):
    kiosk = make_kiosk(township, url=proxy.url)
    assert kiosk.sync().ok
    sha, data = photo(kiosk)
    hazard_with(kiosk, sha)
    proxy.arm(up=400_000)  # the link drops in the middle of the photo
    first = kiosk.sync()
    assert first.outcome == "offline" and first.pushed == 1
    assert not server_has(township, sha)
    proxy.reset()
    second = kiosk.sync()
    assert second.ok and second.blobs_up == 1
    # resumed: far less than the whole photo went up again
    assert proxy.up < len(data) * 0.8
    with township.ctx():
        assert blobs.path(sha).read_bytes() == data
    assert kiosk.count(SyncBlobQueue) == 0


def test_the_same_photo_is_sent_once(kiosk, township):
    sha, _ = photo(kiosk, 50_000)
    hazard_with(kiosk, sha, "一楼")
    hazard_with(kiosk, sha, "二楼")
    r = kiosk.sync()
    assert r.ok and r.blobs_up == 1
    hazard_with(kiosk, sha, "三楼")
    r = kiosk.sync()
    assert r.ok and r.blobs_up == 0 and r.requests == 1


def test_township_photos_reach_the_kiosk(kiosk, township):
    assert kiosk.sync().ok
    sha, data = photo(township, 300_000, b"t")
    hazard_with(township, sha, "镇上拍的")
    r = kiosk.sync()
    assert r.ok and r.blobs_down == 1
    with kiosk.ctx():
        assert blobs.path(sha).read_bytes() == data


def test_an_oversized_file_is_refused_and_not_retried_forever(kiosk, township, monkeypatch):
    monkeypatch.setattr(blobs, "MAX_BLOB_BYTES", 100_000)
    sha, _ = photo(kiosk, 200_000)
    hazard_with(kiosk, sha)
    r = kiosk.sync()
    assert r.ok and r.blobs_up == 0
    assert not server_has(township, sha)
    assert kiosk.count(SyncBlobQueue) == 0


def test_a_device_cannot_upload_files_nobody_asked_for(kiosk, township):
    import requests
    st = kiosk.state()
    data = b"not referenced by any record"
    sha = hashlib.sha256(data).hexdigest()
    r = requests.post(f"{township.url}/sync/v1/blobs/{sha}", data=data, timeout=10,
                      headers={"Authorization": f"Bearer {st.device_id}:{st.token}", "X-Offset": "0",
                               "X-Total": str(len(data))})
    assert r.status_code == 403 and r.json()["error"] == "not_wanted"
    assert not server_has(township, sha)
