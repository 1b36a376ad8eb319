"""Sync benchmark: N hydrant inspections pushed from a kiosk (SQLite) to a township (PostgreSQL) and
pulled by a second kiosk, over loopback, each side in its own process. Prints figures; not a test.

    .venv/bin/python bench/sync_bench.py [N]            (default 10000; `make bench` runs it)

The records come from ../shared/bench/gen_records.py, the file every sync benchmark uses. Wire bytes
are counted by a TCP proxy between kiosk and township (HTTP headers included). The floor is the
zstd/gzip size of the same NDJSON file compressed whole.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# shared/ sits beside the repository (or beside the folder of worktrees)
GEN = next((p / "shared" / "bench" / "gen_records.py" for p in ROOT.parents
            if (p / "shared" / "bench" / "gen_records.py").exists()), ROOT.parent / "shared" / "bench" / "gen_records.py")
VILLAGE = "330326100201"
sys.path.insert(0, str(ROOT))


def cpu_s(pid: int) -> float:
    """User and system CPU seconds a process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_s(pid: int) -> float:
    """CPU seconds of a process, of its children that have ended (a PostgreSQL backend per
    connection, reaped by the postmaster) and of those still running."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    total = sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        try:
            total += cpu_s(int(child))
        except (FileNotFoundError, ProcessLookupError):
            pass  # ended meanwhile (its time moves to the parent's count; a run loses it, rarely)
    return total


def peak_rss_kib(pid: int | str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def make_app(url: str, folder: Path, **extra):
    from kiosk import create_app
    config = {"SQLALCHEMY_DATABASE_URI": url, "KIOSK_DATA_DIR": str(folder), "SECRET_KEY": "bench",
              "VILLAGE_CODE": VILLAGE}
    config.update(extra)
    return create_app(config)


def migrate(url: str, folder: Path, role: str) -> None:
    from flask_migrate import upgrade
    from kiosk.extensions import db
    app = make_app(url, folder, KIOSK_ROLE=role)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        from kiosk.village import Village, seed_townships
        seed_townships()
        if db.session.get(Village, VILLAGE) is None:
            db.session.add(Village(code=VILLAGE, name="城东村", township_code=VILLAGE[:9]))
        db.session.commit()
        db.engine.dispose()


class Proxy:
    """Loopback TCP proxy counting bytes each way."""

    def __init__(self, target_port: int):
        self.target = ("127.0.0.1", target_port)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.up = self.down = 0
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                a, _ = self.sock.accept()
            except OSError:
                return
            b = socket.create_connection(self.target)
            threading.Thread(target=self._pump, args=(a, b, "up"), daemon=True).start()
            threading.Thread(target=self._pump, args=(b, a, "down"), daemon=True).start()

    def _pump(self, src, dst, direction):
        try:
            while data := src.recv(65536):
                with self.lock:
                    if direction == "up":
                        self.up += len(data)
                    else:
                        self.down += len(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def take(self) -> tuple[int, int]:
        with self.lock:
            up, down = self.up, self.down
            self.up = self.down = 0
        return up, down


# ---- the kiosk side, run as a child process: python bench/sync_bench.py _kiosk ... ----------------

def _load(app, path: Path) -> int:
    """Insert the records as a kiosk would: through the ORM, so change capture fills the outbox."""
    from kiosk.extensions import db
    try:
        from kiosk.hydrants.models import HydrantInspection as Model
        def make(r):
            return Model(id=r["id"], village_id=r["village_id"], hydrant_id=r["hydrant_id"],
                         inspector_id=r["inspector_id"], items=r["items"], pressure_mpa=r["pressure_mpa"],
                         result=r["result"], note=r["note"], recorded_at=_utc(r["recorded_at"]))
    except ImportError:  # the generic path, should the hydrant model be missing
        from kiosk.hazards.models import Hazard as Model
        def make(r):
            return Model(id=r["id"], village_id=r["village_id"], category="hydrant", source="hydrant_inspection",
                         location=r["hydrant_id"], description=json.dumps(r, ensure_ascii=False),
                         recorded_at=_utc(r["recorded_at"]))
    n = 0
    with app.app_context(), open(path) as f:
        chunk = []
        for line in f:
            chunk.append(make(json.loads(line)))
            if len(chunk) == 1000:
                db.session.add_all(chunk)
                db.session.commit()
                db.session.expunge_all()
                n += len(chunk)
                chunk = []
        db.session.add_all(chunk)
        db.session.commit()
        n += len(chunk)
        # what the kiosk wrote over the years is in its database file by now, not in the write-ahead log
        # that the first commit of the sync would otherwise have to fold in (seconds, on a busy disk)
        db.session.execute(db.text("PRAGMA wal_checkpoint(TRUNCATE)"))
    return n


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.timezone.utc).replace(tzinfo=None)


def kiosk_main(args) -> None:
    from kiosk.extensions import db
    from sync import client
    folder = Path(args.folder)
    app = make_app(f"sqlite:///{folder / 'kiosk.db'}", folder)
    out = {}
    if args.load:
        t = time.perf_counter()
        out["loaded"] = _load(app, Path(args.load))
        out["load_s"] = time.perf_counter() - t
    with app.app_context():
        if args.code:
            client.enroll(args.server, args.code)
        # the township's and PostgreSQL's CPU during the sync itself (not the load, not the enrolment)
        others = {"township_cpu_s": (cpu_s, args.township), "postgres_cpu_s": (tree_cpu_s, args.postgres)}
        before = {k: f(pid) for k, (f, pid) in others.items() if pid}
        t, cpu = time.perf_counter(), time.process_time()
        if os.environ.get("SYNC_BENCH_PROFILE"):  # where a kiosk's sync spends its time (cProfile file)
            import cProfile
            profile = cProfile.Profile()
            result = profile.runcall(client.sync_once)
            profile.dump_stats(f"{os.environ['SYNC_BENCH_PROFILE']}.{'push' if args.load else 'pull'}")
        else:
            result = client.sync_once()
        out.update({k: others[k][0](others[k][1]) - v for k, v in before.items()})
        out.update(seconds=time.perf_counter() - t, cpu_s=time.process_time() - cpu, ok=result.ok,
                   message=result.message, pushed=result.pushed, pulled=result.pulled, requests=result.requests)
        if args.idle:
            result = client.sync_once()
            out.update(idle_ok=result.ok, idle_requests=result.requests)
        db.engine.dispose()
    out["peak_rss_kib"] = peak_rss_kib()
    print(json.dumps(out))


def run_kiosk(folder: Path, server: str, code: str | None, load: Path | None = None, idle: bool = False,
              township: int | None = None, postgres: int | None = None) -> dict:
    cmd = [sys.executable, __file__, "_kiosk", "--folder", str(folder), "--server", server]
    if township:
        cmd += ["--township", str(township), "--postgres", str(postgres)]
    if code:
        cmd += ["--code", code]
    if load:
        cmd += ["--load", str(load)]
    if idle:
        cmd += ["--idle"]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def township_main(args) -> None:
    """The township as `flask serve` runs it (waitress, 4 threads), each request profiled."""
    from waitress import serve
    from werkzeug.middleware.profiler import ProfilerMiddleware
    from kiosk import create_app
    app = create_app()
    folder = Path(f"{args.profile}.township")
    folder.mkdir(parents=True, exist_ok=True)
    app.wsgi_app = ProfilerMiddleware(app.wsgi_app, stream=None, profile_dir=str(folder),
                                      filename_format="{time:.0f}-{method}-{path}-{elapsed:.0f}ms.prof")
    serve(app, host="127.0.0.1", port=args.port, threads=4)


# ---- PouchDB on the same records --------------------------------------------------------------------

POUCHDB_PACKAGES = ["pouchdb@9", "express-pouchdb@4", "express@4"]


def run_pouchdb(records: Path, work: Path) -> dict | None:
    """PouchDB (the replication Medic's CHT uses) pushing the same records from a local database to
    a CouchDB-compatible server (express-pouchdb, its own process) and a second local database
    pulling them, through a byte-counting proxy. The packages are installed from the npm registry
    into a temporary folder, never into the repository. None when Node.js or npm is missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        print("  PouchDB: node/npm not found, skipped")
        return None
    folder = work / "pouchdb"
    folder.mkdir()
    (folder / "package.json").write_text('{"name": "pouchdb-bench", "private": true}')
    subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error", *POUCHDB_PACKAGES], cwd=folder,
                   check=True, stdout=subprocess.DEVNULL)
    script = folder / "pouchdb_side.js"
    shutil.copy(Path(__file__).with_name("pouchdb_side.js"), script)
    for name in ("server", "push", "pull"):
        (folder / name).mkdir()
    port = free_port()
    server = subprocess.Popen([node, str(script), "server", str(port), str(folder / "server")], cwd=folder,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        if server.stdout.readline().strip() != "ready":
            raise SystemExit("the PouchDB server did not start")
        proxy = Proxy(port)
        url = f"http://127.0.0.1:{proxy.port}/bench"

        def side(*args) -> dict:
            done = subprocess.run([node, str(script), *args], cwd=folder, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(done.stderr[-3000:])
            return json.loads(done.stdout.strip().splitlines()[-1])
        before = cpu_s(server.pid)
        push = side("push", url, str(records), str(folder / "push"))
        push["wire"], push["server_cpu_s"] = sum(proxy.take()), cpu_s(server.pid) - before
        before = cpu_s(server.pid)
        pull = side("pull", url, str(folder / "pull"))
        pull["wire"], pull["server_cpu_s"] = sum(proxy.take()), cpu_s(server.pid) - before
        push["server_rss_kib"] = peak_rss_kib(server.pid)
    finally:
        server.kill()
        server.wait()
    return {"push": push, "pull": pull}


# ---- the benchmark --------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", nargs="?", type=int, default=10_000)
    parser.add_argument("--no-pouchdb", dest="pouchdb", action="store_false",
                        help="skip PouchDB (it is installed from npm into a temporary folder)")
    parser.add_argument("--profile", metavar="PREFIX",
                        help="write cProfile files: PREFIX.push / PREFIX.pull (the kiosks) and PREFIX.township-N "
                        "(each township request, werkzeug's ProfilerMiddleware)")
    parser.add_argument("--no-durability", dest="durable", action="store_false",
                        help="keep the test cluster's fsync=off, synchronous_commit=off (not a real township)")
    args = parser.parse_args()
    n = args.n
    from tests.pg import Cluster
    work = Path(tempfile.mkdtemp(prefix="sync-bench-"))
    records = work / "records.ndjson"
    subprocess.run([sys.executable, str(GEN), str(n), str(records)], check=True)
    raw = records.read_bytes()
    import zstandard
    floor_zstd = len(zstandard.ZstdCompressor(level=6).compress(raw))
    floor_gzip = len(gzip.compress(raw, 6))

    cluster = Cluster().start()
    township_proc = None
    try:
        if args.durable:
            # the test cluster turns durability off; a township's PostgreSQL keeps it on, and a push's
            # commits wait for the disk
            for setting in ("fsync", "synchronous_commit", "full_page_writes"):
                cluster.execute(f"ALTER SYSTEM SET {setting} = on")
            cluster.execute("SELECT pg_reload_conf()")
        url = cluster.create_database("bench")
        migrate(url, work / "township", "township")
        for name in ("kiosk-a", "kiosk-b"):
            (work / name).mkdir()
            migrate(f"sqlite:///{work / name / 'kiosk.db'}", work / name, "village")
        port = free_port()
        env = dict(os.environ, KIOSK_ROLE="township", DATABASE_URL=url, KIOSK_DATA_DIR=str(work / "township"),
                   SECRET_KEY="bench")
        serve = ([sys.executable, __file__, "_township", "--port", str(port), "--profile", args.profile]
                 if args.profile else [sys.executable, "-m", "flask", "--app", "kiosk", "serve", "--port", str(port),
                                       "--threads", "4"])
        if args.profile:
            os.environ["SYNC_BENCH_PROFILE"] = args.profile  # the kiosks read it
        township_proc = subprocess.Popen(serve, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
        import requests
        for _ in range(200):
            try:
                requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.1)
        proxy = Proxy(port)
        server = f"http://127.0.0.1:{proxy.port}"
        township_app = make_app(url, work / "township", KIOSK_ROLE="township")
        with township_app.app_context():
            from kiosk.extensions import db
            from sync.server import create_code
            code_a, code_b = create_code(VILLAGE, "bench").code, create_code(VILLAGE, "bench").code
            db.session.commit()
            db.engine.dispose()

        postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
        push = run_kiosk(work / "kiosk-a", server, code_a, load=records, township=township_proc.pid,
                         postgres=postmaster)
        # enrolment and push, then an idle sync on its own
        push_up, push_down = proxy.take()
        idle = run_kiosk(work / "kiosk-a", server, None)
        idle_up, idle_down = proxy.take()
        pull = run_kiosk(work / "kiosk-b", server, code_b, township=township_proc.pid, postgres=postmaster)
        pull_up, pull_down = proxy.take()
        township_rss = peak_rss_kib(township_proc.pid)
        township_proc.kill()
        township_proc.wait()
        township_proc = None
        pouch = run_pouchdb(records, work) if args.pouchdb else None
    finally:
        if township_proc:
            township_proc.kill()
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)

    def per(x):
        return x / n

    print(f"sync benchmark: {n} hydrant inspections, kiosk (SQLite) <-> township (PostgreSQL"
          f"{', fsync and synchronous_commit on' if args.durable else ', durability OFF'}) over loopback")
    print(f"  records from shared/bench/{GEN.name}; NDJSON {len(raw):,} B ({per(len(raw)):.0f} B/record)")
    print(f"  floor: zstd {floor_zstd:,} B ({per(floor_zstd):.1f} B/record), gzip {floor_gzip:,} B "
          f"({per(floor_gzip):.1f} B/record)")
    print(f"  load into the kiosk: {push['load_s']:.1f} s ({n / push['load_s']:.0f} records/s, with change capture)")
    print(f"  push: {push['pushed']} records in {push['seconds']:.2f} s = {push['pushed'] / push['seconds']:.0f} records/s; "
          f"{push['requests']} requests ({100 * push['requests'] / n:.2f} per 100 records); CPU: kiosk "
          f"{push['cpu_s']:.2f} s, township {push['township_cpu_s']:.2f} s, PostgreSQL {push['postgres_cpu_s']:.2f} s")
    print(f"        wire {push_up + push_down:,} B ({push_up:,} up / {push_down:,} down) = "
          f"{per(push_up + push_down):.1f} B/record = {(push_up + push_down) / floor_zstd:.2f}x zstd floor, "
          f"{(push_up + push_down) / floor_gzip:.2f}x gzip floor (includes enrolment)")
    print(f"  pull: {pull['pulled']} records in {pull['seconds']:.2f} s = {pull['pulled'] / pull['seconds']:.0f} records/s; "
          f"{pull['requests']} requests ({100 * pull['requests'] / n:.2f} per 100 records); CPU: kiosk "
          f"{pull['cpu_s']:.2f} s, township {pull['township_cpu_s']:.2f} s, PostgreSQL {pull['postgres_cpu_s']:.2f} s")
    print(f"        wire {pull_up + pull_down:,} B ({pull_up:,} up / {pull_down:,} down) = "
          f"{per(pull_up + pull_down):.1f} B/record = {(pull_up + pull_down) / floor_zstd:.2f}x zstd floor, "
          f"{(pull_up + pull_down) / floor_gzip:.2f}x gzip floor (includes enrolment)")
    print(f"  idle sync: {idle['requests']} request, {idle_up + idle_down} B on the wire ({idle_up} up / {idle_down} down)")
    print(f"  peak RSS: pushing kiosk {push['peak_rss_kib'] / 1024:.0f} MiB, pulling kiosk "
          f"{pull['peak_rss_kib'] / 1024:.0f} MiB, township server {township_rss / 1024:.0f} MiB")
    if pouch:
        pp, pl = pouch["push"], pouch["pull"]
        print(f"PouchDB 9 on the same records (express-pouchdb server, LevelDB, over loopback):")
        for name, r in (("push", pp), ("pull", pl)):
            print(f"  {name}: {r['records']} records in {r['seconds']:.2f} s = {r['records'] / r['seconds']:.0f} records/s; "
                  f"CPU: device {r['cpu_s']:.2f} s, server {r['server_cpu_s']:.2f} s; wire {r['wire']:,} B = "
                  f"{per(r['wire']):.1f} B/record = {r['wire'] / floor_zstd:.1f}x zstd floor")
        print(f"  peak RSS: pushing {pp['peak_rss_kib'] / 1024:.0f} MiB, pulling {pl['peak_rss_kib'] / 1024:.0f} MiB, "
              f"server {pp['server_rss_kib'] / 1024:.0f} MiB")
        ours_push, ours_pull = push["pushed"] / push["seconds"], pull["pulled"] / pull["seconds"]
        print(f"  ours / PouchDB: push {ours_push / (pp['records'] / pp['seconds']):.2f}x, "
              f"pull {ours_pull / (pl['records'] / pl['seconds']):.2f}x records/s; records per CPU second (both "
              f"sides, PostgreSQL's included, as LevelDB's is in PouchDB's server): push "
              f"{(pp['cpu_s'] + pp['server_cpu_s']) / (push['cpu_s'] + push['township_cpu_s'] + push['postgres_cpu_s']):.2f}x, "
              f"pull {(pl['cpu_s'] + pl['server_cpu_s']) / (pull['cpu_s'] + pull['township_cpu_s'] + pull['postgres_cpu_s']):.2f}x")
    k = 10_000 / n
    print(f"CPU s per 10k records: push kiosk {push['cpu_s'] * k:.2f}, township {push['township_cpu_s'] * k:.2f}, "
          f"PostgreSQL {push['postgres_cpu_s'] * k:.2f}; pull kiosk {pull['cpu_s'] * k:.2f}, township "
          f"{pull['township_cpu_s'] * k:.2f}, PostgreSQL {pull['postgres_cpu_s'] * k:.2f}"
          + (f"; PouchDB push device {pp['cpu_s'] * k:.2f}, server {pp['server_cpu_s'] * k:.2f}; pull device "
             f"{pl['cpu_s'] * k:.2f}, server {pl['server_cpu_s'] * k:.2f}" if pouch else ""))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_kiosk":
        p = argparse.ArgumentParser()
        p.add_argument("_kiosk")
        p.add_argument("--folder", required=True)
        p.add_argument("--server", required=True)
        p.add_argument("--code")
        p.add_argument("--load")
        p.add_argument("--idle", action="store_true")
        p.add_argument("--township", type=int)
        p.add_argument("--postgres", type=int)
        kiosk_main(p.parse_args())
    elif len(sys.argv) > 1 and sys.argv[1] == "_township":
        p = argparse.ArgumentParser()
        p.add_argument("_township")
        p.add_argument("--port", type=int, required=True)
        p.add_argument("--profile", required=True)
        township_main(p.parse_args())
    else:
        main()
