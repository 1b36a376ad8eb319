"""Templates edited on the township reach a kiosk over real sync (the township on PostgreSQL behind a
live server, the kiosk on SQLite): the pact's new edition is offered, the adopted pact stays as it
was; a station check under way keeps its edition, the next one asks the new items."""
from __future__ import annotations

import re
import time

import pytest

from kiosk.extensions import db

sync_fixtures = pytest.importorskip("tests.sync.conftest")
from tests.sync.conftest import make_kiosk, sync_db, township  # noqa: E402,F401

from kiosk.pacts.models import Pact, PactTemplate  # noqa: E402
from kiosk.station.models import ChecklistTemplate, StationCheck  # noqa: E402
from tests.conftest import DEMO_VILLAGE, add_staff, open_session  # noqa: E402

pytestmark = pytest.mark.postgres
TOWNSHIP = DEMO_VILLAGE[:9]


def keys(html: str) -> list[str]:
    return re.findall(r'<li id="item-[0-9a-f]+" data-key="([0-9a-f]+)"', html)


def test_templates_edited_on_the_township_reach_a_kiosk_over_real_sync(make_kiosk, township):
    with township.ctx():  # what `flask pact seed-template` and `flask station seed-checklist` issue
        from kiosk.pacts.service import seed_template
        from kiosk.station.checklist import seed_township_template
        seed_template(TOWNSHIP)
        seed_township_template(TOWNSHIP)
        db.session.commit()
    kiosk = make_kiosk(township)
    assert kiosk.sync().ok
    with kiosk.ctx():
        person = db.session.scalar(db.text("SELECT id FROM person WHERE name = '陈建国'"))
    committee = open_session(kiosk.app.test_client(), person_id=person)
    with kiosk.ctx():
        published = db.session.scalar(Pact.live().where(Pact.village_id == DEMO_VILLAGE, Pact.status == "published"))
        adopted = [(c.id, c.text, c.version) for c in published.clauses]
    # a check begun on the kiosk before the township issues anything new
    from kiosk.records import uuid7
    assert committee.post("/station/checks/start", data={"client_id": str(uuid7()), "reason": "monthly"}
                          ).status_code in (302, 303)
    with kiosk.ctx():
        running = db.session.scalar(StationCheck.live().where(StationCheck.status == "in_progress"))
        running_edition = db.session.get(ChecklistTemplate, running.township_template_id).edition
        db.session.expunge(running)

    staff = open_session(township.app.test_client(), staff_id=add_staff(township.app, f"s{time.monotonic_ns()}",
                                                                        TOWNSHIP))
    assert staff.post("/township/templates/pact/draft", data={}).status_code == 303
    pact_keys = keys(staff.get("/township/templates/pact").get_data(as_text=True))
    assert staff.post(f"/township/templates/pact/items/{pact_keys[0]}", data={
        "topic": "responsibility", "text": "户主是本户消防安全第一责任人（二〇二六年修订）。"}).status_code == 303
    assert staff.post("/township/templates/pact/issue", data={"confirm": "yes"}).status_code == 303
    assert staff.post("/township/templates/checklist/draft", data={}).status_code == 303
    assert staff.post("/township/templates/checklist/items", data={
        "prompt": "值班室钥匙在位", "check_type": "ok_fault", "kind": ""}).status_code == 303
    assert staff.post("/township/templates/checklist/issue", data={"confirm": "yes"}).status_code == 303

    with kiosk.app.test_request_context():
        from kiosk.pacts import queries
        from kiosk.village.models import Village
        assert queries.templates_for(db.session.get(Village, DEMO_VILLAGE))[0].edition == 1  # not before it syncs
    assert kiosk.sync().ok
    with kiosk.app.test_request_context():
        [offered] = queries.templates_for(db.session.get(Village, DEMO_VILLAGE))
        assert offered.edition == 2 and offered.clauses[0]["text"] == "户主是本户消防安全第一责任人（二〇二六年修订）。"
        # the village's adopted pact has not changed underneath it
        assert [(c.id, c.text, c.version) for c in db.session.get(Pact, published.id).clauses] == adopted
        assert db.session.get(Pact, published.id).status == "published"
        from kiosk.station.checklist import current_template
        assert current_template(TOWNSHIP, "township").edition == running_edition + 1
        assert db.session.get(StationCheck, running.id).township_template_id == running.township_template_id
    page = committee.get("/pact/").get_data(as_text=True)
    assert 'data-template-edition="2"' in page  # offered for the next version, not forced
    # the check under way still asks its own edition; the next check asks the new item
    with kiosk.app.test_request_context():
        from kiosk.station.checklist import steps_for
        assert "值班室钥匙在位" not in [s.prompt for s in steps_for(db.session.get(StationCheck, running.id))]
    checklist = committee.get("/station/checklist").get_data(as_text=True)
    assert "值班室钥匙在位" in checklist and "第 2 版" in checklist
