"""Township supervision at county scale (PostgreSQL): the overview, the reporting rates, a village
drill-down and the hazard register's export, for station staff of one township (昆阳镇) and for a
county account (every village), on a county loaded by bench/county.py (hydrants and their
inspections through the real tables and the change log) plus a hazard register. Prints figures; not
a test.

    .venv/bin/python bench/county_bench.py [--villages 500] [--years 5] [--hazards-per-year 80] [--runs 20]
                                           [--keep DIR] [--skip-exports]

Loading takes minutes: with ``--keep DIR`` the cluster lives in DIR and a later run with the same DIR
reuses it (migrating it to the code's head first, which measures a migration's backfill too).

Server time is the wall time of the request inside the process (the Flask test client: no network,
no browser), p50 and p95 of ``--runs`` requests after three warm-ups, with the p50 of this process's
CPU time (the machine may be loaded by other work; the database's CPU is not in it). The export's memory is the
peak of Python allocations (tracemalloc) while its response is streamed and thrown away, for the
township's share of the register and for the whole county's: flat in rows means the two peaks are
alike although the rows are sixteen times as many.
"""
from __future__ import annotations

import argparse
import json
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

# a hazard register, as kiosks' pushes would have left it: every village finds ``per_year`` hazards a
# year; nine in ten are fixed and verified (most on time), the rest assigned and still open, some
# past their deadline; one in five hundred is listed for supervision. Each hazard and each of its
# facts (hazard_action) is in the change log, numbered after the village's inspections; hazard_state
# is what the loop derives from those facts (service.derive).
HAZARDS_SQL = """
CREATE TEMP TABLE bench_hazard AS
SELECT md5(v.code || ':' || n)::uuid::text AS id, v.code AS village_id, n,
       now()::timestamp - random() * :days * interval '1 day' AS at,
       (ARRAY['ebike','wiring','gas','stacking','exits'])[1 + n % 5] AS category,
       (ARRAY['door_visit','hydrant_inspection','resident_report','township'])[1 + n % 4] AS source,
       random() AS luck
FROM village v CROSS JOIN generate_series(1, :per_village) AS n;

CREATE TEMP TABLE bench_action AS
SELECT md5(h.id || ':' || a.kind)::uuid::text AS id, h.id AS hazard_id, h.village_id, a.kind, a.at
FROM bench_hazard h CROSS JOIN LATERAL (VALUES
    ('listed', h.at + interval '12 hours', h.luck > 0.998),
    ('assigned', h.at + interval '1 day', h.luck >= 0.9),
    ('fixed', h.at + h.luck * 40 * interval '1 day', h.luck < 0.9),
    ('verified', h.at + (h.luck * 40 + 1) * interval '1 day', h.luck < 0.9)) AS a(kind, at, wanted)
WHERE a.wanted;

INSERT INTO hazard (id, village_id, version, hlc, origin, recorded_at, modified_at, deleted, category, source,
                    severity, location, description, code, respond_by, fix_by)
SELECT id, village_id, 1, lpad((extract(epoch FROM at) * 1000)::bigint::text, 13, '0') || '-0000-bench', 'bench',
       at, at, false, category, source, CASE WHEN n % 7 = 0 THEN 'serious' ELSE 'minor' END,
       (n % 9 + 1) || '组出租房', '电动车在楼道充电', upper(substr(md5(id), 1, 8)),
       at + interval '30 minutes', at + interval '30 days'
FROM bench_hazard;

INSERT INTO hazard_action (id, village_id, version, hlc, origin, recorded_at, modified_at, deleted, hazard_id,
                           kind, actor_kind, actor_name, assignee_kind, assignee_name, responsible, deadline)
SELECT a.id, a.village_id, 1, lpad((extract(epoch FROM a.at) * 1000)::bigint::text, 13, '0') || '-0000-bench',
       'bench', a.at, a.at, false, a.hazard_id, a.kind, 'person', '网格员',
       CASE WHEN a.kind = 'assigned' THEN 'household' END, CASE WHEN a.kind = 'assigned' THEN '户主' END,
       CASE WHEN a.kind = 'listed' THEN '村主任' END, CASE WHEN a.kind = 'listed' THEN h.at + interval '30 days' END
FROM bench_action a JOIN bench_hazard h ON h.id = a.hazard_id;

INSERT INTO hazard_state (hazard_id, village_id, status, is_open, reported_at, month, respond_by, fix_due,
                          next_due, acknowledged_at, assignee_kind, assignee_name, fixed_at, closed_at, fixed_on_time,
                          days_to_fix, sent_back, listed, listed_responsible, listed_due, last_action_at, actions)
SELECT id, village_id,
       CASE WHEN luck < 0.9 THEN 'verified' ELSE 'assigned' END, luck >= 0.9, at,
       to_char(at + interval '8 hours', 'YYYY-MM'), at + interval '30 minutes', at + interval '30 days',
       CASE WHEN luck >= 0.9 THEN at + interval '30 days' END,
       CASE WHEN luck >= 0.9 THEN at + interval '1 day' ELSE at + luck * 40 * interval '1 day' END,
       CASE WHEN luck >= 0.9 THEN 'household' END, CASE WHEN luck >= 0.9 THEN '户主' END,
       CASE WHEN luck < 0.9 THEN at + luck * 40 * interval '1 day' END,
       CASE WHEN luck < 0.9 THEN at + (luck * 40 + 1) * interval '1 day' END,
       CASE WHEN luck < 0.9 THEN luck * 40 <= 30 END,
       CASE WHEN luck < 0.9 THEN luck * 40 END, 0, luck > 0.998, CASE WHEN luck > 0.998 THEN '村主任' END,
       CASE WHEN luck > 0.998 THEN at + interval '30 days' END,
       a.last_at, a.actions
FROM bench_hazard JOIN (SELECT hazard_id, max(at) AS last_at, count(*) AS actions FROM bench_action
                        GROUP BY hazard_id) AS a ON a.hazard_id = bench_hazard.id;

CREATE TEMP TABLE bench_change AS
SELECT c.*, row_number() OVER (PARTITION BY c.village_id ORDER BY c.at, c.table_name, c.record_id) AS k
FROM (SELECT 'hazard' AS table_name, id AS record_id, village_id, at FROM bench_hazard
      UNION ALL SELECT 'hazard_action', id, village_id, at FROM bench_action) AS c;

INSERT INTO sync_changelog (table_name, record_id, seq, village_id, source_device, received_at, stamps)
SELECT c.table_name, c.record_id, coalesce(n.value, 0) + c.k, c.village_id, NULL, c.at,
       '1/' || lpad((extract(epoch FROM c.at) * 1000)::bigint::text, 13, '0') || '-0000-bench'
FROM bench_change c LEFT JOIN sync_counter n ON n.name = 'log:' || c.village_id;

INSERT INTO sync_counter (name, value)
SELECT 'log:' || village_id, max(k) FROM bench_change GROUP BY village_id
ON CONFLICT (name) DO UPDATE SET value = sync_counter.value + excluded.value;
"""


class KeptCluster:
    """A cluster in a folder of one's own that outlives the run (``--keep``)."""

    def __init__(self, base: Path):
        from tests.pg import Cluster
        self.cluster = Cluster()
        shutil.rmtree(self.cluster.base, ignore_errors=True)
        base.mkdir(parents=True, exist_ok=True)
        self.cluster.base, self.cluster.data = base, base / "data"
        if self.cluster.as_root:
            shutil.chown(base, "postgres", "postgres")

    def start(self):
        c = self.cluster
        if c.data.exists():
            opts = (f"-p {c.port} -k {c.base} -c listen_addresses=127.0.0.1 -c fsync=off "
                    f"-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
            c._run("pg_ctl", "-D", str(c.data), "-o", opts, "-l", str(c.base / "log"), "-w", "-t", "60", "start")
        else:
            c.start()
        return c

    def stop(self) -> None:
        self.cluster._run("pg_ctl", "-D", str(self.cluster.data), "-m", "fast", "-w", "stop")


def township_app(url: str, folder: Path):
    from kiosk import create_app
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "KIOSK_DATA_DIR": str(folder), "SECRET_KEY": "bench",
                       "KIOSK_ROLE": "township", "WTF_CSRF_ENABLED": False})


def migrate(url: str, folder: Path) -> float:
    """Seconds to bring the database to the code's head."""
    from flask_migrate import upgrade

    from kiosk.extensions import db
    folder.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    app = township_app(url, folder)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        db.engine.dispose()
    return round(time.monotonic() - started, 1)


def prepare(cluster, folder: Path, villages: int, years: int, hazards_per_year: int) -> tuple[str, dict]:
    import sqlalchemy as sa

    import county as loader
    marker = Path(cluster.base) / "county.json"
    if marker.exists():
        figures = json.loads(marker.read_text())
        url = cluster.url("county")
        figures["migrated_seconds"] = migrate(url, folder)
        return url, figures
    url = cluster.create_database("county")
    migrate(url, folder)
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
    marker.write_text(json.dumps(figures))
    return url, figures


def accounts(app) -> tuple[int, int]:
    """(station staff of 昆阳镇, a county account) ids."""
    from kiosk.auth.models import StaffUser
    from kiosk.auth.security import hasher
    from kiosk.extensions import db
    with app.app_context():
        found = {u.username: u.id for u in StaffUser.query.filter(StaffUser.username.in_(["bench", "bench-county"]))}
        if len(found) == 2:  # a kept county
            return found["bench"], found["bench-county"]
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


def timed(client, url: str, runs: int, follow=None) -> tuple[float, float, float]:
    """(p50, p95, CPU p50) ms of GET ``url`` (after ``follow``, a GET whose redirect sets the village)."""
    times, cpu = [], []
    for n in range(runs + 3):
        started, started_cpu = time.perf_counter(), time.process_time()
        if follow:
            assert client.get(follow).status_code == 303, follow
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        response.get_data()
        if n >= 3:
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(round(0.95 * len(times))) - 1)], statistics.median(cpu)


def parts(app, runs: int) -> None:
    """p50 ms and statements of each registered village summary and reporting rate, for the township
    and for the county: where the screens' time goes."""
    import sqlalchemy as sa

    from kiosk import registry
    from kiosk.extensions import db
    from kiosk.supervision.rates import months_back
    from kiosk.village.models import Village
    from kiosk.context import local_today
    with app.test_request_context():
        statements = []
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
        months = months_back(local_today().strftime("%Y-%m"), 12)
        for who, where in (("staff of 昆阳镇", Village.township_code == TOWNSHIP), ("county account", sa.true())):
            codes = list(db.session.scalars(sa.select(Village.code).where(where)))
            print(f"{who} ({len(codes)} villages), p50 ms / statements:")
            found = registry.get()
            jobs = [(f"summary {k}", lambda s=s: s.compute(codes)) for k, s in found.summaries.items()]
            jobs += [(f"rates {k} (12 months)", lambda r=r: r.compute(codes, months)) for k, r in found.reporting.items()]
            for label, job in jobs:
                times = []
                for _ in range(runs):
                    statements.clear()
                    started = time.perf_counter()
                    job()
                    times.append((time.perf_counter() - started) * 1000)
                    db.session.rollback()
                print(f"  {label:40s} {statistics.median(times):8.1f} ms  {len(statements):3d}", flush=True)


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
    parser.add_argument("--keep", type=Path, help="keep the loaded cluster in this folder and reuse it next time")
    parser.add_argument("--skip-exports", action="store_true", help="measure the screens only")
    parser.add_argument("--parts", action="store_true", help="time each village summary and reporting rate first")
    args = parser.parse_args()
    from tests.pg import Cluster
    work = Path(tempfile.mkdtemp(prefix="county-bench-"))
    kept = KeptCluster(args.keep.resolve()) if args.keep else None
    cluster = kept.start() if kept else Cluster().start()
    try:
        url, figures = prepare(cluster, work / "county", args.villages, args.years, args.hazards_per_year)
        print(f"county: {figures['villages']} villages over 16 townships, {figures['inspections']:,} inspections, "
              f"{figures['changes']:,} change-log rows in {figures['seconds']} s; {figures['hazards']:,} hazards "
              f"in {figures['hazard_seconds']} s"
              + (f" (kept; migrated in {figures['migrated_seconds']} s)" if "migrated_seconds" in figures else ""))
        app = township_app(url, work / "county")
        staff_id, county_id = accounts(app)
        if args.parts:
            parts(app, max(3, args.runs // 4))
        for who, client in (("staff of 昆阳镇", signed_in(app, staff_id)), ("county account", signed_in(app, county_id))):
            print(f"{who}:")
            for label, page, follow in (
                    ("overview", "/supervision/", None),
                    ("reporting rates", "/supervision/rates", None),
                    ("drill-down: the village's hazards", "/hazards/", f"/supervision/go/{VILLAGE}?to=hazards.index"),
                    ("drill-down: the village's reports", f"/supervision/reports?village={VILLAGE}", None),
                    ("evaluation", "/supervision/evaluation", None)):
                p50, p95, cpu = timed(client, page, args.runs, follow)
                print(f"  {label:36s} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms   CPU p50 {cpu:8.1f} ms", flush=True)
            for fmt in () if args.skip_exports else ("csv", "xlsx"):
                peak, size, seconds = export_peak(client, f"/supervision/export/hazards.{fmt}")
                print(f"  hazard register .{fmt:4s}               {size / 2**20:7.1f} MiB in {seconds:6.1f} s, "
                      f"peak Python memory {peak:6.1f} MiB")
        with app.app_context():
            from kiosk.extensions import db
            db.engine.dispose()
    finally:
        (kept or cluster).stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
