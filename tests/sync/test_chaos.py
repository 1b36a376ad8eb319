"""Chaos: three kiosks (two of one village, one of its neighbour) and a township on PostgreSQL served
by its own process. Between them, fault proxies cut at random bytes, reset, stall and replay late;
the township and `sync once` are killed with SIGKILL; kiosk clocks are off by hours to days; people
work meanwhile — a station check started on one kiosk and continued on the other through the pages,
photos, the same person edited on two sides. Every trial ends, after healing, with nothing waiting in
an outbox or a file queue, nothing duplicated, no village holding another's rows, and the table
hashes equal on both sides.

Fixed seeds: ``CHAOS_TRIALS`` trials (default 2, as `make test` runs them) of ``CHAOS_STEPS`` steps.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import threading

import pytest
import requests
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.hazards.models import Hazard
from kiosk.hazards.service import open_hazard
from kiosk.village import Household, Person
from sync import blobs
from sync.models import SyncBlobQueue, SyncOutbox
from sync.tables import replicated
from tests.conftest import DEMO_VILLAGE
from tests.pg import free_port

from .conftest import OTHER_VILLAGE, TOWNSHIP, Proxy
from .test_delivery import assert_same
from .test_processes import FLASK, ROOT, kill_when, kiosk_env, township_process
from .test_settling import signed_in

TRIALS = int(os.environ.get("CHAOS_TRIALS", "2"))
STEPS = int(os.environ.get("CHAOS_STEPS", "12"))
HOUR = 3600 * 1000


class Recorder(requests.Session):
    """Keeps every request it sent, to replay one late."""

    def __init__(self):
        super().__init__()
        self.sent = []

    def send(self, prepared, **kw):
        self.sent.append(prepared.copy())
        return super().send(prepared, **kw)


class Trial:
    def __init__(self, seed, township, make_kiosk, tmp_path):
        self.rng = random.Random(seed)
        self.seed, self.township, self.tmp = seed, township, tmp_path
        self.port = free_port()
        self.proc = township_process(township, tmp_path, self.port)
        self.proxies = {n: Proxy(self.port) for n in ("east", "east2", "west")}
        self.kiosks = {
            "east": make_kiosk(township, url=self.proxies["east"].url, name="east"),
            "east2": make_kiosk(township, flavour="empty", url=self.proxies["east2"].url, name="east2"),
            "west": make_kiosk(township, village=OTHER_VILLAGE, flavour="empty", url=self.proxies["west"].url,
                               name="west"),
        }
        for name, k in self.kiosks.items():
            k.app.config["CHAOS_SKEW_MS"] = self.rng.choice([-3 * 24 * HOUR, -5 * HOUR, 7 * HOUR, 2 * 24 * HOUR, 0])
        self.replays: list = []
        self.made: list[str] = []  # hazards made, by their unique location
        self.checks: list[str] = []
        self.log: list[str] = []

    # ---- work, as people do it ----------------------------------------------------------------

    def work(self):
        name = self.rng.choice(["east", "east2", "west"])
        k = self.kiosks[name]
        what = self.rng.choice(["hazard", "photo", "check", "check", "person", "household"])
        self.log.append(f"{name} {what}")
        if what in ("hazard", "photo"):
            where = f"混沌{self.seed}-{len(self.made)}"
            self.made.append(where)
            with k.ctx():
                village = k.state().village_code
                sha = blobs.put(os.urandom(2000 + self.rng.randrange(30_000))) if what == "photo" else None
                open_hazard(village_id=village, category="ebike", source="committee", location=where, photo_sha256=sha)
                db.session.commit()
        elif what == "check" and name != "west":
            self._station_step(k)
        elif what == "person":
            side = self.rng.choice([k, self.township])
            with side.ctx():
                person = db.session.scalar(sa.select(Person).where(Person.name == "王德明"))
                if person is not None:
                    if self.rng.random() < 0.5:
                        person.phone = f"139{self.rng.randrange(10 ** 8):08d}"
                    else:
                        person.post = self.rng.choice(["村委委员", "网格长", "治保主任"])
                    db.session.commit()
        elif what == "household":
            with k.ctx():
                house = db.session.scalar(sa.select(Household).order_by(Household.house_number).limit(1))
                if house is not None:
                    house.note = f"走访{self.rng.randrange(1000)}"
                    db.session.commit()

    def _station_step(self, k):
        """Start a check, or answer the next steps of one (perhaps started on the other kiosk)."""
        from kiosk.station.checklist import steps_for
        from kiosk.station.models import StationCheck
        client = signed_in(k.app)
        with k.ctx():
            if db.session.scalar(sa.select(Person.id).where(Person.name == "陈建国")) is None:
                return  # this kiosk has not received its roster yet
            open_checks = db.session.scalars(sa.select(StationCheck).where(StationCheck.status == "in_progress")).all()
            check = self.rng.choice(open_checks) if open_checks and self.rng.random() < 0.8 else None
        if check is None:
            r = client.post("/station/checks/start", data={"reason": "monthly"})
            assert r.status_code in (303, 302), r.status_code
            return
        with k.ctx():
            check = db.session.get(StationCheck, check.id)
            steps = [s for s in steps_for(check) if s.check_type == "ok_fault"]
        for step in self.rng.sample(steps, min(len(steps), 2)):
            r = client.post(f"/station/checks/{check.id}/step/{step.key}",
                            data={"result": self.rng.choice(["ok", "ok", "fault"])})
            assert r.status_code < 500, r.status_code

    # ---- the link, as it fails ----------------------------------------------------------------

    def sync(self):
        name = self.rng.choice(list(self.kiosks))
        k, proxy = self.kiosks[name], self.proxies[name]
        fault = self.rng.choice(["none", "cut_up", "cut_down", "reset", "stall", "record", "replay",
                                 "kill_sync", "kill_township"])
        self.log.append(f"{name} sync {fault}")
        if fault in ("cut_up", "cut_down"):
            proxy.arm(**{fault[4:]: self.rng.randrange(20, 30_000)})
        elif fault == "reset":
            proxy.arm(down=self.rng.randrange(20, 5_000), hard=True)
        elif fault == "stall":
            proxy.stall(self.rng.choice(["up", "down"]))
            threading.Timer(self.rng.uniform(0.2, 1.0), proxy.release).start()
        elif fault == "replay" and self.replays:
            prepared = self.replays.pop(self.rng.randrange(len(self.replays)))
            try:
                requests.Session().send(prepared, timeout=30).close()
            except requests.RequestException:
                pass
        elif fault == "kill_township":
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
            assert k.sync().outcome == "offline"
            self.proc = township_process(self.township, self.tmp, self.port)
            return
        elif fault == "kill_sync":
            with k.ctx():
                db.session.remove()
            proc = subprocess.Popen([*FLASK, "sync", "once"], cwd=ROOT, env=dict(kiosk_env(k), VILLAGE_CODE=k.state().village_code),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            proxy.reset()
            watcher = kill_when(proxy, proc, self.rng.choice(["up", "down"]), self.rng.randrange(100, 20_000))
            proc.wait(120)
            watcher.join(5)
            return
        if fault == "record":
            recorder = Recorder()
            result = k.sync(http=recorder)
            self.replays.extend(p for p in recorder.sent if p.method == "POST")
            recorder.close()
        else:
            result = k.sync(limit=self.rng.choice([5, 50, 500]))
        proxy.arm()
        assert result.outcome in ("ok", "offline"), (result.outcome, result.code, result.message, self.log)

    # ---- healing and the invariants ------------------------------------------------------------

    def heal(self):
        for p in self.proxies.values():
            p.release()
            p.arm()
        if self.proc.poll() is not None:
            self.proc = township_process(self.township, self.tmp, self.port)
        for _round in range(6):
            results = [k.sync() for k in self.kiosks.values()]
            assert all(r.outcome == "ok" for r in results), ([(r.outcome, r.code, r.message) for r in results],
                                                              self.log)
            if all(r.pushed == 0 and r.pulled == 0 and r.blobs_up == 0 and r.blobs_down == 0 for r in results):
                return
        raise AssertionError(f"still moving after healing: {self.log}")

    def check(self):
        scopes = {"east": (DEMO_VILLAGE,), "east2": (DEMO_VILLAGE,), "west": (OTHER_VILLAGE,)}
        for name, k in self.kiosks.items():
            assert k.count(SyncOutbox) == 0, name
            assert k.count(SyncBlobQueue) == 0, name
            assert_same(k, self.township, scopes[name])
            allowed = scopes[name] + (TOWNSHIP,)
            with k.ctx():
                for t in replicated().values():
                    foreign = db.session.scalar(sa.select(sa.func.count()).select_from(t.table).where(
                        t.table.c.village_id.not_in(allowed)))
                    assert foreign == 0, (name, t.name)
        with self.township.ctx():
            for where in self.made:
                n = db.session.scalar(sa.select(sa.func.count()).select_from(Hazard).where(Hazard.location == where))
                assert n == 1, (where, n)
            for sha in db.session.scalars(sa.select(Hazard.photo_sha256).where(Hazard.photo_sha256.is_not(None))):
                # the township process keeps its files in its own folder
                assert (self.tmp / "township-proc" / "blobs" / sha[:2] / sha).exists(), sha

    def close(self):
        for p in self.proxies.values():
            p.close()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)


@pytest.fixture
def skewed_clocks(monkeypatch):
    """Each kiosk's wall clock is off by its own amount (its app's CHAOS_SKEW_MS)."""
    import sync.clock
    from flask import current_app, has_app_context
    real = sync.clock.wall_ms

    def wall_ms():
        return real() + (current_app.config.get("CHAOS_SKEW_MS", 0) if has_app_context() else 0)
    monkeypatch.setattr(sync.clock, "wall_ms", wall_ms)


@pytest.mark.parametrize("seed", range(TRIALS))
def test_chaos_ends_with_both_sides_equal(seed, township, make_kiosk, tmp_path, skewed_clocks):
    trial = Trial(seed, township, make_kiosk, tmp_path)
    try:
        for k in trial.kiosks.values():
            assert k.sync().outcome == "ok"
        for _step in range(STEPS):
            trial.work()
            if trial.rng.random() < 0.7:
                trial.sync()
        trial.heal()
        trial.check()
    finally:
        trial.close()
