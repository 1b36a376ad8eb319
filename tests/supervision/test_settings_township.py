"""A county account sets the settings of the township it chooses — the evaluation's weights, the
hazard deadlines, the inspection intervals — its own until it chooses; a township account only ever
its own, whatever the address says; a township outside the county is a 404."""
from __future__ import annotations

import re

import sqlalchemy as sa

from kiosk.extensions import db

from ..conftest import OTHER_TOWNSHIP, TOWNSHIP

AOJIANG = OTHER_TOWNSHIP


def weights_form(client, url):
    form = client.get(url).get_data(as_text=True)
    return {key: "10" for key in re.findall(r'name="(w_[a-z_]+)"', form)}, form


def rubrics(app) -> dict:
    from kiosk.supervision.models import EvaluationRubric
    with app.app_context():
        return {r.township_code: r.weights for r in db.session.scalars(sa.select(EvaluationRubric))}


def test_a_county_account_chooses_the_township_whose_weights_it_sets(township_app, county):
    data, page = weights_form(county, f"/supervision/evaluation/weights?township={AOJIANG}")
    assert "· 鳌江镇</h1>" in page  # whose weights they are
    assert re.search(rf'<option value="{AOJIANG}" selected>鳌江镇</option>', page)  # the chooser says whose
    assert county.post(f"/supervision/evaluation/weights?township={AOJIANG}",
                       data=data | {"w_report_on_time": "40"}).status_code == 303
    assert set(rubrics(township_app)) == {AOJIANG} and rubrics(township_app)[AOJIANG]["report_on_time"] == 40
    # unchosen: its own township, 昆阳镇
    data, page = weights_form(county, "/supervision/evaluation/weights")
    assert re.search(rf'<option value="{TOWNSHIP}" selected>', page)
    assert county.post("/supervision/evaluation/weights", data=data).status_code == 303
    assert set(rubrics(township_app)) == {AOJIANG, TOWNSHIP}
    # back to the defaults, for the chosen one only
    assert county.post(f"/supervision/evaluation/weights?township={AOJIANG}", data={"reset": "1"}).status_code == 303
    assert set(rubrics(township_app)) == {TOWNSHIP}
    # a township of another county, or no township at all
    for code in ("330328100", "33032610", "x" * 400):
        assert county.get(f"/supervision/evaluation/weights?township={code}").status_code == 404


def test_a_township_account_sets_only_its_own_whatever_the_address_says(township_app, station):
    data, page = weights_form(station, f"/supervision/evaluation/weights?township={AOJIANG}")
    assert 'id="settings-township"' not in page  # nothing to choose
    assert station.post(f"/supervision/evaluation/weights?township={AOJIANG}", data=data).status_code == 303
    assert set(rubrics(township_app)) == {TOWNSHIP}


def test_a_county_account_sets_deadlines_and_intervals_of_the_township_it_chooses(township_app, county, station):
    from kiosk.hazards.models import HazardDeadline
    from kiosk.hydrants.models import InspectionIntervals
    page = county.get(f"/hazards/deadlines?township={AOJIANG}").get_data(as_text=True)
    assert re.search(rf'<option value="{AOJIANG}" selected>鳌江镇</option>', page)
    saved = county.post(f"/hazards/deadlines?township={AOJIANG}",
                        data={"category": "", "severity": "serious", "ack_minutes": "60", "fix_days": "3"})
    assert saved.status_code == 303 and saved.headers["Location"].endswith(f"?township={AOJIANG}")
    saved = county.post(f"/hydrants/intervals?township={AOJIANG}", data={"hydrant_months": "1", "pool_months": "1"})
    assert saved.status_code == 303, saved.get_data(as_text=True)
    with township_app.app_context():
        [line] = db.session.scalars(HazardDeadline.live()).all()
        [intervals] = db.session.scalars(InspectionIntervals.live()).all()
        assert (line.village_id, line.fix_days) == (AOJIANG, 3)
        assert (intervals.village_id, intervals.hydrant_months) == (AOJIANG, 1)
        line_id = line.id
    # 昆阳镇's staff cannot remove 鳌江镇's line; the county account can
    assert station.post(f"/hazards/deadlines/{line_id}/remove", data={}).status_code == 404
    removed = county.post(f"/hazards/deadlines/{line_id}/remove", data={"confirm": "yes"})
    assert removed.status_code == 303 and removed.headers["Location"].endswith(f"?township={AOJIANG}")
    # the settings list keeps the township the county account looks at
    listed = county.get(f"/supervision/settings?township={AOJIANG}").get_data(as_text=True)
    assert f'href="/supervision/evaluation/weights?township={AOJIANG}"' in listed
    assert county.get("/hydrants/intervals?township=330328100").status_code == 404
