"""With no signal, 李伟 records a door-to-door visit (the household picked from the register his
phone keeps) and walks a patrol, scanning two checkpoint plates with the camera; back in range the
visit and the patrol (one run, two checkpoints, its end) reach the township once."""
from __future__ import annotations

from kiosk.extensions import db
from tests.conftest import DEMO_VILLAGE, sign_in_staff
from tests.phones.conftest import enrolment_url, on_page


def _waiting(page, text: str) -> None:
    page.wait_for_function("(text) => document.querySelector('[data-outbox-count]')?.textContent === text", arg=text)


def test_a_visit_and_a_patrol_with_no_signal(live_township, pixel_7, screenshot):
    app = live_township.app
    station = sign_in_staff(app.test_client(), live_township.staff_id, DEMO_VILLAGE)
    url = enrolment_url(station, app, "李伟")
    from kiosk.patrols.models import PatrolCheckpoint, PatrolRoute, PatrolRun, PatrolVisit
    from kiosk.village.models import Household
    with app.app_context():
        route = db.session.scalar(db.select(PatrolRoute).where(PatrolRoute.village_id == DEMO_VILLAGE,
                                                               PatrolRoute.deleted.is_(False)))
        plates = db.session.scalars(db.select(PatrolCheckpoint).where(PatrolCheckpoint.route_id == route.id)
                                    .order_by(PatrolCheckpoint.position)).all()
        first, second = (p.code for p in plates[:2])
        household = db.session.scalar(db.select(Household).where(Household.village_id == DEMO_VILLAGE)
                                      .order_by(Household.house_number))
        number = household.house_number

    page = pixel_7.new_page()
    page.goto(url)
    page.get_by_role("button", name="Use this phone").tap()
    on_page(page, "/phone/")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    live_township.stop()

    page.get_by_role("link", name="Door-to-door visit").tap()
    on_page(page, "/phone/visit")
    page.fill("input[name=find]", number)
    page.locator(f"[data-households] a[data-household='{number}']").first.tap()
    assert page.text_content("[data-visited]").startswith(number)
    page.get_by_text("E-bike charging").tap()
    page.get_by_text("Gas and LPG").tap()
    page.select_option("select[name=hazards-0-category]", "ebike")
    page.fill("input[name=hazards-0-description]", "楼道充电")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "phone-visit")
    page.get_by_role("button", name="Save").tap()
    on_page(page, "/phone/")
    _waiting(page, "1 waiting to send")

    # the camera opens each plate's address; the phone's worker answers it with the patrol
    for code in (first, second):
        page.goto(f"{live_township.url}/N/{code}")
        page.wait_for_function("() => document.body.dataset.ready === '1' && location.pathname === '/phone/patrol'")
        assert "recorded" in page.text_content("[data-scanned]")
    assert page.locator("[data-checkpoints] li[data-state='sent']").count() == 2
    screenshot(page, "phone-patrol", full_page=True)
    page.fill("textarea[name=note]", "一切正常")
    page.get_by_role("button", name="Finish the patrol").tap()
    on_page(page, "/phone/")
    _waiting(page, "4 waiting to send")

    live_township.start()
    page.get_by_role("button", name="Send now").tap()
    _waiting(page, "Everything is sent")
    from kiosk.pacts.models import DoorVisit
    with app.app_context():
        visit = db.session.scalar(db.select(DoorVisit).where(DoorVisit.recorded_by_id.is_not(None))
                                  .order_by(DoorVisit.recorded_at.desc()))
        assert visit.household_id == household.id and visit.topics == ["ebike", "gas"] and visit.hazards_found == 1
        run = db.session.scalar(db.select(PatrolRun).where(PatrolRun.recorded_by_name == "李伟"))
        assert run.ended_at is not None and run.note == "一切正常"
        assert db.session.scalar(db.select(db.func.count()).select_from(PatrolVisit)
                                 .where(PatrolVisit.run_id == run.id, PatrolVisit.method == "scan")) == 2
