"""The township's templates on screens: staff prepare the next edition of the model pact and of the
station checklist (items added, edited, moved, dropped; what cannot be refused with a sentence),
issue it after being asked, and nothing a village has changes underneath it; a county account works
on the township it chooses; kiosks have no such screens."""
from __future__ import annotations

import re

import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.pacts.models import Pact, PactClause, PactTemplate
from kiosk.station.models import ChecklistTemplate

from ..conftest import DEMO_VILLAGE, OTHER_TOWNSHIP, TOWNSHIP

PACT = "/township/templates/pact"
CHECKLIST = "/township/templates/checklist"


def keys(html: str) -> list[str]:
    return re.findall(r'<li id="item-[0-9a-f]+" data-key="([0-9a-f]+)"', html)


def editions(app, model, township=TOWNSHIP):
    with app.app_context():
        rows = db.session.scalars(model.live().where(model.village_id == township).order_by(model.edition)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def test_staff_prepare_and_issue_the_next_edition_of_the_model_pact(township_app, station):
    [first] = editions(township_app, PactTemplate)
    with township_app.app_context():
        published = db.session.scalar(Pact.live().where(Pact.village_id == DEMO_VILLAGE, Pact.status == "published"))
        adopted = [(c.lineage, c.text) for c in published.clauses]
    page = station.get(PACT).get_data(as_text=True)
    assert 'data-edition="1"' in page
    assert station.post(f"{PACT}/draft", data={}).status_code == 303
    page = station.get(PACT).get_data(as_text=True)
    items = keys(page)
    assert len(items) == len(first.clauses) == 15

    # what cannot be is refused with a sentence, and nothing changes
    refused = station.post(f"{PACT}/items", data={"topic": "village", "text": "  "})
    assert refused.status_code == 422 and "请填写条款内容" in refused.get_data(as_text=True)
    refused = station.post(f"{PACT}/items", data={"topic": "nonsense", "text": "一条"})
    assert refused.status_code == 422
    assert station.post(f"{PACT}/items", data={"topic": "village", "text": "x" * 301}).status_code == 422
    assert station.post(f"{PACT}/items/{items[0]}/move", data={"to": "-1"}).status_code == 400
    assert station.post(f"{PACT}/items/{'f' * 32}/drop", data={}).status_code == 303  # nothing there: a replay
    assert station.post(f"{PACT}/items/{'f' * 32}", data={"topic": "village", "text": "x"}).status_code == 404

    # edit the first clause, drop the second, move the last to the top, add one of the township's own
    edit_form = station.get(f"{PACT}?edit={items[0]}").get_data(as_text=True)
    assert first.clauses[0]["text"] in edit_form
    assert station.post(f"{PACT}/items/{items[0]}", data={
        "topic": "responsibility", "text": "户主是本户消防安全第一责任人（修订）。"}).status_code == 303
    assert station.post(f"{PACT}/items/{items[1]}/drop", data={}).status_code == 303
    assert station.post(f"{PACT}/items/{items[-1]}/move", data={"to": "0"}).status_code == 303
    assert station.post(f"{PACT}/items", data={"topic": "ebike", "text": "电动自行车不在楼道内充电。"}).status_code == 303
    order = keys(station.get(PACT).get_data(as_text=True))
    assert order[0] == items[-1] and order[1] == items[0] and items[1] not in order and len(order) == 15

    # issuing asks first; then edition 2 supersedes edition 1
    asked = station.post(f"{PACT}/issue", data={})
    assert asked.status_code == 200 and "第 2 版" in asked.get_data(as_text=True)
    assert len(editions(township_app, PactTemplate)) == 1
    assert station.post(f"{PACT}/issue", data={"confirm": "yes"}).status_code == 303
    first, second = editions(township_app, PactTemplate)
    assert (second.edition, second.supersedes_id) == (2, first.id)
    assert [c["text"] for c in second.clauses][:2] == [first.clauses[-1]["text"], "户主是本户消防安全第一责任人（修订）。"]
    assert second.clauses[-1]["text"] == "电动自行车不在楼道内充电。"
    assert 'id="start-draft"' in station.get(PACT).get_data(as_text=True)  # the draft is done with

    with township_app.test_request_context():
        from kiosk.pacts import queries, service
        from kiosk.records import uuid7
        from kiosk.village.models import Village
        village = db.session.get(Village, DEMO_VILLAGE)
        # the village's adopted pact has not changed; the new edition is what it is offered
        assert [(c.lineage, c.text) for c in db.session.get(Pact, published.id).clauses] == adopted
        assert [t.id for t in queries.templates_for(village)] == [second.id]
        draft = service.new_draft(village, uuid7(), template=db.session.get(PactTemplate, second.id))
        db.session.flush()
        lineages = [c.lineage for c in db.session.scalars(sa.select(PactClause).where(PactClause.pact_id == draft.id)
                                                          .order_by(PactClause.position))]
        # the edited clause keeps its lineage: the village's "what changed" reads it as changed, not new
        assert lineages[1] == adopted[0][0]
        db.session.rollback()


def test_staff_prepare_and_issue_the_next_edition_of_the_station_checklist(township_app, station):
    [first] = editions(township_app, ChecklistTemplate)
    with township_app.app_context():
        first_items = [(i.code, i.prompt) for i in db.session.get(ChecklistTemplate, first.id).items]
    assert station.post(f"{CHECKLIST}/draft", data={}).status_code == 303
    items = keys(station.get(CHECKLIST).get_data(as_text=True))
    assert len(items) == len(first_items)
    refused = station.post(f"{CHECKLIST}/items", data={"prompt": "备用气瓶压力", "check_type": "pressure",
                                                        "kind": "breathing_apparatus", "threshold": ""})
    assert refused.status_code == 422 and "请输入最低可接受压力" in refused.get_data(as_text=True)
    for bad in ({"prompt": "门锁", "check_type": "teleport", "kind": ""},
                {"prompt": "门锁", "check_type": "ok_fault", "kind": "spaceship"},
                {"prompt": "数量", "check_type": "count", "kind": ""},
                {"prompt": "", "check_type": "ok_fault", "kind": ""},
                {"prompt": "压力", "check_type": "pressure", "kind": "pump", "threshold": "NaN"}):
        assert station.post(f"{CHECKLIST}/items", data=bad).status_code == 422, bad
    assert station.post(f"{CHECKLIST}/items", data={"prompt": "值班室钥匙在位", "check_type": "ok_fault",
                                                    "kind": "", "threshold": "", "date_field": ""}).status_code == 303
    assert station.post(f"{CHECKLIST}/items/{items[1]}", data={
        "prompt": "压力表指针在绿区，铅封完好", "check_type": "gauge", "kind": "extinguisher"}).status_code == 303
    assert station.post(f"{CHECKLIST}/items/{items[-1]}/drop", data={}).status_code == 303
    assert station.post(f"{CHECKLIST}/items/{items[2]}/move", data={"to": "0"}).status_code == 303
    assert station.post(f"{CHECKLIST}/issue", data={"confirm": "yes"}).status_code == 303
    first, second = editions(township_app, ChecklistTemplate)
    with township_app.app_context():
        got = [(i.code, i.prompt, i.kind) for i in db.session.get(ChecklistTemplate, second.id).items]
    assert (second.edition, second.supersedes_id) == (2, first.id)
    assert got[0][0] == first_items[2][0] and got[-1] == (None, "值班室钥匙在位", None)
    # an edited default item says what the township wrote (its code, which would translate it, goes)
    assert got[2] == (None, "压力表指针在绿区，铅封完好", "extinguisher")
    assert len(got) == len(first_items)


def test_a_county_account_prepares_the_templates_of_the_township_it_chooses(township_app, county, elsewhere,
                                                                             station):
    assert county.post(f"{PACT}/draft?township={OTHER_TOWNSHIP}", data={}).status_code == 303
    page = county.get(f"{PACT}?township={OTHER_TOWNSHIP}").get_data(as_text=True)
    assert "· 鳌江镇</h1>" in page and keys(page) == []  # 鳌江镇 has issued none: the first edition
    assert county.post(f"{PACT}/items?township={OTHER_TOWNSHIP}",
                       data={"topic": "village", "text": "鳌江镇示范条款。"}).status_code == 303
    # 鳌江镇's own staff see the same draft; 昆阳镇's staff have none of theirs, whatever the address says
    assert len(keys(elsewhere.get(PACT).get_data(as_text=True))) == 1
    assert keys(station.get(f"{PACT}?township={OTHER_TOWNSHIP}").get_data(as_text=True)) == []
    assert county.post(f"{PACT}/issue?township={OTHER_TOWNSHIP}", data={"confirm": "yes"}).status_code == 303
    [issued] = editions(township_app, PactTemplate, OTHER_TOWNSHIP)
    assert issued.edition == 1 and issued.clauses[0]["text"] == "鳌江镇示范条款。"
    assert county.get(f"{PACT}?township=330328100").status_code == 404
    assert county.get("/township/templates/elsewhere").status_code == 404


def test_a_kiosk_has_no_template_screens(committee):
    assert committee.get(PACT).status_code in (403, 404)  # not for the committee, and not there
