"""End to end over real sync: a warning written at the township (PostgreSQL, live HTTP) reaches the
kiosks (SQLite) of the villages it names and no other, and the read receipt travels back exactly once."""
from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from kiosk.extensions import db

sync_fixtures = pytest.importorskip("tests.sync.conftest")
from tests.sync.conftest import OTHER_VILLAGE, make_kiosk, sync_db, township  # noqa: E402,F401

from kiosk.warnings.models import Warning, WarningReceipt  # noqa: E402
from tests.conftest import DEMO_VILLAGE, add_staff, open_session  # noqa: E402


pytestmark = pytest.mark.postgres

TOWNSHIP = DEMO_VILLAGE[:9]


def signed_in(app, **session_values):
    return open_session(app.test_client(), **session_values)


def issue(township, title, **fields):
    staff = signed_in(township.app, staff_id=add_staff(township.app, f"s{time.monotonic_ns()}", TOWNSHIP))
    data = {"client_id": "", "kind": "immediate", "title": title, "body": "请立即落实。", "target": "all"}
    data.update(fields)
    response = staff.post("/warnings/township/new", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[-1]


def held(kiosk) -> set[str]:
    with kiosk.ctx():
        return set(db.session.scalars(sa.select(Warning.title).where(Warning.deleted.is_(False))))


def shown(kiosk) -> str:
    return kiosk.app.test_client().get("/warnings/").get_data(as_text=True)


def test_a_warning_reaches_the_named_villages_and_the_receipt_comes_back_once(make_kiosk, township):
    east = make_kiosk(township)  # 城东村, the demo village
    west = make_kiosk(township, village=OTHER_VILLAGE, flavour="empty")
    to_all = issue(township, "全镇：山林火险红色预警")
    west_only = issue(township, "仅城西村：菜场消防通道整治", kind="weekly", target="some", villages=[OTHER_VILLAGE])
    assert east.sync().ok and west.sync().ok
    # a warning to all reaches every kiosk of the township; a targeted one only its villages
    assert "全镇：山林火险红色预警" in held(east) & held(west)
    assert "仅城西村：菜场消防通道整治" in held(west) and "仅城西村：菜场消防通道整治" not in held(east)
    assert "全镇：山林火险红色预警" in shown(east) and "仅城西村：菜场消防通道整治" not in shown(east)
    assert "全镇：山林火险红色预警" in shown(west) and "仅城西村：菜场消防通道整治" in shown(west)
    # on the east kiosk the township's immediate warning is in the banner and leads the board
    resident = east.app.test_client()
    assert "全镇：山林火险红色预警" in resident.get("/").get_data(as_text=True).split('id="warning-banner"')[1]
    assert east.app.test_client().get(f"/warnings/{west_only}").status_code == 404

    with east.ctx():
        chen = db.session.scalar(sa.text("SELECT id FROM person WHERE name = '陈建国'"))
    committee = signed_in(east.app, person_id=chen)
    assert committee.post(f"/warnings/{to_all}/ack").status_code == 303
    assert committee.post(f"/warnings/{to_all}/ack").status_code == 303  # a double tap
    assert east.sync().ok
    assert east.sync().ok  # and a replayed sync

    with township.ctx():
        got = db.session.scalars(sa.select(WarningReceipt).where(WarningReceipt.warning_id == to_all)).all()
        assert [(r.village_id, r.person_name) for r in got] == [(DEMO_VILLAGE, "陈建国")]
    staff = signed_in(township.app, staff_id=add_staff(township.app, "reader", TOWNSHIP))
    page = staff.get(f"/warnings/township/{to_all}").get_data(as_text=True)
    rows = page.split("<tbody>")[1]
    assert "1 / 2" in page and "陈建国" in rows.split("城东村")[1] and "城西村" in rows
    # the west kiosk learns nothing of the east's receipt (it is village data, not township data)
    assert west.sync().ok
    assert west.count(WarningReceipt) == 0
