"""Hybrid logical clock.

A timestamp is ``<physical ms, 13 digits>-<counter, 4 digits>-<node>``: it sorts as text, never goes
backwards on one node even when the wall clock does (Raspberry Pis have no real-time clock), and
follows the largest value it has seen from other nodes.
"""
from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class HLC:
    ms: int
    counter: int
    node: str

    def __str__(self) -> str:
        return f"{self.ms:013d}-{self.counter:04d}-{self.node}"

    @classmethod
    def parse(cls, text: str | None) -> "HLC | None":
        if not text:
            return None
        ms, counter, node = text.split("-", 2)
        return cls(int(ms), int(counter), node)


MAX_COUNTER = 9999  # four digits: one more would no longer sort as text


def _next(ms: int, counter: int, node: str) -> str:
    """``counter`` within four digits: past them the clock runs a millisecond ahead instead."""
    if counter > MAX_COUNTER:
        ms, counter = ms + 1, 0
    return str(HLC(ms, counter, node))


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


def tick(last: str | None, node: str, now_ms: int | None = None) -> str:
    """The next local timestamp after ``last``."""
    now_ms = wall_ms() if now_ms is None else now_ms
    prev = HLC.parse(last)
    if prev is None or now_ms > prev.ms:
        return str(HLC(now_ms, 0, node))
    return _next(prev.ms, prev.counter + 1, node)


def receive(last: str | None, remote: str, node: str, now_ms: int | None = None) -> str:
    """Merge a timestamp seen from another node; the result is after both."""
    now_ms = wall_ms() if now_ms is None else now_ms
    mine, theirs = HLC.parse(last), HLC.parse(remote)
    top = max(x.ms for x in (mine, theirs) if x is not None)
    if now_ms > top:
        return str(HLC(now_ms, 0, node))
    counter = max((x.counter for x in (mine, theirs) if x is not None and x.ms == top), default=-1)
    return _next(top, counter + 1, node)
