"""The installable app: a manifest with icons, and a service worker whose precache list names every
page and file the app needs offline with a revision of its content — so that a phone online fetches
again what changed (a new hydrant in the village), and only that."""
from __future__ import annotations

import json
import re

from kiosk.extensions import db
from tests.conftest import DEMO_VILLAGE
from tests.phones.conftest import enrol, enrolment_url


def _precache(client) -> dict:
    r = client.get("/phone/sw.js")
    assert r.status_code == 200 and r.mimetype == "text/javascript"
    assert r.headers["Service-Worker-Allowed"] == "/" and r.headers["Cache-Control"] == "no-cache"
    entries = json.loads(re.search(r"precacheAndRoute\((\[.*?\]), ", r.text).group(1))
    return {e["url"]: e["revision"] for e in entries}


def test_the_app_can_be_installed(township_app):
    client = township_app.test_client()
    manifest = client.get("/phone/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    body = manifest.json
    assert body["start_url"] == "/phone/" and body["display"] == "standalone"
    for icon in body["icons"]:
        with client.get(icon["src"]) as r:
            assert r.status_code == 200 and r.mimetype == "image/png"
    page = client.get("/phone/").text
    assert 'rel="manifest"' in page and "<script>" not in page  # the policy forbids inline scripts


def test_the_worker_precaches_the_shell_and_the_phones_village_data(township_app, station):
    phone = enrol(township_app, enrolment_url(station, township_app, "李伟"))
    files = _precache(phone)
    assert {"/phone/", "/phone/report", "/phone/inspect", "/phone/data.json", "/phone/manifest.webmanifest",
            "/static/js/phones.js", "/static/vendor/idb-8.0.4/umd.js"} <= set(files)
    total = 0
    for url in files:
        with phone.get(url) as r:
            assert r.status_code == 200, url
            total += len(r.get_data())
    print(f"\nprecache: {len(files)} entries, {total} bytes (Workbox itself: 22 KB more)")
    # a stranger's browser gets the shell, never anyone's data
    assert "/phone/data.json" not in _precache(township_app.test_client())


def test_the_village_data_is_fetched_again_when_it_changes(township_app, station):
    phone = enrol(township_app, enrolment_url(station, township_app, "李伟"))
    before = _precache(phone)
    from kiosk.hydrants.models import Hydrant
    with township_app.app_context():
        db.session.add(Hydrant(village_id=DEMO_VILLAGE, code="NEW234", location="新村口"))
        db.session.commit()
    after = _precache(phone)
    assert after["/phone/data.json"] != before["/phone/data.json"]
    assert {u for u in after if after[u] != before[u]} == {"/phone/data.json"}
    assert "NEW234" in {h["code"] for h in phone.get("/phone/data.json").json["hydrants"]}
