"""Over real sync (the township on PostgreSQL behind a live server, the kiosk on SQLite): a key period
the township declares reaches the kiosk; the village's patrols change the township's coverage; a
warning answered with a linked patrol shows on the township; a withdrawn warning leaves the kiosk."""
from __future__ import annotations

import datetime as dt
import time

import pytest

from kiosk.extensions import db

sync_fixtures = pytest.importorskip("tests.sync.conftest")
from tests.sync.conftest import make_kiosk, sync_db, township  # noqa: E402,F401

from kiosk.patrols.models import KeyPeriod  # noqa: E402
from kiosk.warnings.models import Warning, WarningAnswer  # noqa: E402
from tests.conftest import DEMO_VILLAGE, add_staff, open_session  # noqa: E402

from .helpers import demo_route, recent_patrol, run_data  # noqa: E402

pytestmark = pytest.mark.postgres
TOWNSHIP = DEMO_VILLAGE[:9]


def signed_in(app, person_id=None, staff_id=None):
    return open_session(app.test_client(), person_id, staff_id)


def staff_of(township):
    return signed_in(township.app, staff_id=add_staff(township.app, f"s{time.monotonic_ns()}", TOWNSHIP))


def committee_of(kiosk, name="陈建国"):
    with kiosk.ctx():
        person = db.session.scalar(db.text("SELECT id FROM person WHERE name = :n"), {"n": name})
    return signed_in(kiosk.app, person_id=person)


def coverage_row(staff) -> str:
    page = staff.get("/patrols/periods").get_data(as_text=True)
    return page.split(f'data-village="{DEMO_VILLAGE}"')[1].split("</tr>")[0]


def test_coverage_reaches_the_township_and_an_answer_with_its_patrol_comes_back(make_kiosk, township):
    kiosk = make_kiosk(township)
    staff = staff_of(township)
    with kiosk.ctx():
        from kiosk.context import local_today
        today = local_today()
    first = today - dt.timedelta(days=7)  # the demo village misses a night in three
    assert staff.post("/patrols/periods", data={"name": "大风防火期", "starts_on": first.isoformat(),
                                                "ends_on": (today + dt.timedelta(days=10)).isoformat()}).status_code == 303
    assert kiosk.sync().ok
    with kiosk.ctx():
        assert db.session.scalar(db.select(KeyPeriod.name).where(KeyPeriod.name == "大风防火期")) == "大风防火期"
    with kiosk.app.test_request_context():
        from kiosk.patrols import service
        cover = service.coverage(DEMO_VILLAGE)
        from kiosk.context import local_now
        # a night the demo missed that is over by 23:30 (tonight is due from 22:00, its patrol still to
        # come, and before 06:00 "tonight" began yesterday): what the kiosk counts, at any hour
        missed = [n for n in cover.missed if service.on_the_night(n, dt.time(23, 30)) < local_now()]
        assert cover.period.name == "大风防火期" and missed
        due, covered = len(cover.due), cover.covered
    assert kiosk.sync().ok  # the demo's patrols have gone up
    assert f"{covered} / {due}" in coverage_row(staff)

    # the missed night is patrolled after all, entered at the kiosk afterwards
    committee = committee_of(kiosk)
    route_id, points = demo_route(kiosk.app)
    assert committee.post(f"/patrols/routes/{route_id}/runs/new", data=run_data(
        kiosk.app, missed[0], start="22:00", end="23:30", reached=[(points[0][0], "22:15")])).status_code == 303
    assert f"{covered} / {due}" in coverage_row(staff)  # nothing yet: the kiosk has not synced
    assert kiosk.sync().ok
    assert f"{covered + 1} / {due}" in coverage_row(staff)

    # a warning that came three hours ago, answered with the patrol made since
    response = staff.post("/warnings/township/new", data={"kind": "immediate", "title": "大风预警：加强夜巡",
                                                          "body": "今晚起加强夜间巡查。", "target": "all"})
    warning_id = response.headers["Location"].rsplit("/", 1)[-1]
    with township.ctx():
        from kiosk.records import utcnow
        db.session.get(Warning, warning_id).issued_at = utcnow() - dt.timedelta(hours=3)
        db.session.commit()
    assert kiosk.sync().ok
    night, start, end = recent_patrol(kiosk.app)
    response = committee.post(f"/patrols/routes/{route_id}/runs/new", data=run_data(kiosk.app, night, start=start, end=end))
    run_id = response.headers["Location"].rsplit("/", 1)[-1]
    assert committee.post(f"/warnings/{warning_id}/answer", data={
        "actions": ["patrol"], "links": [f"patrol_run:{run_id}"], "note": "每晚巡查两次"}).status_code == 303
    assert kiosk.sync().ok
    with township.ctx():
        [answer] = db.session.scalars(db.select(WarningAnswer).where(WarningAnswer.warning_id == warning_id)).all()
        assert answer.village_id == DEMO_VILLAGE and answer.links[0]["id"] == run_id
    page = staff.get(f"/warnings/township/{warning_id}").get_data(as_text=True)
    answers = page.split('id="warning-answers"')[1].split("</section>")[0]
    assert "城东村" in answers and "开展巡查" in answers and "每晚巡查两次" in answers and "夜间巡查" in answers

    # the township withdraws it: after the next sync it leaves the kiosk's banner and board
    resident = kiosk.app.test_client()
    assert "大风预警：加强夜巡" in resident.get("/board").get_data(as_text=True)
    assert staff.post(f"/warnings/township/{warning_id}/withdraw", data={"reason": "险情已解除"}).status_code == 303
    assert kiosk.sync().ok
    assert "大风预警：加强夜巡" not in resident.get("/board").get_data(as_text=True)
    assert "险情已解除" in resident.get(f"/warnings/{warning_id}").get_data(as_text=True)
