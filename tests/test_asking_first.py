"""Irreversible actions ask first (issue 12): the post says what will happen, with the real numbers,
and changes nothing; only a second post with confirm=yes acts. On the touchscreen the question is a
dialog over the page (tests/test_browser_ux.py); without scripts, a page of its own."""
from __future__ import annotations

import re

import pytest

from kiosk.extensions import db
from kiosk.hydrants.models import Hydrant
from kiosk.pacts import queries
from kiosk.pacts.models import Pact, PactClause, Pledge
from kiosk.station.models import StationItem
from kiosk.village import Household, Person

from .pacts.helpers import current, household, new_id, village

YES = {"confirm": "yes"}
HX = {"HX-Request": "true"}


def asked(response) -> str:
    """The question page (200, nothing done), its text without tags."""
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'name="confirm" value="yes"' in page
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def get(app, model, record_id):
    with app.app_context():
        return db.session.get(model, record_id)


def person_id(app, name):
    with app.app_context():
        return db.session.scalar(Person.live().where(Person.name == name)).id


# ---- the roster ---------------------------------------------------------------------------------

def test_removing_a_person_asks_first_and_says_what_the_filing_then_lacks(app, committee):
    lin = person_id(app, "林海燕")  # the only safety manager, with a PIN
    text = asked(committee.post(f"/organisation/{lin}/remove"))
    assert "要把林海燕移出名册吗？" in text
    assert "其一体机登录密码将立即失效。" in text and "移除后：尚未明确消防安全管理人" in text
    assert get(app, Person, lin).deleted is False
    assert committee.post(f"/organisation/{lin}/remove", data=YES).status_code == 303
    assert get(app, Person, lin).deleted is True


def test_the_question_is_a_dialog_over_the_page_for_htmx(app, committee):
    response = committee.post(f"/organisation/{person_id(app, '张磊')}/remove", headers=HX | {"HX-Boosted": "true"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and page.lstrip().startswith("<dialog") and "<html" not in page
    assert response.headers["HX-Retarget"] == "body" and response.headers["HX-Reswap"] == "beforeend"
    assert response.headers["HX-Push-Url"] == "false" and "HX-Request" in response.headers["Vary"]
    assert "data-confirm-cancel" in page and "张磊" in page  # no "not" in the dialog: it cancels by script
    assert get(app, Person, person_id(app, "张磊")).deleted is False


def test_the_question_page_carries_the_form_without_scripts(app, committee):
    page = committee.post(f"/organisation/{person_id(app, '张磊')}/remove").get_data(as_text=True)
    assert f'action="/organisation/{person_id(app, "张磊")}/remove"' in page
    assert f'href="/organisation/{person_id(app, "张磊")}/edit"' in page  # cancel leads back
    assert 'name="csrf_token"' in page


# ---- the pact -----------------------------------------------------------------------------------

def _new_version(app, committee) -> str:
    draft = new_id()
    assert committee.post("/pact/drafts", data={"client_id": draft, "source_id": current(app).id}).status_code == 303
    return draft


ADOPTION = {"meeting_date": "2024-05-12", "attendance": "74", "presided_by": "陈建国"}


def test_adopting_asks_first_with_the_meeting_as_typed(app, committee):
    draft = _new_version(app, committee)
    with app.app_context():
        clauses = len(queries.clauses_of(db.session.get(Pact, draft)))
    text = asked(committee.post(f"/pact/v/{draft}/adopt", data=ADOPTION))
    assert "确认记录村民大会通过第 2 版吗？" in text and "到会 74 人，主持人陈建国" in text
    assert f"此后这 {clauses} 条不能再修改" in text
    page = committee.post(f"/pact/v/{draft}/adopt", data=ADOPTION).get_data(as_text=True)
    assert 'name="attendance" value="74"' in page and 'name="meeting_date" value="2024-05-12"' in page
    assert get(app, Pact, draft).status == "draft"
    assert committee.post(f"/pact/v/{draft}/adopt", data=ADOPTION | YES).status_code == 303
    assert get(app, Pact, draft).status == "adopted"


def test_a_bad_adoption_is_explained_before_anything_is_asked(app, committee):
    draft = _new_version(app, committee)
    response = committee.post(f"/pact/v/{draft}/adopt", data={"meeting_date": "", "attendance": "0"})
    assert response.status_code == 422 and 'name="confirm"' not in response.get_data(as_text=True)


def test_publishing_asks_first_and_says_how_many_pledges_will_be_asked_again(app, committee):
    old = current(app)
    with app.app_context():
        pledged, _groups = queries.progress(village(), db.session.get(Pact, old.id))
    assert pledged.pledged > 0
    draft = _new_version(app, committee)
    committee.post(f"/pact/v/{draft}/adopt", data=ADOPTION | YES)
    text = asked(committee.post(f"/pact/v/{draft}/publish"))
    assert "要发布第 2 版公约吗？" in text
    assert f"第 1 版的 {pledged.pledged} 份承诺需要重新签署" in text
    assert current(app).id == old.id
    assert committee.post(f"/pact/v/{draft}/publish", data=YES).status_code == 303
    assert current(app).id == draft


def test_discarding_a_draft_asks_first(app, committee):
    draft = _new_version(app, committee)
    text = asked(committee.post(f"/pact/v/{draft}/discard"))
    assert "要放弃第 2 版草案吗？" in text and "条及所做的全部修改将会丢失" in text
    assert get(app, Pact, draft).deleted is False
    assert committee.post(f"/pact/v/{draft}/discard", data=YES).status_code == 303
    assert get(app, Pact, draft).deleted is True


def test_dropping_a_clause_asks_first_and_quotes_it(app, committee):
    draft = _new_version(app, committee)
    with app.app_context():
        clauses = queries.clauses_of(db.session.get(Pact, draft))
        second, total = clauses[1], len(clauses)
    text = asked(committee.post(f"/pact/v/{draft}/clauses/{second.id}/drop"))
    assert "要删除第 2 条吗？" in text and second.text[:10] in text and f"草案还剩 {total - 1} 条" in text
    assert get(app, PactClause, second.id).deleted is False
    # the clause editor swaps itself: the confirmed drop answers with the editor again
    response = committee.post(f"/pact/v/{draft}/clauses/{second.id}/drop", data=YES, headers=HX)
    assert response.status_code == 200 and 'id="clauses"' in response.get_data(as_text=True)
    assert get(app, PactClause, second.id).deleted is True


def test_withdrawing_a_pledge_asks_first(app, committee):
    with app.app_context():
        pledge = db.session.scalar(Pledge.live().where(Pledge.method != "withdrawn").limit(1))
        house = db.session.get(Household, pledge.household_id).house_number
    text = asked(committee.post(f"/pact/pledges/{pledge.id}/withdraw"))
    assert f"要撤回 {house} 的承诺吗？" in text and "该户将回到入户走访名单" in text
    with app.app_context():
        assert queries.withdrawal_of(db.session.get(Pledge, pledge.id)) is None
    assert committee.post(f"/pact/pledges/{pledge.id}/withdraw", data=YES).status_code == 303
    with app.app_context():
        assert queries.withdrawal_of(db.session.get(Pledge, pledge.id)) is not None


# ---- households, hydrants, the station ------------------------------------------------------------

def test_removing_a_household_asks_first_with_its_pledges_and_visits(app, committee):
    with app.app_context():
        visited = db.session.scalar(db.select(Household).where(Household.deleted.is_(False))
                                    .where(Household.id.in_(db.select(queries.DoorVisit.household_id))).limit(1))
        pledges, visits = len(queries.last_pledges(visited)), len(queries.visits_to(visited))
    assert visits > 0
    text = asked(committee.post(f"/households/{visited.id}/remove"))
    assert f"要把住户 {visited.house_number}（{visited.head_name}）从台账中移除吗？" in text
    assert f"其承诺（{pledges} 份）和入户走访（{visits} 次）记录仍保留。" in text
    assert get(app, Household, visited.id).deleted is False
    assert committee.post(f"/households/{visited.id}/remove", data=YES).status_code == 303
    assert get(app, Household, visited.id).deleted is True


def test_removing_a_hydrant_asks_first_with_its_inspections_and_hazards(app, committee):
    from .hydrants.helpers import DEFECT, hydrant, inspections
    h = hydrant(app, DEFECT)
    text = asked(committee.post(f"/hydrants/{h.code}/remove"))
    assert f"要把消火栓 {h.code}从台账中移除吗？" in text
    assert f"其 {inspections(app, h.id)} 次检查记录仍保留。" in text and "1 处未整改隐患仍留在隐患台账中" in text
    assert get(app, Hydrant, h.id).deleted is False
    assert committee.post(f"/hydrants/{h.code}/remove", data=YES).status_code == 303
    assert get(app, Hydrant, h.id).deleted is True


def test_removing_station_equipment_asks_first(app, committee):
    with app.app_context():
        line = db.session.scalar(StationItem.live().where(StationItem.quantity > 1).limit(1))
        title, quantity = line.title, line.quantity
    text = asked(committee.post(f"/station/inventory/{line.id}/remove"))
    assert f"要把{title}移出器材清单吗？" in text and f"{quantity} 件器材将不再计入消防站的战备情况" in text
    assert get(app, StationItem, line.id).deleted is False
    assert committee.post(f"/station/inventory/{line.id}/remove", data=YES).status_code == 303
    assert get(app, StationItem, line.id).deleted is True


def test_removing_a_checklist_item_of_the_village_asks_first(app, committee):
    from kiosk.station.checklist import current_template
    assert committee.post("/station/checklist", data={"prompt": "检查卷帘门", "check_type": "ok_fault",
                                                      "kind": ""}).status_code == 303
    with app.app_context():
        item = current_template("330326100201", "village").items[-1].id
    text = asked(committee.post(f"/station/checklist/{item}/remove"))
    assert "要从检查清单中移除“检查卷帘门”吗？" in text
    assert committee.post(f"/station/checklist/{item}/remove", data=YES).status_code == 303
    with app.app_context():
        assert item not in {i.id for i in current_template("330326100201", "village").items}


@pytest.mark.parametrize("path", ["/organisation/{person}/remove", "/hydrants/{code}/remove"])
def test_a_volunteer_is_not_even_asked(app, volunteer, path):
    from .hydrants.helpers import hydrant
    url = path.format(person=person_id(app, "张磊"), code=hydrant(app).code)
    assert volunteer.post(url).status_code == 403
