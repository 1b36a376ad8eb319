"""李伟 fixes an open hazard of his village from his phone with an after-photo: the fixed step of the
hazard loop, recorded as him, once; a closed hazard or another village's is refused."""
from __future__ import annotations

import io
import uuid

from PIL import Image

from kiosk.extensions import db
from tests.conftest import DEMO_VILLAGE
from tests.phones.conftest import APP, enrol, enrolment_url


def _jpeg():
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (40, 160, 60)).save(out, "JPEG")
    return io.BytesIO(out.getvalue()), "after.jpg"


def test_a_volunteer_marks_an_open_hazard_fixed_from_the_phone(township_app, station):
    phone = enrol(township_app, enrolment_url(station, township_app, "李伟"))
    offered = phone.get("/phone/data.json").json["hazards"]
    assert offered and {"cleared", "repaired"} <= {k for k, _label in phone.get("/phone/data.json").json["fix_phrases"]}
    hazard_id = offered[0]["id"]
    client_id = str(uuid.uuid4())
    form = {"client_id": client_id, "hazard": hazard_id, "phrase": "cleared", "note": "已清理", "photo": _jpeg()}
    r = phone.post("/phone/api/fixes", headers=APP, data=form, content_type="multipart/form-data")
    assert r.status_code == 201, r.text
    again = phone.post("/phone/api/fixes", headers=APP, data={**form, "photo": _jpeg()},
                       content_type="multipart/form-data")
    assert again.json["status"] == "already"

    from kiosk.hazards.models import HazardAction
    from kiosk.hazards.service import standing
    from kiosk.hazards.models import Hazard
    with township_app.app_context():
        action = db.session.get(HazardAction, client_id)
        assert action.kind == "fixed" and action.actor_name == "李伟" and action.photo_sha256
        assert standing(db.session.get(Hazard, hazard_id)).status == "fixed"
    assert hazard_id not in {h["id"] for h in phone.get("/phone/data.json").json["hazards"]}

    # fixed already: a second fix from another form is refused with the loop's reason
    r = phone.post("/phone/api/fixes", headers=APP, data={"client_id": str(uuid.uuid4()), "hazard": hazard_id,
                                                         "phrase": "cleared"})
    assert r.status_code == 422 and r.json["message"]


def test_another_villages_hazard_cannot_be_fixed(township_app, station, a_neighbour_person):
    neighbour = enrol(township_app, enrolment_url(station, township_app, "王小明", a_neighbour_person))
    from kiosk.hazards.models import Hazard
    with township_app.app_context():
        demo = db.session.scalar(db.select(Hazard.id).where(Hazard.village_id == DEMO_VILLAGE))
    r = neighbour.post("/phone/api/fixes", headers=APP, data={"client_id": str(uuid.uuid4()), "hazard": demo,
                                                             "phrase": "cleared"})
    assert r.status_code == 422
