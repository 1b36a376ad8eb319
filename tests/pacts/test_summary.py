"""The township asks how the pact is doing in each of its villages, for many villages at once: the
newest version's state, the households, how many pledged to the published version, and the
door-to-door visits of this month."""
import datetime as dt

from sqlalchemy import event

from kiosk import registry
from kiosk.context import local_today
from kiosk.extensions import db
from kiosk.pacts import queries, service
from kiosk.pacts.models import DoorVisit
from kiosk.records import uuid7
from kiosk.village.models import Household, Village

from .helpers import VILLAGE, current, new_id, village


def _summary(app, codes):
    with app.app_context():
        return registry.village_summary("pacts", codes)


def test_the_township_sees_the_demo_village_published_with_its_pledges_and_visits(app):
    with app.app_context():
        total, _groups = queries.progress(village(), queries.current_pact(village()))
        month = local_today().replace(day=1)
        visits = [v for v in db.session.scalars(db.select(DoorVisit)) if v.visited_on >= month]
    assert 0 < total.pledged < 40
    assert _summary(app, [VILLAGE])[VILLAGE] == {
        "state": "published", "version": 1, "households": 40, "pledged": total.pledged,
        "pledged_percent": round(100 * total.pledged / 40), "visits_this_month": len(visits)}


def test_a_new_draft_a_withdrawn_pledge_and_last_month_s_visits_count_as_they_should(app, committee):
    before = _summary(app, [VILLAGE])[VILLAGE]
    committee.post("/pact/drafts", data={"client_id": new_id(), "source_id": current(app).id})
    with app.app_context():
        pact = queries.current_pact(village())
        pledge = next(iter(queries.pledges_for(pact).values()))
        service.withdraw_pledge(pledge, recorded_by_id=None)
        household = db.session.get(Household, pledge.household_id)
        for day in (local_today(), local_today().replace(day=1) - dt.timedelta(days=1)):
            service.record_visit(household, uuid7(), visited_on=day, visitors="林海燕", topics=["pact"],
                                 note=None, hazards=[], recorded_by_id=None)
        db.session.commit()
    after = _summary(app, [VILLAGE])[VILLAGE]
    # the township sees the draft of version 2; pledges still count for version 1 until it is published
    assert (after["state"], after["version"]) == ("draft", 2)
    assert after["pledged"] == before["pledged"] - 1
    assert after["visits_this_month"] == before["visits_this_month"] + 1


def test_a_village_without_a_pact_reports_zeros(app):
    with app.app_context():
        db.session.add(Village(code="330326100202", name="西湾村", township_code="330326100"))
        db.session.commit()
    assert _summary(app, ["330326100202"])["330326100202"] == {
        "state": None, "version": None, "households": 0, "pledged": 0, "pledged_percent": 0,
        "visits_this_month": 0}


def _villages_with_a_published_pact(app, count: int) -> list[str]:
    """More villages of the township, each with households, a published pact, a pledge and a visit."""
    codes = []
    with app.app_context():
        template = queries.templates_for(village())[0]
        for n in range(count):
            code = f"3303261002{10 + n}"
            place = Village(code=code, name=f"试点{n}村", township_code="330326100")
            db.session.add(place)
            homes = [Household(id=uuid7(), village_id=code, house_number=f"1组{i:02d}号", head_name="王" + "一二三"[i])
                     for i in range(3)]
            db.session.add_all(homes)
            pact = service.new_draft(place, uuid7(), template=template)
            db.session.flush()
            service.adopt(pact, local_today(), 30, "王一")
            service.publish(pact)
            service.record_pledge(pact, homes[0], uuid7(), recorded_by_id=None, confirmed_by="村委")
            service.record_visit(homes[1], uuid7(), visited_on=local_today(), visitors="王一", topics=["pact"],
                                 note=None, hazards=[], recorded_by_id=None)
            db.session.commit()
            codes.append(code)
    return codes


def test_the_summary_asks_the_same_number_of_questions_for_one_village_or_many(app):
    others = _villages_with_a_published_pact(app, 6)
    statements = []

    def listen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            one = registry.village_summary("pacts", [VILLAGE])
            for_one = len(statements)
            statements.clear()
            many = registry.village_summary("pacts", [VILLAGE, *others])
            for_many = len(statements)
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
    assert for_many == for_one <= 4
    assert many[VILLAGE] == one[VILLAGE]
    assert all(many[code] == {"state": "published", "version": 1, "households": 3, "pledged": 1,
                              "pledged_percent": 33, "visits_this_month": 1} for code in others)
