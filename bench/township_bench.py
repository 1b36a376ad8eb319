"""Township at county scale (PostgreSQL): a kiosk's first pull and the devices page, on a county of
500 villages x 5 years (bench/county.py: ~1.5 M inspections and change-log rows) beside the same on
a township of one village (the pull) or of one township's villages (the devices page). Prints
figures; not a test.

    .venv/bin/python bench/township_bench.py [--villages 500] [--years 5]

- first pull: a real kiosk (SQLite, its own process) enrols for 330326100201 and pulls its village
  from a township server (`flask serve`) over loopback: wall seconds and records, and the township's
  own time for the pull query of the first 500-row page (median of 20);
- devices page: one enrolled device per village, staff of 昆阳镇 open /devices/ (CPU ms per request,
  median of 30, and SQL statements).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

VILLAGE = "330326100201"


def township_app(url: str, folder: Path):
    from kiosk import create_app
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "KIOSK_DATA_DIR": str(folder), "SECRET_KEY": "bench",
                       "KIOSK_ROLE": "township", "WTF_CSRF_ENABLED": False})


def prepare(cluster, name: str, folder: Path, **county) -> str:
    from flask_migrate import upgrade

    import county as loader
    from kiosk.extensions import db
    url = cluster.create_database(name)
    folder.mkdir(parents=True, exist_ok=True)
    app = township_app(url, folder)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        db.engine.dispose()
    figures = loader.load(url, **county)
    print(f"  {name}: loaded {figures['villages']} villages, {figures['inspections']:,} inspections, "
          f"{figures['changes']:,} change-log rows in {figures['seconds']} s")
    return url


def pull_query_ms(url: str, folder: Path) -> float:
    """The township's time for the pull query of the village's first 500-row page."""
    import sqlalchemy as sa

    from kiosk.extensions import db
    from sync import capture, cursor
    from sync.server import scope_changes
    app = township_app(url, folder)
    times = []
    with app.app_context():
        conn = db.session.connection()
        horizon = capture.current_value(conn, cursor.counter(VILLAGE))
        for _ in range(20):
            t = time.perf_counter()
            conn.execute(scope_changes(VILLAGE, 0, horizon, sa.true(), 500)).all()
            times.append((time.perf_counter() - t) * 1000)
        db.session.rollback()
        db.engine.dispose()
    return statistics.median(times)


def first_pull(url: str, folder: Path) -> dict:
    """A new kiosk of the village enrols and pulls everything, through a real server."""
    import requests
    from sync_bench import free_port, migrate, run_kiosk

    from kiosk.extensions import db
    from sync.server import create_code
    kiosk = folder / "kiosk"
    kiosk.mkdir(parents=True, exist_ok=True)
    migrate(f"sqlite:///{kiosk / 'kiosk.db'}", kiosk, "village")
    app = township_app(url, folder / "township")
    with app.app_context():
        code = create_code(VILLAGE, "bench").code
        db.session.commit()
        db.engine.dispose()
    port = free_port()
    env = dict(os.environ, KIOSK_ROLE="township", DATABASE_URL=url, KIOSK_DATA_DIR=str(folder / "township"),
               SECRET_KEY="bench")
    server = subprocess.Popen([sys.executable, "-m", "flask", "--app", "kiosk", "serve", "--port", str(port),
                               "--threads", "4"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.1)
        return run_kiosk(kiosk, f"http://127.0.0.1:{port}", code)
    finally:
        server.kill()
        server.wait()


def devices_page(url: str, folder: Path) -> tuple[float, int, int]:
    """(CPU ms per request, statements, devices shown) of /devices/ for staff of 昆阳镇, with one
    enrolled device per village of the database."""
    import sqlalchemy as sa
    from sqlalchemy import event

    from kiosk.auth.models import StaffUser
    from kiosk.auth.security import hasher
    from kiosk.extensions import db
    from kiosk.records import utcnow, uuid7
    from kiosk.village import Village
    from sync import SyncDevice
    app = township_app(url, folder)
    with app.app_context():
        codes = db.session.scalars(sa.select(Village.code)).all()
        db.session.execute(sa.insert(SyncDevice.__table__), [
            {"id": uuid7(), "village_id": c, "token_hash": "0" * 64, "label": "", "enrolled_at": utcnow(),
             "push_hw": 0, "push_confirmed": 0, "pending_up": 0, "pull_cursor": 0, "regressions": 0} for c in codes])
        user = StaffUser(username="bench", name="周站长", township_code="330326100", password_hash=hasher().hash("x"))
        db.session.add(user)
        db.session.commit()
        uid = user.id
        statements: list = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    client = app.test_client()
    with app.app_context():
        from kiosk.auth import security
        token = security.start_session(staff=db.session.get(StaffUser, uid))
    with client.session_transaction() as s:
        s["sid"] = token
    for _ in range(3):
        assert client.get("/devices/").status_code == 200
    cpu, counts = [], []
    for _ in range(30):
        statements.clear()
        t = time.process_time()
        body = client.get("/devices/").get_data(as_text=True)
        cpu.append((time.process_time() - t) * 1000)
        counts.append(len(statements))
    with app.app_context():
        db.engine.dispose()
    return statistics.median(cpu), max(counts), len(re.findall(r'href="/devices/[0-9a-f-]{36}"', body))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--villages", type=int, default=500)
    parser.add_argument("--years", type=int, default=5)
    args = parser.parse_args()
    from tests.pg import Cluster
    work = Path(tempfile.mkdtemp(prefix="township-bench-"))
    cluster = Cluster().start()
    try:
        print(f"township benchmark: a county of {args.villages} villages x {args.years} years on PostgreSQL")
        county = prepare(cluster, "county", work / "county", villages=args.villages, years=args.years)
        alone = prepare(cluster, "one_village", work / "one", villages=1, years=args.years)
        own_township = prepare(cluster, "one_township", work / "own", villages=-(-args.villages // 16),
                               years=1, townships=1)
        q_county, q_alone = pull_query_ms(county, work / "county"), pull_query_ms(alone, work / "one")
        p_county, p_alone = first_pull(county, work / "pull-county"), first_pull(alone, work / "pull-one")
        d_county, d_own = devices_page(county, work / "county"), devices_page(own_township, work / "own")
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"  pull query, first 500-row page: county {q_county:.2f} ms, one village {q_alone:.2f} ms "
          f"= {q_county / q_alone:.2f}x")
    print(f"  first pull of {VILLAGE}: county {p_county['pulled']} records in {p_county['seconds']:.2f} s "
          f"({p_county['pulled'] / p_county['seconds']:.0f} records/s), one village {p_alone['pulled']} records in "
          f"{p_alone['seconds']:.2f} s = {p_county['seconds'] / p_alone['seconds']:.2f}x")
    print(f"  devices page (staff of 330326100): county {d_county[0]:.1f} ms CPU, {d_county[1]} statements; "
          f"its township alone {d_own[0]:.1f} ms, {d_own[1]} statements = {d_county[0] / d_own[0]:.2f}x "
          f"({d_county[2]} and {d_own[2]} kiosks listed)")


if __name__ == "__main__":
    main()
