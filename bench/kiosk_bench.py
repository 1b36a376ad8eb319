"""Kiosk pages with five years of one village's data: CPU time per request and memory.

A Raspberry Pi 4 is several times slower than a developer's machine, so every kiosk page is measured
in CPU milliseconds per request (which the machine's other load does not inflate), after five years of
records made through the app's own services:

    600 households, 2,432 hydrant inspections, 5 pact versions with 2,601 pledges, 2,404 door-to-door
    visits, 1,500 hazards, 302 township warnings (most acknowledged), 60 station checks.

Usage::

    .venv/bin/python bench/kiosk_bench.py                 # every page, 30 requests each
    .venv/bin/python bench/kiosk_bench.py --rounds 200    # then 200 rounds over every page: RSS growth
    .venv/bin/python bench/kiosk_bench.py --minutes 60    # an hour of use: RSS at the end
    .venv/bin/python bench/kiosk_bench.py --keep /tmp/k5  # make the five years once, reuse them after
    .venv/bin/python bench/kiosk_bench.py --keep /tmp/k5 --profile /   # where a page's CPU goes

Prints one line per page (CPU ms per request: median and 90th percentile, statements per request,
bytes) and the resident memory of the process serving them (the five years are made in another):
at start, with the app made, after the pages and after the rounds.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VILLAGE = "330326100201"
YEARS = 5
PAGES = [
    ("home", "/"),
    ("notice board", "/board"),
    ("hazards (open)", "/hazards/"),
    ("hazards (all)", "/hazards/?show=all"),
    ("warnings", "/warnings/"),
    ("households", "/households/"),
    ("pact", "/pact/"),
    ("pact progress", "/pact/progress"),
    ("door-to-door list", "/pact/door-list"),
    ("visits", "/pact/visits"),
    ("hydrants", "/hydrants/"),
    ("station", "/station/"),
    ("organisation", "/organisation/"),
    ("patrols", "/patrols/"),
    ("publicity", "/publicity/"),
    ("incidents", "/incidents/"),
    ("sync", "/sync/"),
]


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_app(folder: Path):
    from kiosk import create_app
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'kiosk.db'}", "KIOSK_DATA_DIR": str(folder),
                       "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "VILLAGE_CODE": VILLAGE,
                       "ARGON2_MEMORY_KIB": 8192})


def spread(rng: random.Random, n: int, years: int = YEARS) -> list[dt.datetime]:
    """n moments over the last ``years`` years, oldest first."""
    from kiosk.records import utcnow
    now = utcnow()
    span = years * 365 * 86400
    return sorted(now - dt.timedelta(seconds=rng.randrange(span)) for _ in range(n))


def load_five_years(app) -> dict:
    """Five years of the demo village, through the services (the way the screens write)."""
    from flask_migrate import upgrade

    from kiosk.context import Actor
    from kiosk.demo import load_demo
    from kiosk.extensions import db
    from kiosk.hazards.service import open_hazard
    from kiosk.households import service as households
    from kiosk.hydrants import service as hydrants
    from kiosk.hydrants.models import INSPECTION_ITEMS, Hydrant
    from kiosk.pacts import service as pacts
    from kiosk.pacts.models import Pact
    from kiosk.records import uuid7
    from kiosk.village import Household, Person, Village
    from kiosk.warnings import service as warnings

    rng = random.Random(330326)
    counts = {}
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        load_demo()
        village = db.session.get(Village, VILLAGE)
        person = db.session.scalar(db.select(Person).where(Person.village_id == VILLAGE, Person.name == "陈建国"))
        actor = Actor(person.id, person.name, "person")

        existing = db.session.scalar(db.select(db.func.count()).select_from(Household)
                                     .where(Household.village_id == VILLAGE))
        for n in range(600 - existing):
            group = 5 + n // 40
            households.add(village, uuid7(), {"house_number": f"{group}组{n % 40 + 1:02d}号",
                                              "head_name": "陈" + "林王郑黄李张吴徐"[n % 8] + "明",
                                              "group_name": f"第{group}组", "phone": None,
                                              "members": 1 + n % 6, "note": None})
        db.session.commit()
        houses = db.session.scalars(db.select(Household).where(Household.village_id == VILLAGE)).all()
        counts["households"] = len(houses)

        hydrant_rows = db.session.scalars(Hydrant.live().where(Hydrant.village_id == VILLAGE)).all()
        moments = spread(rng, 2432)
        for k, at in enumerate(moments):
            h = hydrant_rows[k % len(hydrant_rows)]
            answers = {key: ("fail" if rng.random() < 0.03 else "pass") for key in INSPECTION_ITEMS}
            rec = hydrants.save_inspection(h, client_id=uuid7(), actor=actor, answers=answers, notes={}, photos={},
                                           pressure_mpa=0.3, note="")
            rec.recorded_at = at
            if k % 200 == 199:
                db.session.commit()
        db.session.commit()
        counts["inspections"] = len(moments)

        # a pact version a year; each pledged by most households
        pledges = 0
        template = db.session.scalar(db.select(pacts.PactTemplate).limit(1)) if hasattr(pacts, "PactTemplate") else None
        for year in range(YEARS):
            current = db.session.scalar(Pact.live().where(Pact.village_id == VILLAGE)
                                        .order_by(Pact.number.desc()).limit(1))
            draft = pacts.new_draft(village, uuid7(), source=current, template=None if current else template)
            db.session.flush()
            pacts.adopt(draft, dt.date.today() - dt.timedelta(days=365 * (YEARS - year)), 120, "陈建国")
            pacts.publish(draft)
            db.session.commit()
            for house in houses:
                if pledges >= 2601 or rng.random() > 0.87:
                    continue
                pacts.record_pledge(draft, house, uuid7(), recorded_by_id=person.id, confirmed_by="陈建国")
                pledges += 1
            db.session.commit()
        counts["pledges"] = pledges

        for k, at in enumerate(spread(rng, 2404)):
            house = houses[k % len(houses)]
            found = [("ebike", "楼道充电", rng.random() < 0.5)] if rng.random() < 0.05 else []
            visit = pacts.record_visit(house, uuid7(), visited_on=at.date(), visitors="林海燕", topics=["ebike"],
                                       note=None, hazards=found, recorded_by_id=person.id)
            visit.recorded_at = at
            if k % 300 == 299:
                db.session.commit()
        db.session.commit()
        counts["visits"] = 2404

        categories = ["ebike", "wiring", "gas", "combustibles", "blocked_passage", "equipment"]
        for k, at in enumerate(spread(rng, 1500)):
            hz = open_hazard(village_id=VILLAGE, category=categories[k % len(categories)], source="committee",
                             location=f"{1 + k % 12}组", description="巡查发现", fixed_on_spot=rng.random() < 0.6)
            hz.recorded_at = at
            if k % 300 == 299:
                db.session.commit()
        db.session.commit()
        counts["hazards"] = 1500

        for k, at in enumerate(spread(rng, 302)):
            w = warnings.issue_warning(warning_id=uuid7(), township_code=VILLAGE[:9],
                                       kind=("monthly", "weekly", "immediate")[k % 3], title=f"第{k + 1}号预警",
                                       body="请加强巡查。", valid_until=(at + dt.timedelta(days=30)).date(),
                                       villages=None, issued_by="周立新")
            w.issued_at = at
            if rng.random() < 0.95:
                warnings.acknowledge(w, village, person)
            if k % 100 == 99:
                db.session.commit()
        db.session.commit()
        counts["warnings"] = 302
        db.session.remove()
    return counts


def measure(client, url: str, n: int, statements: list) -> dict:
    for _ in range(3):
        client.get(url)
    cpu, sizes, stmts = [], [], []
    for _ in range(n):
        statements.clear()
        t = time.process_time()
        response = client.get(url)
        cpu.append((time.process_time() - t) * 1000)
        stmts.append(len(statements))
        sizes.append(len(response.get_data()))
        assert response.status_code == 200, (url, response.status_code)
    cpu.sort()
    return {"median": statistics.median(cpu), "p90": cpu[int(len(cpu) * 0.9) - 1], "statements": max(stmts),
            "bytes": max(sizes)}


def profile(client, url: str, n: int) -> None:
    import cProfile
    import pstats
    for _ in range(3):
        client.get(url)
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(n):
        client.get(url)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(25)


def upgrade(folder: Path) -> None:
    """A kept database made by older code: migrated to this code's schema first, as a kiosk is."""
    from flask_migrate import upgrade as migrate
    app = make_app(folder)
    with app.app_context():
        migrate(directory=str(ROOT / "migrations"), revision="heads")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=30, help="requests per page")
    parser.add_argument("--rounds", type=int, default=0, help="rounds over every page afterwards (RSS growth)")
    parser.add_argument("--minutes", type=float, default=0, help="keep using the pages this long (RSS)")
    parser.add_argument("--keep", metavar="DIR", help="make the five years in DIR once and reuse them after")
    parser.add_argument("--profile", metavar="URL", help="profile this page's requests (cProfile) instead")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        t = time.monotonic()
        if args.keep and (folder / "counts.json").exists():
            counts = json.loads((folder / "counts.json").read_text())
            upgraded = subprocess.run([sys.executable, __file__, "_upgrade", str(folder)], capture_output=True,
                                      text=True)
            if upgraded.returncode != 0:
                raise SystemExit(upgraded.stderr[-3000:])
        else:
            # the five years are made in a process of their own: the kiosk serving the pages starts afresh,
            # as a Raspberry Pi does after a restart, with nothing of the loading in its memory
            done = subprocess.run([sys.executable, __file__, "_load", str(folder)], capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(done.stderr[-3000:])
            counts = json.loads(done.stdout.strip().splitlines()[-1])
            (folder / "counts.json").write_text(json.dumps(counts))
        print(f"five years ready in {time.monotonic() - t:.0f} s: " +
              ", ".join(f"{v} {k}" for k, v in counts.items()))
        start_rss = rss_mib()
        app = make_app(folder)
        from sqlalchemy import event

        from kiosk.extensions import db
        statements: list = []

        def record(*args):
            statements.append(args[2])

        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", record)
        client = app.test_client()
        with app.app_context():
            from kiosk.auth import security
            from kiosk.village import Person
            token = security.start_session(person=db.session.scalar(db.select(Person).where(Person.name == "陈建国")))
        with client.session_transaction() as s:
            s["sid"] = token
        loaded_rss = rss_mib()
        if args.profile:
            profile(client, args.profile, args.n)
            return
        print(f"{'page':<20} {'CPU ms median':>13} {'p90':>7} {'SQL':>5} {'KB':>7}")
        for name, url in PAGES:
            r = measure(client, url, args.n, statements)
            print(f"{name:<20} {r['median']:>13.1f} {r['p90']:>7.1f} {r['statements']:>5} {r['bytes'] / 1024:>7.0f}")
        # The recorder goes before the long run: it kept every statement's text, and statements with
        # expanded IN lists are new strings each time (~760 B a request, which an hour's RSS showed
        # as the app's growth until tracemalloc pointed here).
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", record)
        statements.clear()
        after_pages = rss_mib()
        end = time.monotonic() + args.minutes * 60
        rounds = 0
        while rounds < args.rounds or time.monotonic() < end:
            for _name, url in PAGES:
                client.get(url)
            rounds += 1
        print(f"RSS MiB: {start_rss:.0f} at start, {loaded_rss:.0f} with the app made and signed in, {after_pages:.0f} "
              f"after the pages" + (f", {rss_mib():.0f} after {rounds} more rounds ({rounds * len(PAGES)} requests)"
                                    if rounds else ""))


if __name__ == "__main__":
    os.environ.setdefault("KIOSK_ROLE", "village")
    if len(sys.argv) == 3 and sys.argv[1] == "_load":
        print(json.dumps(load_five_years(make_app(Path(sys.argv[2])))))
    elif len(sys.argv) == 3 and sys.argv[1] == "_upgrade":
        upgrade(Path(sys.argv[2]))
    else:
        main()
