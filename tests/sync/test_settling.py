"""No row can stop a sync: what the township cannot take is held, shown on both conflicts screens and
settled there; concurrent edits merge field by field; keys held by two devices, replays and lost
replies resolve the same way on both sides."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.village import Household, Person
from sync.models import SyncConflict, SyncHeld, SyncOutbox
from tests.conftest import DEMO_VILLAGE, LiveServer, make_app

from .conftest import Township, _fresh_node
from .test_delivery import assert_same


@pytest.fixture
def demo_township(sync_db, tmp_path):
    """A township that ran `demo load` itself: the demo village's records, made there."""
    app = make_app(sync_db("postgresql", "demo"), tmp_path / "township-demo", KIOSK_ROLE="township")
    _fresh_node(app)
    server = LiveServer(app).start()
    side = Township(app, server)
    yield side
    server.stop()
    side.dispose()


def signed_in(app, name="陈建国"):
    client = app.test_client()
    with app.app_context():
        pid = db.session.scalar(sa.select(Person.id).where(Person.name == name).limit(1))
    from tests.conftest import open_session
    return open_session(client, pid)


def staff_client(township):
    from tests.conftest import add_staff, sign_in_staff
    return sign_in_staff(township.app.test_client(), add_staff(township.app, "zhou-settle"))


def settle_on(client, held_id, action):
    page = client.get(f"/sync/held/{held_id}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    return client.post(f"/sync/held/{held_id}", data={"action": action, "version": version})


def test_the_readme_demo_path_syncs_and_every_clash_is_settled_on_either_screen(demo_township, make_kiosk):
    from kiosk.hydrants.models import Hydrant
    township = demo_township
    kiosk = make_kiosk()  # its own `demo load`: the same hydrant codes, other records
    kiosk.enroll(township.url, township.code())
    result = kiosk.app.test_cli_runner().invoke(args=["sync", "once"])
    assert result.exit_code == 0, result.output
    with township.ctx():
        held = db.session.scalars(sa.select(SyncHeld).order_by(SyncHeld.table_name)).all()
        assert [h for h in held if h.table_name == "hydrant"] and {h.reason for h in held} == {"natural_key"}
        codes = db.session.scalars(sa.select(Hydrant.code)).all()
        assert len(codes) == len(set(codes))
    assert kiosk.sync().ok  # the held records reach the kiosk; its own copies leave its tables
    assert_same(kiosk, township)
    # both screens list them
    kiosk_page = signed_in(kiosk.app).get("/sync/conflicts").get_data(as_text=True)
    staff = staff_client(township)
    township_page = staff.get("/sync/conflicts").get_data(as_text=True)
    for h in held:
        assert f"/sync/held/{h.id}" in kiosk_page and f"/sync/held/{h.id}" in township_page
    from kiosk.syncui.service import REASON_LABELS
    with kiosk.app.test_request_context():
        assert str(REASON_LABELS["natural_key"]) in kiosk_page  # in Chinese once i18n/sync.json is applied
    # one gets a new code on the kiosk, one is merged at the township, the rest set aside
    first, second, *rest = held  # two hydrants first
    assert settle_on(signed_in(kiosk.app), first.id, "rename").status_code == 303
    assert settle_on(staff, second.id, "merge").status_code == 303
    for h in rest:
        assert settle_on(staff, h.id, "discard").status_code == 303
    assert kiosk.sync().ok and kiosk.sync().ok
    with township.ctx():
        renamed = db.session.get(Hydrant, first.record_id)
        assert renamed is not None and renamed.code != first.row["code"]
        assert db.session.get(Hydrant, second.record_id) is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncHeld).where(SyncHeld.status == "open")) == 0, _debug_open(township)
    with kiosk.ctx():
        assert db.session.get(Hydrant, first.record_id).code == renamed.code
    assert_same(kiosk, township)
    assert kiosk.count(SyncOutbox) == 0


def test_a_server_error_is_an_error_with_the_servers_words_and_status_prints_text(kiosk, township, monkeypatch):
    from sync import server
    assert kiosk.sync().ok

    def broken(*a, **k):
        raise RuntimeError("boom")
    monkeypatch.setattr(server.push.Admission, "take", broken)
    from tests.sync.test_delivery import record_hazards
    record_hazards(kiosk, 1)
    runner = kiosk.app.test_cli_runner()
    result = runner.invoke(args=["sync", "once"])
    assert result.exit_code == 5, result.output
    assert "the township failed" in result.output
    status = runner.invoke(args=["sync", "status"]).output
    assert "<" not in status and "the township failed" in status


def test_an_html_error_page_is_reported_as_text():
    from sync.client import _text_of
    page = b"<!doctype html><html><head><title>500 Internal Server Error</title></head><body><h1>Internal " \
           b"Server Error</h1><p>The server encountered an internal error.</p></body></html>"
    text = _text_of(page)
    assert "<" not in text and "Internal Server Error" in text


def test_two_concurrent_edits_of_different_fields_both_survive(kiosk, township):
    assert kiosk.sync().ok
    with kiosk.ctx():
        pid = db.session.scalar(sa.select(Person.id).where(Person.name == "王德明"))
    with township.ctx():
        db.session.get(Person, pid).phone = "13900000001"  # the township changes the phone
        db.session.commit()
    with kiosk.ctx():
        person = db.session.get(Person, pid)
        person.phone, person.duties = "13900000002", ["committee", "grid", "patrol"]  # the kiosk: phone and duty
        person.note = "夜里值班"
        db.session.commit()
    result = kiosk.sync()
    assert result.ok and result.conflicts == 1
    for side in (kiosk, township):
        with side.ctx():
            person = db.session.get(Person, pid)
            assert person.duties == ["committee", "grid", "patrol"] and person.note == "夜里值班"
            assert person.phone == "13900000001"  # both changed it: the township's came first
            conflict = db.session.scalar(sa.select(SyncConflict))
            from sync import differences
            assert [c for c, _w, _l in differences(conflict)] == ["phone"]
            assert conflict.loser["phone"] == "13900000002"
    assert_same(kiosk, township)


def test_a_lost_reply_then_a_new_edit_is_no_conflict_and_does_not_revert(make_kiosk, township, proxy):
    kiosk = make_kiosk(township, url=proxy.url)
    assert kiosk.sync().ok
    with kiosk.ctx():
        hid = db.session.scalar(sa.select(Household.id).order_by(Household.house_number).limit(1))
        db.session.get(Household, hid).note = "第一次"
        db.session.commit()
    proxy.arm(down=60)  # the push is applied, its reply lost
    assert kiosk.sync().outcome == "offline"
    with kiosk.ctx():
        db.session.get(Household, hid).note = "第二次"
        db.session.commit()
    result = kiosk.sync()
    assert result.ok and result.conflicts == 0
    for side in (kiosk, township):
        with side.ctx():
            assert db.session.get(Household, hid).note == "第二次"
            assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncConflict)) == 0
    assert_same(kiosk, township)


def test_a_replay_after_another_kiosk_built_on_it_is_no_conflict(make_kiosk, township, proxy):
    first = make_kiosk(township, url=proxy.url)
    second = make_kiosk(township, flavour="empty")
    assert first.sync().ok and second.sync().ok
    with first.ctx():
        hid = db.session.scalar(sa.select(Household.id).order_by(Household.house_number).limit(1))
        db.session.get(Household, hid).note = "甲改的"
        db.session.commit()
    proxy.arm(down=60)
    assert first.sync().outcome == "offline"  # applied; the reply lost; the kiosk will send it again
    assert second.sync().ok
    with second.ctx():
        db.session.get(Household, hid).members = 7  # built on the first kiosk's version
        db.session.commit()
    assert second.sync().ok
    result = first.sync()
    assert result.ok and result.conflicts == 0
    with township.ctx():
        house = db.session.get(Household, hid)
        assert house.note == "甲改的" and house.members == 7
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncConflict)) == 0
    assert first.sync().ok and second.sync().ok
    assert_same(first, township)
    assert_same(second, township)


def test_two_kiosks_answering_the_same_step_resolve_the_same_way_on_every_side(make_kiosk, township):
    from kiosk.station.models import StationCheck, StationCheckAnswer
    east = make_kiosk(township)
    assert east.sync().ok
    west = make_kiosk(township, flavour="empty")  # the second kiosk of the same village
    assert west.sync().ok
    with east.ctx():
        check = db.session.scalar(sa.select(StationCheck).limit(1))
        if check is None:
            pytest.skip("the demo has no station check")
        answer = db.session.scalar(sa.select(StationCheckAnswer).where(StationCheckAnswer.check_id == check.id).limit(1))
    step = dict(check_id=answer.check_id, step_key=f"{answer.checklist_item_id}/extra", checklist_item_id=answer.checklist_item_id,
                prompt="再看一遍", check_type="ok_fault", village_id=DEMO_VILLAGE)
    for side, ok in ((east, True), (west, False)):
        with side.ctx():
            db.session.add(StationCheckAnswer(ok=ok, **step))
            db.session.commit()
    assert east.sync().ok
    result = west.sync()
    assert result.ok
    assert east.sync().ok and west.sync().ok
    for side in (east, west, township):
        with side.ctx():
            answers = db.session.scalars(sa.select(StationCheckAnswer).where(
                StationCheckAnswer.check_id == answer.check_id, StationCheckAnswer.step_key == step["step_key"])).all()
            assert [a.ok for a in answers] == [True]  # the first accepted wins everywhere
            held = db.session.scalar(sa.select(SyncHeld).where(SyncHeld.table_name == "station_check_answer"))
            assert held.reason == "natural_key" and held.row["ok"] is False  # the other is kept
    assert_same(east, township)
    assert_same(west, township)


def test_a_photo_whose_record_reply_was_cut_is_asked_for_again(make_kiosk, township, proxy):
    from sync import blobs
    from tests.sync.test_blobs import hazard_with, photo
    kiosk = make_kiosk(township, url=proxy.url)
    assert kiosk.sync().ok
    sha, data = photo(kiosk, 30_000)
    hazard_with(kiosk, sha)
    proxy.arm(down=60)  # the exchange carrying the photo's record: applied, reply lost
    assert kiosk.sync().outcome == "offline"
    result = kiosk.sync()  # the retry is a replay
    assert result.ok and result.blobs_up == 1
    with township.ctx():
        assert blobs.path(sha).read_bytes() == data


def _debug_open(township):
    with township.ctx():
        return [(h.table_name, h.reason, h.detail, h.device_id) for h in db.session.scalars(
            sa.select(SyncHeld).where(SyncHeld.status == "open"))]



def test_a_settlement_over_a_newer_version_is_refused_and_shown(kiosk, township):
    assert kiosk.sync().ok
    with kiosk.ctx():
        hid = db.session.scalar(sa.select(Household.id).order_by(Household.house_number).limit(1))
        db.session.get(Household, hid).note = "村里"
        db.session.commit()
    with township.ctx():
        db.session.get(Household, hid).note = "乡镇"
        db.session.commit()
    assert kiosk.sync().conflicts == 1
    with kiosk.ctx():
        cid = db.session.scalar(sa.select(SyncConflict.id))
    first, second = signed_in(kiosk.app), signed_in(kiosk.app, "林海燕")
    page = first.get(f"/sync/conflicts/{cid}").get_data(as_text=True)
    stale = re.search(r'name="version" value="(\d+)"', page).group(1)
    # meanwhile someone else settles it on another screen
    page2 = second.get(f"/sync/conflicts/{cid}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page2).group(1)
    assert second.post(f"/sync/conflicts/{cid}", data={"action": "keep", "version": version}).status_code == 303
    response = first.post(f"/sync/conflicts/{cid}", data={"action": "apply", "version": stale})
    assert response.status_code == 422
    from kiosk.forms import EDITED_MEANWHILE
    with kiosk.app.test_request_context():
        assert str(EDITED_MEANWHILE) in response.get_data(as_text=True)
    with kiosk.ctx():
        assert db.session.get(Household, hid).note == "乡镇"  # the first person's stale choice changed nothing


def test_a_township_row_that_wins_a_key_sets_a_pending_local_row_aside_and_keeps_it(make_kiosk, township):
    from kiosk.station.models import StationCheck, StationCheckAnswer
    east = make_kiosk(township)
    assert east.sync().ok
    west = make_kiosk(township, flavour="empty")
    assert west.sync().ok
    with east.ctx():
        check = db.session.scalar(sa.select(StationCheck).limit(1))
        if check is None:
            pytest.skip("the demo has no station check")
        answer = db.session.scalar(sa.select(StationCheckAnswer).where(StationCheckAnswer.check_id == check.id).limit(1))
    step = dict(check_id=answer.check_id, step_key=f"{answer.checklist_item_id}/again", village_id=DEMO_VILLAGE,
                checklist_item_id=answer.checklist_item_id, prompt="复查", check_type="ok_fault")
    with east.ctx():
        db.session.add(StationCheckAnswer(ok=True, **step))
        db.session.commit()
    assert east.sync().ok
    with west.ctx():  # several edits wait before west's own answer to the same step
        for house in db.session.scalars(sa.select(Household).order_by(Household.house_number).limit(5)):
            house.note = "西边改的"
        db.session.commit()
        mine = StationCheckAnswer(ok=False, **step)
        db.session.add(mine)
        db.session.commit()
        mine_id = mine.id
    with west.ctx():
        from sync.store import SyncNode
        west_node = db.session.get(SyncNode, 1).node_id
    assert west.sync(limit=1).ok  # the first page brings east's answer while west's still waits
    assert east.sync().ok
    for side in (east, west, township):
        with side.ctx():
            answers = db.session.scalars(sa.select(StationCheckAnswer).where(
                StationCheckAnswer.check_id == step["check_id"], StationCheckAnswer.step_key == step["step_key"])).all()
            assert [a.ok for a in answers] == [True]
            held = db.session.scalar(sa.select(SyncHeld).where(SyncHeld.record_id == mine_id))
            assert held is not None and held.row["ok"] is False and held.status == "open"
            assert held.device_id == west.state().device_id and held.stored_version == 0
            assert held.origin == west_node  # set aside by the kiosk itself, before it was ever sent
    assert_same(east, township)
    assert_same(west, township)
    assert west.count(SyncOutbox) == 0


def test_two_kiosks_acknowledging_one_warning_converge_on_the_first_receipt(make_kiosk, township):
    from kiosk.warnings.models import WarningReceipt, receipt_id
    from tests.sync.test_trust import make_warning
    east, west = make_kiosk(township), make_kiosk(township, flavour="empty")
    wid = make_warning(township)
    assert east.sync().ok and west.sync().ok
    for side, who in ((east, "陈建国"), (west, "林海燕")):
        with side.ctx():
            person = db.session.scalar(sa.select(Person).where(Person.name == who))
            db.session.add(WarningReceipt(id=receipt_id(wid, DEMO_VILLAGE), village_id=DEMO_VILLAGE, warning_id=wid,
                                          person_id=person.id, person_name=who,
                                          acknowledged_at=dt.datetime(2026, 5, 1, 9)))
            db.session.commit()
    assert east.sync().ok and west.sync().ok and east.sync().ok
    for side in (east, west, township):
        with side.ctx():
            assert db.session.get(WarningReceipt, receipt_id(wid, DEMO_VILLAGE)).person_name == "陈建国"
    assert_same(east, township)
    assert_same(west, township)
