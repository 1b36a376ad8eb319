"""Where a hazard stands follows from its facts alone, by one pure function: the same facts give the
same state on every device, in whatever order they arrived, and no fact is ever lost."""
from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace

import pytest

from kiosk.hazards.service import derive

T0 = dt.datetime(2026, 11, 2, 1, 0)  # 09:00 in the village
MANAGER = ("person", "p-manager")
VOLUNTEER = ("person", "p-volunteer")
STAFF = ("staff", "7")


def hazard(**kw):
    """Reported at T0 with the "3030" deadlines (the hazard row is the report)."""
    return SimpleNamespace(**{"id": "h1", "village_id": "330326100201", "recorded_at": T0,
                              "respond_by": T0 + dt.timedelta(minutes=30), "fix_by": T0 + dt.timedelta(days=30), **kw})


_ids = itertools.count(1)


def fact(kind, minutes, who=MANAGER, node="kiosk", **kw):
    """A fact ``minutes`` after the report, its clock value made on ``node``."""
    at = T0 + dt.timedelta(minutes=minutes)
    ms = int(at.replace(tzinfo=dt.timezone.utc).timestamp() * 1000)
    values = dict(id=f"a{next(_ids):04d}", kind=kind, hlc=f"{ms:013d}-0000-{node}", recorded_at=at, deleted=False,
                  actor_kind=who[0] if who else "system", actor_id=who[1] if who else None, phrase=None,
                  photo_sha256=None, assignee_kind=None, assignee_id=None, assignee_name=None, assignee_role=None,
                  deadline=None, department=None, responsible=None, notice_no=None)
    values.update(kw)
    return SimpleNamespace(**values)


def test_a_new_report_waits_to_be_acknowledged_within_30_minutes_then_fixed_within_30_days():
    d = derive(hazard(), [])
    assert (d.status, d.is_open, d.acknowledged_at) == ("reported", True, None)
    assert d.next_due == T0 + dt.timedelta(minutes=30)
    assert not d.overdue(T0 + dt.timedelta(minutes=29)) and d.overdue(T0 + dt.timedelta(minutes=31))
    acked = derive(hazard(), [fact("acknowledged", 10)])
    assert acked.status == "acknowledged" and acked.next_due == T0 + dt.timedelta(days=30)
    assert not acked.overdue(T0 + dt.timedelta(days=29)) and acked.overdue(T0 + dt.timedelta(days=31))


def test_the_whole_loop_assigned_fixed_with_a_photo_and_verified_by_someone_else():
    facts = [fact("assigned", 5, assignee_kind="person", assignee_id="p-volunteer", assignee_name="李伟",
                              assignee_role="volunteer"),
             fact("fixed", 60 * 24, who=VOLUNTEER, phrase="cleared", photo_sha256="a" * 64),
             fact("verified", 60 * 25, who=MANAGER)]
    d = derive(hazard(), facts)
    assert (d.status, d.is_open, d.assignee_name, d.fixed_photo_sha256) == ("verified", False, "李伟", "a" * 64)
    assert d.acknowledged_at == T0 + dt.timedelta(minutes=5)  # assigning acknowledges it
    assert d.fixed_at == T0 + dt.timedelta(days=1) and d.fixed_on_time and d.days_to_fix == 1
    assert d.next_due is None and not d.overdue(T0 + dt.timedelta(days=400)) and d.ignored == []


def test_whoever_fixed_it_cannot_verify_it():
    facts = [fact("fixed", 10, who=VOLUNTEER), fact("verified", 20, who=VOLUNTEER)]
    d = derive(hazard(), facts)
    assert d.status == "fixed" and d.ignored == [facts[1].id]  # kept in the timeline, not applied
    assert derive(hazard(), [*facts, fact("verified", 30, who=STAFF)]).status == "verified"


def test_a_hazard_sent_back_is_fixed_again_and_the_first_fixer_may_then_check_the_second_fix():
    facts = [fact("fixed", 10, who=VOLUNTEER, photo_sha256="b" * 64),
             fact("sent_back", 20, who=MANAGER, phrase="not_fixed")]
    d = derive(hazard(), facts)
    assert (d.status, d.sent_back, d.fixed_at, d.fixed_photo_sha256) == ("fixing", 1, None, None)
    refixed = facts + [fact("fixed", 30, who=MANAGER), fact("verified", 40, who=VOLUNTEER)]
    assert derive(hazard(), refixed).status == "verified"


def test_lifting_a_listing_before_verification_is_refused():
    listed = fact("listed", 10, who=STAFF, responsible="陈建国", deadline=T0 + dt.timedelta(days=15))
    early = fact("delisted", 20, who=STAFF)
    d = derive(hazard(), [listed, early])
    assert d.listed and d.ignored == [early.id]
    assert d.fix_due == T0 + dt.timedelta(days=15)  # the listing sets its own deadline
    later = [listed, early, fact("fixed", 30, who=VOLUNTEER), fact("verified", 40, who=STAFF),
             fact("delisted", 50, who=STAFF)]
    d = derive(hazard(), later)
    assert not d.listed and not d.is_open and d.ignored == [early.id]


def test_a_notice_sets_the_fix_deadline_and_a_referral_keeps_the_hazard_open():
    facts = [fact("notice_issued", 10, notice_no="2026-ABCD2345", deadline=T0 + dt.timedelta(days=7)),
             fact("progress", 20, phrase="owner_refuses"), fact("referred", 30, department="law_enforcement")]
    d = derive(hazard(), facts)
    assert (d.status, d.notice_no, d.referred_to) == ("fixing", "2026-ABCD2345", "law_enforcement")
    assert d.fix_due == T0 + dt.timedelta(days=7) and d.overdue(T0 + dt.timedelta(days=8))


def test_a_minor_hazard_fixed_on_the_spot_is_closed_in_one_fact():
    d = derive(hazard(), [fact("closed_on_spot", 0, phrase="cleared")])
    assert (d.status, d.is_open, d.fixed_on_time) == ("closed", False, True)
    assert d.days_to_fix == 0


def test_nothing_but_lifting_a_listing_happens_to_a_closed_hazard():
    late = [fact("assigned", 30, assignee_kind="owner"), fact("fixed", 31), fact("sent_back", 32)]
    d = derive(hazard(), [fact("closed_on_spot", 1), *late])
    assert d.status == "closed" and d.assignee_kind is None and d.ignored == [f.id for f in late]


def test_another_resident_reporting_it_again_sets_no_new_deadline():
    again = fact("reported", 60, who=None, deadline=T0 + dt.timedelta(days=99))
    d = derive(hazard(), [again])
    assert d.fix_due == T0 + dt.timedelta(days=30) and d.actions == 1 and d.status == "reported"


def test_facts_of_a_kind_this_version_does_not_know_are_kept_and_not_applied():
    future = fact("reopened", 5)
    d = derive(hazard(), [future])
    assert d.status == "reported" and d.ignored == [future.id]


def test_the_order_is_the_clock_then_the_id_never_the_order_of_arrival_nor_device_time():
    # fixed on the kiosk and listed at the township, both offline: every arrival order gives one state
    facts = [fact("acknowledged", 1),
             fact("fixed", 60, who=VOLUNTEER, node="kiosk", photo_sha256="c" * 64),
             fact("listed", 60, who=STAFF, node="township", responsible="林海燕", deadline=T0 + dt.timedelta(days=10))]
    states = {repr(derive(hazard(), list(p))) for p in itertools.permutations(facts)}
    assert len(states) == 1
    d = derive(hazard(), facts)
    assert d.status == "fixed" and d.listed and d.ignored == []
    # a device whose clock went back labels its fact earlier; the clock value still puts it after
    skewed = fact("verified", 70, who=STAFF)
    skewed.recorded_at = T0 - dt.timedelta(days=3)
    assert derive(hazard(), [skewed, *facts]).status == "verified"


@pytest.mark.parametrize("first, second", [("verified", "sent_back"), ("sent_back", "verified")])
def test_a_check_and_a_send_back_at_once_the_earlier_wins_on_both_sides(first, second):
    base = [fact("fixed", 10, who=VOLUNTEER)]
    a, b = fact(first, 20, who=MANAGER, node="kiosk"), fact(second, 20, who=STAFF, node="township")
    one, other = derive(hazard(), base + [a, b]), derive(hazard(), base + [b, a])
    assert repr(one) == repr(other)
    assert one.status == ("verified" if first == "verified" else "fixing")
    assert one.ignored == [b.id]


def test_a_deleted_fact_counts_for_nothing():
    gone = fact("acknowledged", 3)
    gone.deleted = True
    assert derive(hazard(), [gone]).status == "reported"
