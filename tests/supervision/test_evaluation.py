"""The monthly evaluation (月度考评): the township's demo villages scored with the documented default
weights, ranked best first; staff adjust a score with a reason that stays beside it; weights that
cannot be are refused with a sentence, never a 500."""
from __future__ import annotations

import re

import pytest

from kiosk.extensions import db
from kiosk.supervision.evaluation import DEFAULT_WEIGHTS

from ..conftest import DEMO_VILLAGE

WEST = "330326100202"


def last_month(app) -> str:
    with app.test_request_context():
        from kiosk.supervision.reports import report_month
        return report_month()


def ranking(html: str) -> list[tuple[str, str, str]]:
    """(rank, village code, score) rows of the ranking, in the page's order."""
    rows = re.findall(r'<tr data-village="(\d{12})">\s*<td>([^<]*)</td>.*?data-score="([^"]*)"', html, re.S)
    return [(rank, code, score) for code, rank, score in rows]


def scores_of(app, month):
    with app.test_request_context():
        from kiosk.supervision import evaluation
        from kiosk.village.models import Village
        villages = db.session.scalars(db.select(Village).where(Village.township_code == DEMO_VILLAGE[:9])
                                      .order_by(Village.code)).all()
        return evaluation.scores(villages, [month]), [v.code for v in villages]


def test_the_default_weights_score_every_demo_village_and_rank_them_best_first(demo_township, desk):
    month = last_month(demo_township)
    found, codes = scores_of(demo_township, month)
    assert len(codes) == 4
    for code in codes:
        score = found[code][month]
        assert score.parts, code  # every village has something to judge last month
        weighed = sum(DEFAULT_WEIGHTS[k] for k in score.parts)
        assert score.score == round(sum(DEFAULT_WEIGHTS[k] * v for k, v in score.parts.items()) / weighed, 1)
    # the demo village sent its report on time and checked its pools: it leads its neighbours
    assert found[DEMO_VILLAGE][month].parts["report_on_time"] == 100.0

    page = desk.get("/supervision/evaluation")  # the month that ended, unless another is chosen
    assert page.status_code == 200 and f"· {month}</h1>" in page.get_data(as_text=True)
    rows = ranking(page.get_data(as_text=True))
    assert {code for _rank, code, _score in rows} == set(codes)
    values = [float(score) for _rank, _code, score in rows]
    assert values == sorted(values, reverse=True) and rows[0][:2] == ("1", DEMO_VILLAGE)
    # equal scores share a rank; the next rank counts them
    ranks = [int(rank) for rank, _code, _score in rows]
    for (r1, s1), (r2, s2) in zip(zip(ranks, values), zip(ranks[1:], values[1:])):
        assert (r1 == r2) == (s1 == s2)


def test_an_adjustment_with_its_reason_moves_the_score_and_is_listed(demo_township, desk):
    month = last_month(demo_township)
    before = scores_of(demo_township, month)[0][WEST][month].score
    url = f"/supervision/evaluation/{WEST}/adjust?month={month}"
    assert desk.post(url, data={"points": "5", "reason": ""}).status_code == 422
    for points in ("abc", "25", "0", "NaN", "1e9"):
        refused = desk.post(url, data={"points": points, "reason": "组织了消防演练"})
        assert refused.status_code == 422, points
        assert "请输入 −20 到 20 之间的数" in refused.get_data(as_text=True)

    assert desk.post(url, data={"points": "+7.5", "reason": "组织了消防演练"}).status_code == 303
    assert scores_of(demo_township, month)[0][WEST][month].score == round(before + 7.5, 1)
    page = desk.get(f"/supervision/evaluation?month={month}").get_data(as_text=True)
    row = page.split(f'<tr data-village="{WEST}">')[1].split("</tr>")[0]
    assert f'data-score="{round(before + 7.5, 1)}"' in row
    assert re.search(r'<small class="sv-reason">\+7.5 组织了消防演练 · 周站长</small>', row)  # shown, not a tooltip
    listed = desk.get(url).get_data(as_text=True)
    assert "组织了消防演练" in listed and "周站长" in listed
    # a second one adds up; the score stays within 0..100
    assert desk.post(url, data={"points": "-20", "reason": "台账弄虚作假"}).status_code == 303
    assert scores_of(demo_township, month)[0][WEST][month].score == max(0.0, round(before + 7.5 - 20, 1))


@pytest.mark.parametrize("bad, message", [
    ("abc", "请填写 0 到 100 之间的整数。"), ("101", "请填写 0 到 100 之间的整数。"),
    ("-1", "请填写 0 到 100 之间的整数。"), ("1e2", "请填写 0 到 100 之间的整数。"),
    ("NaN", "请填写 0 到 100 之间的整数。"), ("9" * 400, "请填写 0 到 100 之间的整数。"),
    ("0", "至少有一项权重须大于 0。"),
])
def test_weights_that_cannot_be_are_refused_with_a_sentence(demo_township, desk, bad, message):
    form = desk.get("/supervision/evaluation/weights").get_data(as_text=True)
    keys = re.findall(r'name="(w_[a-z_]+)"', form)
    assert set(keys) >= {f"w_{k}" for k in ("hydrant_inspections", "hazards_on_time", "report_on_time")}
    data = {key: "0" for key in keys} if bad == "0" else {key: "10" for key in keys} | {keys[0]: bad}
    refused = desk.post("/supervision/evaluation/weights", data=data)
    assert refused.status_code == 422
    assert message in refused.get_data(as_text=True)
    with demo_township.app_context():
        from kiosk.supervision.models import EvaluationRubric
        assert db.session.scalar(db.select(db.func.count()).select_from(EvaluationRubric)) == 0


def test_new_weights_change_every_score_at_once_and_the_defaults_come_back(demo_township, desk):
    month = last_month(demo_township)
    form = desk.get("/supervision/evaluation/weights").get_data(as_text=True)
    keys = re.findall(r'name="(w_[a-z_]+)"', form)
    only_the_report = {key: "0" for key in keys} | {"w_report_on_time": "１００"}  # full-width digits too
    assert desk.post("/supervision/evaluation/weights", data=only_the_report).status_code == 303
    found, _codes = scores_of(demo_township, month)
    assert found[DEMO_VILLAGE][month].score == 100.0  # the report alone, sent on time
    assert found[WEST][month].score is None  # nothing sent, not yet due: nothing to judge
    page = desk.get(f"/supervision/evaluation?month={month}").get_data(as_text=True)
    assert ranking(page)[-1][0] == "—"  # unranked, last
    assert desk.post("/supervision/evaluation/weights", data={"reset": "1"}).status_code == 303
    assert scores_of(demo_township, month)[0][WEST][month].score is not None
