"""Staff of another township (鳌江镇) reach nothing of 昆阳镇 through supervision: every page naming one
of its villages or reports is a 404 (or 403), and every list and export leaves its villages out."""
from __future__ import annotations

import re

import pytest

from kiosk.extensions import db
from kiosk.supervision.models import ReportSubmission

from ..conftest import DEMO_VILLAGE, NEIGHBOURS, OTHER_TOWNSHIP, OTHER_TOWNSHIP_VILLAGE, TOWNSHIP, add_staff, sign_in_staff

OURS = [DEMO_VILLAGE, *NEIGHBOURS]
NAMES = ["城东村", *NEIGHBOURS.values()]


def demo_report(app) -> str:
    with app.app_context():
        return db.session.scalar(ReportSubmission.live().with_only_columns(ReportSubmission.id)
                                 .where(ReportSubmission.village_id == DEMO_VILLAGE))


def supervision_urls(app, submission_id: str) -> tuple[list[str], list[str]]:
    """(pages naming 昆阳镇's records, pages listing what the account oversees), from the URL map: a
    new route is covered by itself (and fails here until it is sorted into one of the two)."""
    values = {"code": DEMO_VILLAGE, "submission_id": submission_id, "period": "2026-11"}
    naming, listing = [], []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(("supervision.", "reports.")) or "GET" not in rule.methods:
            continue
        if rule.endpoint == "supervision.export":
            listing += [f"/supervision/export/{what}.{fmt}" for what in ("overview", "rates", "hazards", "inspections",
                                                                         "evaluation") for fmt in ("xlsx", "csv")]
        elif rule.endpoint == "supervision.go":
            naming += [f"/supervision/go/{DEMO_VILLAGE}?to=hazards.index"]
        elif rule.arguments:
            naming.append(rule.build(values, append_unknown=False)[1])
        else:
            listing.append(rule.rule)
    return naming, listing


@pytest.fixture
def elsewhere_looking_at_ours(township_app):
    """鳌江镇's staff member, with 城东村 slipped into the session (as a crafted cookie would)."""
    user = add_staff(township_app, "aojiang-2", OTHER_TOWNSHIP, name="江站长")
    return sign_in_staff(township_app.test_client(), user, village=DEMO_VILLAGE)


def test_staff_of_another_township_reach_no_page_of_ours(township_app, elsewhere_looking_at_ours):
    client = elsewhere_looking_at_ours
    naming, listing = supervision_urls(township_app, demo_report(township_app))
    assert len(naming) >= 5 and len(listing) >= 15
    for url in naming:
        assert client.get(url).status_code in (403, 404), url
    for url in (f"/supervision/reports?village={DEMO_VILLAGE}", f"/supervision/evaluation/{DEMO_VILLAGE}/adjust"):
        assert client.get(url).status_code in (403, 404), url
    submission_id = demo_report(township_app)
    assert client.post(f"/supervision/reports/{submission_id}", data={"decision": "received"}).status_code == 404
    assert client.post(f"/supervision/evaluation/{DEMO_VILLAGE}/adjust",
                       data={"points": "-20", "reason": "x"}).status_code == 404
    with township_app.app_context():
        assert db.session.scalar(db.text("SELECT count(*) FROM report_review")) == 0
        assert db.session.scalar(db.text("SELECT count(*) FROM score_adjustment")) == 0


def test_staff_of_another_township_list_only_their_own_villages(township_app, elsewhere_looking_at_ours):
    client = elsewhere_looking_at_ours
    _naming, listing = supervision_urls(township_app, demo_report(township_app))
    for url in [*listing, f"/supervision/?township={TOWNSHIP}", f"/supervision/export/hazards.csv?township={TOWNSHIP}"]:
        response = client.get(url)
        if response.status_code in (403, 404):
            continue  # the kiosk's own screens: no village of theirs
        assert response.status_code == 200, url
        body = response.get_data()
        text = body.decode("utf-8", "replace")
        if url.endswith(".xlsx"):
            from io import BytesIO

            from openpyxl import load_workbook
            text = " ".join(str(v) for row in load_workbook(BytesIO(body)).active.iter_rows(values_only=True)
                            for v in row)
        assert not any(code in text for code in OURS), url
        assert not any(name in text for name in NAMES), url
    overview = client.get("/supervision/").get_data(as_text=True)
    assert OTHER_TOWNSHIP_VILLAGE[1] in overview


def test_their_weights_are_their_own(township_app, elsewhere, station):
    form = elsewhere.get("/supervision/evaluation/weights").get_data(as_text=True)
    keys = re.findall(r'name="(w_[a-z_]+)"', form)
    assert elsewhere.post("/supervision/evaluation/weights",
                          data={k: "0" for k in keys} | {"w_report_on_time": "100"}).status_code == 303
    ours = station.get("/supervision/evaluation/weights").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="w_hazards_on_time"[^>]*value="25"', ours)  # the default, untouched
