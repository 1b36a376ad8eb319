"""Patrols in the township's reporting rates and evaluation: every night of a key period is due in
every village of the township; a night some patrol counts for is done (and on time); the evaluation
weighs the share with the documented default of 15."""
from __future__ import annotations

import datetime as dt
import re

from kiosk.context import Actor, from_local, local_today
from kiosk.extensions import db
from kiosk.patrols import service
from kiosk.records import uuid7
from kiosk.supervision.rates import Rate, month_key, shift
from tests.conftest import DEMO_VILLAGE, NEIGHBOURS, OTHER_TOWNSHIP_VILLAGE

WEST = next(iter(NEIGHBOURS))
PATROLLED = (3, 4, 5, 7, 8, 10, 12)  # evenings of the month patrolled: 7 of the 10 nights from the 3rd


def a_year_ago_period(app) -> tuple[str, dt.date]:
    """A key period of ten nights from the 3rd of the month thirteen months ago (long over, whatever
    the hour), and the demo village's patrols on seven of them, one of them across midnight."""
    with app.test_request_context():
        month = shift(month_key(local_today()), -13)
        first = dt.date(int(month[:4]), int(month[5:7]), 3)
        service.declare_period(DEMO_VILLAGE[:9], uuid7(), {
            "name": "去年冬季重点时段", "starts_on": first, "ends_on": first + dt.timedelta(days=9)}, "周立新")
        [route] = service.routes(DEMO_VILLAGE)
        for day in PATROLLED:
            night = first.replace(day=day)
            start = service.on_the_night(night, dt.time(23, 40) if day == 8 else dt.time(22, 10))
            service.record_run(DEMO_VILLAGE, uuid7(), route=route, started_at=from_local(start),
                               ended_at=from_local(start + dt.timedelta(minutes=80)), patrollers=[], reached={},
                               note="", actor=Actor(None, "黄志强", "person"))
        db.session.commit()
    return month, first


def test_key_period_nights_are_expected_in_every_village_of_the_township_and_patrolled_ones_done(
        township_app, station):
    month, _first = a_year_ago_period(township_app)
    codes = [DEMO_VILLAGE, WEST, OTHER_TOWNSHIP_VILLAGE[0]]
    with township_app.test_request_context():
        found = service.night_rates(codes, [shift(month, -1), month, shift(month, 1)])
    assert found[DEMO_VILLAGE][month] == Rate(10, 7, 7)
    assert found[WEST][month] == Rate(10, 0, 0)  # declared for the township: due there too
    assert found[OTHER_TOWNSHIP_VILLAGE[0]][month] == Rate()  # another township's villages owe nothing
    assert found[DEMO_VILLAGE][shift(month, -1)] == found[DEMO_VILLAGE][shift(month, 1)] == Rate()

    page = station.get(f"/supervision/rates?month={month}").get_data(as_text=True)
    row = page.split(f'<tr data-village="{DEMO_VILLAGE}">')[1].split("</tr>")[0]
    assert re.search(r'<td data-work="patrol_nights">10</td>\s*<td class="sv-warn">7 <small>70%</small></td>\s*'
                     r'<td>7</td>', row)
    assert "夜间巡查夜数" in page and "重点时段内每晚" in page  # the kind of work, and its rule


def test_overlapping_periods_owe_a_night_once_and_nights_still_to_come_are_not_due(township_app):
    from kiosk.patrols.models import KeyPeriod
    with township_app.test_request_context():
        today = local_today()
        township = DEMO_VILLAGE[:9]
        for period in db.session.scalars(KeyPeriod.live().where(KeyPeriod.village_id == township)):
            period.deleted = True  # the demo's own period: this story declares its own
        month = shift(month_key(today), -13)
        first = dt.date(int(month[:4]), int(month[5:7]), 3)
        for name, start, end in [("春节", 0, 6), ("元宵", 3, 9)]:  # the 3rd to the 12th, twice over 6th-9th
            service.declare_period(township, uuid7(), {"name": name, "starts_on": first + dt.timedelta(days=start),
                                                       "ends_on": first + dt.timedelta(days=end)}, "周立新")
        now = service.declare_period(township, uuid7(), {
            "name": "当前", "starts_on": today - dt.timedelta(days=3), "ends_on": today + dt.timedelta(days=40)}, "周立新")
        db.session.commit()
        this = month_key(today)
        found = service.night_rates([WEST], [month, this, shift(this, 1)])
        opened = [n for n in service.nights_due(now) if month_key(n) == this]
    assert found[WEST][month] == Rate(10, 0, 0)
    # this month, only the nights whose window has opened; next month's have not
    assert found[WEST][this] == Rate(len(opened), 0, 0) and found[WEST][shift(this, 1)] == Rate()


def test_the_evaluation_weighs_patrol_nights_with_their_default_of_15(township_app):
    from kiosk.supervision import evaluation
    from kiosk.village.models import Village
    month, _first = a_year_ago_period(township_app)
    with township_app.test_request_context():
        village = db.session.get(Village, DEMO_VILLAGE)
        assert "patrol_nights" in evaluation.indicators()
        assert evaluation.defaults()["patrol_nights"] == 15
        score = evaluation.scores([village], [month])[DEMO_VILLAGE][month]
    assert score.parts["patrol_nights"] == 70.0
    weights = evaluation.DEFAULT_WEIGHTS
    total = sum(weights[k] for k in score.parts)
    assert score.score == round(sum(weights[k] * v for k, v in score.parts.items()) / total, 1)
