"""Township supervision at county scale (PostgreSQL): the overview, the reporting rates, a village
drill-down and the hazard register's export, for station staff of one township (昆阳镇) and for a
county account (every village), on a county loaded by bench/county.py (hydrants and their
inspections through the real tables and the change log) plus a hazard register. Prints figures; not
a test.

    .venv/bin/python bench/county_bench.py [--villages 500] [--years 5] [--hazards-per-year 80] [--runs 20]

Server time is the wall time of the request inside the process (the Flask test client: no network,
no browser), p50 and p95 of ``--runs`` requests after three warm-ups. The export's memory is the
peak of Python allocations (tracemalloc) while its response is streamed and thrown away, for the
township's share of the register and for the whole county's: flat in rows means the two peaks are
alike although the rows are sixteen times as many.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TOWNSHIP = "330326100"
VILLAGE = "330326100201"

# a hazard register: every village finds ``per_year`` hazards a year; nine in ten are fixed (most on
# time), the rest still open, some past their deadline. hazard_state is what the loop derives.
HAZARDS_SQL = """
CREATE TEMP TABLE bench_hazard AS
SELECT md5(v.code || ':' || n)::uuid::text AS id, v.code AS village_id, n,
       now()::timestamp - random() * :days * interval '1 day' AS at,
       (ARRAY['ebike','wiring','gas','stacking','exits'])[1 + n % 5] AS category,
       (ARRAY['door_visit','hydrant_inspection','resident_report','township'])[1 + n % 4] AS source,
       random() AS luck
FROM village v CROSS JOIN generate_series(1, :per_village) AS n;

INSERT INTO hazard (id, village_id, version, hlc, origin, recorded_at, modified_at, deleted, category, source,
                    severity, location, description, code, respond_by, fix_by)
SELECT id, village_id, 1, lpad((extract(epoch FROM at) * 1000)::bigint::text, 13, '0') || '-0000-bench', 'bench',
       at, at, false, category, source, CASE WHEN n % 7 = 0 THEN 'serious' ELSE 'minor' END,
       (n % 9 + 1) || '组出租房', '电动车在楼道充电', upper(substr(md5(id), 1, 8)),
       at + interval '30 minutes', at + interval '30 days'
FROM bench_hazard;

INSERT INTO hazard_state (hazard_id, village_id, status, is_open, reported_at, month, respond_by, fix_due,
                          fixed_at, closed_at, fixed_on_time, days_to_fix, sent_back, listed, last_action_at, actions)
SELECT id, village_id,
       CASE WHEN luck < 0.9 THEN 'verified' ELSE 'assigned' END, luck >= 0.9, at,
       to_char(at + interval '8 hours', 'YYYY-MM'), at + interval '30 minutes', at + interval '30 days',
       CASE WHEN luck < 0.9 THEN at + luck * 40 * interval '1 day' END,
       CASE WHEN luck < 0.9 THEN at + (luck * 40 + 1) * interval '1 day' END,
       CASE WHEN luck < 0.9 THEN luck * 40 <= 30 END,
       CASE WHEN luck < 0.9 THEN luck * 40 END, 0, luck > 0.998, at + interval '1 day', 2
FROM bench_hazard;
"""


def township_app(url: str, folder: Path):
    from kiosk import create_app
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "KIOSK_DATA_DIR": str(folder), "SECRET_KEY": "bench",
                       "KIOSK_ROLE": "township", "WTF_CSRF_ENABLED": False})


def prepare(cluster, folder: Path, villages: int, years: int, hazards_per_year: int) -> tuple[str, dict]:
    import sqlalchemy as sa
    from flask_migrate import upgrade

    import county as loader
    from kiosk.extensions import db
    url = cluster.create_database("county")
    folder.mkdir(parents=True, exist_ok=True)
    app = township_app(url, folder)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        db.engine.dispose()
    figures = loader.load(url, villages=villages, years=years)
    started = time.monotonic()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in HAZARDS_SQL.split(";\n"):
            if statement.strip():
                conn.execute(sa.text(statement), {"days": years * 365, "per_village": hazards_per_year * years})
        figures["hazards"] = conn.scalar(sa.text("SELECT count(*) FROM hazard"))
        conn.execute(sa.text("ANALYZE hazard; ANALYZE hazard_state"))
    engine.dispose()
    figures["hazard_seconds"] = round(time.monotonic() - started, 1)
    return url, figures


def accounts(app) -> tuple[int, int]:
    """(station staff of 昆阳镇, a county account) ids."""
    from kiosk.auth.models import StaffUser
    from kiosk.auth.security import hasher
    from kiosk.extensions import db
    with app.app_context():
        staff = StaffUser(username="bench", name="周站长", township_code=TOWNSHIP, password_hash=hasher().hash("x"))
        county = StaffUser(username="bench-county", name="吴科长", township_code=TOWNSHIP,
                           password_hash=hasher().hash("x"), scope="county")
        db.session.add_all([staff, county])
        db.session.commit()
        return staff.id, county.id


def signed_in(app, staff_id: int):
    from kiosk.auth import security
    from kiosk.auth.models import StaffUser
    from kiosk.extensions import db
    client = app.test_client()
    with app.app_context():
        token = security.start_session(staff=db.session.get(StaffUser, staff_id))
    with client.session_transaction() as session:
        session["sid"] = token
    return client


def timed(client, url: str, runs: int, follow=None) -> tuple[float, float]:
    """(p50, p95) ms of GET ``url`` (after ``follow``, a GET whose redirect sets the village)."""
    times = []
    for n in range(runs + 3):
        started = time.perf_counter()
        if follow:
            assert client.get(follow).status_code == 303, follow
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        response.get_data()
        if n >= 3:
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(round(0.95 * len(times))) - 1)]


def export_peak(client, url: str) -> tuple[float, int, float]:
    """(peak MiB of Python allocations, bytes sent, seconds) of a streamed export: timed once as it
    runs, then once more under tracemalloc (which slows it down) for the memory."""
    def stream() -> int:
        response = client.get(url, buffered=False)
        assert response.status_code == 200, url
        size = sum(len(chunk) for chunk in response.response)
        response.close()
        return size

    started = time.perf_counter()
    size = stream()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    stream()
    _now, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20, size, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--villages", type=int, default=500)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--hazards-per-year", type=int, default=80)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    from tests.pg import Cluster
    work = Path(tempfile.mkdtemp(prefix="county-bench-"))
    cluster = Cluster().start()
    try:
        url, figures = prepare(cluster, work / "county", args.villages, args.years, args.hazards_per_year)
        print(f"county: {figures['villages']} villages over 16 townships, {figures['inspections']:,} inspections, "
              f"{figures['changes']:,} change-log rows in {figures['seconds']} s; {figures['hazards']:,} hazards "
              f"in {figures['hazard_seconds']} s")
        app = township_app(url, work / "county")
        staff_id, county_id = accounts(app)
        for who, client in (("staff of 昆阳镇", signed_in(app, staff_id)), ("county account", signed_in(app, county_id))):
            print(f"{who}:")
            for label, page, follow in (
                    ("overview", "/supervision/", None),
                    ("reporting rates", "/supervision/rates", None),
                    ("drill-down: the village's hazards", "/hazards/", f"/supervision/go/{VILLAGE}?to=hazards.index"),
                    ("drill-down: the village's reports", f"/supervision/reports?village={VILLAGE}", None),
                    ("evaluation", "/supervision/evaluation", None)):
                p50, p95 = timed(client, page, args.runs, follow)
                print(f"  {label:36s} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms")
            for fmt in ("csv", "xlsx"):
                peak, size, seconds = export_peak(client, f"/supervision/export/hazards.{fmt}")
                print(f"  hazard register .{fmt:4s}               {size / 2**20:7.1f} MiB in {seconds:6.1f} s, "
                      f"peak Python memory {peak:6.1f} MiB")
        with app.app_context():
            from kiosk.extensions import db
            db.engine.dispose()
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
