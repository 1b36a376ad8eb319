"""Shared steps of the station stories."""
from __future__ import annotations

from kiosk.extensions import db


def station(app):
    from kiosk.station.service import village_station
    with app.app_context():
        s = village_station("330326100201")
        db.session.expunge(s)
        return s


def start_check(client, client_id=None, reason="monthly") -> str:
    data = {"reason": reason}
    if client_id:
        data["client_id"] = client_id
    response = client.post("/station/checks/start", data=data)
    assert response.status_code == 303
    return response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]


def steps(app, check_id):
    """[(key, check type, item kind, expected, code)] of a check, in order."""
    from kiosk.station.checklist import steps_for
    from kiosk.station.models import StationCheck
    with app.app_context():
        check = db.session.get(StationCheck, check_id)
        return [(s.key, s.check_type, s.line.kind if s.line else None, s.expected, s.item.code)
                for s in steps_for(check)]


GOOD = {"ok_fault": {"result": "ok"}, "date": {"result": "ok"}, "gauge": {"zone": "green"},
        "count": {"result": "all"}, "pressure": {"pressure": "28.5"}}


def answer(client, check_id, key, data):
    return client.post(f"/station/checks/{check_id}/step/{key}", data=data)


def answer_all(client, app, check_id, special=None):
    """Answer every step as a good check would, except those ``special`` maps (code, kind) -> data."""
    special = special or {}
    for key, ctype, kind, _expected, code in steps(app, check_id):
        data = special.get((code, kind), GOOD[ctype])
        response = answer(client, check_id, key, data)
        assert response.status_code == 303, response.get_data(as_text=True)[:500]


def answers(app, check_id):
    from kiosk.station.models import StationCheckAnswer
    with app.app_context():
        rows = db.session.scalars(db.select(StationCheckAnswer).where(StationCheckAnswer.check_id == check_id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def station_hazards(app):
    from kiosk.hazards.models import Hazard
    with app.app_context():
        rows = db.session.scalars(db.select(Hazard).where(Hazard.source == "station_check")
                                  .order_by(Hazard.recorded_at)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def tile_badge(client) -> str:
    import re
    page = client.get("/").get_data(as_text=True)
    match = re.search(r'class="tile tile-station".*?<span class="badge badge-(\w+)">([^<]+)</span>', page, re.S)
    assert match, "the station tile has no badge"
    return match.group(2).strip()


def sign_in(page, base: str, name: str) -> None:
    """Sign in on the kiosk by tapping the name and the PIN.

    While base.html's top-level ``{% set person = current_person() %}`` hides the ``person`` the PIN
    page is rendered with, that page's form posts to ``/signin/`` (a 404); then the PIN goes in
    through the same endpoint over HTTP, with the page's own cookies and CSRF token.
    """
    from tests.conftest import DEMO_PINS, sign_in_by_tapping
    page.goto(f"{base}/signin")
    page.tap(f"text={name}")
    page.wait_for_selector("[data-pinpad]")
    if not page.get_attribute("[data-pinpad]", "action").rstrip("/").endswith("/signin"):
        sign_in_by_tapping(page, base, name)
        return
    person_url = page.url.split("?")[0]
    token = page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']")
    response = page.request.post(person_url, form={"pin": DEMO_PINS[name], "csrf_token": token}, max_redirects=0)
    assert response.status == 303, response.status
    page.goto(f"{base}/")
