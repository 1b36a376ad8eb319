"""A county-sized township database for benchmarks: N villages x Y years, bulk-loaded into the real
tables of a migrated township database on PostgreSQL (COPY, not the ORM: 1.5 M rows in tens of
seconds), with the change log numbered as the township numbers it (per scope, sync.cursor).

    from bench.county import load
    figures = load(url, villages=500, years=5)   # -> {"villages": 500, "inspections": 1_500_000, ...}

Villages are spread over Pingyang's sixteen townships (``<township><201 + i>``); the demo village
330326100201 is the first. Each village has its hydrants and ``inspections_per_year`` inspections a
year, each in the change log as a kiosk's push would have left it. Benchmarks add what they need on
top (devices, a staff account); bench/township_bench.py uses it, and so can a township overview bench.
"""
from __future__ import annotations

import datetime as dt
import json
import random
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ITEMS = ["clear_5m", "signage", "body", "caps", "leak", "valve", "flow", "drain", "paint"]


def village_codes(villages: int, townships: int = 16) -> list[str]:
    """``villages`` codes spread over the first ``townships`` of Pingyang's townships, 昆阳镇 first."""
    from kiosk.village.reference import PINGYANG_TOWNSHIPS
    chosen = [code for code, _name, _class in PINGYANG_TOWNSHIPS][:townships]
    return [f"{chosen[i % len(chosen)]}{201 + i // len(chosen):03d}" for i in range(villages)]


def _uuid7(ms: int, rng: random.Random) -> str:
    value = ms << 80 | 0x7 << 76 | rng.getrandbits(12) << 64 | 0b10 << 62 | rng.getrandbits(62)
    return str(uuid.UUID(int=value))


def load(url: str, villages: int = 500, years: int = 5, inspections_per_year: int = 600,
         hydrants_per_village: int = 12, townships: int = 16, seed: int = 330326) -> dict:
    """Fill a migrated, empty township database at ``url`` (a SQLAlchemy PostgreSQL URL)."""
    import sqlalchemy as sa

    from kiosk.hydrants.models import Hydrant, HydrantInspection
    from kiosk.village.models import Township, Village
    from kiosk.village.reference import COUNTY_CODE, PINGYANG_TOWNSHIPS
    from sync import cursor
    from sync.models import SyncChangelog, SyncCounter

    rng = random.Random(seed)
    codes = village_codes(villages, townships)
    engine = sa.create_engine(url)
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    span_ms = years * 365 * 86_400_000
    now_ms = int(now.replace(tzinfo=dt.timezone.utc).timestamp() * 1000)
    started = time.monotonic()
    counts = {"villages": villages, "hydrants": 0, "inspections": 0, "changes": 0}
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        with engine.connect() as conn:  # reference rows through SQLAlchemy: few, and defaults apply
            have = set(conn.execute(sa.select(Township.code)).scalars())
            rows = [{"code": c, "name": n, "county_code": COUNTY_CODE, "station_class": k}
                    for c, n, k in PINGYANG_TOWNSHIPS if c not in have]
            if rows:
                conn.execute(sa.insert(Township.__table__), rows)
            have = set(conn.execute(sa.select(Village.code)).scalars())
            rows = [{"code": c, "name": f"县域{i + 1}村", "township_code": c[:9], "kind": "village"}
                    for i, c in enumerate(codes) if c not in have]
            if rows:
                conn.execute(sa.insert(Village.__table__), rows)
            conn.commit()

        def copy(table, columns, rows):
            with cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as out:
                for row in rows:
                    out.write_row(row)

        hyd_cols = ["id", "village_id", "version", "hlc", "origin", "recorded_at", "modified_at", "deleted", "code",
                    "kind", "outlets", "location", "water_source", "status"]
        ins_cols = ["id", "village_id", "version", "hlc", "origin", "recorded_at", "modified_at", "deleted",
                    "hydrant_id", "inspector_name", "items", "item_notes", "item_photos_sha256", "pressure_mpa",
                    "result", "note"]
        log_cols = ["table_name", "record_id", "seq", "village_id", "source_device", "received_at", "stamps"]
        counters = []
        for v, village in enumerate(codes):
            node = str(uuid.UUID(int=rng.getrandbits(128)))
            hydrants, inspections, log = [], [], []
            seq = 0
            first_ms = now_ms - span_ms
            for h in range(hydrants_per_village):
                at = dt.datetime.fromtimestamp((first_ms + h) / 1000, dt.timezone.utc).replace(tzinfo=None)
                hlc = f"{first_ms + h:013d}-0000-{node}"
                hid = _uuid7(first_ms + h, rng)
                hydrants.append((hid, village, 1, hlc, node, at, at, False, f"C{v:04d}{h:02d}"[:8], "above_ground",
                                 "", f"{1 + h}组路口", "mains", "in_service"))
                seq += 1
                log.append(("hydrant", hid, seq, village, None, at, f"1/{hlc}"))
            moments = sorted(rng.randrange(span_ms) for _ in range(inspections_per_year * years))
            for k, offset in enumerate(moments):
                ms = first_ms + offset
                at = dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc).replace(tzinfo=None)
                hlc = f"{ms:013d}-{k % 10000:04d}-{node}"
                rid = _uuid7(ms, rng)
                answers = {key: ("fail" if rng.random() < 0.03 else "pass") for key in ITEMS}
                inspections.append((rid, village, 1, hlc, node, at, at, False, hydrants[k % len(hydrants)][0], "巡查员",
                                    json.dumps(answers), "{}", "{}", round(rng.uniform(0.1, 0.45), 2),
                                    "defect" if "fail" in answers.values() else "ok", ""))
                seq += 1
                log.append(("hydrant_inspection", rid, seq, village, None, at, f"1/{hlc}"))
            copy(Hydrant.__table__, hyd_cols, hydrants)
            copy(HydrantInspection.__table__, ins_cols, inspections)
            copy(SyncChangelog.__table__, log_cols, log)
            counters.append((cursor.counter(village), seq))
            counts["hydrants"] += len(hydrants)
            counts["inspections"] += len(inspections)
            counts["changes"] += len(log)
            if v % 50 == 49:
                raw.commit()
        cur.execute("DELETE FROM sync_counter WHERE name = ANY(%s)", ([c for c, _ in counters],))
        copy(SyncCounter.__table__, ["name", "value"], counters)
        raw.commit()
        for table in ("hydrant", "hydrant_inspection", "sync_changelog", "sync_counter", "village"):
            cur.execute(f"ANALYZE {table}")
        raw.commit()
    finally:
        raw.close()
        engine.dispose()
    counts["seconds"] = round(time.monotonic() - started, 1)
    return counts


if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser(description="load a county into a migrated township database")
    parser.add_argument("url")
    parser.add_argument("--villages", type=int, default=500)
    parser.add_argument("--years", type=int, default=5)
    args = parser.parse_args()
    print(load(args.url, args.villages, args.years))
