"""The reporting-rate rule (kiosk.supervision.rates): what is expected, done and on time in a month,
for a hydrant every 3 months, a pool every month, a household once a year."""
from __future__ import annotations

import datetime as dt

from kiosk.supervision.rates import BEFORE, Rate, months_back, once_every, shift

D = dt.date


def rates(checks, months, registered=D(2025, 1, 10), interval=3):
    found = once_every([("h1", "V", registered, interval)], checks, months)
    return {m: (r.expected, r.done, r.on_time) for m, r in found["V"].items()}


def test_a_hydrant_inspected_every_quarter_is_expected_once_a_quarter_and_on_time():
    months = ["2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07"]
    checks = [("h1", BEFORE, D(2026, 1, 20)), ("h1", "2026-04", D(2026, 4, 15)), ("h1", "2026-07", D(2026, 7, 2))]
    assert rates(checks, months) == {"2026-02": (0, 0, 0), "2026-03": (0, 0, 0), "2026-04": (1, 1, 1),
                                     "2026-05": (0, 0, 0), "2026-06": (0, 0, 0), "2026-07": (1, 1, 1)}


def test_an_overdue_hydrant_is_expected_every_month_until_inspected_and_then_is_late():
    months = ["2026-04", "2026-05", "2026-06"]
    checks = [("h1", BEFORE, D(2026, 1, 20)), ("h1", "2026-06", D(2026, 6, 3))]
    assert rates(checks, months) == {"2026-04": (1, 0, 0), "2026-05": (1, 0, 0), "2026-06": (1, 1, 0)}


def test_an_early_inspection_moves_the_due_date_and_counts_nowhere():
    months = ["2026-03", "2026-04", "2026-05", "2026-06"]
    checks = [("h1", BEFORE, D(2026, 1, 20)), ("h1", "2026-03", D(2026, 3, 25))]
    assert rates(checks, months) == {"2026-03": (0, 0, 0), "2026-04": (0, 0, 0),
                                     "2026-05": (0, 0, 0), "2026-06": (1, 0, 0)}


def test_a_thing_never_checked_is_due_an_interval_after_it_was_registered_and_not_before_it_existed():
    months = ["2025-12", "2026-01", "2026-02", "2026-03", "2026-04"]
    found = rates([], months, registered=D(2026, 1, 5))
    assert found == {"2025-12": (0, 0, 0), "2026-01": (0, 0, 0), "2026-02": (0, 0, 0), "2026-03": (0, 0, 0),
                     "2026-04": (1, 0, 0)}


def test_several_checks_in_a_month_count_once_and_villages_add_up():
    things = [("p1", "A", D(2025, 1, 1), 1), ("p2", "A", D(2025, 1, 1), 1), ("p3", "B", D(2025, 1, 1), 1)]
    checks = [("p1", BEFORE, D(2026, 2, 27)), ("p2", BEFORE, D(2026, 2, 3)), ("p3", BEFORE, D(2025, 6, 1)),
              ("p1", "2026-03", D(2026, 3, 30)), ("p2", "2026-03", D(2026, 3, 28))]
    found = once_every(things, checks, ["2026-03"])
    assert found["A"]["2026-03"] == Rate(2, 2, 2) and found["B"]["2026-03"] == Rate(1, 0, 0)
    assert (found["A"]["2026-03"] + found["B"]["2026-03"]).percent == 67


def test_months():
    assert months_back("2026-02", 3) == ["2025-12", "2026-01", "2026-02"]
    assert shift("2026-12", 1) == "2027-01" and shift("2026-01", -13) == "2024-12"
