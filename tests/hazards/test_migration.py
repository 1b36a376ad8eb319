"""Hazards recorded before the loop get their facts from the migration: the same rows on a kiosk (SQLite)
and at the township (PostgreSQL) migrating apart, a state that is what derive says, and the rows
listed for replication where the other side could not have made them."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from kiosk.extensions import db
from kiosk.hazards import service
from kiosk.hazards.models import Hazard, HazardAction, HazardState, receipt_code
from sync.tables import table_digest
from tests.conftest import DEMO_VILLAGE, ROOT, make_app

pytestmark = pytest.mark.postgres

T = dt.datetime(2026, 9, 1, 2, 0)
OLD = [  # (status, fixed_on_spot, due_at, closed_at, closed_note, source, severity)
    ("reported", False, None, None, None, "committee", "minor"),
    ("reported", False, T + dt.timedelta(hours=48), None, None, "pool_check", "minor"),
    ("closed", False, None, T + dt.timedelta(days=3), "重新布线", "door_visit", "serious"),
    ("closed", True, None, T, None, "door_visit", "minor"),
    ("dispatched", False, None, None, None, "resident_report", "minor"),
]
IDS = [str(uuid.UUID(int=(0x0190A0A0 << 96) | (i + 1) << 64 | 0x8000_0000_0000_0000 | 0x1234 + i))
       for i in range(len(OLD))]


def old_database(url, data_dir, role):
    """A database at the revision before the loop, holding hazards as that code wrote them."""
    app = make_app(url, data_dir, KIOSK_ROLE=role)
    with app.app_context():
        db.session.remove()
        downgrade(directory=str(ROOT / "migrations"), revision="0010_sync_trust")
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO township (code, name, county_code, station_class) "
                                 "VALUES ('330326100', '昆阳镇', '330326', 1)"))
            conn.execute(sa.text("INSERT INTO village (code, name, township_code, kind) "
                                 "VALUES (:v, '城东村', '330326100', 'village')"), {"v": DEMO_VILLAGE})
            for i, (status, on_spot, due, closed, note, source, severity) in enumerate(OLD):
                conn.execute(sa.text(
                    "INSERT INTO hazard (id, village_id, version, hlc, origin, recorded_at, modified_at, deleted, "
                    "category, source, severity, status, location, description, fixed_on_spot, due_at, closed_at, "
                    "closed_note, reporter_name) VALUES (:id, :v, 1, 'h', 'o', :t, :t, false, 'wiring', :source, "
                    ":severity, :status, :where, '', :on_spot, :due, :closed, :note, :who)"),
                    dict(id=IDS[i], v=DEMO_VILLAGE, t=T, source=source, severity=severity, status=status,
                         where=f"旧隐患{i}", on_spot=on_spot, due=due, closed=closed, note=note,
                         who="王大伯" if source == "resident_report" else None))
            conn.execute(sa.text("INSERT INTO hydrant (id, village_id, version, hlc, origin, recorded_at, modified_at, "
                                 "deleted, code, kind, outlets, location, water_source, status) VALUES "
                                 "('h-1', :v, 1, 'h', 'o', :t, :t, false, 'ABCDEF', 'above_ground', '', '桥头', "
                                 "'mains', 'defect')"), {"v": DEMO_VILLAGE, "t": T})
            if role == "village":  # a hazard the kiosk has not sent yet
                from sync import capture
                capture.upsert_outbox(conn, [("hazard", IDS[2], DEMO_VILLAGE, 0, "")])
        db.session.remove()
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
    return app


@pytest.fixture
def migrated(database, tmp_path):
    kiosk = old_database(database("sqlite", "empty"), tmp_path / "kiosk", "village")
    township = old_database(database("postgresql", "empty", role="township"), tmp_path / "township", "township")
    yield kiosk, township
    for app in (kiosk, township):
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def rows(app, model, order):
    with app.app_context():
        return [{c.name: getattr(r, c.name) for c in model.__table__.columns}
                for r in db.session.scalars(sa.select(model).order_by(order))]


def test_a_kiosk_and_the_township_migrating_apart_write_the_same_facts(migrated):
    kiosk, township = migrated
    digests = []
    for app in migrated:
        with app.app_context():
            digests.append(table_digest(db.session, "hazard_action"))
    assert digests[0] == digests[1] and digests[0][0] == 4
    assert rows(kiosk, HazardState, HazardState.hazard_id) == rows(township, HazardState, HazardState.hazard_id)
    with kiosk.app_context():
        kinds = {h.location: [a.kind for a in service.facts_of(h)] for h in db.session.scalars(sa.select(Hazard))}
        origins = set(db.session.scalars(sa.select(HazardAction.origin)))
        codes = {h.id: h.code for h in db.session.scalars(sa.select(Hazard))}
    assert kinds == {"旧隐患0": [], "旧隐患1": [], "旧隐患2": ["fixed", "verified"], "旧隐患3": ["closed_on_spot"],
                     "旧隐患4": ["acknowledged"]}
    assert origins == {"migration"} and codes == {i: receipt_code(i) for i in IDS}


def test_the_migrated_state_is_what_the_facts_say(migrated):
    for app in migrated:
        stored = rows(app, HazardState, HazardState.hazard_id)
        with app.test_request_context():
            service.refresh_all()
            db.session.commit()
        assert rows(app, HazardState, HazardState.hazard_id) == stored
    state = {r["hazard_id"]: r for r in stored}
    assert state[IDS[0]]["fix_due"] == T + dt.timedelta(days=30)  # the default "3030", from when it was found
    with migrated[0].app_context():
        old = db.session.get(Hazard, IDS[0])
        assert (old.respond_by, old.fix_by) == (T + dt.timedelta(minutes=30), T + dt.timedelta(days=30))
    assert state[IDS[1]]["fix_due"] == T + dt.timedelta(hours=48)  # the deadline it had
    assert (state[IDS[2]]["status"], state[IDS[2]]["fixed_on_time"]) == ("verified", True)
    assert state[IDS[3]]["status"] == "closed" and state[IDS[4]]["status"] == "acknowledged"


def test_facts_the_other_side_could_not_have_made_are_listed_for_replication(migrated):
    kiosk, township = migrated
    with kiosk.app_context():
        queued = set(db.session.scalars(sa.text(
            "SELECT record_id FROM sync_outbox WHERE table_name = 'hazard_action'")))
        unsent = {a.id for a in db.session.scalars(sa.select(HazardAction).where(HazardAction.hazard_id == IDS[2]))}
    assert queued == unsent and len(queued) == 2
    with township.app_context():
        logged = set(db.session.scalars(sa.text(
            "SELECT record_id FROM sync_changelog WHERE table_name = 'hazard_action'")))
        every = set(db.session.scalars(sa.select(HazardAction.id)))
    assert logged == every  # a kiosk enrolled later receives them too


def test_a_hydrant_marked_defect_by_its_row_follows_its_hazards_now(migrated):
    for app in migrated:
        with app.app_context():
            assert db.session.scalar(sa.text("SELECT status FROM hydrant WHERE id = 'h-1'")) == "in_service"
