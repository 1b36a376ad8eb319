"""Answers on the screens: the committee answers by tapping on the kiosk (800x480), the station reads
answers, coverage and fires across its villages on the township's large screen (1280x800)."""
from __future__ import annotations

import datetime as dt

import pytest

from kiosk.extensions import db
from kiosk.records import utcnow
from kiosk.warnings.models import Warning
from tests.station.helpers import sign_in

from .test_warnings_browser import staff_sign_in

pytestmark = pytest.mark.browser
GALE = "大风橙色预警：严禁野外用火"


def _issued_days_ago(app, days):
    with app.app_context():
        warning = db.session.scalar(db.select(Warning).where(Warning.title == GALE))
        warning.issued_at = utcnow() - dt.timedelta(days=days)
        db.session.commit()
        return warning.id


@pytest.mark.parametrize("lang", ["zh_Hans", "en"])
def test_a_committee_member_answers_a_warning_by_tapping(live_server, kiosk_page, screenshot, lang):
    page, base = kiosk_page, live_server.url
    warning_id = _issued_days_ago(live_server.app, 5)
    sign_in(page, base, "陈建国")
    page.goto(f"{base}/lang/{lang}?next=/warnings/{warning_id}")
    page.tap("#answer-warning")
    page.wait_for_selector("#answer-form")
    page.tap("label.chip:has(input[name=actions][value=patrol])")
    page.tap("label.chip:has(input[name=actions][value=broadcast])")
    evidence = page.query_selector_all(".wa-evidence label.chip")
    assert len(evidence) >= 3  # the demo's patrols of the last nights and its broadcast
    evidence[0].tap()
    evidence[-1].tap()
    screenshot(page, f"warnings-800x480-answer-{lang}")
    page.tap("#answer-form button[type=submit]")
    page.wait_for_selector("#warning-answers")
    screenshot(page, f"warnings-800x480-answered-{lang}", full_page=True)
    assert page.locator("#warning-answers .wa-links li").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_township_reads_answers_coverage_and_fires_across_villages(township_live_server, large_kiosk_page,
                                                                      screenshot):
    page, server = large_kiosk_page, township_live_server
    app = server.app
    warning_id = _issued_days_ago(app, 5)
    with app.test_request_context():
        from kiosk.patrols import service as patrols
        from kiosk.records import uuid7
        from kiosk.village import Person, Village
        from kiosk.warnings import service
        chen = db.session.scalar(db.select(Person).where(Person.name == "陈建国"))
        run = patrols.recent_runs("330326100201", 1)[0]
        service.answer(db.session.get(Warning, warning_id), db.session.get(Village, "330326100201"), chen, uuid7(),
                       actions=["patrol", "broadcast"], links=[{"kind": "patrol_run", "id": run.id,
                                                                "label": f"{run.night_of} 晚夜间巡查：{run.route_name}"}],
                       note="每晚巡查，早晚各广播一次。", photos=[])
        db.session.commit()
    staff_sign_in(page, server)
    screenshot(page, "township-1280x800-home")
    page.goto(f"{server.url}/patrols/periods")
    screenshot(page, "township-1280x800-key-periods")
    assert "冬季防火重点时段" in page.inner_text("#coverage-table")
    page.goto(f"{server.url}/incidents/township?month=" + (dt.date.today() - dt.timedelta(days=38)).strftime("%Y-%m"))
    screenshot(page, "township-1280x800-incidents")
    page.goto(f"{server.url}/warnings/township/")
    screenshot(page, "township-1280x800-warnings")
    page.goto(f"{server.url}/warnings/township/{warning_id}")
    assert "每晚巡查" in page.inner_text("#warning-answers")
    screenshot(page, "township-1280x800-warning-answers", full_page=True)
    page.goto(f"{server.url}/warnings/township/village/330326100201")
    screenshot(page, "township-1280x800-village-answers")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
