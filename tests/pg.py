"""A throwaway PostgreSQL cluster for the test session, started from Debian's packages.

PostgreSQL refuses to run as root, and the machines run everything as root: the cluster is made and
started as the ``postgres`` user in a temporary folder, on a free loopback port (docs/pitfalls.md).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def _bindir() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found: `make test` installs Debian's postgresql")
    return found[-1].parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory_folder() -> str | None:
    """/dev/shm when it is a RAM disk with room, else the usual temporary folder.

    Every test copies its database from a template: on this machine's ext4 disk a copy of the demo
    database (about 1,000 files) costs the server ~0.5 s of kernel time, on tmpfs ~0.04 s.
    """
    shm = Path("/dev/shm")
    try:
        room = shutil.disk_usage(shm).free
    except OSError:
        return None
    return str(shm) if room > 2**30 and os.access(shm, os.W_OK) else None  # a whole run peaked at 0.2 GiB


class Cluster:
    """``in_memory``: for the tests. Benchmarks keep the default disk, as a township's server has."""

    def __init__(self, in_memory: bool = False):
        self.bindir = _bindir()
        folder = memory_folder() if in_memory else None
        self.in_memory = folder is not None
        self.base = Path(tempfile.mkdtemp(prefix="kiosk-pg-", dir=folder))
        self.data = self.base / "data"
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.base, "postgres", "postgres")

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=True, capture_output=True, text=True)

    def start(self) -> "Cluster":
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        # durability off: this cluster lives for one test session
        opts = (f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
                f"-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        if self.in_memory:
            opts += " -c max_wal_size=256MB"  # the WAL lives in memory too
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.base / "log"), "-w", "-t", "60", "start")
        return self

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def execute(self, sql: str) -> None:
        import psycopg
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, name: str, template: str | None = None) -> str:
        self.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
