"""The village summaries at county scale read rows kept up to date with the checks (each hydrant's and
pool's checks per month and its latest check): they must say what the checks say after a local write
and after a real sync push from a kiosk, cost the same statements for three villages or thirty, and,
on PostgreSQL, be found by the indexes they were built for."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from kiosk import registry
from kiosk.extensions import db
from tests.conftest import DEMO_VILLAGE, TOWNSHIP, add_staff, open_session
from tests.hydrants.helpers import OVERDUE, POOL, all_pass, hydrant, pool

from .conftest import counted

ANSWERS = {k: "pass" for k in ("clear_5m", "signage", "body", "caps", "leak", "valve", "flow", "drain", "paint")}


def derived(app) -> tuple[set, set]:
    """(the derived rows as held, the same rows rebuilt from the checks): equal when kept right."""
    from kiosk.hydrants.models import CheckMonth, LatestCheck
    from kiosk.hydrants.service import refresh_all_checks

    def rows():
        return ({tuple(r) for r in db.session.execute(sa.select(CheckMonth.__table__))}
                | {("latest", *r) for r in db.session.execute(sa.select(LatestCheck.__table__))})
    with app.app_context():
        held = rows()
        refresh_all_checks()
        rebuilt = rows()
        db.session.rollback()
    return held, rebuilt


def figures(app, village=DEMO_VILLAGE) -> dict:
    from kiosk.context import local_today
    from kiosk.supervision.rates import month_key
    with app.test_request_context():
        month = month_key(local_today())
        found = registry.village_summary("hydrants", [village])[village]
        rates = registry.reporting_rates([village], [month])
        return found | {f"done.{k}": r.get(village, {}).get(month).done for k, r in rates.items()
                        if k in ("hydrant_inspections", "pool_checks")}


def inspect_locally(app, location=OVERDUE):
    """An inspection saved as a form (or a phone's delivery) saves it: the service, one commit."""
    from kiosk.context import Actor
    from kiosk.hydrants import service
    from kiosk.hydrants.models import Hydrant, WaterPool
    from kiosk.records import uuid7
    with app.test_request_context():
        found = db.session.get(Hydrant, hydrant(app, location).id)
        service.save_inspection(found, client_id=uuid7(), actor=Actor(None, "李伟", "person"), answers=ANSWERS,
                                notes={}, photos={}, pressure_mpa=0.3, note="")
        water = db.session.get(WaterPool, pool(app, POOL).id)
        service.save_pool_check(water, client_id=uuid7(), actor=Actor(None, "李伟", "person"), kind="level",
                                water_level="full", ice=None, note="", photo=None)
        db.session.commit()


def test_a_local_inspection_moves_the_summary_and_the_rates_at_once(township_app):
    held, rebuilt = derived(township_app)
    assert held and held == rebuilt  # the demo's checks, as the migration or the demo left them
    before = figures(township_app)
    assert before["overdue"] == 1
    inspect_locally(township_app)
    after = figures(township_app)
    assert after["overdue"] == 0
    assert after["done.hydrant_inspections"] == before["done.hydrant_inspections"] + 1
    assert after["done.pool_checks"] == 1
    held, rebuilt = derived(township_app)
    assert held == rebuilt


def test_two_inspections_of_one_hydrant_saved_together_keep_one_row_a_month(township_app):
    """An import or a phone's delivery saves several checks of one hydrant before one commit."""
    from kiosk.context import Actor
    from kiosk.hydrants import service
    from kiosk.hydrants.models import Hydrant
    from kiosk.records import uuid7
    with township_app.test_request_context():
        found = db.session.get(Hydrant, hydrant(township_app, OVERDUE).id)
        for _ in range(2):
            service.save_inspection(found, client_id=uuid7(), actor=Actor(None, "李伟", "person"), answers=ANSWERS,
                                    notes={}, photos={}, pressure_mpa=0.3, note="")
        db.session.commit()
    held, rebuilt = derived(township_app)
    assert held == rebuilt


def test_a_tombstoned_inspection_leaves_the_rows(township_app):
    from kiosk.hydrants.models import HydrantInspection
    from kiosk.hydrants.service import on_sync_applied
    inspect_locally(township_app)
    assert figures(township_app)["overdue"] == 0
    with township_app.app_context():
        latest = db.session.scalars(sa.select(HydrantInspection).where(
            HydrantInspection.hydrant_id == hydrant(township_app, OVERDUE).id)
            .order_by(HydrantInspection.recorded_at.desc())).first()
        # as sync writes a tombstone that arrives: the table, then the hook, in one transaction
        db.session.execute(sa.update(HydrantInspection.__table__).where(
            HydrantInspection.__table__.c.id == latest.id).values(deleted=True))
        on_sync_applied(HydrantInspection.__tablename__, [latest.id])
        db.session.commit()
    assert figures(township_app)["overdue"] == 1
    held, rebuilt = derived(township_app)
    assert held == rebuilt


def test_rates_and_evaluation_cost_the_same_statements_for_three_villages_or_thirty(township_app):
    from kiosk.context import Actor
    from kiosk.hydrants import service
    from kiosk.hydrants.models import Hydrant
    from kiosk.records import uuid7
    from kiosk.village import Village
    station = open_session(township_app.test_client(), staff_id=add_staff(township_app, "zhou-rates", TOWNSHIP))
    pages = ("/supervision/rates", "/supervision/evaluation")
    for page in pages:
        station.get(page)
    with counted(township_app) as few:
        for page in pages:
            assert station.get(page).status_code == 200
    with township_app.test_request_context():
        for n in range(10, 37):  # villages with a hydrant each, inspected
            code = f"{TOWNSHIP}{n:03d}"
            db.session.add(Village(code=code, name=f"新村{n}", township_code=TOWNSHIP))
            found = Hydrant(village_id=code, code=service.new_code(), kind="above_ground", outlets="",
                            location="村口", water_source="mains", status="in_service")
            db.session.add(found)
            db.session.flush()
            service.save_inspection(found, client_id=uuid7(), actor=Actor(None, "李伟", "person"), answers=ANSWERS,
                                    notes={}, photos={}, pressure_mpa=0.3, note="")
        db.session.commit()
    with counted(township_app) as many:
        for page in pages:
            assert station.get(page).status_code == 200
    assert many() == few()


# ---- over real sync: the township on PostgreSQL, a kiosk on SQLite ---------------------------------

sync_fixtures = pytest.importorskip("tests.sync.conftest")
from tests.sync.conftest import make_kiosk, sync_db, township  # noqa: E402,F401


@pytest.mark.postgres
def test_a_kiosks_inspection_reaches_the_townships_summary_at_its_next_sync(make_kiosk, township):
    kiosk = make_kiosk(township)
    assert kiosk.sync().ok  # the demo's registry and its year of checks go up
    held, rebuilt = derived(township.app)
    assert held and held == rebuilt
    before = figures(township.app)
    assert before["overdue"] == 1

    # at the kiosk, through the form, as a volunteer
    with kiosk.ctx():
        person = db.session.scalar(sa.text("SELECT id FROM person WHERE name = '李伟'"))
    volunteer = open_session(kiosk.app.test_client(), person_id=person)
    code = hydrant(kiosk.app, OVERDUE).code
    response = volunteer.post(f"/hydrants/{code}/inspect", content_type="multipart/form-data",
                              data={"client_id": str(uuid.uuid4()), **all_pass()})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    assert figures(kiosk.app)["overdue"] == 0  # the kiosk's own summary at once
    assert figures(township.app)["overdue"] == 1  # the township's at the next sync
    assert kiosk.sync().ok
    after = figures(township.app)
    assert after["overdue"] == 0
    assert after["done.hydrant_inspections"] == before["done.hydrant_inspections"] + 1
    held, rebuilt = derived(township.app)
    assert held == rebuilt


def test_a_second_kiosk_pulling_years_of_checks_and_then_a_tombstone_keeps_its_rows_right(make_kiosk, township):
    from kiosk.hydrants.models import HydrantInspection
    east = make_kiosk(township)
    assert east.sync().ok
    west = make_kiosk(township, flavour="empty")  # a new kiosk of the village: everything comes down
    assert west.sync().ok
    held, rebuilt = derived(west.app)
    assert held and held == rebuilt
    with township.ctx():  # the township takes one inspection back (a tombstone, as a correction does)
        latest = db.session.scalar(sa.select(HydrantInspection).where(HydrantInspection.deleted.is_(False))
                                   .order_by(HydrantInspection.recorded_at.desc()).limit(1))
        latest.deleted = True
        db.session.commit()
    assert west.sync().ok
    held, rebuilt = derived(west.app)
    assert held == rebuilt


# ---- PostgreSQL finds the rows by the indexes they were built for ----------------------------------

def plans(app, job, tables: tuple[str, ...]) -> list[str]:
    """The plans (EXPLAIN, sequential scans discouraged: the test's tables are tiny) of the
    statements ``job`` runs that read any of ``tables``."""
    seen = []

    def keep(conn, cursor, statement, parameters, *args):
        if statement.lstrip().upper().startswith(("SELECT", "INSERT")) and any(f" {t}" in statement for t in tables):
            seen.append((statement, parameters))
    with app.test_request_context():
        sa.event.listen(db.engine, "before_cursor_execute", keep)
        try:
            job()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", keep)
        out = []
        raw = db.session.connection().connection.dbapi_connection
        with raw.cursor() as cur:
            cur.execute("SET LOCAL enable_seqscan = off")
            for statement, parameters in seen:
                cur.execute("EXPLAIN " + statement, parameters)
                out.append("\n".join(r[0] for r in cur.fetchall()))
        db.session.rollback()
    return out


@pytest.mark.postgres
@pytest.mark.parametrize("db_kind", ["postgresql"], indirect=True)
def test_postgresql_uses_the_indexes_the_summaries_rely_on(township_app):
    from kiosk.hydrants import service
    from kiosk.context import local_today
    from kiosk.supervision.rates import month_key, months_back
    codes = [DEMO_VILLAGE]
    with township_app.app_context():
        ids = [hydrant(township_app, OVERDUE).id]
    refreshed = plans(township_app, lambda: service.refresh_checks(ids), ("hydrant_inspection",))
    assert refreshed and all("ix_hydrant_inspection_hydrant_id_recorded_at" in p or "ix_hydrant_inspection_latest" in p
                             for p in refreshed), refreshed
    with township_app.test_request_context():
        months = months_back(month_key(local_today()), 12)
    rates = plans(township_app, lambda: service.inspection_rates(codes, months), ("water_check_month",))
    assert rates and all("ix_water_check_month_village_id_kind_month" in p for p in rates), rates
    summary = plans(township_app, lambda: service.village_summaries(codes), ("water_check_latest",))
    assert summary and all("water_check_latest" in p and "Index" in p for p in summary), summary
    from kiosk.hazards import queries
    hazards = plans(township_app, lambda: queries.village_summaries(codes), ("hazard_state",))
    assert any("ix_hazard_state_open" in p for p in hazards), hazards


# the days a month's end moves the line: one month back from 30 March is 28 February, yet a hydrant
# registered on 1 March is due on 1 April
MONTH_ENDS = ["2026-03-30 10:00", "2026-05-31 10:00", "2026-03-01 00:30", "2026-12-01 20:00"]


@pytest.mark.parametrize("now", MONTH_ENDS)
def test_overdue_in_the_summary_is_the_lists_overdue_at_every_distance_from_the_line(township_app, monkeypatch, now):
    """The county's summary counts "overdue" in the database, and works out exactly only the assets
    near the line (an interval of months is no fixed number of days): hydrants registered on either
    side of it, hour by hour, in a township with the default interval and one with a monthly one,
    say what each village's list says."""
    import datetime as dt

    from kiosk.hydrants import service
    from kiosk.hydrants.models import Hydrant
    from kiosk.village import Village
    from tests.conftest import OTHER_TOWNSHIP_VILLAGE
    other = OTHER_TOWNSHIP_VILLAGE[0]
    at = dt.datetime.fromisoformat(now)
    monkeypatch.setattr(service, "utcnow", lambda: at)
    with township_app.test_request_context():
        service.set_intervals(other[:9], hydrant_months=1, pool_months=1)
        n = 0
        for village, months in ((DEMO_VILLAGE, service.DEFAULT_MONTHS[0]), (other, 1)):
            line = service.add_months(at, -months)
            for hours in [*range(-150, 151, 5), -24 * 40, 24 * 40, 1, -1]:
                n += 1
                db.session.add(Hydrant(village_id=village, code=f"T{n:05d}", location=f"试{n}",
                                       recorded_at=line + dt.timedelta(hours=hours, minutes=17)))
        db.session.commit()
        found = service.village_summaries([DEMO_VILLAGE, other])
        for code in (DEMO_VILLAGE, other):
            states = service.village_states(db.session.get(Village, code))
            assert found[code]["overdue"] == sum(1 for s in states if s.overdue), code
            assert found[code]["hydrants"] == sum(1 for s in states if s.kind == "hydrant") > 60
