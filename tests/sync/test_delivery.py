"""Records travel between the kiosk and the township exactly once, whatever the link does."""
from __future__ import annotations

import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.hazards.models import Hazard
from kiosk.hazards.service import open_hazard
from kiosk.village import Household, Person
from sync.models import SyncChangelog, SyncOutbox
from tests.conftest import DEMO_VILLAGE

from .conftest import OTHER_VILLAGE, TOWNSHIP


def assert_same(a, b, villages=(DEMO_VILLAGE,)):
    """Both sides hold the same rows in these scopes (the demo kiosk also holds demo township-wide
    warnings that only a township may write, so the township scope is compared where it matters)."""
    da, db_ = a.digests(villages), b.digests(villages)
    differ = {t: (da.get(t), db_.get(t)) for t in da.keys() | db_.keys() if da.get(t) != db_.get(t)}
    assert not differ, sorted(differ)


def record_hazards(kiosk, n, village=DEMO_VILLAGE, prefix="村口"):
    ids = []
    with kiosk.ctx():
        for i in range(n):
            h = open_hazard(village_id=village, category="ebike", source="committee", location=f"{prefix}{i}号",
                            description="楼道里给电动车充电")
            db.session.flush()
            ids.append(h.id)
        db.session.commit()
    return ids


def test_records_made_while_the_township_is_down_arrive_exactly_once(make_kiosk, township):
    kiosk = make_kiosk(township)
    assert kiosk.sync().ok  # the demo village's records reach the township
    township.server.stop()
    ids = record_hazards(kiosk, 7)

    result = kiosk.sync()
    assert result.outcome == "offline" and result.exit_code == 1
    with kiosk.ctx():
        from kiosk.syncui.service import status_text
        with kiosk.app.test_request_context():
            text, tone, _ = status_text()
    assert tone == "warn" and "7" in text

    from tests.conftest import LiveServer
    township.server = LiveServer(township.app).start()
    kiosk.app.config  # same URL? the new server has a new port: point the kiosk at it
    with kiosk.ctx():
        from sync.client import state
        state().server_url = township.server.url
        db.session.commit()
    result = kiosk.sync()
    assert result.ok, result.message
    assert result.pushed == 7
    with township.ctx():
        found = db.session.scalars(sa.select(Hazard.id).where(Hazard.id.in_(ids))).all()
        assert sorted(found) == sorted(ids)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncChangelog)
                                 .where(SyncChangelog.record_id.in_(ids))) == 7
    assert_same(kiosk, township)
    assert kiosk.count(SyncOutbox) == 0

    again = kiosk.sync()
    assert again.ok and again.pushed == 0 and again.pulled == 0 and again.requests == 1


def test_township_records_reach_only_their_village(make_kiosk, township):
    east = make_kiosk(township)
    west = make_kiosk(township, village=OTHER_VILLAGE, flavour="empty")
    with township.ctx():
        for village, where in ((DEMO_VILLAGE, "东门桥头"), (OTHER_VILLAGE, "西街菜场"), (TOWNSHIP, "全镇")):
            open_hazard(village_id=village, category="open_flame", source="township", location=where)
        db.session.commit()
    assert east.sync().ok and west.sync().ok
    with east.ctx():
        assert set(db.session.scalars(sa.select(Hazard.location).where(Hazard.source == "township"))) == {"东门桥头", "全镇"}
    with west.ctx():
        assert set(db.session.scalars(sa.select(Hazard.location))) == {"西街菜场", "全镇"}
        # the kiosk learnt its village and township from the enrolment
        from kiosk.village import Village
        assert db.session.get(Village, OTHER_VILLAGE).name == "城西村"
    assert_same(east, township)
    assert_same(west, township, (OTHER_VILLAGE, TOWNSHIP))
    with township.ctx():
        wide = db.session.scalar(sa.select(Hazard.id).where(Hazard.village_id == TOWNSHIP))
    with east.ctx():
        assert db.session.get(Hazard, wide) is not None
