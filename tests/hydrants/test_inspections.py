"""Volunteers inspect hydrants item by item and check the pools; the committee sees what needs doing."""
import io
import re
import uuid

import pytest

from kiosk.extensions import db
from kiosk.hydrants.models import INSPECTION_ITEMS, Hydrant, HydrantInspection, InspectionIntervals, WaterPool
from tests.conftest import add_staff, sign_in_staff
from tests.edit_forms import opened

from .helpers import (DEFECT, FINE, OVERDUE, REPORTED, all_pass, count, fresh, hazards_about, hydrant, inspections,
                      jpeg, pool, pool_checks, state)

BENCH_ITEMS = {"clear_5m", "signage", "body", "caps", "leak", "valve", "flow", "drain", "paint"}


def inspect(client, code, data, client_id=None):
    payload = {"client_id": client_id or str(uuid.uuid4()), **data}
    return client.post(f"/hydrants/{code}/inspect", data=payload, content_type="multipart/form-data")


def test_inspection_items_are_the_ones_the_sync_benchmark_carries():
    assert set(INSPECTION_ITEMS) == BENCH_ITEMS


def test_a_resident_at_the_kiosk_is_asked_to_sign_in_before_inspecting(app, client):
    h = hydrant(app)
    response = client.get(f"/hydrants/{h.code}/inspect")
    assert response.status_code == 302 and "/signin" in response.headers["Location"]
    assert inspect(client, h.code, all_pass()).status_code == 302
    assert inspections(app, h.id) == 4  # the demo's, nothing more


def test_a_volunteer_records_a_clean_inspection(app, volunteer):
    h = hydrant(app)
    response = inspect(volunteer, h.code, all_pass(item_drain="na", pressure="0.28", note="冬季前检查"))
    assert response.status_code == 303
    page = volunteer.get(response.headers["Location"]).get_data(as_text=True)
    assert "检查已保存" in page and "0.28 MPa" in page
    with app.app_context():
        latest = db.session.scalars(db.select(HydrantInspection).where(HydrantInspection.hydrant_id == h.id)
                                    .order_by(HydrantInspection.recorded_at.desc())).first()
        assert latest.result == "ok" and latest.items["drain"] == "na" and latest.pressure_mpa == 0.28
        assert latest.inspector_name == "李伟" and latest.inspector_id
        assert latest.__sync_kind__ == "fact"
    assert fresh(app, Hydrant, h.id).status == "in_service"
    assert hazards_about(app, h.id) == []


def test_a_failed_item_marks_the_hydrant_defective_and_opens_a_hazard(app, volunteer):
    h = hydrant(app)
    response = inspect(volunteer, h.code, all_pass(item_caps="fail", note_caps="东侧闷盖丢失",
                                                   photo_caps=(io.BytesIO(jpeg()), "caps.jpg")))
    assert response.status_code == 303
    assert state(app, h) == "defect"  # out of order while its hazard is open
    [hazard] = hazards_about(app, h.id, "hydrant_inspection")
    with app.app_context():
        record = db.session.get(HydrantInspection, hazard.found_by_id)
        assert record.result == "defect" and record.items["caps"] == "fail"
        assert record.item_notes == {"caps": "东侧闷盖丢失"}
        assert set(record.item_photos_sha256) == {"caps"} and len(record.item_photos_sha256["caps"]) == 64
    assert hazard.category == "hydrant" and hazard.subject_kind == "hydrant" and hazard.subject_id == h.id
    assert hazard.found_by_kind == "hydrant_inspection" and hazard.photo_sha256 == record.item_photos_sha256["caps"]
    assert "闷盖" in hazard.description and h.code in hazard.location and hazard.severity == "minor"
    # a blocked hydrant is serious: it cannot be used in a fire
    other = hydrant(app, OVERDUE)
    inspect(volunteer, other.code, all_pass(item_clear_5m="fail"))
    assert hazards_about(app, other.id, "hydrant_inspection")[0].severity == "serious"


def test_the_inspection_record_has_the_shape_the_sync_layer_expects(app, volunteer):
    h = hydrant(app)
    inspect(volunteer, h.code, all_pass(item_leak="fail"))
    with app.app_context():
        record = db.session.scalars(db.select(HydrantInspection).where(HydrantInspection.hydrant_id == h.id)
                                    .order_by(HydrantInspection.recorded_at.desc())).first()
        columns = set(HydrantInspection.__table__.columns.keys())
    assert {"id", "village_id", "hydrant_id", "inspector_id", "recorded_at", "items", "pressure_mpa", "result",
            "note"} <= columns
    assert set(record.items) == BENCH_ITEMS and set(record.items.values()) <= {"pass", "fail", "na"}
    assert record.village_id == "330326100201" and record.result == "defect"
    photo_columns = [c for c in columns if "photo" in c]
    assert photo_columns and all(c.endswith("_sha256") for c in photo_columns)


def test_a_replayed_inspection_is_saved_once(app, volunteer):
    h = hydrant(app)
    same = str(uuid.uuid4())
    assert inspect(volunteer, h.code, all_pass(item_caps="fail"), client_id=same).status_code == 303
    assert inspect(volunteer, h.code, all_pass(item_caps="fail"), client_id=same).status_code == 303
    assert inspections(app, h.id) == 5
    assert len(hazards_about(app, h.id, "hydrant_inspection")) == 1


@pytest.mark.parametrize("pressure, message", [
    ("abc", "压力请填数字"),
    ("-0.1", "压力必须在 0 到 2 MPa 之间"),
    ("3", "压力必须在 0 到 2 MPa 之间"),
    ("nan", "压力请填数字"),
])
def test_a_bad_pressure_is_explained_and_nothing_is_saved(app, volunteer, pressure, message):
    h = hydrant(app)
    response = inspect(volunteer, h.code, all_pass(item_caps="fail", pressure=pressure))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert f'value="{pressure}"' in page  # what they typed stays in the field
    assert 'value="fail" checked' in page or 'checked value="fail"' in page or re.search(
        r'<input checked[^>]*value="fail"', page)
    assert inspections(app, h.id) == 4
    assert fresh(app, Hydrant, h.id).status == "in_service" and hazards_about(app, h.id) == []


def test_pressure_typed_on_a_chinese_keyboard_is_understood(app, volunteer):
    h = hydrant(app)
    assert inspect(volunteer, h.code, all_pass(pressure="０．３")).status_code == 303
    with app.app_context():
        assert db.session.scalar(db.select(HydrantInspection.pressure_mpa).where(
            HydrantInspection.hydrant_id == h.id).order_by(HydrantInspection.recorded_at.desc()).limit(1)) == 0.3


def test_every_item_must_be_answered(app, volunteer):
    h = hydrant(app)
    data = all_pass()
    del data["item_valve"]
    data["item_flow"] = "maybe"
    response = inspect(volunteer, h.code, data)
    assert response.status_code == 422
    assert response.get_data(as_text=True).count("请选择合格、不合格或不适用") == 2
    assert inspections(app, h.id) == 4


def test_a_bad_photo_on_an_item_saves_nothing(app, volunteer):
    h = hydrant(app)
    response = inspect(volunteer, h.code, all_pass(item_body="fail", photo_body=(io.BytesIO(b"GIF89a..."), "x.gif")))
    assert response.status_code == 422
    assert "该文件不是照片" in response.get_data(as_text=True)
    assert inspections(app, h.id) == 4 and fresh(app, Hydrant, h.id).status == "in_service"


def test_a_passing_inspection_leaves_the_hazards_to_the_loop(app, volunteer):
    defect, reported = hydrant(app, DEFECT), hydrant(app, REPORTED)
    inspect(volunteer, defect.code, all_pass())
    inspect(volunteer, reported.code, all_pass())
    assert fresh(app, Hydrant, defect.id).status == "in_service"
    assert fresh(app, Hydrant, reported.id).reported_at is None
    # the hazard stays open until it is fixed and checked in the register, and so does the defect
    assert hazards_about(app, defect.id)[0].status == "reported"
    assert state(app, defect) == "defect"


def test_the_inspection_form_can_start_with_everything_passed(app, volunteer):
    h = hydrant(app)
    page = volunteer.get(f"/hydrants/{h.code}/inspect?all=pass").get_data(as_text=True)
    assert len(re.findall(r'<input checked[^>]*value="pass"', page)) == len(INSPECTION_ITEMS)
    blank = volunteer.get(f"/hydrants/{h.code}/inspect").get_data(as_text=True)
    assert "checked" not in blank


def check(client, code, kind, client_id=None, **fields):
    data = {"client_id": client_id or str(uuid.uuid4()), "check_kind": kind, **fields}
    return client.post(f"/hydrants/{code}/check", data=data, content_type="multipart/form-data")


def test_a_low_pool_is_a_hazard_to_fix_within_48_hours(app, volunteer):
    p = pool(app)
    assert check(volunteer, p.code, "level", water_level="low", note="上月救火用水后未补").status_code == 303
    assert state(app, p) == "defect"
    [hazard] = hazards_about(app, p.id, "pool_check")
    assert hazard.subject_kind == "water_pool" and hazard.category == "equipment"
    assert hazard.due_at is not None and 47 * 3600 < (hazard.due_at - hazard.recorded_at).total_seconds() <= 48 * 3600 + 5
    assert "低于正常水位" in hazard.description


def test_a_winter_ice_check_and_a_full_pool(app, volunteer):
    p = pool(app)
    assert check(volunteer, p.code, "ice", ice="thin").status_code == 303
    assert check(volunteer, p.code, "level", water_level="full").status_code == 303
    assert fresh(app, WaterPool, p.id).status == "in_service" and hazards_about(app, p.id) == []
    assert check(volunteer, p.code, "ice", ice="frozen").status_code == 303
    assert hazards_about(app, p.id, "pool_check")[0].severity == "serious"
    page = volunteer.get(f"/hydrants/{p.code}").get_data(as_text=True)
    assert "冬季防冻检查" in page and "结冰，无法取水" in page


def test_a_pool_check_needs_an_answer_and_is_not_duplicated(app, volunteer):
    p = pool(app)
    before = pool_checks(app, p.id)
    response = check(volunteer, p.code, "level")
    assert response.status_code == 422 and "请选择水位情况" in response.get_data(as_text=True)
    same = str(uuid.uuid4())
    check(volunteer, p.code, "level", client_id=same, water_level="full")
    check(volunteer, p.code, "level", client_id=same, water_level="full")
    assert pool_checks(app, p.id) == before + 1


def test_the_committee_filters_hydrants_by_what_needs_doing(app, committee):
    codes = {name: hydrant(app, name).code for name in (FINE, OVERDUE, DEFECT, REPORTED)}

    def listed(show):
        page = committee.get(f"/hydrants/?show={show}").get_data(as_text=True)
        return set(re.findall(r'class="row hyd-row" href="/hydrants/([A-Z0-9]{6})"', page))

    assert codes[OVERDUE] in listed("overdue") and codes[FINE] not in listed("overdue")
    assert listed("defect") == {codes[DEFECT]}
    assert listed("reported") == {codes[REPORTED]}
    fine = listed("fine")
    assert codes[FINE] in fine and not fine & {codes[OVERDUE], codes[DEFECT], codes[REPORTED]}
    assert len(listed("all")) == 10  # 8 hydrants and 2 pools


def test_the_list_tabs_swap_only_the_list_for_htmx(app, committee):
    response = committee.get("/hydrants/?show=defect", headers={"HX-Request": "true"})
    page = response.get_data(as_text=True)
    assert page.lstrip().startswith('<section class="hyd-list"') and "<html" not in page
    assert "HX-Request" in response.headers["Vary"]


def test_the_plot_places_every_asset_coloured_by_its_state(app, committee):
    page = committee.get("/hydrants/").get_data(as_text=True)
    points = dict(re.findall(r'data-code="([A-Z0-9]{6})"\s+data-state="([a-z_]+)"', page))
    assert len(points) == 10
    assert points[hydrant(app, DEFECT).code] == "defect"
    assert points[hydrant(app, OVERDUE).code] == "overdue"
    assert points[hydrant(app, REPORTED).code] == "reported"
    assert points[hydrant(app, FINE).code] == "fine"
    assert "#b91c1c" in page and "#15803d" in page  # red and green marks
    xs = [float(x) for x in re.findall(r'class="plot-mark" cx="([\d.]+)"', page)]
    assert xs and all(0 < x < 800 for x in xs) and len(set(xs)) == len(xs)


def test_a_volunteer_registers_a_hydrant_with_a_fresh_code_once(app, volunteer):
    same = str(uuid.uuid4())
    data = {"client_id": same, "location": "新村路口", "kind": "above_ground", "outlets": "DN100×1, DN65×2",
            "water_source": "mains", "latitude": "27.6631", "longitude": "120.5611", "status": "in_service"}
    response = volunteer.post("/hydrants/new", data=data)
    assert response.status_code == 303
    assert volunteer.post("/hydrants/new", data=data).status_code == 303
    assert count(app, Hydrant, Hydrant.location == "新村路口") == 1
    new = hydrant(app, "新村路口")
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{6}", new.code)
    assert response.headers["Location"].endswith(f"/hydrants/{new.code}")
    assert "已登记" in volunteer.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("fields, message", [
    ({"location": ""}, "请填写消火栓所在位置"),
    ({"latitude": "北纬27"}, "纬度是 -90 到 90 之间的度数"),
    ({"latitude": "127.5"}, "纬度是 -90 到 90 之间的度数"),
    ({"longitude": ""}, "纬度和经度要么都填"),
    ({"kind": "flying"}, "请选择消火栓类型"),
])
def test_a_bad_registration_is_explained_and_nothing_is_saved(app, volunteer, fields, message):
    data = {"location": "新村路口", "kind": "above_ground", "water_source": "mains", "latitude": "27.6631",
            "longitude": "120.5611", "status": "in_service", **fields}
    response = volunteer.post("/hydrants/new", data=data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert count(app, Hydrant) == 8


def test_a_pool_is_registered_and_edited(app, volunteer):
    response = volunteer.post("/hydrants/pools/new", data={"name": "西山水池", "location": "西山脚", "capacity_m3": "150",
                                                            "status": "in_service", "latitude": "", "longitude": ""})
    assert response.status_code == 303
    with app.app_context():
        new = db.session.scalar(db.select(WaterPool).where(WaterPool.name == "西山水池"))
        assert new.capacity_m3 == 150 and new.latitude is None
        code = new.code
    assert volunteer.post("/hydrants/pools/new", data={"name": "x", "location": "y", "capacity_m3": "-3",
                                                       "status": "in_service"}).status_code == 422
    response = volunteer.post(f"/hydrants/{code}/edit", data={"name": "西山消防水池", "location": "西山脚",
                                                              "capacity_m3": "180", "status": "in_service",
                                                              **opened(volunteer, f"/hydrants/{code}/edit")})
    assert response.status_code == 303
    assert fresh(app, WaterPool, new.id).capacity_m3 == 180
    # without coordinates it is listed under the plot, not on it
    assert "未在图中显示" in volunteer.get("/hydrants/").get_data(as_text=True)


def test_only_the_committee_removes_a_hydrant_and_it_leaves_a_tombstone(app, volunteer, auth):
    h = hydrant(app)
    assert volunteer.post(f"/hydrants/{h.code}/remove").status_code == 403
    auth.sign_in("林海燕")
    assert auth.client.post(f"/hydrants/{h.code}/remove", data={"confirm": "yes"}).status_code == 303
    assert fresh(app, Hydrant, h.id).deleted is True
    assert auth.client.get(f"/hydrants/{h.code}").status_code == 404
    assert auth.client.get(f"/h/{h.code}").status_code == 404


def test_the_committee_marks_residents_reports_as_seen(app, committee):
    h = hydrant(app, REPORTED)
    page = committee.get(f"/hydrants/{h.code}").get_data(as_text=True)
    assert "栓体底部一直在渗水" in page and "13957765432" in page
    assert committee.post(f"/hydrants/{h.code}/reviewed").status_code == 303
    assert fresh(app, Hydrant, h.id).reported_at is None


def test_due_dates_follow_the_townships_interval(app, volunteer):
    overdue_code, reported_code = hydrant(app, OVERDUE).code, hydrant(app, REPORTED).code
    # quarterly by default: the hydrant inspected 63 days ago is not yet due
    assert overdue_code in _overdue(volunteer) and reported_code not in _overdue(volunteer)
    staff = sign_in_staff(app.test_client(), add_staff(app, "hyd-staff"))
    assert "每 3 个月" in staff.get("/hydrants/intervals").get_data(as_text=True)
    assert staff.post("/hydrants/intervals", data={"hydrant_months": "1", "pool_months": "1"}).status_code == 303
    with app.app_context():
        row = db.session.scalar(db.select(InspectionIntervals))
        assert row.village_id == "330326100" and row.hydrant_months == 1
    overdue = _overdue(volunteer)
    assert overdue_code in overdue and reported_code in overdue
    assert staff.post("/hydrants/intervals", data={"hydrant_months": "7", "pool_months": "1"}).status_code == 422


def _overdue(client) -> set:
    page = client.get("/hydrants/?show=overdue").get_data(as_text=True)
    return set(re.findall(r'href="/hydrants/([A-Z0-9]{6})" data-code', page))


def test_a_village_member_cannot_change_the_township_interval(app, committee):
    assert committee.post("/hydrants/intervals", data={"hydrant_months": "1", "pool_months": "1"}).status_code == 403
    assert count(app, InspectionIntervals) == 0


def test_the_home_tile_counts_what_needs_attention(app, committee):
    page = committee.get("/").get_data(as_text=True)
    assert 'href="/hydrants/"' in page and "消火栓与消防水池" in page and "1 处故障" in page


# ---- a hydrant never inspected (issue 12) --------------------------------------------------------

def _register_new_hydrant(app, client) -> Hydrant:
    response = client.post("/hydrants/new", data={
        "location": "新村路口", "kind": "above_ground", "water_source": "mains", "status": "in_service"})
    assert response.status_code == 303
    return hydrant(app, "新村路口")


def _village_overdue_figure(app) -> int:
    from kiosk import registry
    with app.test_request_context():
        return registry.village_summary("hydrants", ["330326100201"])["330326100201"]["overdue"]


def test_a_new_hydrant_is_due_an_interval_after_it_was_registered_not_overdue(app, volunteer):
    overdue_before = _village_overdue_figure(app)
    new = _register_new_hydrant(app, volunteer)
    page = volunteer.get(f"/hydrants/{new.code}").get_data(as_text=True)
    badges = page.split('class="hyd-badges"')[1].split("</span>\n  </div>")[0]
    assert "逾期未检" not in badges and "从未检查" in page
    due = re.search(r"下次检查</dt><dd>([^<]+)</dd>", page).group(1)
    with app.test_request_context():
        from flask_babel import format_date
        from kiosk.hydrants.service import add_months
        assert due == format_date(add_months(new.recorded_at, 3), "medium")
    assert new.code not in _overdue(volunteer)
    assert _village_overdue_figure(app) == overdue_before


def test_a_never_inspected_hydrant_is_overdue_once_its_interval_has_passed(app, volunteer):
    import datetime as dt
    overdue_before = _village_overdue_figure(app)
    new = _register_new_hydrant(app, volunteer)
    with app.app_context():
        db.session.get(Hydrant, new.id).recorded_at -= dt.timedelta(days=100)
        db.session.commit()
    assert new.code in _overdue(volunteer)
    page = volunteer.get(f"/hydrants/{new.code}").get_data(as_text=True)
    assert 'data-state="overdue"' in page
    assert _village_overdue_figure(app) == overdue_before + 1


def _counts_both_ways(app):
    """The home tile's counts (one row per asset) and the same counts from the list's states."""
    from kiosk.hydrants import service
    from kiosk.village import Village
    with app.test_request_context():
        village = db.session.get(Village, "330326100201")
        states = service.village_states(village)
        listed = (len(states), sum(1 for s in states if s.defect or s.state == "out_of_service"),
                  sum(1 for s in states if s.reported), sum(1 for s in states if s.overdue))
        c = service.badge_counts(village)
        return (c.total, c.defect, c.reported, c.overdue), listed


def test_the_home_tiles_counts_follow_the_same_rules_as_the_list(app, volunteer):
    tile, listed = _counts_both_ways(app)
    assert tile == listed and tile[1] and tile[3]  # the demo has a defective and an overdue hydrant
    # a failed item makes one more defective; inspecting the overdue one takes it off the overdue count
    inspect(volunteer, hydrant(app, FINE).code, all_pass(item_caps="fail"))
    inspect(volunteer, hydrant(app, OVERDUE).code, all_pass())
    after, listed = _counts_both_ways(app)
    assert after == listed and after[1] == tile[1] + 1 and after[3] == tile[3] - 1
