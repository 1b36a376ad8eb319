"""The hazard register: the committee records what it finds, closes what was fixed, and the township
sees at a glance how each village is doing."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from kiosk.extensions import db
from kiosk.hazards.models import CLOSED_STATUSES, Hazard
from kiosk.hazards.service import open_hazard
from kiosk.records import utcnow
from tests.conftest import DEMO_VILLAGE, NEIGHBOURS
from tests.statements import summaries_for


def hazard_at(app, location) -> Hazard:
    with app.app_context():
        return db.session.scalar(Hazard.live().where(Hazard.location == location))


def test_a_volunteer_records_a_hazard_and_finds_it_in_the_register(app, volunteer):
    response = volunteer.post("/hazards/new", data={"category": "ebike", "location": "  3组05号楼道  ",
                                                    "description": "电动车停在楼道里充电", "severity": "serious"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/hazards/")
    hazard = hazard_at(app, "3组05号楼道")
    assert (hazard.village_id, hazard.source, hazard.severity, hazard.status) == (
        DEMO_VILLAGE, "committee", "serious", "reported")
    register = volunteer.get("/hazards/").get_data(as_text=True)
    assert "隐患已登记" in register and "3组05号楼道" in register


def test_a_hazard_without_a_place_is_explained_and_not_recorded(app, volunteer):
    response = volunteer.post("/hazards/new", data={"category": "ebike", "location": "  ", "severity": "minor"})
    assert response.status_code == 422 and "请填写隐患位置" in response.get_data(as_text=True)
    wrong = volunteer.post("/hazards/new", data={"category": "dragons", "location": "村口", "severity": "minor"})
    assert wrong.status_code == 422 and "请选择其中一项" in wrong.get_data(as_text=True)
    assert hazard_at(app, "村口") is None


def test_the_committee_closes_a_fixed_hazard_with_how_it_was_fixed(app, committee):
    committee.post("/hazards/new", data={"category": "wiring", "location": "祠堂", "severity": "minor"})
    hazard = hazard_at(app, "祠堂")
    refused = committee.post(f"/hazards/{hazard.id}/close", data={"note": ""})
    assert refused.status_code == 422 and hazard_at(app, "祠堂").is_open
    response = committee.post(f"/hazards/{hazard.id}/close", data={"note": "  重新布线，加装漏电保护器  "})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/hazards/{hazard.id}")
    closed = hazard_at(app, "祠堂")
    assert (closed.status, closed.closed_note) == ("closed", "重新布线，加装漏电保护器") and closed.closed_at
    assert closed.version == hazard.version + 1  # the change replicates
    assert "祠堂" in committee.get("/hazards/?show=closed").get_data(as_text=True)
    assert "祠堂" not in committee.get("/hazards/").get_data(as_text=True)


def test_closing_from_an_htmx_form_loads_the_hazard_page_again(app, committee):
    committee.post("/hazards/new", data={"category": "gas", "location": "老街12号", "severity": "minor"})
    hazard = hazard_at(app, "老街12号")
    response = committee.post(f"/hazards/{hazard.id}/close", data={"note": "更换软管"}, headers={"HX-Request": "true"})
    assert response.status_code == 204 and response.headers["HX-Redirect"].endswith(f"/hazards/{hazard.id}")


def test_a_volunteer_cannot_close_a_hazard(app, volunteer):
    volunteer.post("/hazards/new", data={"category": "gas", "location": "老街", "severity": "minor"})
    hazard = hazard_at(app, "老街")
    assert "确认整改并销号" not in volunteer.get(f"/hazards/{hazard.id}").get_data(as_text=True)
    assert volunteer.post(f"/hazards/{hazard.id}/close", data={"note": "修好了"}).status_code == 403
    assert hazard_at(app, "老街").is_open


def test_hazards_of_another_village_are_not_reachable(app, committee):
    with app.app_context():
        other = open_hazard(village_id="330326100202", category="gas", source="committee", location="西湾祠堂")
        db.session.commit()
        other_id = other.id
    assert committee.get(f"/hazards/{other_id}").status_code == 404
    assert committee.post(f"/hazards/{other_id}/close", data={"note": "x"}).status_code == 404
    assert "西湾祠堂" not in committee.get("/hazards/?show=all").get_data(as_text=True)


# ---- the township's overview -------------------------------------------------------------------

def test_the_township_sees_open_overdue_and_new_hazards_per_village(app):
    now = utcnow()
    with app.app_context():
        before = db.session.scalars(Hazard.live().where(Hazard.village_id == DEMO_VILLAGE)).all()
        open_before = [h for h in before if h.status not in CLOSED_STATUSES]
        overdue_before = [h for h in open_before if h.due_at and h.due_at < now]
        china = ZoneInfo("Asia/Shanghai")
        month = now.replace(tzinfo=dt.timezone.utc).astimezone(china).strftime("%Y-%m")
        this_month_before = [h for h in before
                             if h.recorded_at.replace(tzinfo=dt.timezone.utc).astimezone(china).strftime("%Y-%m") == month]
        # an old one nobody fixed, past its deadline; one from today, fixed on the spot
        old = open_hazard(village_id=DEMO_VILLAGE, category="blocked_passage", source="committee",
                          location="消防通道", due_in=dt.timedelta(days=3))
        old.recorded_at, old.due_at = now - dt.timedelta(days=400), now - dt.timedelta(days=397)
        open_hazard(village_id=DEMO_VILLAGE, category="gas", source="committee", location="食堂", fixed_on_spot=True)
        # a neighbour's, which is not ours
        open_hazard(village_id="330326100202", category="gas", source="committee", location="西湾")
        db.session.commit()
    result, _ = summaries_for(app, "hazards", [DEMO_VILLAGE, "330326100203"])
    figures = result[DEMO_VILLAGE]
    assert figures["open"] == len(open_before) + 1
    assert figures["overdue"] == len(overdue_before) + 1
    assert figures["oldest_open_days"] == 400
    # the one fixed on the spot today counts among this month's; the old one does not
    assert figures["opened_this_month"] == len(this_month_before) + 1
    assert result["330326100203"] == {"open": 0, "overdue": 0, "opened_this_month": 0, "oldest_open_days": None}


def test_the_hazard_overview_asks_the_database_once_however_many_villages(app):
    with app.app_context():
        for code in NEIGHBOURS:
            open_hazard(village_id=code, category="gas", source="committee", location="村口")
        db.session.commit()
    _, one = summaries_for(app, "hazards", [DEMO_VILLAGE])
    many_codes = [DEMO_VILLAGE, *NEIGHBOURS, *(f"330326100{n}" for n in range(210, 240))]
    many, statements = summaries_for(app, "hazards", many_codes)
    assert statements == one == 1
    assert set(many) == set(many_codes) and many["330326100202"]["open"] == 1
