"""What 李伟 sends from his phone reaches the township as his village's records, and the village's
kiosk by the ordinary sync: the hazard (with its photo) and the inspection, once, in that village
only."""
from __future__ import annotations

import io
import uuid

from PIL import Image

from kiosk.extensions import db
from tests.conftest import DEMO_VILLAGE, add_staff, sign_in_staff
from tests.phones.conftest import APP, enrol, enrolment_url
from tests.sync.conftest import OTHER_VILLAGE, kiosk, make_kiosk, sync_db, township  # noqa: F401  (fixtures)


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1280, 960), (200, 60, 40)).save(out, "JPEG")
    return out.getvalue()


def test_records_from_a_phone_reach_the_villages_kiosk_by_sync(make_kiosk, township):
    ours = make_kiosk(township)
    theirs = make_kiosk(township, village=OTHER_VILLAGE, flavour="empty", name="other-kiosk")
    assert ours.sync()  # the roster and the hydrants reach the township
    theirs.sync()

    from kiosk.hydrants.models import Hydrant, HydrantInspection
    from kiosk.hazards.models import Hazard
    with township.ctx():
        code = db.session.scalar(db.select(Hydrant.code).where(Hydrant.village_id == DEMO_VILLAGE)
                                 .order_by(Hydrant.code))
    station = sign_in_staff(township.app.test_client(), add_staff(township.app, "zhou-sync"), DEMO_VILLAGE)
    phone = enrol(township.app, enrolment_url(station, township.app, "李伟"))

    hazard_id, inspection_id = str(uuid.uuid4()), str(uuid.uuid4())
    r = phone.post("/phone/api/hazards", headers=APP, content_type="multipart/form-data", data={
        "client_id": hazard_id, "category": "ebike", "location": "祠堂东侧楼道", "severity": "minor",
        "photo": (io.BytesIO(_jpeg()), "photo.jpg")})
    assert r.status_code == 201, r.text
    from kiosk.hydrants.models import INSPECTION_ITEMS
    r = phone.post("/phone/api/inspections", headers=APP, data={
        "client_id": inspection_id, "hydrant": code, **{f"item_{k}": "pass" for k in INSPECTION_ITEMS}})
    assert r.status_code == 201, r.text

    ours.sync()
    theirs.sync()
    from sync import blobs
    with ours.ctx():
        hazard = db.session.get(Hazard, hazard_id)
        assert hazard is not None and hazard.recorded_by_name == "李伟" and hazard.location == "祠堂东侧楼道"
        assert blobs.has(hazard.photo_sha256)
        assert db.session.get(HydrantInspection, inspection_id).inspector_name == "李伟"
    with theirs.ctx():
        assert db.session.get(Hazard, hazard_id) is None
        assert db.session.get(HydrantInspection, inspection_id) is None

    # delivered again (the phone never heard the answer): nothing new reaches the kiosk
    again = phone.post("/phone/api/hazards", headers=APP, data={
        "client_id": hazard_id, "category": "ebike", "location": "祠堂东侧楼道", "severity": "minor"})
    assert again.json["status"] == "already"
    assert ours.count(Hazard, id=hazard_id) == 1
