"""Township staff enrol kiosks with one-time codes, see them listed, and revoke them."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from kiosk.extensions import db
from sync.models import SyncDevice, SyncEnrolmentCode
from tests.conftest import DEMO_VILLAGE, add_staff, sign_in_staff

from .conftest import OTHER_VILLAGE


@pytest.fixture
def staff_client(township):
    return sign_in_staff(township.app.test_client(), add_staff(township.app, "zhou"))


def make_code_in_browserless_ui(staff_client, village=DEMO_VILLAGE, key="0190a0a0-0000-7000-8000-00000000000a"):
    response = staff_client.post("/devices/", data={"village": village, "hours": "24", "client_id": key})
    assert response.status_code == 303
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    return re.search(r"data-code>([A-Z0-9-]+)<", page).group(1), page


def test_staff_make_a_code_shown_as_text_and_qr_and_the_kiosk_enrols_with_it(township, staff_client, make_kiosk):
    code, page = make_code_in_browserless_ui(staff_client)
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{5}-[A-HJ-NP-Z2-9]{5}", code)
    assert "<svg" in page and "sync enroll --server" in page
    # the QR holds the upper-case enrolment URL, which explains what to do with the code
    from pyzbar.pyzbar import decode  # noqa: F401  (decoding the SVG needs a rasteriser; check the text)
    # resubmitting the same form does not make a second code
    again, _ = make_code_in_browserless_ui(staff_client)
    assert again == code
    with township.ctx():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncEnrolmentCode)) == 1
    help_page = township.app.test_client().get(f"/E/{code}").get_data(as_text=True)
    assert code in help_page and "sync enroll" in help_page

    kiosk = make_kiosk()
    runner = kiosk.app.test_cli_runner()
    result = runner.invoke(args=["sync", "enroll", "--server", township.url, "--code", code.lower().replace("-", "")])
    assert result.exit_code == 0, result.output
    assert "enrolled" in result.output
    st = kiosk.state()
    with township.ctx():
        device = db.session.get(SyncDevice, st.device_id)
        assert device.village_id == DEMO_VILLAGE
        assert device.token_hash != st.token  # the server keeps only a hash of the credential
    assert kiosk.sync().ok
    listing = staff_client.get("/devices/").get_data(as_text=True)
    assert "城东村" in listing and "正常" in listing or "Active" in listing

    # a used code is refused, clearly, and changes nothing
    other = make_kiosk()
    result = other.app.test_cli_runner().invoke(args=["sync", "enroll", "--server", township.url, "--code", code])
    assert result.exit_code != 0 and "code_used" in result.output
    with township.ctx():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncDevice)) == 1


def test_an_expired_or_unknown_code_is_refused(township, make_kiosk):
    from sync.client import SyncError
    kiosk = make_kiosk()
    with township.ctx():
        from sync.server import create_code
        row = create_code(DEMO_VILLAGE, "周站长")
        row.expires_at = dt.datetime(2020, 1, 1)
        db.session.commit()
        expired = row.code
    with pytest.raises(SyncError) as e:
        kiosk.enroll(township.url, expired)
    assert e.value.code == "code_expired"
    with pytest.raises(SyncError) as e:
        kiosk.enroll(township.url, "AAAAA-BBBBB")
    assert e.value.code == "code_unknown"
    assert kiosk.state() is None or kiosk.state().device_id is None


def test_a_revoked_kiosk_is_refused_and_says_so(township, staff_client, make_kiosk):
    kiosk = make_kiosk(township)
    assert kiosk.sync().ok
    st = kiosk.state()
    page = staff_client.get(f"/devices/{st.device_id}").get_data(as_text=True)
    assert "撤销" in page or "Revoke" in page
    response = staff_client.post(f"/devices/{st.device_id}/revoke")
    assert response.status_code == 303
    from kiosk.hazards.service import open_hazard
    with kiosk.ctx():
        open_hazard(village_id=DEMO_VILLAGE, category="gas", source="committee", location="祠堂")
        db.session.commit()
    result = kiosk.sync()
    assert result.outcome == "refused" and result.code == "revoked" and result.exit_code == 2
    with kiosk.app.test_request_context():
        from kiosk.syncui.service import status_text
        text, tone, _ = status_text()
    assert tone == "bad" and "撤销" in text


def test_staff_see_only_their_townships_kiosks(township, staff_client, make_kiosk):
    make_kiosk(township)
    make_kiosk(township, village=OTHER_VILLAGE, flavour="empty")
    with township.ctx():
        from kiosk.village import Village
        db.session.add(Village(code="330326101201", name="江口村", township_code="330326101"))
        db.session.commit()
    # a kiosk of another township (鳌江镇) does not appear
    other_code = township.code("330326101201")
    make_kiosk().enroll(township.url, other_code)
    listing = staff_client.get("/devices/").get_data(as_text=True)
    assert "城东村" in listing and "城西村" in listing and "江口村" not in listing
    with township.ctx():
        foreign = db.session.scalar(sa.select(SyncDevice.id).where(SyncDevice.village_id == "330326101201"))
    assert staff_client.get(f"/devices/{foreign}").status_code == 404
    assert staff_client.post(f"/devices/{foreign}/revoke").status_code == 404
