"""Publicity on the touchscreen: a drill whose attendance makes the team trained and the station
ready, a warning read aloud that plays in the kiosk page, and the screens at 800x480."""
from __future__ import annotations

import datetime as dt

import pytest

from kiosk.extensions import db
from kiosk.publicity import speech
from tests.station.helpers import sign_in

pytestmark = pytest.mark.browser

VILLAGE = "330326100201"


def _station_only_short_of_trained_members(app):
    """The demo station, checked today and with nothing expiring: only its team keeps it from ready."""
    from kiosk.context import local_today
    from kiosk.records import utcnow
    from kiosk.station import service
    from kiosk.station.models import StationCheck, StationItem
    from kiosk.village import Person
    with app.test_request_context():
        station = service.village_station(VILLAGE)
        for line in db.session.scalars(db.select(StationItem).where(StationItem.station_id == station.id)):
            line.expires_on = line.test_due_on = None
        db.session.add(StationCheck(village_id=VILLAGE, station_id=station.id, status="complete", reason="monthly",
                                    finished_at=utcnow(), total_steps=1))
        db.session.add(Person(village_id=VILLAGE, name="陈小东", duties=["volunteer"], trained=False, active=True))
        db.session.commit()
        ready = service.readiness(station)
        assert (ready.state, ready.trained) == ("team_short", 3), local_today()


def test_a_drill_with_attendance_raises_the_trained_count_and_readies_the_station(live_server, kiosk_page,
                                                                                   screenshot):
    page, base = kiosk_page, live_server.url
    _station_only_short_of_trained_members(live_server.app)
    sign_in(page, base, "陈建国")
    assert page.inner_text(".tile-station .badge") == "队伍人数不足"
    page.tap(".tile-publicity")
    screenshot(page, "publicity-800x480-index")
    page.tap(".pb-kind:has-text('消防演练')")
    page.wait_for_selector("[data-activity-form].is-attendance")
    page.tap(".kb-chip[data-chip='灭火器使用']")
    page.tap(".kb-chip[data-chip='微型消防站']")
    for name in ("周杰", "陈小东", "李伟"):
        page.tap(f".pb-attendance label.chip:has-text('{name}')")
    screenshot(page, "publicity-800x480-drill")
    page.tap("#activity-form button[type=submit]")
    page.wait_for_selector("#attendance")
    assert sorted(page.inner_text("#attendance").split()) == sorted(["周杰", "陈小东", "李伟"])
    screenshot(page, "publicity-800x480-drill-recorded")
    page.goto(f"{base}/")
    assert page.inner_text(".tile-station .badge") == "状态良好"
    page.goto(f"{base}/station/")
    assert page.inner_text("#station-readiness") == "状态良好"


@pytest.mark.skipif(not speech.available(), reason="espeak-ng and sox (make test installs them)")
def test_a_warning_read_aloud_plays_in_the_kiosk_page(live_server, kiosk_page, screenshot):
    page, base = kiosk_page, live_server.url
    sign_in(page, base, "李伟")
    page.tap("#warning-banner a")
    page.wait_for_selector(".btn-read")
    page.tap(".btn-read")
    page.wait_for_selector("audio[data-speech-audio]", timeout=30000)
    seconds = page.wait_for_function("""() => { const a = document.querySelector('audio[data-speech-audio]');
        return a && a.readyState >= 1 && isFinite(a.duration) && a.duration > 0 ? a.duration : null; }""",
                                     timeout=20000).json_value()
    src = page.get_attribute("audio[data-speech-audio]", "src")
    sha = src.rsplit("/", 1)[-1].split(".")[0]
    with live_server.app.app_context():
        made = speech.duration(speech.audio_path(sha))
    assert abs(seconds - made) < 0.2 and seconds > 20  # the whole warning, as sox measures it
    page.evaluate("document.querySelector('audio[data-speech-audio]').muted = true")
    page.evaluate("document.querySelector('audio[data-speech-audio]').play()")
    page.wait_for_function("() => document.querySelector('audio[data-speech-audio]').currentTime > 0.2", timeout=10000)
    screenshot(page, "publicity-800x480-read-aloud")
    assert page.get_attribute("a[download]", "href").endswith("download=1")


@pytest.mark.parametrize("lang", ["zh_Hans", "en"])
def test_publicity_screens_at_800x480(live_server, kiosk_page, screenshot, lang):
    page, base = kiosk_page, live_server.url
    sign_in(page, base, "陈建国")
    page.goto(f"{base}/lang/{lang}?next=/")
    year, month = dt.date.today().year, dt.date.today().month
    for path, name in [("/publicity/", "index"), ("/publicity/new?kind=broadcast", "new"), ("/publicity/plan", "plan"),
                       (f"/publicity/plan/{year}/{month}", "plan-month"), ("/publicity/loudspeaker", "loudspeaker")]:
        page.goto(base + path)
        screenshot(page, f"publicity-800x480-{name}-{lang}")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
