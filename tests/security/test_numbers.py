"""Numbers people type are digits 0-9 (full-width ones too, as a Chinese keyboard types them), read by
kiosk.forms; anything that only looks like a number is refused with a reason, never a 500 and never
read as the number it resembles. And the single inputs issue 12 found answering 500."""
import uuid

import pytest

from kiosk.extensions import db
from kiosk.village.models import Household
from kiosk.pacts.models import Pact

from ..conftest import DEMO_VILLAGE, add_staff, sign_in_staff
from ..edit_forms import opened
from ..hydrants.helpers import hydrant


def test_a_hydrant_edited_without_its_latitude_is_explained(app, committee):
    code = hydrant(app).code
    base = {"location": "村口", "kind": "above_ground", "water_source": "mains", "status": "in_service",
            "outlets": "DN100×1"}
    edit = f"/hydrants/{code}/edit"
    only_longitude = committee.post(edit, data={**base, **opened(committee, edit), "latitude": "",
                                                "longitude": "120.56"})
    assert only_longitude.status_code == 422 and "纬度和经度" in only_longitude.get_data(as_text=True)
    # a form that does not send the field keeps what the register has
    assert committee.post(edit, data={**base, **opened(committee, edit), "longitude": "120.56"}).status_code == 303
    assert committee.post(edit, data={**base, **opened(committee, edit)}).status_code == 303
    # a hydrant registered without a place, edited with a longitude only
    added = committee.post("/hydrants/new", data={**base, "client_id": str(uuid.uuid4()), "location": "新桥"})
    new_code = added.headers["Location"].rstrip("/").split("/")[-1]
    new_edit = f"/hydrants/{new_code}/edit"
    response = committee.post(new_edit, data={**base, **opened(committee, new_edit), "longitude": "120.56"})
    assert response.status_code == 422


@pytest.mark.parametrize("typed", ["sNaN", "NaN", "Infinity", "1e999", "²", "٣"])
def test_a_checklist_threshold_that_is_no_number_is_explained(committee, typed):
    response = committee.post("/station/checklist", data={"prompt": "出水压力", "check_type": "pressure",
                                                          "kind": "", "threshold": typed, "date_field": ""})
    assert response.status_code == 422, typed
    assert "请输入数字" in response.get_data(as_text=True)


def test_staff_who_chose_no_village_cannot_record_a_hazard(township_app):
    client = sign_in_staff(township_app.test_client(), add_staff(township_app, "zhou-h"))
    response = client.post("/hazards/new", data={"category": "electrical", "location": "村口", "severity": "minor"})
    assert response.status_code == 404


def test_a_group_written_in_circled_digits_stays_a_name(app, committee):
    data = {"client_id": str(uuid.uuid4()), "house_number": "6组08号", "head_name": "苏春花", "group_name": "①"}
    assert committee.post("/households/new", data=data).status_code == 303
    assert committee.get("/households/").status_code == 200


def test_a_superscript_house_number_breaks_no_page(app, client, committee):
    with app.app_context():
        db.session.add(Household(village_id=DEMO_VILLAGE, house_number="²", head_name="郑小二"))
        db.session.commit()
        pact = db.session.scalar(db.select(Pact.id).limit(1))
    for url in ("/board", "/pact/", f"/P/{DEMO_VILLAGE}", "/households/", "/pact/visits/new"):
        assert committee.get(url).status_code in (200, 404), url
    assert pact is None or committee.get(f"/pact/v/{pact}").status_code == 200


@pytest.mark.parametrize("typed, kept", [("３", 3), ("4", 4)])
def test_a_households_size_typed_in_full_width_digits_is_read(app, committee, typed, kept):
    data = {"client_id": str(uuid.uuid4()), "house_number": "6组10号", "head_name": "苏夏至", "members": typed}
    assert committee.post("/households/new", data=data).status_code == 303
    with app.app_context():
        assert db.session.scalar(db.select(Household.members).where(Household.house_number == "6组10号")) == kept


@pytest.mark.parametrize("typed", ["٣", "³", "①", "3.0", "1e1"])
def test_a_households_size_in_other_digits_is_refused_with_a_reason(app, committee, typed):
    """int() reads Arabic-Indic ٣ as 3: only 0-9 are digits here."""
    data = {"client_id": str(uuid.uuid4()), "house_number": "6组11号", "head_name": "苏冬至", "members": typed}
    response = committee.post("/households/new", data=data)
    assert response.status_code == 422, typed
    assert "请输入整数" in response.get_data(as_text=True)


@pytest.mark.parametrize("typed", ["٥", "²"])
def test_a_station_quantity_in_other_digits_is_refused(committee, typed):
    response = committee.post("/station/inventory/new", data={"kind": "extinguisher", "quantity": typed})
    assert response.status_code == 422 and "请输入整数" in response.get_data(as_text=True)
