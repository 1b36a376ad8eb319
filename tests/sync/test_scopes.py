"""A county-sized township: each village's changes are numbered apart from the others', so a pull
costs what its own village changed, pushes from different villages do not wait for each other, and a
change committed late is still never skipped."""
from __future__ import annotations

import threading

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kiosk.extensions import db
from kiosk.hazards.models import Hazard
from kiosk.hazards.service import open_hazard
from kiosk.records import utcnow
from kiosk.village import Household
from kiosk.warnings.models import Warning
from sync import cursor
from sync.models import SyncChangelog
from tests.conftest import DEMO_VILLAGE

from .conftest import OTHER_VILLAGE, TOWNSHIP
from .test_delivery import assert_same, record_hazards


def uncommitted(township, table, **values):
    """A township transaction that has written a row of ``table`` with its change-log entry (the
    number taken, its scope's counter locked) and not committed yet: ``.commit()`` or ``.rollback()``
    it later. Written as replication writes, so that it holds no other lock than the counter's."""
    from kiosk.records import utcnow, uuid7
    from sync import capture
    with township.ctx():
        connection = db.engine.connect()
        session = Session(bind=connection)
        now = utcnow()
        row = dict(id=uuid7(), version=1, hlc=f"{int(now.timestamp() * 1000):013d}-0000-test", origin="test",
                   recorded_at=now, modified_at=now, deleted=False, **values)
        session.execute(sa.insert(table.__table__).values(row))
        capture.upsert_changelog(session.connection(), [(table.__tablename__, row["id"], row["village_id"])], None)
    return session


def test_a_change_committed_after_a_pull_went_past_it_still_arrives(kiosk, township):
    assert kiosk.sync().ok
    from kiosk.records import utcnow
    late = uncommitted(township, Warning, village_id=TOWNSHIP, kind="immediate", title="先编号，后提交", body="",
                       to_all=True, targets=[], issued_by_name="周站长", issued_at=utcnow())  # numbered first
    with township.ctx():
        open_hazard(village_id=DEMO_VILLAGE, category="gas", source="township", location="粮站")
        db.session.commit()
    try:
        result = kiosk.sync()
        assert result.ok and result.pulled == 1  # the hazard; the warning is not committed yet
    finally:
        late.commit()
        late.close()
    assert kiosk.sync().pulled == 1
    with kiosk.ctx():
        assert db.session.scalar(sa.select(Warning.title).where(Warning.title == "先编号，后提交")) is not None
    assert_same(kiosk, township)


def test_a_village_pushes_while_another_villages_push_is_still_open(make_kiosk, township):
    other = make_kiosk(township, village=OTHER_VILLAGE, flavour="empty")
    assert other.sync().ok
    record_hazards(other, 3, village=OTHER_VILLAGE)
    # the demo village's change log is locked by a transaction still open
    busy = uncommitted(township, Household, village_id=DEMO_VILLAGE, house_number="9组99号", head_name="王明",
                       members=1)
    done = {}
    runner = threading.Thread(target=lambda: done.setdefault("result", other.sync()))
    runner.start()
    runner.join(30)
    try:
        assert not runner.is_alive(), "the other village's push waited for the demo village's lock"
        assert done["result"].ok and done["result"].pushed == 3
    finally:
        busy.rollback()
        busy.close()
        runner.join(30)
    assert_same(other, township, villages=(OTHER_VILLAGE,))


def test_the_pull_reads_only_its_own_villages_changes_along_the_scoped_index(kiosk, township):
    from sync.server import scope_changes
    assert kiosk.sync().ok
    with township.ctx():  # a county's worth of other villages' changes, numbered in their scopes
        rows = [{"table_name": "hazard", "record_id": f"00000000-0000-7000-8000-{n:012d}",
                 "village_id": f"3303262{n % 400:05d}", "seq": 1 + n // 400, "source_device": None,
                 "received_at": utcnow(), "stamps": ""} for n in range(40_000)]
        db.session.execute(sa.insert(SyncChangelog.__table__), rows)
        db.session.execute(sa.text("ANALYZE sync_changelog"))
        db.session.commit()
        mine = db.session.scalar(sa.select(sa.func.count()).select_from(SyncChangelog).where(
            SyncChangelog.village_id == DEMO_VILLAGE))
        query = scope_changes(DEMO_VILLAGE, 0, cursor.LIMIT, sa.true(), 500)
        sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
        plan = db.session.execute(sa.text(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")).scalar()[0]["Plan"]
    nodes, todo = [], [plan]
    while todo:
        node = todo.pop()
        nodes.append(node)
        todo.extend(node.get("Plans", []))
    scans = [n for n in nodes if "Scan" in n["Node Type"]]
    assert scans and not any(n["Node Type"] == "Seq Scan" for n in scans), scans
    for n in scans:  # the index is entered at the village; what it hands on is the village's rows
        if n["Node Type"] in ("Index Scan", "Index Only Scan", "Bitmap Index Scan"):
            assert n["Index Name"] == "ix_sync_changelog_village_seq" and "village_id" in n["Index Cond"], n
        if n["Node Type"] != "Bitmap Index Scan":
            assert n["Actual Rows"] == min(mine, 500) or n["Actual Rows"] == mine, n
        assert n.get("Rows Removed by Filter", 0) == 0 and n.get("Rows Removed by Index Recheck", 0) == 0, n
    assert mine > 100


def test_a_kiosk_holding_a_cursor_of_the_old_numbering_pulls_its_village_again_once(kiosk, township):
    with township.ctx():
        open_hazard(village_id=DEMO_VILLAGE, category="gas", source="township", location="粮站")
        db.session.commit()
    assert kiosk.sync().ok
    from sync.models import SyncState
    with kiosk.ctx():  # as a kiosk of the previous version left it: a county-wide position
        db.session.get(SyncState, 1).pull_cursor = 123_456
        db.session.commit()
    again = kiosk.sync()
    assert again.ok and again.pulled >= 1
    assert kiosk.state().pull_cursor >= cursor.SCOPED
    assert kiosk.sync().pulled == 0
    assert_same(kiosk, township)
    with kiosk.ctx():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Hazard).where(Hazard.location == "粮站")) == 1
