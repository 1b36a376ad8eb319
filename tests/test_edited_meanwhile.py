"""An edit form left open while sync brings the township's change (issue 11): saving is refused and
the form shows, field by field, what is stored now beside what it holds; it carries the new version,
so that saving again deliberately stores what the person then sees. Never a silent overwrite, never
a dead end."""
from __future__ import annotations

import html
import re

import pytest

from kiosk.extensions import db
from kiosk.hydrants.models import Hydrant, InspectionIntervals
from kiosk.pacts import queries
from kiosk.pacts.models import Pact, PactClause
from kiosk.station.models import Station, StationItem
from kiosk.village import Household, Person
from tests.conftest import add_staff, sign_in_staff
from tests.edit_forms import carried, opened

from .pacts.helpers import current, new_id


def behind(app, model, record_id, **values):
    """What sync does while the form is open: the record changes under it (a new version)."""
    with app.app_context():
        record = db.session.get(model, record_id)
        before = record.version
        for name, value in values.items():
            setattr(record, name, value)
        db.session.commit()
        assert record.version > before


def stored(app, model, record_id):
    with app.app_context():
        record = db.session.get(model, record_id)
        db.session.expunge(record)
        return record


def changes(page: str) -> dict[str, tuple[str, str]]:
    """The table of what changed meanwhile: {field: (saved meanwhile, in this form)}."""
    assert "这条记录在此期间已被修改" in page
    rows = re.findall(r'<tr data-field="(\w+)"><th scope="row">[^<]*</th><td>([^<]*)</td>\s*<td>(.*?)</td></tr>',
                      page, re.S)
    return {name: (html.unescape(saved), html.unescape(re.sub(r"<[^>]+>", "", held)).strip())
            for name, saved, held in rows}


def value_of(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page) or \
        re.search(rf'<input[^>]*value="([^"]*)"[^>]*name="{name}"', page)
    return html.unescape(match.group(1))


def person(app, name) -> Person:
    with app.app_context():
        found = db.session.scalar(Person.live().where(Person.name == name))
        db.session.expunge(found)
        return found


# ---- the roster: the whole story, both ways ------------------------------------------------------

def test_a_change_the_person_left_alone_is_taken_into_the_form_and_survives_the_second_save(app, committee):
    zhang = person(app, "张磊")
    url = f"/organisation/{zhang.id}/edit"
    form = opened(committee, url)
    behind(app, Person, zhang.id, phone="13900000001")  # the township corrected the phone
    typed = {"name": "张磊", "phone": zhang.phone, "duties": ["volunteer", "grid"], "trained": "y", "active": "y"}
    response = committee.post(url, data=typed | form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert changes(page) == {"phone": ("13900000001", "您没有修改此项：表单中已换成保存的值。")}
    assert value_of(page, "phone") == "13900000001"  # the form now holds the township's phone
    assert stored(app, Person, zhang.id).duties == ["volunteer"]  # nothing saved yet
    again = carried(page)
    assert again["version"] == str(stored(app, Person, zhang.id).version)
    response = committee.post(url, data=typed | {"phone": value_of(page, "phone")} | again)
    assert response.status_code == 303
    saved = stored(app, Person, zhang.id)
    assert saved.phone == "13900000001" and saved.duties == ["grid", "volunteer"]


def test_a_field_both_sides_changed_shows_both_values_and_saving_again_keeps_the_persons(app, committee):
    zhang = person(app, "张磊")
    url = f"/organisation/{zhang.id}/edit"
    form = opened(committee, url)
    behind(app, Person, zhang.id, phone="13900000001", duties=["volunteer", "patrol"])
    typed = {"name": "张磊", "phone": "13900000002", "duties": ["volunteer", "grid"], "active": "y"}
    page = committee.post(url, data=typed | form).get_data(as_text=True)
    assert changes(page) == {"phone": ("13900000001", "13900000002"),
                             "duties": ("平安巡防员、志愿消防队员", "网格员、志愿消防队员")}
    assert value_of(page, "phone") == "13900000002"  # what the person typed stays in the form
    assert committee.post(url, data=typed | carried(page)).status_code == 303
    saved = stored(app, Person, zhang.id)
    assert saved.phone == "13900000002" and saved.duties == ["grid", "volunteer"]


def test_a_change_to_something_the_form_does_not_show_is_no_conflict(app, volunteer):
    from .hydrants.helpers import FINE, hydrant
    h = hydrant(app, FINE)
    url = f"/hydrants/{h.code}/edit"
    form = opened(volunteer, url)
    import datetime as dt
    behind(app, Hydrant, h.id, reported_at=dt.datetime(2026, 1, 1))  # a resident's report arrived
    response = volunteer.post(url, data={"location": "村委会大楼门口东侧", "kind": h.kind, "water_source": h.water_source,
                                         "outlets": h.outlets, "status": h.status, **form})
    assert response.status_code == 303
    assert stored(app, Hydrant, h.id).location == "村委会大楼门口东侧"


def test_a_save_that_carries_no_version_is_refused_not_taken_as_current(app, committee):
    zhang = person(app, "张磊")
    response = committee.post(f"/organisation/{zhang.id}/edit", data={
        "name": "张磊", "phone": "13900000002", "duties": ["volunteer"], "active": "y"})
    assert response.status_code == 422 and changes(response.get_data(as_text=True))["phone"][1] == "13900000002"
    assert stored(app, Person, zhang.id).phone != "13900000002"


# ---- every edit form of a synced record carries its version ---------------------------------------

def _hydrant(app):
    from .hydrants.helpers import FINE, hydrant
    h = hydrant(app, FINE)
    return (Hydrant, h.id, f"/hydrants/{h.code}/edit", f"/hydrants/{h.code}/edit", "location", "东河桥头北侧",
            {"location": "村委会西侧", "kind": h.kind, "water_source": h.water_source, "outlets": h.outlets,
             "status": h.status})


def _pool(app):
    from .hydrants.helpers import pool
    p = pool(app)
    return (type(p), p.id, f"/hydrants/{p.code}/edit", f"/hydrants/{p.code}/edit", "name", "东山一号水池",
            {"name": "东山蓄水池", "location": p.location, "capacity_m3": "%g" % p.capacity_m3, "status": p.status})


def _household(app):
    with app.app_context():
        h = db.session.scalar(Household.live().order_by(Household.house_number).limit(1))
        db.session.expunge(h)
    return (Household, h.id, f"/households/{h.id}/edit", f"/households/{h.id}/edit", "head_name", "苏春华",
            {"house_number": h.house_number, "head_name": "苏春花", "group_name": h.group_name or "",
             "phone": h.phone or "", "members": str(h.members or ""), "note": h.note or ""})


def _station_item(app):
    with app.app_context():
        line = db.session.scalar(StationItem.live().limit(1))
        db.session.expunge(line)
    return (StationItem, line.id, f"/station/inventory/{line.id}/edit", f"/station/inventory/{line.id}/edit", "note",
            "乡镇已更换", {"kind": line.kind, "spec": line.spec, "quantity": str(line.quantity), "label": line.label,
                      "place": line.place, "note": "村里已更换"})


def _station(app):
    with app.app_context():
        station = db.session.scalar(Station.live().limit(1))
        db.session.expunge(station)
    return (Station, station.id, "/station/edit", "/station/edit", "duty_phone", "0577-63700000",
            {"name": station.name, "location": station.location or "", "chief_id": station.chief_id or "",
             "duty_phone": "0577-63711111", "check_interval_days": str(station.check_interval_days)})


def _draft(app, committee):
    draft = new_id()
    assert committee.post("/pact/drafts", data={"client_id": draft, "source_id": current(app).id}).status_code == 303
    return draft


def _title(app, committee):
    draft = _draft(app, committee)
    return (Pact, draft, f"/pact/v/{draft}", f"/pact/v/{draft}/title", "title", "城东村防火公约（乡镇修订）",
            {"title": "城东村防火安全公约"})


def _clause(app, committee):
    draft = _draft(app, committee)
    with app.app_context():
        clause = queries.clauses_of(db.session.get(Pact, draft))[0].id
    return (PactClause, clause, f"/pact/v/{draft}?edit={clause}", f"/pact/v/{draft}/clauses/{clause}", "text",
            "乡镇改写的第一条。", {"text": "村里改写的第一条。"})


@pytest.mark.parametrize("case", [_hydrant, _pool, _household, _station_item, _station, _title, _clause])
def test_every_edit_form_refuses_a_stale_save_shows_why_and_stores_the_second(app, committee, case):
    import inspect
    model, record_id, open_url, save_url, field, theirs, typed = (
        case(app, committee) if len(inspect.signature(case).parameters) == 2 else case(app))
    form = opened(committee, open_url, save_url)
    behind(app, model, record_id, **{field: theirs})
    response = committee.post(save_url, data=typed | form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert changes(page)[field] == (theirs, typed[field])
    assert getattr(stored(app, model, record_id), field) == theirs
    assert committee.post(save_url, data=typed | carried(page, save_url)).status_code == 303
    assert getattr(stored(app, model, record_id), field) == typed[field]


def test_the_townships_intervals_form_carries_its_version_too(app):
    staff = sign_in_staff(app.test_client(), add_staff(app, "hyd-staff"))
    assert staff.post("/hydrants/intervals", data={"hydrant_months": "2", "pool_months": "1"}).status_code == 303
    form = opened(staff, "/hydrants/intervals")
    with app.app_context():
        row = db.session.scalar(db.select(InspectionIntervals))
        row_id = row.id
    behind(app, InspectionIntervals, row_id, hydrant_months=6)  # another member of staff, elsewhere
    page = staff.post("/hydrants/intervals", data={"hydrant_months": "4", "pool_months": "1"} | form).get_data(
        as_text=True)
    assert changes(page)["hydrant_months"] == ("每 6 个月", "每 4 个月")
    assert staff.post("/hydrants/intervals", data={"hydrant_months": "4", "pool_months": "1"} | carried(page)) \
        .status_code == 303
    assert stored(app, InspectionIntervals, row_id).hydrant_months == 4
