"""A kiosk's logical clock follows the township's, so what it records after a sync sorts after what it
pulled, however far behind its wall clock is; and an enrolment code's text is not kept once it expired."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

import sync.clock
from kiosk.extensions import db
from kiosk.hazards.models import Hazard
from sync.clock import HLC, receive, tick
from sync.models import SyncEnrolmentCode
from sync.store import utcnow
from tests.conftest import DEMO_VILLAGE

from .test_delivery import record_hazards


def test_a_kiosk_whose_clock_is_days_behind_records_after_what_it_pulled(kiosk, township, monkeypatch):
    assert kiosk.sync().ok
    (theirs,) = record_hazards(township, 1, prefix="镇上")
    with township.ctx():
        township_hlc = db.session.get(Hazard, theirs).hlc
    real = sync.clock.wall_ms
    monkeypatch.setattr(sync.clock, "wall_ms", lambda: real() - 2 * 86_400_000)  # the Pi lost two days
    assert kiosk.sync().ok
    (mine,) = record_hazards(kiosk, 1, prefix="村里")
    with kiosk.ctx():
        assert db.session.get(Hazard, mine).hlc > township_hlc
    township_time = kiosk.state().last_success_server_at
    assert township_time is not None and abs(township_time - utcnow()) < dt.timedelta(minutes=2)


def test_the_clock_counter_never_outgrows_its_four_digits():
    ms = 1_764_000_000_000
    full = str(HLC(ms, 9999, "a"))
    after = tick(full, "a", now_ms=ms - 5_000)  # the wall clock went back: the counter would be 10000
    assert after > full and after == str(HLC(ms + 1, 0, "a"))
    merged = receive(full, str(HLC(ms, 9999, "b")), "a", now_ms=ms - 5_000)
    assert merged > full and HLC.parse(merged).counter <= 9999


def test_an_expired_codes_text_is_erased_when_the_next_code_is_made(township):
    from sync.server import create_code
    with township.ctx():
        old = create_code(DEMO_VILLAGE, "周站长")
        old.expires_at = dt.datetime(2020, 1, 1)
        db.session.commit()
        old_id = old.id
        create_code(DEMO_VILLAGE, "周站长")
        db.session.commit()
        codes = dict(db.session.execute(sa.select(SyncEnrolmentCode.id, SyncEnrolmentCode.code)).all())
    assert codes[old_id] is None
    assert sum(1 for c in codes.values() if c) == 1
