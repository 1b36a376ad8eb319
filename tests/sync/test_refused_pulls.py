"""A record from the township that the kiosk's own database will not store stops nothing: it is held on
the kiosk with the database's reason, shown on both conflicts screens, the rest of the page and every
later pull arrive, and it is stored by itself once the kiosk can take it (a software update, its parent
stored)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.village import Household, Person
from sync.models import SyncHeld
from tests.conftest import DEMO_VILLAGE

from .test_delivery import assert_same
from .test_settling import signed_in, staff_client


def refuse(kiosk, table: str, column: str, value: str) -> None:
    """The kiosk's database refuses rows the township stores: as a kiosk whose schema carries a rule the
    township's no longer has (an older release, a constraint since relaxed)."""
    with kiosk.ctx():
        for event in ("INSERT", "UPDATE"):
            db.session.execute(sa.text(
                f"CREATE TRIGGER refuse_{table}_{event.lower()} BEFORE {event} ON {table} "
                f"WHEN NEW.{column} = '{value}' BEGIN SELECT RAISE(ABORT, 'this kiosk refuses it'); END"))
        db.session.commit()


def accept_again(kiosk, table: str) -> None:
    with kiosk.ctx():
        for event in ("insert", "update"):
            db.session.execute(sa.text(f"DROP TRIGGER refuse_{table}_{event}"))
        db.session.commit()


def add_people(township, *names) -> list[str]:
    with township.ctx():
        people = [Person(village_id=DEMO_VILLAGE, name=n, duties=["volunteer"]) for n in names]
        db.session.add_all(people)
        db.session.commit()
        return [p.id for p in people]


def names_on(side) -> set[str]:
    with side.ctx():
        return set(db.session.scalars(sa.select(Person.name).where(Person.village_id == DEMO_VILLAGE)))


def held_for(side, record_id):
    with side.ctx():
        held = db.session.scalar(sa.select(SyncHeld).where(SyncHeld.record_id == record_id))
        if held is not None:
            db.session.expunge(held)
        return held


def test_a_township_record_the_kiosk_cannot_store_is_held_and_later_pulls_still_arrive(kiosk, township):
    assert kiosk.sync().ok
    refuse(kiosk, "person", "name", "拒收")
    kept, refused = add_people(township, "张三", "拒收")
    result = kiosk.sync()
    assert result.ok and result.exit_code == 0
    assert "张三" in names_on(kiosk) and "拒收" not in names_on(kiosk)
    held = held_for(kiosk, refused)
    assert held is not None and held.status == "open" and held.reason == "kiosk_refused"
    assert "this kiosk refuses it" in held.detail and held.row["name"] == "拒收"
    assert held.device_id == kiosk.state().device_id

    # pulls go on: the township's next change arrives, and the held record has gone up for the staff
    add_people(township, "李四")
    assert kiosk.sync().ok
    assert "李四" in names_on(kiosk)
    assert held_for(township, refused).status == "open"

    # both screens say what happened, in Chinese
    kiosk_page = signed_in(kiosk.app).get("/sync/conflicts").get_data(as_text=True)
    assert "拒收" in kiosk_page and "终端无法保存" in kiosk_page
    township_page = staff_client(township).get("/sync/conflicts").get_data(as_text=True)
    assert "拒收" in township_page and "终端无法保存" in township_page

    # the kiosk's software is updated: the next sync stores it by itself and the held record settles
    accept_again(kiosk, "person")
    assert kiosk.sync().ok
    assert "拒收" in names_on(kiosk)
    held = held_for(kiosk, refused)
    assert held.status == "settled" and held.resolution == "applied"
    assert kiosk.sync().ok
    assert held_for(township, refused).status == "settled"
    assert_same(kiosk, township)


def test_a_record_whose_parent_the_kiosk_could_not_store_waits_with_it_instead_of_failing_the_page(kiosk, township):
    from kiosk.pacts.models import DoorVisit
    assert kiosk.sync().ok
    refuse(kiosk, "household", "head_name", "拒收")
    with township.ctx():
        house = Household(village_id=DEMO_VILLAGE, house_number="99-1", head_name="拒收")
        db.session.add(house)
        db.session.flush()
        visit = DoorVisit(village_id=DEMO_VILLAGE, household_id=house.id, visited_on=dt.date(2026, 11, 30),
                          visitors="李伟", topics=["电动车"])
        db.session.add(visit)
        db.session.commit()
        house_id, visit_id = house.id, visit.id
    add_people(township, "王五")
    result = kiosk.sync()
    assert result.ok, result.message
    assert "王五" in names_on(kiosk)
    assert held_for(kiosk, house_id).reason == "kiosk_refused"
    assert held_for(kiosk, visit_id).reason == "kiosk_missing_parent"
    assert kiosk.count(DoorVisit, id=visit_id) == 0

    # a newer version of the refused record replaces the held one rather than adding another
    with township.ctx():
        db.session.get(Household, house_id).phone = "13857700001"
        db.session.commit()
    assert kiosk.sync().ok
    assert held_for(kiosk, house_id).row["phone"] == "13857700001"
    assert kiosk.count(SyncHeld, record_id=house_id) == 1

    accept_again(kiosk, "household")
    assert kiosk.sync().ok
    assert kiosk.count(Household, id=house_id) == 1 and kiosk.count(DoorVisit, id=visit_id) == 1
    assert held_for(kiosk, visit_id).status == "settled"
    assert kiosk.sync().ok
    assert_same(kiosk, township)


def test_a_committee_member_can_try_a_held_township_record_again_from_the_kiosk(kiosk, township):
    from .test_settling import settle_on
    assert kiosk.sync().ok
    refuse(kiosk, "person", "name", "拒收")
    (refused,) = add_people(township, "拒收")
    assert kiosk.sync().ok
    held = held_for(kiosk, refused)
    client = signed_in(kiosk.app)
    response = settle_on(client, held.id, "apply")  # still refused: it stays, with the reason
    assert response.status_code in (200, 422) and held_for(kiosk, refused).status == "open"
    accept_again(kiosk, "person")
    response = settle_on(client, held.id, "apply")
    assert response.status_code in (200, 204, 303)
    assert "拒收" in names_on(kiosk) and held_for(kiosk, refused).status == "settled"
    # the township only shows it: there is nothing to settle there
    page = staff_client(township).get(f"/sync/held/{held.id}")
    assert page.status_code in (200, 404)


def test_the_held_township_record_on_the_touchscreen(kiosk, township, kiosk_page, screenshot):
    from tests.conftest import LiveServer, sign_in_by_tapping
    assert kiosk.sync().ok
    refuse(kiosk, "person", "name", "拒收")
    add_people(township, "拒收")
    assert kiosk.sync().ok
    kiosk.app.config.update(WTF_CSRF_ENABLED=True)
    server = LiveServer(kiosk.app).start()
    try:
        page = kiosk_page
        sign_in_by_tapping(page, server.url, "陈建国")
        page.goto(f"{server.url}/sync/conflicts")
        assert "村终端无法保存这条乡镇记录" in page.inner_text("#conflict-list")
        page.tap("#conflict-list a.row")
        page.wait_for_selector(".sync-settle")
        screenshot(page, "sync-held-pulled-800x480", full_page=True)
        button = page.query_selector(".sync-settle button")
        assert button.bounding_box()["height"] >= 48
        accept_again(kiosk, "person")
        button.tap()
        page.wait_for_selector(".badge-ok")
        assert "拒收" in names_on(kiosk)
    finally:
        server.stop()
