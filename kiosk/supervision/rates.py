"""Expected, done and on time: the reporting-rate rule the features' checks share (DOMAIN.md,
"Supervision figures", after district health information systems' reporting rates).

A pure module (no feature imports it pulls in): features that check things on an interval — hydrants
and pools, the micro station, door-to-door visits — call :func:`once_every` from their registered
reporting function with their own rows; the township's screens add the results up.

The rule, for a thing that must be checked every ``months`` months, in month *m* (the village's
calendar):

- its **due date** is ``months`` after its last check before *m* — or after it was registered, when it
  was never checked (the rule the hydrant list and its summary use);
- it is **expected** in *m* when that due date is no later than the end of *m*: it falls due in *m*,
  or is overdue already (an overdue thing is expected again every month until it is checked);
- it is **done** when it was checked at least once during *m* (several checks count once);
- it is **on time** when it was done and fell due in *m* itself, not in an earlier month.

A check made before it fell due moves the due date on and counts nowhere: nothing was expected.
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.types import String

from ..context import local_day, village_zone
from ..extensions import db
from ..records import utcnow

BEFORE = "before"  # the month key of checks made before the first month asked about


@dataclass(frozen=True)
class Rate:
    expected: int = 0
    done: int = 0
    on_time: int = 0

    def __add__(self, other: "Rate") -> "Rate":
        return Rate(self.expected + other.expected, self.done + other.done, self.on_time + other.on_time)

    @property
    def percent(self) -> int | None:
        """Done of expected, in per cent (None when nothing was expected)."""
        return round(100 * self.done / self.expected) if self.expected else None

    @property
    def on_time_percent(self) -> int | None:
        return round(100 * self.on_time / self.expected) if self.expected else None


def month_key(day: dt.date | dt.datetime) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def shift(month: str, months: int) -> str:
    year, number = int(month[:4]), int(month[5:7]) - 1 + months
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def months_back(last: str, count: int) -> list[str]:
    """``count`` months ending with ``last``, oldest first."""
    return [shift(last, -k) for k in range(count - 1, -1, -1)]


def month_end(month: str) -> dt.date:
    year, number = int(month[:4]), int(month[5:7])
    return dt.date(year, number, calendar.monthrange(year, number)[1])


def month_start_utc(month: str, offset_hours: float) -> dt.datetime:
    """The first moment of the village's month, as naive UTC (what records store)."""
    return dt.datetime(int(month[:4]), int(month[5:7]), 1) - dt.timedelta(hours=offset_hours)


def add_months(day: dt.date, months: int) -> dt.date:
    number = day.month - 1 + months
    year, number = day.year + number // 12, number % 12 + 1
    return day.replace(year=year, month=number, day=min(day.day, calendar.monthrange(year, number)[1]))


class local_month(ColumnElement):
    """SQL for the village's calendar month ("2026-11") of a naive UTC datetime column, on SQLite and
    PostgreSQL. Villages are in one zone without daylight saving (Asia/Shanghai): a fixed offset."""

    type = String()
    inherit_cache = True

    def __init__(self, column, offset_hours: float):
        self.column = column
        self.offset = int(round(offset_hours * 60))


@compiles(local_month, "sqlite")
def _local_month_sqlite(element, compiler, **kw):
    return f"strftime('%Y-%m', {compiler.process(element.column, **kw)}, '{element.offset:+d} minutes')"


@compiles(local_month, "postgresql")
def _local_month_pg(element, compiler, **kw):
    return (f"to_char({compiler.process(element.column, **kw)} + interval '{element.offset} minutes', "
            f"'YYYY-MM')")


def month_or_before(column, first_month: str, offset_hours: float):
    """GROUP BY key: the village's month of a check, or BEFORE for checks before ``first_month``."""
    return sa.case((column < month_start_utc(first_month, offset_hours), sa.literal(BEFORE)),
                   else_=local_month(column, offset_hours))


def _day(value) -> dt.date:
    return local_day(value) if isinstance(value, dt.datetime) else value


def once_every(things, checks, months: list[str]) -> dict[str, dict[str, Rate]]:
    """``{village: {month: Rate}}`` for things each checked every so many months.

    ``things``: ``(thing id, village, registered day, interval in months)``; ``checks``: ``(thing id,
    month key or BEFORE, day of the latest check in it)`` — one row per thing and month, as a
    ``GROUP BY thing, month_or_before(...)`` gives them. Stored moments (naive UTC datetimes) count on
    the village's calendar day; dates are taken as they are."""
    months = sorted(months)
    # each month's end and what a due date in it reads as, worked out once rather than per thing
    ends = [(month, month_end(month)) for month in months]
    latest: dict[str, dict[str, dt.date]] = {}
    for thing_id, month, day in checks:
        if day is not None:
            latest.setdefault(thing_id, {})[month] = _day(day)
    # [expected, done, on time] per village and month, as plain counters: a Rate per thing and month
    # would be 72 000 objects for a county's hydrants over a year
    counts: dict[str, dict[str, list[int]]] = {}
    for thing_id, village, registered, interval in things:
        seen = latest.get(thing_id, {})
        last = seen.get(BEFORE)
        registered = _day(registered) if registered is not None else None
        if registered is not None and seen:
            # a thing checked before it was registered here (entered later, or imported) was there
            registered = min([registered, *seen.values()])
        tally = counts.get(village)
        if tally is None:
            tally = counts[village] = {m: [0, 0, 0] for m in months}
        for month, end in ends:
            if registered is not None and registered > end:
                continue  # not there yet
            due = add_months(last or registered or end, interval)
            checked = seen.get(month)
            if due <= end:
                figures = tally[month]
                figures[0] += 1
                if checked is not None:
                    figures[1] += 1
                    # fell due in this month itself (due <= end already holds)
                    if (due.year, due.month) == (end.year, end.month):
                        figures[2] += 1
            if checked is not None:
                last = checked
    return {village: {month: Rate(*figures) for month, figures in tally.items()}
            for village, tally in counts.items()}


def zone_offset_hours() -> float:
    return village_zone().utcoffset(utcnow()).total_seconds() / 3600


def rates_of(things, thing_column, time_column, where, months: list[str], longest_interval: int):
    """:func:`once_every` over the checks a feature's table holds: ``things`` as once_every takes them;
    the checks are the rows of ``thing_column``/``time_column`` matching ``where``. One query, which
    reads only the checks from ``longest_interval`` months before the first month on: an older last
    check leaves a thing overdue from the start either way."""
    months = sorted(months)
    if not months or not things:
        return {}
    offset = zone_offset_hours()
    since = month_start_utc(shift(months[0], -longest_interval), offset)
    end = month_start_utc(shift(months[-1], 1), offset)
    key = month_or_before(time_column, months[0], offset).label("month")
    checks = db.session.execute(
        sa.select(thing_column, key, sa.func.max(time_column))
        .where(*where, time_column >= since, time_column < end)
        .group_by(thing_column, key)).all()
    return once_every(things, checks, months)
