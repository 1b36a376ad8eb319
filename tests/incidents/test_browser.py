"""A fire recorded on the touchscreen: the times against the 1-3-5 goal, the equipment used, and the
post-use check it opens at the station, one tap away."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.station.helpers import sign_in

pytestmark = pytest.mark.browser


def test_an_incident_with_equipment_used_opens_the_post_use_check(live_server, kiosk_page, screenshot):
    page, base = kiosk_page, live_server.url
    sign_in(page, base, "李伟")
    page.tap(".tile-incidents")
    screenshot(page, "incidents-800x480-index")
    page.tap("text=登记火灾")
    page.fill("input[name=alarm_on]", (dt.date.today() - dt.timedelta(days=1)).isoformat())
    page.fill("input[name=alarm_time]", "19:20")
    page.fill("input[name=station_time]", "19:22")
    page.fill("input[name=brigade_time]", "19:29")
    page.fill("input[name=place]", "新村路 8 号出租房")
    page.tap("label.chip:has(input[name=burned][value=ebike])")
    for name in ("李伟", "张磊"):
        page.tap(f"label.chip:has(input[name=responders]):has-text('{name}')")
    for item in ("灭火器 MF/ABC2", "水带 13-65-20"):
        page.tap(f".in-equipment label.chip:has-text('{item}')")
    page.tap("label.chip:has(input[name=handed_to][value=brigade])")
    screenshot(page, "incidents-800x480-new")
    page.tap("#incident-form button[type=submit]")
    page.wait_for_selector("#post-use-check")
    assert "9 分钟，目标 5 分钟" in page.inner_text("main")
    assert "2 分钟，目标 1 分钟" in page.inner_text("main")
    assert page.inner_text("#incident-equipment").split() == ["灭火器", "MF/ABC2", "水带", "13-65-20"]
    screenshot(page, "incidents-800x480-show")
    page.tap("#post-use-check")
    page.wait_for_selector("#check-run[data-step-type]")
    screenshot(page, "incidents-800x480-post-use-check")
    with live_server.app.app_context():
        from kiosk.extensions import db
        from kiosk.station.checklist import steps_for
        from kiosk.station.models import StationCheck
        check = db.session.scalar(db.select(StationCheck).where(StationCheck.partial.is_(True)))
        assert {s.line.kind for s in steps_for(check)} == {"extinguisher", "hose"}


@pytest.mark.parametrize("lang", ["zh_Hans", "en"])
def test_incident_screens_at_800x480(live_server, kiosk_page, screenshot, lang):
    page, base = kiosk_page, live_server.url
    sign_in(page, base, "李伟")
    page.goto(f"{base}/lang/{lang}?next=/incidents/new")
    screenshot(page, f"incidents-800x480-new-{lang}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.goto(f"{base}/incidents/")
    page.tap("#incident-list a")
    page.wait_for_selector("#incident-equipment")
    screenshot(page, f"incidents-800x480-show-{lang}")
