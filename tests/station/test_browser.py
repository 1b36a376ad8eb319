"""The check on the real touchscreen: tapping through every item, the fast grid on the large
screen, and every station screen at the kiosk, large-kiosk and phone sizes."""
from __future__ import annotations

import re
import time

import pytest

from kiosk.extensions import db
from .helpers import sign_in

pytestmark = pytest.mark.browser


def _db(live_server, fn):
    with live_server.app.app_context():
        return fn()


def _targets_too_small(page, selector):
    return page.evaluate("""sel => Array.from(document.querySelectorAll(sel))
        .filter(e => e.offsetParent !== null)
        .map(e => [e.textContent.trim(), e.getBoundingClientRect().height, e.getBoundingClientRect().width])
        .filter(([t, h, w]) => h < 48 || w < 48)""", selector)


def _fits_without_scrolling(page):
    return page.evaluate("""() => {
        const r = document.querySelector('#check-run').getBoundingClientRect();
        return r.bottom <= window.innerHeight + 1 && document.documentElement.scrollWidth <= window.innerWidth; }""")


def test_a_volunteer_completes_a_full_check_by_tapping_with_two_faults(live_server, kiosk_page, screenshot):
    page, base = kiosk_page, live_server.url
    sign_in(page, base, "李伟")
    assert page.locator(".tile-station .badge").inner_text() == "检查逾期"
    page.tap(".tile-station")
    page.wait_for_url(f"{base}/station/")
    page.tap(".st-start button[type=submit]")
    page.wait_for_selector("#check-run[data-step-type]")

    seen, steps, started = set(), 0, time.monotonic()
    while True:
        run = page.locator("#check-run")
        key = run.get_attribute("data-step-key")
        if key == "summary":
            break
        ctype = run.get_attribute("data-step-type")
        if ctype not in seen:
            seen.add(ctype)
            screenshot(page, f"station-800x480-step-{ctype}")
            assert _targets_too_small(page, "#check-run .ans, #check-run .key, #check-run .run-nav .btn") == []
            assert _fits_without_scrolling(page), f"the {ctype} step does not fit 800x480"
        if ctype == "gauge":
            page.tap(".ans.zone-red")  # fault 1: an extinguisher gauge in the red
        elif ctype == "pressure":
            for k in "18":
                page.tap(f"[data-num='{k}']")
            assert page.input_value("input[name=pressure]") == "18"
            page.tap(".numpad-ok")  # fault 2: the breathing apparatus below 20 MPa
        elif ctype == "count":
            page.tap(".ans-all")
        else:
            page.tap(".ans-ok")
        page.wait_for_function("k => document.querySelector('#check-run').dataset.stepKey !== k", arg=key)
        steps += 1
    elapsed = time.monotonic() - started
    print(f"\n{steps} items tapped through in {elapsed:.1f} s ({1000 * elapsed / steps:.0f} ms per item incl. swap)")
    assert seen == {"ok_fault", "count", "gauge", "pressure", "date"}
    assert steps >= 28
    assert page.locator(".run-fault-list li").count() == 2
    screenshot(page, "station-800x480-summary")
    page.tap(".run-summary .btn-ok")
    page.wait_for_selector("#check-record[data-status=complete]")
    assert page.locator(".st-answers .is-fault").count() == 2
    screenshot(page, "station-800x480-record")

    page.tap(".sb-home")
    page.wait_for_url(f"{base}/")
    assert page.locator(".tile-station .badge").inner_text() == "2 项故障"
    screenshot(page, "station-800x480-home-after")
    page.goto(f"{base}/hazards/")
    rows = page.locator("#hazard-list .row", has_text="微型消防站器材检查")
    assert rows.count() == 2

    from kiosk.hazards.models import Hazard
    from kiosk.station.models import StationCheck, StationCheckAnswer

    def facts():
        hazards = db.session.scalars(db.select(Hazard).where(Hazard.source == "station_check")).all()
        check = db.session.scalar(db.select(StationCheck).where(StationCheck.status == "complete")
                                  .order_by(StationCheck.finished_at.desc()))
        answers = db.session.scalar(db.select(db.func.count()).select_from(StationCheckAnswer)
                                    .where(StationCheckAnswer.check_id == check.id))
        return ([(h.category, h.subject_kind, h.due_at is not None) for h in hazards], check.faults,
                check.total_steps, answers)
    hazards, faults, total, answers = _db(live_server, facts)
    assert hazards == [("equipment", "station_item", True)] * 2
    assert faults == 2 and total == steps == answers


def test_the_fast_grid_on_the_large_screen(live_server, large_kiosk_page, screenshot):
    page, base = large_kiosk_page, live_server.url
    sign_in(page, base, "李伟")
    page.goto(f"{base}/station/")
    screenshot(page, "station-1280x800-status")
    page.tap(".st-start button[type=submit]")
    page.wait_for_selector("#check-run[data-step-type]")
    screenshot(page, "station-1280x800-step")
    assert _fits_without_scrolling(page)
    page.tap(".run-nav a[href$='/all']")
    page.wait_for_selector(".grid-rows")
    first = page.locator(".grow").nth(0)
    first.locator("button[value=all]").tap()
    page.wait_for_selector("#row-1.is-ok")
    fault_row = page.locator(".grow", has=page.locator("button[value=fault]")).nth(0)
    row_id = fault_row.get_attribute("id")
    fault_row.locator("button[value=fault]").tap()
    page.wait_for_selector(f"#{row_id}.is-fault")
    gauge_row = page.locator(".grow", has=page.locator("button[name=zone]")).nth(0)
    gauge_id = gauge_row.get_attribute("id")
    gauge_row.locator("button[value=green]").tap()
    page.wait_for_selector(f"#{gauge_id}.is-ok")
    assert re.search(r"已答 3 / \d+ 项", page.locator("#grid-tally").inner_text())
    # tapping the same row again replaces its answer
    page.locator(f"#{row_id} button[value=ok]").tap()
    page.wait_for_selector(f"#{row_id}.is-ok")
    assert _targets_too_small(page, ".grow .qa") == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "station-1280x800-grid")

    from kiosk.station.models import StationCheckAnswer
    rows = _db(live_server, lambda: [(a.ok, a.check_type) for a in db.session.scalars(
        db.select(StationCheckAnswer).join(StationCheckAnswer.check).where(
            db.text("station_check.status = 'in_progress'")))])
    assert sorted(rows, key=str) == sorted([(True, "count"), (True, "ok_fault"), (True, "gauge")], key=str)


def _finished_check(live_server):
    """A finished check with a missing axe, to look at its record and history."""
    from kiosk.context import Actor
    from kiosk.records import uuid7
    from kiosk.station import service
    from kiosk.station.checklist import steps_for
    from kiosk.village import Person

    def make():
        station = service.village_station("330326100201")
        person = db.session.scalar(db.select(Person).where(Person.name == "李伟"))
        actor = Actor(person.id, person.name, "person")
        check = service.start_check(station, client_id=uuid7(), reason="after_callout", actor=actor)
        for step in steps_for(check):
            values = {"ok": True, "count": step.expected, "zone": "green", "pressure_mpa": 28.0}
            if step.check_type == "count" and step.line.kind == "axe":
                values = {"ok": False, "count": 0}
            service.save_answer(check, step, values, actor)
        service.finish_check(check, incomplete_ok=False, actor=actor)
        db.session.commit()
        axe = next(s.line.id for s in steps_for(check) if s.line and s.line.kind == "axe")
        return check.id, axe
    return _db(live_server, make)


@pytest.mark.parametrize("screen", ["kiosk_page", "large_kiosk_page", "phone_page"])
def test_every_station_screen_fits_and_speaks_chinese(live_server, screen, request, screenshot):
    page, base = request.getfixturevalue(screen), live_server.url
    size = {"kiosk_page": "800x480", "large_kiosk_page": "1280x800", "phone_page": "phone"}[screen]
    check_id, axe_id = _finished_check(live_server)
    sign_in(page, base, "陈建国")
    screens = {
        "status": "/station/", "inventory": "/station/inventory", "checklist": "/station/checklist",
        "history": "/station/checks", "record": f"/station/checks/{check_id}",
        "print": f"/station/checks/{check_id}/print", "item": f"/station/inventory/{axe_id}",
        "item-new": "/station/inventory/new", "edit": "/station/edit",
    }
    for name, url in screens.items():
        page.goto(base + url)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), f"{name} overflows"
        text = page.locator("main").inner_text()
        leftovers = [w for w in ("Inventory", "Checklist", "Fault", "Station", "Equipment", "present")
                     if re.search(rf"\b{w}\b", text)]
        assert leftovers == [], f"English left on {name}: {leftovers}"
        screenshot(page, f"station-{size}-{name}", full_page=name in ("inventory", "record", "print", "checklist"))
    page.goto(f"{base}/station/")
    page.tap(".st-start button[type=submit]")
    page.wait_for_selector("#check-run[data-step-type]")
    screenshot(page, f"station-{size}-step-count")
    page.goto(page.url + "/all")
    screenshot(page, f"station-{size}-grid")
