"""Over real sync (the township on PostgreSQL behind a live server, the kiosk on SQLite): facts made on
both sides at once, offline, arrive on both with nothing lost and add up to the same state; the derived
state follows what sync writes; a deadline that passes shows on the township's overdue list."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.hazards import queries, service
from kiosk.hazards.models import Hazard, HazardAction, HazardState
from kiosk.hazards.service import Who
from kiosk.hydrants.models import Hydrant
from tests.conftest import DEMO_VILLAGE, add_staff, sign_in_staff
from tests.sync.conftest import make_kiosk, sync_db, township  # noqa: F401  (fixtures)
from tests.sync.test_delivery import assert_same

pytestmark = pytest.mark.postgres

VOLUNTEER = Who("person", "p-volunteer", "李伟")
STAFF = Who("staff", "1", "周站长")


@pytest.fixture
def kiosk(make_kiosk, township):  # noqa: F811
    k = make_kiosk(township)
    assert k.sync().ok
    return k


def state_row(side, hazard_id) -> dict:
    with side.ctx():
        row = db.session.get(HazardState, hazard_id)
        return {c.name: getattr(row, c.name) for c in HazardState.__table__.columns}


def open_on(side, **values) -> str:
    with side.app.test_request_context():
        hazard = service.open_hazard(village_id=DEMO_VILLAGE, **{"category": "ebike", "source": "committee",
                                                                 "location": "3组楼道", **values})
        db.session.commit()
        return hazard.id


def step(side, hazard_id, name, who, **values):
    with side.app.test_request_context():
        getattr(service, name)(db.session.get(Hazard, hazard_id), who, **values)
        db.session.commit()


def test_fixed_on_the_kiosk_and_listed_at_the_township_offline_converge_with_nothing_lost(kiosk, township):
    hid = open_on(kiosk, severity="serious")
    assert kiosk.sync().ok  # the township has the hazard now
    # both sides act without hearing from each other
    step(kiosk, hid, "fix", VOLUNTEER, phrase="moved_outside")
    step(township, hid, "list_hazard", STAFF, responsible="陈建国", days=15)
    step(township, hid, "progress", STAFF, phrase="owner_informed")
    assert state_row(kiosk, hid)["status"] == "fixed" and not state_row(kiosk, hid)["listed"]
    assert state_row(township, hid)["listed"] and state_row(township, hid)["status"] == "fixing"

    assert kiosk.sync().ok
    assert_same(kiosk, township)  # every replicated table, row for row
    with kiosk.ctx():
        kinds = sorted(db.session.scalars(sa.select(HazardAction.kind).where(HazardAction.hazard_id == hid)))
    assert kinds == ["fixed", "listed", "progress"]
    # the derived state, refreshed where sync wrote the facts, is the same on both sides
    assert state_row(kiosk, hid) == state_row(township, hid)
    both = state_row(kiosk, hid)
    assert both["status"] == "fixed" and both["listed"] and both["listed_responsible"] == "陈建国"


def test_a_check_and_a_send_back_at_the_same_time_settle_the_same_way_on_both_sides(kiosk, township):
    hid = open_on(kiosk)
    step(kiosk, hid, "fix", VOLUNTEER, phrase="cleared")
    assert kiosk.sync().ok
    step(kiosk, hid, "verify", Who("person", "p-manager", "林海燕"))
    step(township, hid, "send_back", STAFF, phrase="photo_unclear")
    assert kiosk.sync().ok
    assert_same(kiosk, township)
    assert state_row(kiosk, hid) == state_row(township, hid)
    with kiosk.ctx():
        d = service.standing(db.session.get(Hazard, hid))
    assert len(d.ignored) == 1  # the later of the two is kept, and shown as not applied


def test_a_report_at_the_township_reaches_the_kiosk_and_the_township_verifies_it(kiosk, township):
    """A resident's report on a phone at the township, fixed at the kiosk, checked by the township:
    each side's derived state and the hydrant follow what sync brings."""
    with kiosk.ctx():
        code = db.session.scalar(sa.select(Hydrant.code).where(Hydrant.location == "村委会大楼门口"))
    resident = township.app.test_client()
    sent = resident.post(f"/h/{code}", data={"problem": "blocked", "description": "被三轮车挡住"},
                         content_type="multipart/form-data")
    receipt = re.search(r"sent=([A-Z0-9]{8})", sent.headers["Location"]).group(1)
    assert kiosk.sync().ok
    with kiosk.app.test_request_context():
        hazard = queries.by_code(receipt)
        assert hazard is not None and hazard.status == "reported"
        from kiosk.hydrants.service import state_of
        assert state_of(db.session.scalar(sa.select(Hydrant).where(Hydrant.code == code))).state == "reported"
        hid = hazard.id
    step(kiosk, hid, "assign", Who("person", "p-manager", "林海燕"), party="owner")
    step(kiosk, hid, "fix", VOLUNTEER, phrase="cleared")
    assert kiosk.sync().ok
    step(township, hid, "verify", STAFF, phrase="photo_shows_fixed")
    assert kiosk.sync().ok
    assert state_row(kiosk, hid)["status"] == "verified"
    with kiosk.app.test_request_context():
        from kiosk.hydrants.service import state_of
        assert state_of(db.session.scalar(sa.select(Hydrant).where(Hydrant.code == code))).state != "defect"
    assert "整改并复查合格" in resident.get(f"/R/{receipt}").get_data(as_text=True)


def test_a_passed_deadline_shows_on_the_townships_overdue_list_and_the_kiosks(kiosk, township, monkeypatch):
    hid = open_on(kiosk, category="blocked_passage", location="消防通道", severity="serious")
    step(kiosk, hid, "acknowledge", Who("person", "p-manager", "林海燕"))
    assert kiosk.sync().ok
    staff = sign_in_staff(township.app.test_client(), add_staff(township.app, "zhou-overdue"))

    def overdue_list():
        return staff.get("/hazards/township?tab=overdue").get_data(as_text=True)

    assert hid not in overdue_list()
    later = service.utcnow() + dt.timedelta(days=7, hours=1)  # a serious hazard: seven days
    monkeypatch.setattr(service, "now", lambda: later)
    page = overdue_list()
    assert hid in page and "消防通道" in page and "城东村" in page
    with kiosk.app.test_request_context():
        assert queries.board(DEMO_VILLAGE)["overdue"] >= 1
        assert hid in [h.id for h in queries.register(DEMO_VILLAGE, "overdue")]
