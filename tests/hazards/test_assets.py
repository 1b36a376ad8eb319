"""Assets follow the loop: a hydrant, a pool or a station item is out of order while it has an open
hazard, and back in service once its last open hazard is verified — on the register, the plot and the
resident's page. (Before the loop, closing a hydrant's hazard left it "defect" everywhere.)"""
from __future__ import annotations

import re

from kiosk.extensions import db
from tests.hydrants.helpers import DEFECT, FINE, POOL, all_pass, hydrant, pool, state
from tests.station.helpers import answer_all, start_check, tile_badge

from .helpers import person_id, photo, standing


def plot_state(client, code) -> str:
    page = client.get("/hydrants/").get_data(as_text=True)
    return dict(re.findall(r'data-code="([A-Z0-9]{6})"\s+data-state="([a-z_]+)"', page))[code]


def hazard_of(client, code) -> str:
    page = client.get(f"/hydrants/{code}").get_data(as_text=True)
    return re.findall(r'href="/hazards/([0-9a-f-]{36})"', page)[0]


def test_a_hydrant_is_out_of_order_until_its_last_hazard_is_verified(app, auth, client):
    h = hydrant(app, FINE)
    volunteer = auth.sign_in("李伟")
    volunteer.post(f"/hydrants/{h.code}/inspect", data=all_pass(item_caps="fail", item_leak="fail"),
                   content_type="multipart/form-data")
    first = hazard_of(volunteer, h.code)
    # a second problem found on another day: two open hazards about one hydrant
    volunteer.post(f"/hydrants/{h.code}/inspect", data=all_pass(item_signage="fail"), content_type="multipart/form-data")
    hazards = set(re.findall(r'href="/hazards/([0-9a-f-]{36})"', volunteer.get(f"/hydrants/{h.code}").get_data(as_text=True)))
    assert len(hazards) == 2 and state(app, h) == "defect"
    public = client.get(f"/h/{h.code}").get_data(as_text=True)
    assert 'data-state="defect"' in public and 'id="pub-repair"' in public  # "being fixed, due ..."

    for hid in hazards:
        volunteer.post(f"/hazards/{hid}/step/fix", data={"phrase": "repaired", "photo": photo()},
                       content_type="multipart/form-data")
    assert state(app, h) == "defect"  # fixed is not yet checked
    manager = auth.sign_in("林海燕")
    manager.post(f"/hazards/{first}/step/verify", data={"phrase": "tested_working"})
    assert state(app, h) == "defect" and plot_state(manager, h.code) == "defect"  # one is still open
    [last] = hazards - {first}
    manager.post(f"/hazards/{last}/step/verify", data={"phrase": "tested_working"})
    assert state(app, h) == "fine" and plot_state(manager, h.code) == "fine"
    assert "可以正常使用" in client.get(f"/h/{h.code}").get_data(as_text=True)


def test_the_demo_hydrant_with_a_defect_returns_to_service_when_its_hazard_is_checked(app, auth):
    h = hydrant(app, DEFECT)
    assert state(app, h) == "defect"
    volunteer = auth.sign_in("李伟")
    hid = hazard_of(volunteer, h.code)
    volunteer.post(f"/hazards/{hid}/step/fix", data={"phrase": "replaced"})
    auth.sign_in("陈建国").post(f"/hazards/{hid}/step/verify", data={})
    assert standing(app, hid).status == "verified" and state(app, h) not in ("defect", "reported")


def test_a_pool_refilled_and_checked_is_back_in_service(app, auth):
    p = pool(app, POOL)
    volunteer = auth.sign_in("李伟")
    volunteer.post(f"/hydrants/{p.code}/check", data={"check_kind": "level", "water_level": "empty"},
                   content_type="multipart/form-data")
    assert state(app, p) == "defect"
    hid = hazard_of(volunteer, p.code)
    volunteer.post(f"/hazards/{hid}/step/fix", data={"phrase": "refilled"})
    auth.sign_in("林海燕").post(f"/hazards/{hid}/step/verify", data={})
    assert state(app, p) != "defect"


def test_a_residents_report_is_reported_until_acknowledged_then_a_defect_until_verified(app, auth, client):
    h = hydrant(app, FINE)
    client.post(f"/h/{h.code}", data={"problem": "blocked", "description": "被三轮车挡住"},
                content_type="multipart/form-data")
    assert state(app, h) == "reported"
    manager = auth.sign_in("林海燕")
    assert manager.post(f"/hydrants/{h.code}/reviewed").status_code == 303  # seen: acknowledged
    hid = hazard_of(manager, h.code)
    assert standing(app, hid).status == "acknowledged" and state(app, h) == "defect"
    manager.post(f"/hazards/{hid}/assign", data={"to": f"person:{person_id(app, '黄志强')}"})
    auth.sign_in("李伟").post(f"/hazards/{hid}/step/fix", data={"phrase": "cleared"})
    manager = auth.sign_in("林海燕")
    manager.post(f"/hazards/{hid}/step/verify", data={})
    assert state(app, h) == "fine"


def test_a_station_item_counts_as_a_fault_until_its_hazard_is_verified(app, auth):
    volunteer = auth.sign_in("李伟")
    check_id = start_check(volunteer)
    answer_all(volunteer, app, check_id, special={("ext_gauge", "extinguisher"): {"zone": "red"}})
    volunteer.post(f"/station/checks/{check_id}/finish")
    assert tile_badge(volunteer) == "1 项故障"
    with app.app_context():
        from kiosk.hazards.models import Hazard
        hid = db.session.scalar(db.select(Hazard.id).where(Hazard.source == "station_check"))
    volunteer.post(f"/hazards/{hid}/step/fix", data={"phrase": "replaced"})
    assert tile_badge(volunteer) == "1 项故障"  # fixed, not yet checked
    auth.sign_in("林海燕").post(f"/hazards/{hid}/step/verify", data={})
    assert tile_badge(auth.client) != "1 项故障"
