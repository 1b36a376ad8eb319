"""The sync worker: its own process (``flask sync worker``, its own systemd unit), never a web worker.

An APScheduler ``BlockingScheduler`` ticks every few seconds; each tick syncs when the interval
(with jitter, so that a township's kiosks do not all call at once) has passed, or at once when
someone asked (``flask sync now``, the kiosk's button, the network coming up all touch
``<instance>/sync-now``). Failures back off exponentially up to a few intervals. A file lock keeps a
second worker from running.
"""
from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("sync.worker")
POLL_SECONDS = 3


@dataclass
class Schedule:
    interval: float
    jitter: float = 0.2  # +/- this fraction of the interval
    first_backoff: float = 15.0
    rng: random.Random = field(default_factory=random.Random)
    failures: int = 0
    next_at: float = 0.0  # due at once after start

    def max_backoff(self) -> float:
        return max(self.interval * 4, self.first_backoff)

    def _spread(self, seconds: float) -> float:
        return seconds * (1 + self.rng.uniform(-self.jitter, self.jitter))

    def due(self, now: float, triggered: bool = False) -> bool:
        return triggered or now >= self.next_at

    def after(self, ok: bool, now: float) -> float:
        """Record a run's outcome; returns the delay until the next one."""
        if ok:
            self.failures = 0
            delay = self._spread(self.interval)
        else:
            self.failures += 1
            delay = self._spread(min(self.first_backoff * 2 ** (self.failures - 1), self.max_backoff()))
        self.next_at = now + delay
        return delay


def consume_trigger(instance: Path) -> bool:
    trigger = instance / "sync-now"
    if trigger.exists():
        trigger.unlink(missing_ok=True)
        return True
    return False


def run_worker(app, poll: float = POLL_SECONDS) -> int:
    from apscheduler.schedulers.blocking import BlockingScheduler

    from .client import sync_once
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    schedule = Schedule(interval=app.config.get("SYNC_INTERVAL", 300))
    scheduler = BlockingScheduler(timezone="UTC")

    def tick():
        with app.app_context():
            triggered = consume_trigger(instance)
            now = time.monotonic()
            if not schedule.due(now, triggered):
                return
            result = sync_once()
            delay = schedule.after(result.ok or result.outcome == "not_enrolled", time.monotonic())
            log.info("sync %s (%s) pushed=%d pulled=%d; next in %.0fs", result.outcome, result.code or "-",
                     result.pushed, result.pulled, delay)

    scheduler.add_job(tick, "interval", seconds=poll, max_instances=1, coalesce=True, id="sync-tick")
    import fcntl
    import os
    fd = os.open(instance / "sync-worker.lock", os.O_RDWR | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        log.error("another sync worker is running")
        os.close(fd)
        return 4
    try:
        log.info("sync worker started: every %ss with jitter, polling for sync-now every %ss",
                 schedule.interval, poll)
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        os.close(fd)
    return 0
