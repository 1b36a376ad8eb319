"""Where the township's CPU goes when a kiosk pushes: the exchange handler alone, in this process,
on the sync benchmark's records (``shared/bench/gen_records.py``), against a throwaway PostgreSQL
with fsync on. Prints the handler's CPU per 10k records (and PostgreSQL's), best of ``--runs``, each
run into a fresh copy of the migrated database; ``--profile FILE`` writes the cProfile of the last.

    .venv/bin/python bench/push_profile.py [N] [--runs 3] [--profile /tmp/push.prof]

The batches are what the kiosk's ``client.build_push`` makes of its outbox, byte for byte; they go
through Flask's test client, not HTTP (``sync_bench.py`` measures the whole path).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import sync_bench as sb  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", nargs="?", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile")
    args = parser.parse_args()
    from tests.pg import Cluster
    work = Path(tempfile.mkdtemp(prefix="push-profile-"))
    records = work / "records.ndjson"
    subprocess.run([sys.executable, str(sb.GEN), str(args.n), str(records)], check=True)
    cluster = Cluster().start()
    try:
        for setting in ("fsync", "synchronous_commit", "full_page_writes"):
            cluster.execute(f"ALTER SYSTEM SET {setting} = on")
        cluster.execute("SELECT pg_reload_conf()")
        template = cluster.create_database("template_push")
        sb.migrate(template, work / "township", "township")
        (work / "kiosk").mkdir()
        kiosk_url = f"sqlite:///{work / 'kiosk' / 'kiosk.db'}"
        sb.migrate(kiosk_url, work / "kiosk", "village")
        kiosk = sb.make_app(kiosk_url, work / "kiosk")
        sb._load(kiosk, records)
        postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
        best = None
        for run in range(args.runs):
            url = cluster.create_database(f"push{run}", template="template_push")
            township = sb.make_app(url, work / "township", KIOSK_ROLE="township")
            with township.app_context():
                from kiosk.extensions import db
                from sync.models import SyncDevice
                from sync.server import hash_secret
                device = SyncDevice(id=f"bench-device-{run}", village_id=sb.VILLAGE, token_hash=hash_secret("secret"),
                                    label="bench", app_version="", enrolled_at=__import__("sync.store").store.utcnow())
                db.session.add(device)
                db.session.commit()
            requests = _batches(kiosk, f"bench-device-{run}")
            client = township.test_client()
            cpu, pg, wall = time.process_time(), sb.tree_cpu_s(postmaster), time.perf_counter()
            profile = None
            if args.profile and run == args.runs - 1:
                import cProfile
                profile = cProfile.Profile()
                profile.enable()
            for body, headers in requests:
                response = client.post("/sync/v1/exchange", data=body, headers=headers)
                assert response.status_code == 200, response.data[:500]
            if profile:
                profile.disable()
                profile.dump_stats(args.profile)
            figures = (time.process_time() - cpu, sb.tree_cpu_s(postmaster) - pg, time.perf_counter() - wall)
            with township.app_context():
                from kiosk.hydrants.models import HydrantInspection
                assert db.session.query(HydrantInspection).count() == args.n
                db.engine.dispose()
            k = 10_000 / args.n
            print(f"run {run + 1}: township handler {figures[0] * k:.2f} s CPU per 10k records, PostgreSQL "
                  f"{figures[1] * k:.2f} s, wall {figures[2]:.2f} s{' (profiled)' if profile else ''}")
            if not profile and (best is None or figures[0] < best[0]):
                best = figures
        if best:
            print(f"best: township {best[0] * 10_000 / args.n:.2f} s CPU per 10k, PostgreSQL "
                  f"{best[1] * 10_000 / args.n:.2f} s")
    finally:
        cluster.stop()


def _batches(kiosk, device_id: str) -> list[tuple[bytes, dict]]:
    """The kiosk's whole outbox as the requests it would send, one after the other."""
    from sync import client
    from sync.store import session
    out = []
    with kiosk.app_context():
        st = client.state()
        st.device_id, st.token, st.server_url, st.village_code = device_id, "secret", "", sb.VILLAGE
        st.township_code, st.push_acked = sb.VILLAGE[:9], 0
        after = 0
        while True:
            batch, writer = client.build_push(st, after=after)
            if not batch.sent:
                break
            _url, body, headers = client._prepare(st, writer, batch, 2000)
            out.append((body, headers))
            after = batch.to
        session().rollback()
    return out


if __name__ == "__main__":
    main()
