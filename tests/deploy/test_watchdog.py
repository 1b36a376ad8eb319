"""kiosk-watchdog decisions, with systemctl and curl replaced by stand-ins."""
from __future__ import annotations

import os
import subprocess

import pytest

from .conftest import DEPLOY

WATCHDOG = DEPLOY / "bin" / "kiosk-watchdog"


@pytest.fixture
def env(tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "systemctl.log"
    (bindir / "systemctl").write_text(f"""#!/bin/bash
echo "$*" >> {log}
case "$1" in
  is-active) unit="${{@: -1}}"; [ -e "{tmp_path}/active-$unit" ] ;;
  show) cat "{tmp_path}/invocation" 2>/dev/null || echo inv1 ;;
  *) exit 0 ;;
esac
""")
    (bindir / "curl").write_text(f"#!/bin/bash\n[ -e {tmp_path}/healthy ]\n")
    for f in bindir.iterdir():
        f.chmod(0o755)
    data = tmp_path / "data"
    data.mkdir()
    e = dict(os.environ, SYSTEMCTL=str(bindir / "systemctl"), CURL=str(bindir / "curl"),
             KIOSK_DATA_DIR=str(data), STATE_DIR=str(tmp_path / "state"), PORT="5000")
    return tmp_path, e, log


def run(env):
    r = subprocess.run(["bash", str(WATCHDOG)], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout


def restarts(log):
    return [line for line in (log.read_text().splitlines() if log.exists() else []) if line.startswith("restart")]


def test_restarts_app_after_three_failed_checks(env):
    tmp, e, log = env
    (tmp / "active-village-kiosk-web.service").touch()
    run(e)
    run(e)
    assert restarts(log) == []
    run(e)
    assert restarts(log) == ["restart --no-block village-kiosk-web.service"]
    (tmp / "healthy").touch()
    run(e)
    assert len(restarts(log)) == 1


def test_leaves_a_stopped_app_alone(env):
    tmp, e, log = env
    for _ in range(5):
        run(e)
    assert restarts(log) == []


def test_restarts_browser_when_heartbeats_stop(env):
    tmp, e, log = env
    (tmp / "active-village-kiosk-web.service").touch()
    (tmp / "active-village-kiosk-browser.service").touch()
    (tmp / "healthy").touch()
    hb = tmp / "data" / "heartbeat"
    hb.touch()
    for i in range(10):  # heartbeats keep coming: no restart
        os.utime(hb, (1000 + i, 1000 + i))
        run(e)
    assert restarts(log) == []
    for _ in range(5):  # the page froze
        run(e)
    assert restarts(log) == ["restart --no-block village-kiosk-browser.service"]


def test_clock_jump_alone_never_restarts(env):
    # The heartbeat's mtime is compared with the previous check, not with the clock: a file
    # that keeps changing is alive even if its time is far in the past or future.
    tmp, e, log = env
    for u in ("web", "browser"):
        (tmp / f"active-village-kiosk-{u}.service").touch()
    (tmp / "healthy").touch()
    hb = tmp / "data" / "heartbeat"
    hb.touch()
    for t in (10, 2_000_000_000, 20, 2_000_000_100):
        os.utime(hb, (t, t))
        run(e)
    assert restarts(log) == []


def test_new_browser_invocation_resets_the_count(env):
    tmp, e, log = env
    for u in ("web", "browser"):
        (tmp / f"active-village-kiosk-{u}.service").touch()
    (tmp / "healthy").touch()
    for i in range(12):
        (tmp / "invocation").write_text(f"inv{i // 3}\n")  # restarted by someone every 3 checks
        run(e)
    assert restarts(log) == []
