"""Residents' reports from the QR label: one phone may send only so many, however fast it sends them
(counted one after another per sender); and however many people report one hydrant, nobody is
turned away — beyond the hydrant's limit a report joins the open hazard instead of opening another."""
import uuid

import pytest
import requests

from kiosk.extensions import db
from kiosk.hydrants.models import ProblemReport
from kiosk.hydrants.service import DEFAULT_REPORT_LIMITS

from ..conftest import make_app
from ..hydrants.helpers import hazards_about, hydrant, reports
from .helpers import at_once


def report(client, code, ip, problem="leaking"):
    return client.post(f"/h/{code}", data={"problem": problem, "client_id": str(uuid.uuid4())},
                       environ_base={"REMOTE_ADDR": ip})


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_twenty_concurrent_reports_from_one_phone_accept_only_the_limit(live, kind):
    server = live(kind)
    h = hydrant(server.app)
    most = DEFAULT_REPORT_LIMITS["client"][0][0]
    responses = at_once(20, lambda i: requests.post(f"{server.url}/h/{h.code}", allow_redirects=False, data={
        "problem": "leaking", "client_id": str(uuid.uuid4()), "description": f"第{i}次"}))
    statuses = sorted(r.status_code for r in responses)
    print(f"\n20 concurrent reports from one address: {statuses.count(303)} accepted, {statuses.count(429)} refused")
    assert statuses == [303] * most + [429] * (20 - most)
    assert reports(server.app, h.id) == most


def test_thirty_people_reporting_one_hydrant_are_all_heard(app, client):
    """Issue 12: after reports from 30 addresses about one hydrant, a resident from a new address got 429."""
    h = hydrant(app)
    for n in range(30):
        assert report(client, h.code, f"10.1.1.{n}").status_code == 303
    assert report(client, h.code, "10.1.2.99").status_code == 303
    assert reports(app, h.id) == 31
    assert len(hazards_about(app, h.id, "resident_report")) == 1


def test_beyond_the_hydrants_limit_another_problem_joins_the_open_hazard(app, client):
    h = hydrant(app)
    for n in range(6):
        report(client, h.code, f"10.1.1.{n}")
    # the hydrant's limit is reached: a new problem goes to the hazard already open, not a new one
    assert report(client, h.code, "10.1.1.50", problem="cap_missing").status_code == 303
    about = hazards_about(app, h.id, "resident_report")
    assert len(about) == 1
    with app.app_context():
        joined = db.session.scalar(db.select(ProblemReport).where(ProblemReport.problem == "cap_missing"))
        assert joined.hazard_id == about[0].id


def test_below_the_hydrants_limit_another_problem_is_a_hazard_of_its_own(app, client):
    h = hydrant(app)
    report(client, h.code, "10.1.1.1")
    report(client, h.code, "10.1.1.2", problem="cap_missing")
    assert len(hazards_about(app, h.id, "resident_report")) == 2


def test_a_report_refused_over_the_limit_counts_nothing(database, tmp_path):
    """An invalid or refused report leaves no trace: the sender's count is of reports saved."""
    app = make_app(database("sqlite"), tmp_path / "i")
    client = app.test_client()
    h = hydrant(app)
    for _ in range(5):
        assert client.post(f"/h/{h.code}", data={"problem": "nonsense", "client_id": str(uuid.uuid4())},
                           environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 422
    for _ in range(3):
        assert report(client, h.code, "10.9.9.9").status_code == 303
    assert report(client, h.code, "10.9.9.9").status_code == 429
