"""Real processes: the township or the kiosk killed with SIGKILL in the middle of a batch, the sync
worker and its "sync now" trigger."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.hazards.models import Hazard
from kiosk.hazards.service import open_hazard
from tests.conftest import DEMO_VILLAGE
from tests.pg import free_port

from .conftest import Proxy
from .test_delivery import assert_same, record_hazards

ROOT = Path(__file__).resolve().parents[2]
FLASK = [sys.executable, "-m", "flask", "--app", "kiosk"]


def township_process(township, tmp_path, port):
    env = dict(os.environ, KIOSK_ROLE="township", DATABASE_URL=township.app.config["SQLALCHEMY_DATABASE_URI"],
               KIOSK_DATA_DIR=str(tmp_path / "township-proc"), SECRET_KEY="t")
    proc = subprocess.Popen([*FLASK, "serve", "--port", str(port), "--threads", "4"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except requests.RequestException:
            time.sleep(0.1)
    proc.kill()
    proc.wait(10)
    raise RuntimeError("township did not start")


def kiosk_env(kiosk):
    return dict(os.environ, KIOSK_DATA_DIR=kiosk.app.instance_path, DATABASE_URL=kiosk.app.config["SQLALCHEMY_DATABASE_URI"],
                VILLAGE_CODE=DEMO_VILLAGE, SECRET_KEY="k", SYNC_INTERVAL="3600")


def point_at(kiosk, url):
    from sync.client import state
    with kiosk.ctx():
        state().server_url = url
        db.session.commit()


def kill_when(proxy, proc, direction, threshold):
    def watch():
        while proc.poll() is None:
            if (proxy.up if direction == "up" else proxy.down) > threshold:
                proc.send_signal(signal.SIGKILL)
                return
            time.sleep(0.002)
    t = threading.Thread(target=watch, daemon=True)
    t.start()
    return t


def township_hazards(township, n):
    with township.ctx():
        for i in range(n):
            open_hazard(village_id=DEMO_VILLAGE, category="combustibles", source="township", location=f"柴堆{i}",
                        description="屋后堆放柴草，距房屋不足两米" * 3)
        db.session.commit()


def test_the_township_killed_mid_batch_loses_nothing(kiosk, township, tmp_path):
    assert kiosk.sync().ok
    port = free_port()
    proc = township_process(township, tmp_path, port)
    proxy = Proxy(port)
    try:
        point_at(kiosk, proxy.url)
        record_hazards(kiosk, 1200)
        watcher = kill_when(proxy, proc, "up", 6_000)
        result = kiosk.sync(limit=100)
        watcher.join(5)
        assert proc.poll() is not None  # it was killed
        assert result.outcome == "offline"
        proc = township_process(township, tmp_path, port)
        assert kiosk.sync().ok
        assert_same(kiosk, township)
        with township.ctx():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(Hazard).where(
                Hazard.location.like("村口%"))) == 1200
    finally:
        proc.kill()
        proc.wait(10)
        proxy.close()


def test_the_kiosk_killed_mid_batch_loses_nothing(kiosk, township):
    assert kiosk.sync().ok
    proxy = Proxy(township.server.server.server_port)
    try:
        point_at(kiosk, proxy.url)
        record_hazards(kiosk, 1500)
        township_hazards(township, 1500)
        with kiosk.ctx():
            db.session.remove()
        for direction, threshold in (("up", 6_000), ("down", 6_000)):
            proc = subprocess.Popen([*FLASK, "sync", "once"], cwd=ROOT, env=kiosk_env(kiosk),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            proxy.reset()
            watcher = kill_when(proxy, proc, direction, threshold)
            proc.wait(60)
            watcher.join(5)
            assert proc.returncode == -signal.SIGKILL
        assert kiosk.sync().ok
        assert_same(kiosk, township)
        with kiosk.ctx():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(Hazard).where(
                Hazard.location.like("柴堆%"))) == 1500
    finally:
        proxy.close()


def test_the_worker_syncs_on_its_own_and_at_once_when_asked(kiosk, township):
    from sync.models import SyncDevice
    env = kiosk_env(kiosk)
    assert subprocess.run([*FLASK, "sync", "now"], cwd=ROOT, env=env, capture_output=True).returncode == 1
    worker = subprocess.Popen([*FLASK, "sync", "worker"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        def seen():
            with township.ctx():
                return db.session.scalar(sa.select(SyncDevice.last_seen_at))

        deadline = time.time() + 20
        while seen() is None and time.time() < deadline:
            time.sleep(0.3)
        first = seen()
        assert first is not None  # a sync at start, without waiting an hour
        second = subprocess.run([*FLASK, "sync", "worker"], cwd=ROOT, env=env, capture_output=True, timeout=30)
        assert second.returncode == 4  # only one worker runs
        now = subprocess.run([*FLASK, "sync", "now"], cwd=ROOT, env=env, capture_output=True, text=True)
        assert now.returncode == 0, now.stderr
        deadline = time.time() + 20
        while seen() == first and time.time() < deadline:
            time.sleep(0.3)
        assert seen() > first
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(10)


def test_backoff_grows_on_failure_and_jitter_spreads_kiosks():
    import random
    from sync.worker import Schedule
    s = Schedule(interval=300, rng=random.Random(1))
    assert s.due(0)
    delays = [s.after(False, 0) for _ in range(8)]
    assert delays[0] < delays[1] < delays[2] < delays[3]
    assert max(delays) <= 300 * 4 * 1.2
    ok = s.after(True, 0)
    assert 240 <= ok <= 360 and s.failures == 0
    assert not s.due(10) and s.due(10, triggered=True)
    spread = {round(Schedule(interval=300, rng=random.Random(i)).after(True, 0)) for i in range(20)}
    assert len(spread) > 10


def test_sync_once_exit_codes(make_kiosk, township):
    kiosk = make_kiosk()  # not enrolled
    runner = kiosk.app.test_cli_runner()
    assert runner.invoke(args=["sync", "once"]).exit_code == 3
    assert runner.invoke(args=["sync", "status"]).exit_code == 3
    kiosk.enroll(township.url, township.code())
    result = runner.invoke(args=["sync", "once"])
    assert result.exit_code == 0 and "ok:" in result.output
    status = runner.invoke(args=["sync", "status"])
    assert status.exit_code == 0 and "village 330326100201" in status.output
    point_at(kiosk, "http://127.0.0.1:9")  # nothing listens there
    assert runner.invoke(args=["sync", "once"]).exit_code == 1


@pytest.mark.parametrize("threshold", [25_000, 60_000])
def test_overlapping_exchanges_lose_and_duplicate_nothing_when_the_township_is_killed_mid_stream(
        kiosk, township, tmp_path, threshold):
    """Batches go out while the reply before them is applied: killed after some of them were taken,
    the township has nothing twice, the kiosk nothing lost, and the next run finishes both ways."""
    from sync.models import SyncConflict, SyncHeld, SyncOutbox
    assert kiosk.sync().ok
    port = free_port()
    proc = township_process(township, tmp_path, port)
    proxy = Proxy(port)
    try:
        point_at(kiosk, proxy.url)
        record_hazards(kiosk, 1500)
        township_hazards(township, 600)
        watcher = kill_when(proxy, proc, "up", threshold)
        result = kiosk.sync(limit=100)
        watcher.join(5)
        assert proc.poll() is not None  # it was killed
        assert result.outcome == "offline"
        assert 0 < result.pushed < 1500  # mid-stream: some batches acknowledged, the rest not
        proc = township_process(township, tmp_path, port)
        assert kiosk.sync(limit=100).ok
        assert_same(kiosk, township)
        for side in (kiosk, township):
            with side.ctx():
                for where, n in ((Hazard.location.like("村口%"), 1500), (Hazard.location.like("柴堆%"), 600)):
                    assert db.session.scalar(sa.select(sa.func.count()).select_from(Hazard).where(where)) == n
                assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncConflict)) == 0
                assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncHeld)) == 0
        with kiosk.ctx():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncOutbox)) == 0
    finally:
        proc.kill()
        proc.wait(10)
        proxy.close()
