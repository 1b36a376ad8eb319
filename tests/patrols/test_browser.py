"""Night patrols on the touchscreen: a route with three checkpoints whose printed plates a real
decoder reads, a plate scanned at the kiosk, and a patrol entered afterwards with two checkpoints
and a finding that becomes a hazard, which the board's coverage then counts."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from PIL import Image
from pyzbar.pyzbar import ZBarSymbol, decode

from kiosk.extensions import db
from tests.station.helpers import sign_in

pytestmark = pytest.mark.browser


def test_a_route_with_three_checkpoints_prints_plates_that_decode(live_server, kiosk_page, screenshot):
    page, base = kiosk_page, live_server.url
    sign_in(page, base, "陈建国")
    page.goto(f"{base}/patrols/")
    screenshot(page, "patrols-800x480-index")
    page.tap("text=新建路线")
    page.fill("input[name=name]", "菜场夜巡")
    page.tap("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/patrols/routes/[0-9a-f-]+$"))
    for name, kind in [("东门电动车棚", "ebike"), ("菜场北口", "market"), ("河边出租房", "rented_housing")]:
        page.fill("#checkpoint-form input[name=name]", name)
        page.tap(f"#checkpoint-form label.chip:has(input[value={kind}])")
        page.tap("#checkpoint-form button[type=submit]")
        page.wait_for_selector(f"#route-checkpoints >> text={name}")
    codes = page.eval_on_selector_all("#route-checkpoints [data-code]", "els => els.map(e => e.dataset.code)")
    assert len(codes) == 3
    screenshot(page, "patrols-800x480-route")
    page.tap("text=打印二维码牌")
    page.wait_for_selector(".pt-plate")
    page.emulate_media(media="print")
    found = {}
    for plate in page.query_selector_all(".pt-plate"):
        image = Image.open(io.BytesIO(plate.screenshot())).convert("L")
        [symbol] = decode(image, symbols=[ZBarSymbol.QRCODE])
        found[plate.get_attribute("data-code")] = symbol.data.decode("ascii")
        assert plate.get_attribute("data-code") in plate.inner_text()  # the code printed under the symbol
    page.emulate_media(media="screen")
    screenshot(page, "patrols-800x480-plates", full_page=True)
    assert sorted(found) == sorted(codes)
    for code, url in found.items():
        assert url == url.upper() and url.endswith(f"/N/{code}")
    # a USB scanner at the kiosk types a plate's URL: the checkpoint opens
    page.goto(f"{base}/")
    page.keyboard.type(found[codes[1]], delay=5)
    page.keyboard.press("Enter")
    page.wait_for_selector("#checkpoint-name")
    assert page.inner_text("#checkpoint-name") == "菜场北口"


def test_a_patrol_in_the_key_period_with_two_checkpoints_and_a_finding(live_server, kiosk_page, screenshot):
    page, base = kiosk_page, live_server.url
    app = live_server.app
    from kiosk.patrols import service
    with app.test_request_context():
        cover = service.coverage("330326100201")
        from kiosk.context import local_now
        # a night that is over by 00:40 (from 22:00 tonight is due too, but still to come)
        now = local_now()
        missed = [n for n in cover.missed if service.on_the_night(n, dt.time(0, 40)) < now][-1]
        covered, due = cover.covered, len(cover.due)
    page.goto(f"{base}/board")
    assert f"已巡查{covered}晚" in page.inner_text(".patrol-slide")
    sign_in(page, base, "李伟")
    assert f"{due}晚中巡查{covered}晚" in page.inner_text(".tile-patrols .badge")
    page.tap(".tile-patrols")
    page.tap("text=登记巡查")
    page.wait_for_selector("[data-run-form]")
    page.fill("input[name=night]", missed.isoformat())
    page.tap("[data-fill=start][data-value='22:00']")
    page.fill("input[name=end]", "00:40")
    page.tap(".pt-people label.chip:has-text('黄志强')")
    boxes = page.query_selector_all(".pt-reach-pick")
    boxes[0].tap()
    boxes[2].tap()
    times = page.eval_on_selector_all(".pt-reach-time", "els => els.map(e => e.value)")
    assert times[0] == "22:10" and times[2] == "22:20" and times[1] == ""  # suggested as they were ticked
    page.fill(".pt-reach:nth-child(3) .pt-reach-time", "23:55")
    screenshot(page, "patrols-800x480-run-form")
    page.tap("#run-form button[type=submit]")
    page.wait_for_selector("#run-visits")
    visits = page.inner_text("#run-visits")
    assert "22:10" in visits and "23:55" in visits and "于一体机补录" in visits
    assert "2 / 4" in page.inner_text("h2")
    page.tap("text=登记发现的问题")
    page.tap("label.chip:has(input[value=ebike])")
    page.select_option("select[name=checkpoint]", index=1)
    page.fill("input[name=description]", "充电棚飞线充电")
    page.tap("#finding-form button[type=submit]")
    page.wait_for_selector("#run-findings >> text=充电棚飞线充电")
    screenshot(page, "patrols-800x480-run")
    with app.app_context():
        from kiosk.hazards.models import Hazard
        hazard = db.session.scalar(db.select(Hazard).where(Hazard.description == "充电棚飞线充电"))
        assert hazard.source == "patrol" and hazard.status == "reported"
        from kiosk.patrols.models import PatrolRun
        assert db.session.get(PatrolRun, hazard.found_by_id).night_of == missed
    page.goto(f"{base}/board")
    assert f"已巡查{covered + 1}晚" in page.inner_text(".patrol-slide")


@pytest.mark.parametrize("lang", ["zh_Hans", "en"])
def test_patrol_screens_at_800x480(live_server, kiosk_page, screenshot, lang):
    page, base = kiosk_page, live_server.url
    sign_in(page, base, "陈建国")
    page.goto(f"{base}/lang/{lang}?next=/")
    screenshot(page, f"home-800x480-{lang}")
    labels = page.eval_on_selector_all(".tile", "els => els.map(e => e.innerText)")
    assert not any("暂未开通" in t or "not available" in t.lower() for t in labels)
    for path, name in [("/patrols/", "index"), ("/patrols/log?month=" + (dt.date.today().replace(day=1)
                       - dt.timedelta(days=1)).strftime("%Y-%m"), "log")]:
        page.goto(base + path)
        screenshot(page, f"patrols-800x480-{name}-{lang}")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
