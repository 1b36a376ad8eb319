"""Benchmark: 100 kiosks (each its own enrolled device) pushing at once to a township on PostgreSQL
behind gunicorn with several workers, over loopback. Prints figures; not a test.

    .venv/bin/python bench/concurrent_kiosks.py [--kiosks 100] [--records 100] [--workers 4]

The kiosks run as threads in a few client processes (each kiosk its own SQLite database, its own
credential), enrol first, make their records (hydrant inspections), then all start their `sync once`
at the same moment. The figures: errors (any run not "ok"), records the township holds against those
sent, wall time from the first push to the last, records per second, and each kiosk's own time.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOWNSHIP = "330326100"
sys.path.insert(0, str(ROOT))


def make_app(url: str, folder: Path, **extra):
    from kiosk import create_app
    config = {"SQLALCHEMY_DATABASE_URI": url, "KIOSK_DATA_DIR": str(folder), "SECRET_KEY": "bench"}
    config.update(extra)
    return create_app(config)


def village(i: int) -> str:
    return f"{TOWNSHIP}{201 + i:03d}"


def prepare_township(url: str, folder: Path, villages: int, kiosks: int) -> list[tuple[str, str]]:
    """Migrate, seed the villages, make one code per kiosk: [(village, code)]."""
    from flask_migrate import upgrade
    from kiosk.extensions import db
    from kiosk.village import Village, seed_townships
    from sync.server import create_code
    app = make_app(url, folder, KIOSK_ROLE="township")
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        seed_townships()
        for i in range(villages):
            if db.session.get(Village, village(i)) is None:
                db.session.add(Village(code=village(i), name=f"测试{i}村", township_code=TOWNSHIP))
        db.session.commit()
        codes = []
        for k in range(kiosks):
            v = village(k % villages)
            codes.append((v, create_code(v, "bench").code))
        db.session.commit()
        db.engine.dispose()
    return codes


def kiosk_template(folder: Path) -> Path:
    from flask_migrate import upgrade
    from kiosk.extensions import db
    path = folder / "template.db"
    app = make_app(f"sqlite:///{path}", folder / "template", KIOSK_ROLE="village", VILLAGE_CODE=village(0))
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        db.engine.dispose()
    return path


# ---- a client process: several kiosks, as threads ------------------------------------------------

def clients_main(args) -> None:
    from kiosk.extensions import db
    from kiosk.hydrants.models import HydrantInspection
    from sync import client
    todo = json.loads(Path(args.todo).read_text())
    kiosks = []
    for item in todo:
        folder = Path(item["folder"])
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(args.template, folder / "kiosk.db")
        app = make_app(f"sqlite:///{folder / 'kiosk.db'}", folder, VILLAGE_CODE=item["village"])
        with app.app_context():
            from sync.ids import uuid7
            from sync.store import SyncNode
            node = db.session.get(SyncNode, 1)
            if node is not None:
                node.node_id = uuid7()
            client.enroll(args.server, item["code"])
            hydrant = uuid7()
            now = dt.datetime(2026, 5, 1, 8)
            for n in range(args.records):
                db.session.add(HydrantInspection(
                    village_id=item["village"], hydrant_id=hydrant, inspector_name="李伟", result="ok",
                    items={"clear_5m": "pass", "signage": "pass", "caps": "pass", "leak": "pass",
                           "valve": "pass", "flow": "pass"}, note=f"第{n}次", recorded_at=now))
            db.session.commit()
        kiosks.append(app)
    Path(args.ready).write_text("ready")
    start = Path(args.start_file)  # written once every client process is ready
    while not start.exists():
        time.sleep(0.01)
    start_at = float(start.read_text())
    while time.time() < start_at:
        time.sleep(0.001)
    out = [None] * len(kiosks)

    def run(i, app):
        with app.app_context():
            t0 = time.time()
            r = client.sync_once()
            out[i] = {"outcome": r.outcome, "code": r.code, "message": r.message[:200], "pushed": r.pushed,
                      "started": t0, "finished": time.time(), "requests": r.requests}
    threads = [threading.Thread(target=run, args=(i, app)) for i, app in enumerate(kiosks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(out))


def run_clients(work: Path, codes: list, processes: int, server: str, template: Path, records: int) -> list[dict]:
    """The kiosks of ``codes`` in ``processes`` client processes; each enrols and makes its records, then
    all start their sync at the same moment. Their results."""
    work.mkdir(parents=True, exist_ok=True)
    ready_files, runners = [], []
    for c in range(processes):
        todo = [{"folder": str(work / f"kiosk-{k}"), "village": v, "code": code}
                for k, (v, code) in enumerate(codes) if k % processes == c]
        (work / f"todo-{c}.json").write_text(json.dumps(todo))
        ready_files.append(work / f"ready-{c}")
        runners.append(subprocess.Popen(
            [sys.executable, __file__, "_clients", "--todo", str(work / f"todo-{c}.json"), "--server", server,
             "--template", str(template), "--records", str(records), "--ready", str(ready_files[-1]),
             "--start-file", str(work / "start")], cwd=ROOT, stdout=subprocess.PIPE, text=True))
    while not all(ready.exists() for ready in ready_files):
        if any(r.poll() is not None for r in runners):
            raise RuntimeError("a client process failed while preparing")
        time.sleep(0.2)
    (work / "start").write_text(str(time.time() + 1))
    results = []
    for r in runners:
        out, _ = r.communicate()
        results.extend(json.loads(out.strip().splitlines()[-1]))
    return results


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kiosks", type=int, default=100)
    p.add_argument("--records", type=int, default=100, help="records each kiosk pushes")
    p.add_argument("--villages", type=int, default=100, help="the kiosks' villages (kiosk k is of village k mod this)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    p.add_argument("--processes", type=int, default=4, help="client processes the kiosks run in")
    args = p.parse_args()
    from tests.pg import Cluster, free_port
    work = Path(tempfile.mkdtemp(prefix="bench-kiosks-"))
    cluster = Cluster().start()
    gunicorn = None
    try:
        url = cluster.create_database("township")
        codes = prepare_township(url, work / "township", args.villages, args.kiosks + 1)
        template = kiosk_template(work)
        port = free_port()
        env = dict(os.environ, KIOSK_ROLE="township", DATABASE_URL=url, KIOSK_DATA_DIR=str(work / "township"),
                   SECRET_KEY="bench", GUNICORN_WORKERS=str(args.workers), GUNICORN_BIND=f"127.0.0.1:{port}")
        gunicorn = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "-c",
                                     "deploy/township/gunicorn.conf.py"], cwd=ROOT, env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        server = f"http://127.0.0.1:{port}"
        import requests
        for _ in range(300):
            try:
                requests.get(f"{server}/healthz", timeout=1).close()
                break
            except requests.RequestException:
                time.sleep(0.1)
        # one kiosk alone first (its own village), then all of them at once
        alone = run_clients(work / "alone", codes[-1:], 1, server, template, args.records)
        results = run_clients(work / "together", codes[:-1], args.processes, server, template, args.records)
        errors = [x for x in results if x["outcome"] != "ok"]
        from sqlalchemy import create_engine, text
        engine = create_engine(url)
        with engine.connect() as conn:
            stored = conn.execute(text("select count(*) from hydrant_inspection")).scalar()
            held = conn.execute(text("select count(*) from sync_held")).scalar()
        engine.dispose()
        sent = args.kiosks * args.records
        first = min(x["started"] for x in results)
        last = max(x["finished"] for x in results)
        own = sorted(x["finished"] - x["started"] for x in results)
        one = args.records / (alone[0]["finished"] - alone[0]["started"])
        print(f"{args.kiosks} kiosks (each its own device, {args.villages} villages) x {args.records} records, "
              f"township on PostgreSQL behind gunicorn ({args.workers} workers), loopback")
        print(f"errors: {len(errors)}" + (f" ({errors[0]['code']}: {errors[0]['message']})" if errors else ""))
        print(f"records: {sent + args.records} sent, {stored} stored by the township, {held} held")
        print(f"one kiosk alone: {alone[0]['finished'] - alone[0]['started']:.2f} s = {one:.0f} records/s")
        print(f"all at once, first push to last: {last - first:.2f} s; {sent / (last - first):.0f} records/s "
              f"= {sent / (last - first) / one:.2f}x one kiosk alone")
        print(f"one kiosk's sync: median {own[len(own) // 2]:.2f} s, 95th percentile {own[int(len(own) * .95)]:.2f} s, "
              f"slowest {own[-1]:.2f} s")
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            gunicorn.wait(30)
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_clients":
        q = argparse.ArgumentParser()
        q.add_argument("_cmd")
        for name in ("--todo", "--server", "--template", "--ready", "--start-file"):
            q.add_argument(name, required=True)
        q.add_argument("--records", type=int, required=True)
        clients_main(q.parse_args())
    else:
        main()
