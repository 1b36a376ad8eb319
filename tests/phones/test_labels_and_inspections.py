"""A volunteer scans a hydrant's label with an enrolled phone and records the inspection; a resident
scanning the same label gets the public page."""
from __future__ import annotations

import uuid

from kiosk.extensions import db
from tests.conftest import DEMO_VILLAGE
from tests.phones.conftest import APP, enrol, enrolment_url


def _demo_hydrant(app) -> str:
    from kiosk.hydrants.models import Hydrant
    with app.app_context():
        return db.session.scalar(db.select(Hydrant.code).where(Hydrant.village_id == DEMO_VILLAGE,
                                                               Hydrant.deleted.is_(False)).order_by(Hydrant.code))


def _answers(result="pass"):
    from kiosk.hydrants.models import INSPECTION_ITEMS
    return {f"item_{k}": result for k in INSPECTION_ITEMS}


def test_the_label_opens_the_inspection_on_a_volunteers_phone_and_the_public_page_for_residents(
        township_app, station):
    code = _demo_hydrant(township_app)
    phone = enrol(township_app, enrolment_url(station, township_app, "李伟"))
    r = phone.get(f"/H/{code}")
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/phone/inspect#{code}")
    resident = township_app.test_client()
    assert resident.get(f"/H/{code}").status_code == 200


def test_an_inspection_from_the_phone_is_recorded_as_the_volunteer_once(township_app, station):
    code = _demo_hydrant(township_app)
    phone = enrol(township_app, enrolment_url(station, township_app, "李伟"))
    client_id = str(uuid.uuid4())
    form = {"client_id": client_id, "hydrant": code.lower(), **_answers(), "item_valve": "fail",
            "note_valve": "阀门锈死", "pressure": "0.3"}
    first = phone.post("/phone/api/inspections", data=form, headers=APP)
    assert first.status_code == 201, first.text
    assert phone.post("/phone/api/inspections", data=form, headers=APP).json["status"] == "already"
    from kiosk.hazards.models import Hazard
    from kiosk.hydrants.models import HydrantInspection
    with township_app.app_context():
        inspection = db.session.get(HydrantInspection, client_id)
        assert inspection.inspector_name == "李伟" and inspection.result == "defect"
        assert inspection.pressure_mpa == 0.3
        # the failed valve opened a serious hazard, as at the kiosk
        hazard = db.session.scalar(db.select(Hazard).where(Hazard.found_by_id == client_id))
        assert hazard.severity == "serious" and hazard.recorded_by_name == "李伟"


def test_an_inspection_with_items_unanswered_is_refused_with_the_kiosks_reasons(township_app, station):
    code = _demo_hydrant(township_app)
    phone = enrol(township_app, enrolment_url(station, township_app, "李伟"))
    r = phone.post("/phone/api/inspections", headers=APP,
                   data={"client_id": str(uuid.uuid4()), "hydrant": code, "item_valve": "pass", "pressure": "9"})
    assert r.status_code == 422
    assert "pressure" in r.json["errors"] and "item_flow" in r.json["errors"]


def test_records_from_phones_are_the_villages_rows_that_sync_carries(township_app, station):
    """What reaches the kiosk by the ordinary sync: rows of the village's scope in the township's
    change log, like any other the township writes."""
    phone = enrol(township_app, enrolment_url(station, township_app, "李伟"))
    client_id = str(uuid.uuid4())
    phone.post("/phone/api/hazards", headers=APP, data={"client_id": client_id, "category": "gas",
                                                        "location": "3号楼", "severity": "serious"})
    from sync.models import SyncChangelog
    with township_app.app_context():
        logged = db.session.get(SyncChangelog, ("hazard", client_id))
        assert logged is not None and logged.village_id == DEMO_VILLAGE
