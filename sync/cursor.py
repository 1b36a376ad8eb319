"""Where a device stands in the township's change log: a position per scope, in one integer.

The township numbers its change log per scope: a village's changes, and its township's
township-wide ones, each from their own counter (``log:<scope>`` in ``sync_counter``). So a push
locks only its own village's counter until it commits — pushes from different villages never wait
for one another — and a pull reads only its two scopes' rows, along the ``(village_id, seq)``
index, whatever the size of the county.

A device holds one position per scope. They travel packed in the one integer the wire has always
carried as ``cursor``, which a kiosk stores and sends back without reading it; kiosks one or two
versions behind therefore keep working unchanged. A cursor of the old county-wide numbering (any
value below :data:`SCOPED`, which this township no longer hands out) cannot be translated: the
device starts its scopes again from the beginning, once, which re-sends what it holds and loses
nothing.
"""
from __future__ import annotations

SCOPED = 1 << 62  # marks a cursor of per-scope positions
BITS = 31
LIMIT = (1 << BITS) - 1  # the largest position of a scope: two billion changes


def counter(scope: str) -> str:
    """The counter that numbers a scope's changes (a 12-digit village or a 9-digit township)."""
    return f"log:{scope}"


def pack(village: int, township: int) -> int:
    if not (0 <= village <= LIMIT and 0 <= township <= LIMIT):
        raise OverflowError("a change-log position beyond what a cursor holds")
    return SCOPED | village << BITS | township


def unpack(cursor: int) -> tuple[int, int]:
    """(village position, township position); the beginning for 0 and for an old-style cursor."""
    if cursor < SCOPED:
        return 0, 0
    return (cursor >> BITS) & LIMIT, cursor & LIMIT


def is_legacy(cursor: int) -> bool:
    """A position in the old county-wide numbering (not 0, which is the beginning in both)."""
    return 0 < cursor < SCOPED


def text(cursor: int) -> str:
    """For people: the two positions."""
    if is_legacy(cursor):
        return f"{cursor} (before per-village numbering)"
    village, township = unpack(cursor)
    return f"village {village}, township {township}"
