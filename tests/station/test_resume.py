"""The doorbell rings, the power goes: a check resumes on a new server with nothing lost or doubled."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import DEMO_VILLAGE, ROOT

from .helpers import sign_in

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class KioskProcess:
    """`flask serve` (waitress, the kiosk's production server) in its own process."""

    def __init__(self, url: str, data_dir, port: int):
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        env = dict(os.environ, DATABASE_URL=url, KIOSK_DATA_DIR=str(data_dir), VILLAGE_CODE=DEMO_VILLAGE,
                   SECRET_KEY="resume-test-secret", KIOSK_ROLE="village")
        self.proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "kiosk", "serve", "--port", str(port)],
                                     cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(self.proc.stderr.read().decode()[-2000:])
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the kiosk did not start")

    def power_cut(self) -> None:
        self.proc.send_signal(signal.SIGKILL)  # no shutdown, no flush: as when the plug is pulled
        self.proc.wait(10)
        self.proc.stderr.close()


def _rows(url, check_sql, *params):
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text(check_sql), *params).all()
    engine.dispose()
    return rows


def _answer(page, ctype):
    if ctype == "gauge":
        page.tap(".ans.zone-green")
    elif ctype == "pressure":
        for k in "27.5":
            page.tap(f"[data-num='{k}']")
        page.tap(".numpad-ok")
    elif ctype == "count":
        page.tap(".ans-all")
    else:
        page.tap(".ans-ok")


def test_a_check_resumes_after_a_power_cut_with_nothing_lost_or_doubled(database, tmp_path, kiosk_page):
    url = database("sqlite")
    port = _free_port()
    page = kiosk_page
    server = KioskProcess(url, tmp_path / "instance", port)
    try:
        sign_in(page, server.base, "李伟")
        page.goto(f"{server.base}/station/")
        page.tap(".st-start button[type=submit]")
        page.wait_for_selector("#check-run[data-step-type]")
        check_id = page.url.rstrip("/").rsplit("/", 1)[-1]
        answered = []
        for _ in range(6):
            run = page.locator("#check-run")
            key, ctype = run.get_attribute("data-step-key"), run.get_attribute("data-step-type")
            _answer(page, ctype)
            page.wait_for_function("k => document.querySelector('#check-run').dataset.stepKey !== k", arg=key)
            answered.append(key)
        interrupted_at = page.locator("#check-run").get_attribute("data-step-key")
    finally:
        server.power_cut()

    saved = _rows(url, "SELECT step_key, version FROM station_check_answer WHERE check_id = :c", {"c": check_id})
    assert sorted(k for k, _v in saved) == sorted(answered)

    server = KioskProcess(url, tmp_path / "instance", port)  # the kiosk boots again
    try:
        page.goto(f"{server.base}/station/")
        assert page.locator("text=继续检查").count() == 1  # the same session cookie: still signed in
        page.tap("text=继续检查")
        page.wait_for_selector("#check-run[data-step-type]")
        assert page.locator("#check-run").get_attribute("data-step-key") == interrupted_at
        assert page.locator(".run-tally").inner_text().startswith("已答 6 /")

        # a request sent just before the cut is replayed by the browser: it changes nothing
        token = page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']")
        replay = page.request.post(f"{server.base}/station/checks/{check_id}/step/{answered[0]}",
                                   form={"result": "all"}, headers={"X-CSRFToken": token}, max_redirects=0)
        assert replay.status == 303

        while page.locator("#check-run").get_attribute("data-step-key") != "summary":
            run = page.locator("#check-run")
            key, ctype = run.get_attribute("data-step-key"), run.get_attribute("data-step-type")
            _answer(page, ctype)
            page.wait_for_function("k => document.querySelector('#check-run').dataset.stepKey !== k", arg=key)
        page.tap(".run-summary .btn-ok")
        page.wait_for_selector("#check-record[data-status=complete]")
        total = page.locator(".st-answers li").count()
    finally:
        server.power_cut()

    rows = _rows(url, "SELECT step_key, ok, version FROM station_check_answer WHERE check_id = :c", {"c": check_id})
    keys = [k for k, _ok, _v in rows]
    assert len(keys) == len(set(keys)) == total  # one row per step: nothing doubled
    assert set(answered) <= set(keys)  # nothing lost
    assert all(ok for _k, ok, _v in rows)
    before = dict(saved)
    assert {k: v for k, _ok, v in rows if k in before and k != answered[0]} == \
        {k: v for k, v in before.items() if k != answered[0]}
    checks = _rows(url, "SELECT status, total_steps FROM station_check WHERE station_id = "
                        "(SELECT station_id FROM station_check WHERE id = :c)", {"c": check_id})
    assert sorted(checks)[0] == ("complete", total) and len(checks) == 3  # the demo's two and this one
