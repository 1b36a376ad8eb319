"""Door-to-door visits: the committee works down the list, logs what it covered and puts what it
found into the hazard register."""
import re

from kiosk.extensions import db
from kiosk.hazards.models import Hazard
from kiosk.pacts.models import DoorVisit

from .helpers import new_id, sent_twice_at_once, unpledged


def _form(hid, visit_id, **extra):
    data = {"client_id": visit_id, "household_id": hid, "visited_on": "2024-06-02", "visitors": "林海燕、郑晓丽",
            "topics": ["ebike", "gas", "escape_items"],
            "hazards-0-category": "ebike", "hazards-0-description": "电动车在楼道充电",
            "hazards-1-category": "gas", "hazards-1-description": "钢瓶放在卧室", "hazards-1-fixed_on_spot": "y",
            "hazards-2-category": "", "hazards-2-description": "", "note": ""}
    data.update(extra)
    return data


def test_a_visit_from_the_door_list_records_topics_and_feeds_the_hazard_register(app, committee):
    hid, number = unpledged(app)[0]
    door_list = committee.get("/pact/door-list").get_data(as_text=True)
    assert f"/pact/visits/new?household={hid}" in door_list
    form = committee.get(f"/pact/visits/new?household={hid}").get_data(as_text=True)
    assert re.search(rf'name="household_id" type="hidden" value="{hid}"', form)
    assert number in form.split('id="visit-household"')[1].split("</div>")[0]  # it says whom, no dropdown
    assert 'name="household_id"' in form and "<select" not in form.split('id="visit-household"')[1][:600]
    assert 'value="陈建国"' in form  # the visitor is whoever is signed in
    visit_id = new_id()
    response = committee.post("/pact/visits/new", data=_form(hid, visit_id))
    assert response.status_code == 303
    committee.post("/pact/visits/new", data=_form(hid, visit_id))  # replayed
    with app.app_context():
        visits = db.session.scalars(db.select(DoorVisit).where(DoorVisit.household_id == hid)).all()
        mine = [v for v in visits if v.id == visit_id]
        assert len(mine) == 1 and mine[0].topics == ["ebike", "gas", "escape_items"] and mine[0].hazards_found == 2
        hazards = db.session.scalars(db.select(Hazard).where(Hazard.found_by_id == visit_id)).all()
        assert sorted((h.category, h.fixed_on_spot, h.status) for h in hazards) == [
            ("ebike", False, "reported"), ("gas", True, "closed")]
        assert all(h.source == "door_visit" and h.subject_kind == "household" and h.subject_id == hid
                   for h in hazards)
    page = committee.get(response.headers["Location"]).get_data(as_text=True)
    assert "电动车在楼道充电" in page and "当场整改" in page
    assert f"{number} " in committee.get("/hazards/").get_data(as_text=True)  # the register lists it
    assert "上次走访" in door_list


def test_a_visit_starts_by_picking_the_household_like_the_pledge_screen(app, committee):
    """The same picker: number pad digits, surname and group buttons, results that narrow in place."""
    hid, number = unpledged(app)[0]
    page = committee.get("/pact/visits/new").get_data(as_text=True)
    assert "data-kp-key" in page and "chip-link" in page and 'id="household-results"' in page
    assert f'href="/pact/visits/new?household={hid}"' in page
    digits = re.sub(r"\D", "", number)
    found = committee.get(f"/pact/visits/new?q={digits}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert found.lstrip().startswith('<section id="household-results"') and number in found
    assert len(re.findall(r'data-house="', found)) < 5
    assert f'href="/pact/visits/new?household={hid}"' in found


def test_a_visit_to_a_household_of_another_village_is_refused(app, committee):
    from kiosk.village import Household, Village
    with app.app_context():
        db.session.add(Village(code="330326100202", name="城西村", township_code="330326100"))
        other = Household(village_id="330326100202", house_number="1组01号", head_name="外村人")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    response = committee.post("/pact/visits/new", data=_form(other_id, new_id()))
    assert response.status_code == 422 and "请选择走访的住户" in response.get_data(as_text=True)
    assert committee.get(f"/pact/visits/new?household={other_id}").status_code == 404


def test_a_visit_needs_household_visitors_topics_and_a_kind_for_each_hazard(app, committee):
    hid, _number = unpledged(app)[0]
    response = committee.post("/pact/visits/new", data=_form(hid, new_id(), visitors="", topics=[],
                                                            **{"hazards-0-category": ""}))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请填写走访人" in page and "请至少勾选一项宣传内容" in page and "请选择隐患类别" in page
    response = committee.post("/pact/visits/new", data=_form("", new_id(), visited_on="2999-01-01"))
    page = response.get_data(as_text=True)
    assert "请选择走访的住户" in page and "走访日期不能晚于今天" in page
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Hazard).where(
            Hazard.description == "电动车在楼道充电")) == 0


def test_the_household_file_shows_its_pledges_visits_and_hazards(app, committee):
    hid, number = unpledged(app)[0]
    committee.post("/pact/visits/new", data=_form(hid, new_id()))
    page = committee.get(f"/pact/household/{hid}").get_data(as_text=True)
    assert number in page and "尚未承诺" in page and "钢瓶放在卧室" in page and "林海燕、郑晓丽" in page


def test_visits_are_for_the_organisation_only(app, client):
    assert client.get("/pact/visits").status_code == 302
    assert client.get("/pact/door-list").status_code == 302
    assert client.get("/pact/progress").status_code == 302


def test_a_double_tapped_visit_is_recorded_once_with_its_hazards(app, committee, auth_for):
    hid, _number = unpledged(app)[0]
    visit_id = new_id()
    colleague = auth_for(app).sign_in("陈建国")
    first, second = sent_twice_at_once(lambda: committee.post("/pact/visits/new", data=_form(hid, visit_id)),
                                       lambda: colleague.post("/pact/visits/new", data=_form(hid, visit_id)),
                                       visit_id)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(DoorVisit)
                                 .where(DoorVisit.id == visit_id)) == 1
        assert db.session.scalar(db.select(db.func.count()).select_from(Hazard)
                                 .where(Hazard.found_by_id == visit_id)) == 2
