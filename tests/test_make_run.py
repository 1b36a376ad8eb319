"""`make run` serves the kiosk with its sync worker beside it, and Ctrl-C stops both."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

from tests.pg import free_port

from .conftest import ROOT


def _wait_for(url: str, seconds: float = 30) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return r.status == 200
        except OSError:
            time.sleep(0.2)
    return False


def _worker_running(instance) -> bool:
    """The worker holds its lock file; a second holder would fail to take it."""
    import fcntl
    path = instance / "sync-worker.lock"
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _as_from_a_shell() -> None:
    """The child starts with the signals a terminal's shell gives it, whatever the test process (a
    pytest-xdist worker, after other tests) has blocked or set aside: the test is of `make run`, typed
    at a prompt. Twice in the whole suite, never alone, serve ignored SIGINT for 30 s."""
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, signal.SIG_DFL)


def _signals(pid: int) -> str:
    with open(f"/proc/{pid}/status") as f:
        return ", ".join(line.strip() for line in f if line.startswith(("SigBlk", "SigIgn", "SigCgt")))


def test_serve_with_the_sync_worker_and_ctrl_c_stops_both(database, tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    port = free_port()
    env = dict(os.environ, KIOSK_DATA_DIR=str(instance), DATABASE_URL=database("sqlite"), PORT=str(port),
               SECRET_KEY="test")
    log = open(tmp_path / "serve.log", "wb")
    server = subprocess.Popen([sys.executable, "-m", "flask", "--app", "kiosk", "serve", "--with-sync-worker"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_as_from_a_shell)
    try:
        assert _wait_for(f"http://127.0.0.1:{port}/healthz")
        end = time.monotonic() + 20
        while not _worker_running(instance) and time.monotonic() < end:
            time.sleep(0.2)
        assert _worker_running(instance)
        server.send_signal(signal.SIGINT)  # what Ctrl-C sends
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"serve did not stop on SIGINT; its signals: {_signals(server.pid)}") from None
        end = time.monotonic() + 15
        while _worker_running(instance) and time.monotonic() < end:
            time.sleep(0.2)
        assert not _worker_running(instance)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        log.close()
        # a serve killed here cannot stop its worker: the test does, or it would outlive the suite
        found = re.search(rb"sync worker \(pid (\d+)\)", (tmp_path / "serve.log").read_bytes())
        if found:
            try:
                os.kill(int(found.group(1)), signal.SIGKILL)
            except ProcessLookupError:
                pass
