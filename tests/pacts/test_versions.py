"""The committee drafts the pact from the township's model, edits it, adopts it at a villagers'
meeting and publishes it; a new version is compared with the old one."""
import re

from kiosk.extensions import db
from kiosk.pacts import queries
from kiosk.pacts.models import Pact, PactClause
from kiosk.pacts.template_text import TEMPLATE_CLAUSES
from tests.edit_forms import opened

from .helpers import current, new_id, sent_twice_at_once, village


def _draft_from(committee, app, source_id=None):
    with app.app_context():
        template_id = queries.templates_for(village())[0].id
    draft_id = new_id()
    data = {"client_id": draft_id}
    data.update({"source_id": source_id} if source_id else {"template_id": template_id})
    response = committee.post("/pact/drafts", data=data)
    assert response.status_code == 303
    return draft_id, data


def _clauses(app, pact_id):
    with app.app_context():
        return [(c.id, c.text) for c in queries.clauses_of(db.session.get(Pact, pact_id))]


def test_demo_village_has_an_adopted_published_pact(app, client):
    pact = current(app)
    assert pact.status == "published" and pact.meeting_date and pact.attendance and pact.presided_by == "陈建国"
    page = client.get("/pact/").get_data(as_text=True)
    assert "城东村防火公约" in page and "村民大会讨论通过" in page
    assert "电动自行车及其电池不进楼道" in page


def test_new_version_is_drafted_from_the_current_pact_edited_adopted_and_published(app, committee):
    old = current(app)
    draft_id, data = _draft_from(committee, app, source_id=old.id)
    assert committee.post("/pact/drafts", data=data).status_code == 303  # pressed twice
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Pact)) == 2
    clauses = _clauses(app, draft_id)
    assert len(clauses) == len(TEMPLATE_CLAUSES)

    # edit the gas clause, drop fireworks, move e-bikes to the top, add a village rule
    gas = next(cid for cid, text in clauses if "液化气钢瓶" in text)
    assert committee.post(f"/pact/v/{draft_id}/clauses/{gas}",
                          data={"text": "每户液化气钢瓶不超过两瓶，不放卧室，用后关阀。",
                                **opened(committee, f"/pact/v/{draft_id}?edit={gas}",
                                         f"/pact/v/{draft_id}/clauses/{gas}")}).status_code == 303
    fireworks = next(cid for cid, text in clauses if "烟花爆竹" in text)
    committee.post(f"/pact/v/{draft_id}/clauses/{fireworks}/drop", data={"confirm": "yes"})
    ebike = next(cid for cid, text in clauses if "电动自行车" in text)
    committee.post(f"/pact/v/{draft_id}/clauses/{ebike}/move", data={"to": 0})
    committee.post(f"/pact/v/{draft_id}/clauses/{ebike}/move", data={"to": 0})  # replayed: same order
    added = new_id()
    for _ in range(2):  # a replayed add adds once
        committee.post(f"/pact/v/{draft_id}/clauses", data={"client_id": added, "text": "柴草堆放距灶台不少于2米。"})
    texts = [t for _, t in _clauses(app, draft_id)]
    assert texts[0].startswith("电动自行车") and texts[-1] == "柴草堆放距灶台不少于2米。"
    assert not any("烟花爆竹" in t for t in texts) and len(texts) == len(TEMPLATE_CLAUSES)

    changes = committee.get(f"/pact/v/{draft_id}/changes").get_data(as_text=True)
    kinds = re.findall(r'data-kind="(\w+)"', changes)
    assert kinds.count("added") == 1 and kinds.count("removed") == 1 and kinds.count("changed") == 1
    assert kinds.count("moved") == 1
    assert "<ins>" in changes and "<del>" in changes and "柴草堆放" in changes

    response = committee.post(f"/pact/v/{draft_id}/adopt", data={"confirm": "yes",
        "meeting_date": "2024-05-12", "attendance": "74", "presided_by": "陈建国"})
    assert response.status_code == 303
    # adopted: the text is fixed
    assert committee.post(f"/pact/v/{draft_id}/clauses", data={"client_id": new_id(), "text": "x"}).status_code == 303
    assert len(_clauses(app, draft_id)) == len(TEMPLATE_CLAUSES)
    assert current(app).id == old.id  # adopted is not yet published

    assert committee.post(f"/pact/v/{draft_id}/publish", data={"confirm": "yes"}).status_code == 303
    assert committee.post(f"/pact/v/{draft_id}/publish", data={"confirm": "yes"}).status_code == 303
    now = current(app)
    assert now.id == draft_id and now.number == 2
    with app.app_context():
        assert db.session.get(Pact, old.id).status == "superseded"


def test_a_pact_with_no_clauses_cannot_be_adopted(app, committee):
    old = current(app)
    draft_id, _data = _draft_from(committee, app, source_id=old.id)
    for cid, _text in _clauses(app, draft_id):
        committee.post(f"/pact/v/{draft_id}/clauses/{cid}/drop", data={"confirm": "yes"})
    response = committee.post(f"/pact/v/{draft_id}/adopt", data={"confirm": "yes",
        "meeting_date": "2024-05-12", "attendance": "74", "presided_by": "陈建国"})
    assert response.status_code == 422
    assert "公约没有任何条款，不能通过" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Pact, draft_id).status == "draft"


def test_adoption_needs_the_meeting_details(app, committee):
    draft_id, _data = _draft_from(committee, app, source_id=current(app).id)
    response = committee.post(f"/pact/v/{draft_id}/adopt", data={"confirm": "yes",
        "meeting_date": "", "attendance": "0", "presided_by": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请输入会议日期" in page and "请输入 1 到 20000 之间的数字" in page and "请填写会议主持人" in page
    response = committee.post(f"/pact/v/{draft_id}/adopt", data={"confirm": "yes",
        "meeting_date": "2999-01-01", "attendance": "50", "presided_by": "陈建国"})
    assert response.status_code == 422 and "会议日期不能晚于今天" in response.get_data(as_text=True)


def test_an_empty_clause_is_refused_and_only_one_draft_at_a_time(app, committee):
    draft_id, _data = _draft_from(committee, app, source_id=current(app).id)
    before = len(_clauses(app, draft_id))
    response = committee.post(f"/pact/v/{draft_id}/clauses", data={"client_id": new_id(), "text": "  "})
    assert response.status_code == 422 and "请填写条款内容" in response.get_data(as_text=True)
    assert len(_clauses(app, draft_id)) == before
    second = committee.post("/pact/drafts", data={"client_id": new_id(), "source_id": current(app).id})
    assert second.headers["Location"].endswith(f"/pact/v/{draft_id}")


def test_clause_editor_answers_htmx_with_the_component(app, committee):
    draft_id, _data = _draft_from(committee, app, source_id=current(app).id)
    cid, _text = _clauses(app, draft_id)[0]
    response = committee.post(f"/pact/v/{draft_id}/clauses/{cid}/move", data={"to": 3},
                              headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith("<section") and 'id="clauses"' in body
    assert "<html" not in body and "HX-Request" in response.headers["Vary"]


def test_template_is_township_wide_and_seeding_is_idempotent(app, runner):
    result = runner.invoke(args=["pact", "seed-template", "--township", "330326100"])
    assert result.exit_code == 0, result.output
    runner.invoke(args=["pact", "seed-template", "--township", "330326100"])
    with app.app_context():
        templates = queries.templates_for(village())
        assert len(templates) == 1 and templates[0].village_id == "330326100"
        assert len(templates[0].clauses) == len(TEMPLATE_CLAUSES)


def test_residents_cannot_change_the_pact_and_volunteers_cannot_manage_it(app, client, volunteer):
    pact = current(app)
    assert volunteer.post(f"/pact/v/{pact.id}/publish").status_code == 403
    assert volunteer.post("/pact/drafts", data={"client_id": new_id(), "source_id": pact.id}).status_code == 403


def test_drafts_are_not_public(app, committee, client):
    draft_id, _data = _draft_from(committee, app, source_id=current(app).id)
    committee.post("/signout")
    assert client.get(f"/pact/v/{draft_id}").status_code == 404
    with app.app_context():
        assert db.session.get(PactClause, _clauses(app, draft_id)[0][0]) is not None


def test_a_draft_made_afresh_from_the_template_compares_clause_by_clause(app, committee):
    draft_id, _data = _draft_from(committee, app)  # from the template, not from version 1
    page = committee.get(f"/pact/v/{draft_id}/changes").get_data(as_text=True)
    kinds = re.findall(r'data-kind="(\w+)"', page)
    assert kinds and set(kinds) == {"same"}


def test_a_double_tapped_draft_or_clause_is_made_once(app, committee, auth_for):
    colleague = auth_for(app).sign_in("陈建国")
    draft_id = new_id()
    data = {"client_id": draft_id, "source_id": current(app).id}
    first, second = sent_twice_at_once(lambda: committee.post("/pact/drafts", data=data),
                                       lambda: colleague.post("/pact/drafts", data=data), draft_id)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    before = len(_clauses(app, draft_id))

    clause = {"client_id": new_id(), "text": "柴草堆放距灶台不少于2米。"}
    url = f"/pact/v/{draft_id}/clauses"
    first, second = sent_twice_at_once(lambda: committee.post(url, data=clause),
                                       lambda: colleague.post(url, data=clause), clause["client_id"])
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    texts = [text for _id, text in _clauses(app, draft_id)]
    assert len(texts) == before + 1 and texts.count("柴草堆放距灶台不少于2米。") == 1
