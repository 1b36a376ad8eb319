"""The sync screens as people see them: the kiosk's sync page and conflicts at 800x480, the township's
kiosk list and enrolment code on a desk screen and a phone. Screenshots go to tests/artefacts/."""
from __future__ import annotations


import pytest
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.village import Household
from tests.conftest import DEMO_VILLAGE, LiveServer, add_staff, sign_in_by_tapping

pytestmark = pytest.mark.browser


@pytest.fixture
def kiosk_with_conflict(make_kiosk, township):
    kiosk = make_kiosk(township)
    kiosk.app.config["WTF_CSRF_ENABLED"] = True
    assert kiosk.sync().ok
    with kiosk.ctx():
        house = db.session.scalar(sa.select(Household).order_by(Household.house_number).limit(1))
        house.note, house.phone = "有租户，电动车在楼道充电", "13857711111"
        hid = house.id
        db.session.commit()
    with township.ctx():
        house = db.session.get(Household, hid)
        house.note, house.members = "空置，户主外出务工", 2
        db.session.commit()
    assert kiosk.sync().conflicts == 1
    server = LiveServer(kiosk.app).start()
    yield kiosk, server
    server.stop()


def test_kiosk_sync_page_and_conflicts_on_the_touchscreen(kiosk_with_conflict, kiosk_page, phone_page, screenshot):
    kiosk, server = kiosk_with_conflict
    page = kiosk_page
    sign_in_by_tapping(page, server.url, "陈建国")
    page.goto(f"{server.url}/sync/")
    assert "分钟前已同步" in page.inner_text("#sync-panel") or "刚刚已同步" in page.inner_text("#sync-panel")
    # the status bar fills itself in after the page (its own request)
    page.wait_for_selector("#sync-status >> text=1 处冲突待处理", timeout=10000)
    screenshot(page, "sync-kiosk-800x480")
    page.tap("text=立即同步")
    page.wait_for_selector("text=同步服务没有运行")  # no worker in tests: the kiosk says so plainly
    screenshot(page, "sync-kiosk-now-800x480")
    page.goto(f"{server.url}/sync/conflicts")
    screenshot(page, "sync-conflicts-800x480")
    page.tap("#conflict-list a.row")
    page.wait_for_selector(".sync-diff")
    assert "有租户，电动车在楼道充电" in page.inner_text(".sync-diff")
    screenshot(page, "sync-conflict-800x480", full_page=True)
    for button in page.query_selector_all(".sync-settle button"):
        box = button.bounding_box()
        assert box["height"] >= 48
    page.tap("text=采用另一版本的内容")
    page.wait_for_selector("text=冲突已处理")
    screenshot(page, "sync-conflict-settled-800x480")
    # a phone-sized window still reads well
    sign_in_by_tapping(phone_page, server.url, "陈建国")
    phone_page.goto(f"{server.url}/sync/")
    screenshot(phone_page, "sync-kiosk-phone")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 412


@pytest.fixture
def staff_browser_login(township):
    add_staff(township.app, "zhou")

    def login(page):
        page.goto(f"{township.url}/staff/login")
        page.fill("input[name=username]", "zhou")
        page.fill("input[name=password]", "correct horse battery")
        page.click("button[type=submit]")
        page.wait_for_url(f"{township.url}/supervision/")  # staff land on the overview
    return login


def test_township_kiosk_list_and_enrolment_code(township, make_kiosk, staff_browser_login, large_kiosk_page,
                                                phone_page, screenshot, tmp_path):
    from pyzbar.pyzbar import decode
    from PIL import Image
    kiosk = make_kiosk(township)
    assert kiosk.sync().ok
    page = large_kiosk_page
    staff_browser_login(page)
    page.goto(f"{township.url}/devices/")
    assert "城东村" in page.inner_text("#device-list")
    screenshot(page, "devices-list-1280x800", full_page=True)
    page.select_option("select[name=village]", "330326100202")
    page.click("text=生成一次性注册码")
    page.wait_for_selector("[data-code]")
    code = page.inner_text("[data-code]").strip()
    screenshot(page, "devices-code-1280x800")
    shot = tmp_path / "qr.png"
    page.locator(".enrol-qr").screenshot(path=str(shot))
    decoded = decode(Image.open(shot))
    assert decoded and decoded[0].data.decode() == f"{township.url}/E/{code}".upper()
    staff_browser_login(phone_page)
    phone_page.goto(f"{township.url}/devices/")
    screenshot(phone_page, "devices-list-phone", full_page=True)
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 412
    phone_page.goto(f"{township.url}/E/{code}")
    assert code in phone_page.inner_text("main")
    screenshot(phone_page, "devices-enrol-help-phone")
    device_id = kiosk.state().device_id
    page.goto(f"{township.url}/devices/{device_id}")
    screenshot(page, "devices-device-1280x800")


def test_held_rows_and_the_enrol_keypad_on_the_touchscreen(sync_db, tmp_path, make_kiosk, kiosk_page, screenshot):
    from tests.conftest import make_app
    from .conftest import Township, _fresh_node
    app = make_app(sync_db("postgresql", "demo"), tmp_path / "township-demo", KIOSK_ROLE="township")
    _fresh_node(app)
    township = Township(app, LiveServer(app).start())
    try:
        fresh = make_kiosk(name="fresh")
        fresh.app.config.update(WTF_CSRF_ENABLED=True, TOWNSHIP_URL=township.url)
        server = LiveServer(fresh.app).start()
        page = kiosk_page
        sign_in_by_tapping(page, server.url, "陈建国")
        page.goto(f"{server.url}/sync/")
        for key in township.code().replace("-", ""):
            page.tap(f"[data-enrol-key='{key}']")
        screenshot(page, "sync-enrol-keypad-800x480", full_page=True)
        for key in page.query_selector_all("[data-enrol-key]")[:3]:
            assert key.bounding_box()["height"] >= 48
        page.tap(".sync-enrol button[type=submit]")
        page.wait_for_selector(".flash-success")
        assert fresh.state().village_code == DEMO_VILLAGE
        assert fresh.sync().ok and fresh.sync().ok  # its own demo meets the township's: clashes are held
        page.goto(f"{server.url}/sync/conflicts")
        screenshot(page, "sync-held-list-800x480", full_page=True)
        page.tap("#conflict-list a.row")
        page.wait_for_selector(".sync-settle")
        screenshot(page, "sync-held-800x480", full_page=True)
        for button in page.query_selector_all(".sync-settle button"):
            assert button.bounding_box()["height"] >= 48
        server.stop()
    finally:
        township.server.stop()
        township.dispose()
