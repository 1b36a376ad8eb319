"""The monthly evaluation (月度考评): every village scored from the same monthly figures the reporting
rates and the hazard loop give, with the township's weights — a setting of the station, not law.

Indicators, each worth 0–100 for a village and month:

- one per kind of routine work (every registered reporting rate: hydrant inspections, pool checks,
  station checks, door-to-door visits, patrol nights when that feature is there): work done on time
  counts fully and work done late counts half, of what was expected —
  ``(on time + ½ × late) / expected``;
- ``hazards_on_time``: of the hazards found in the month whose outcome is known, the share fixed on
  time (fixed on time ÷ (fixed on time + missed their deadline));
- ``report_on_time``: the monthly village report submitted by the 5th of the next month 100, later
  50, not at all 0.

An indicator with nothing to judge (nothing expected, no hazard with an outcome, a report not yet
due) is left out of the month: the score is the weighted mean of the rest. Staff adjustments (each a
kept fact with its reason) are added, and the score is kept between 0 and 100. The score is computed
whenever it is read, so a sync that brings last month's records in changes it at once.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import registry
from ..context import local_today
from ..extensions import db
from . import reports
from .models import EvaluationRubric, ScoreAdjustment
from ..records import among

# documented defaults (docs/supervision.md); any other kind of routine work weighs DEFAULT_WORK
DEFAULT_WEIGHTS = {"hydrant_inspections": 15, "pool_checks": 10, "station_checks": 15, "door_visits": 10,
                   "patrol_nights": 15, "hazards_on_time": 25, "report_on_time": 10}
DEFAULT_WORK = 10
MAX_WEIGHT = 100

OWN_INDICATORS = {
    "hazards_on_time": _l("Hazards fixed on time"),
    "report_on_time": _l("Monthly report on time"),
}


def indicators() -> dict[str, object]:
    """Indicator key -> label: the registered kinds of routine work, then the hazards and the report."""
    work = sorted(registry.get().reporting.values(), key=lambda r: r.order)
    return {r.key: r.label for r in work} | OWN_INDICATORS


def defaults() -> dict[str, int]:
    return {key: DEFAULT_WEIGHTS.get(key, DEFAULT_WORK) for key in indicators()}


def weights_of(township_code: str) -> tuple[dict[str, int], EvaluationRubric | None]:
    """The township's weights (its setting over the defaults) and the setting's row, if any."""
    rubric = db.session.get(EvaluationRubric, township_code)
    weights = defaults()
    if rubric is not None:
        weights.update({k: int(v) for k, v in (rubric.weights or {}).items() if k in weights})
    return weights, rubric


@dataclass
class Score:
    parts: dict[str, float] = field(default_factory=dict)  # indicator -> 0..100 (applicable ones)
    adjustments: list[ScoreAdjustment] = field(default_factory=list)
    computed: float | None = None  # the weighted mean, before adjustments

    @property
    def adjusted_by(self) -> float:
        return sum(a.points for a in self.adjustments)

    @property
    def score(self) -> float | None:
        if self.computed is None:
            return None
        return round(min(100.0, max(0.0, self.computed + self.adjusted_by)), 1)


def _work_value(rate) -> float | None:
    if rate is None or not rate.expected:
        return None
    late = rate.done - rate.on_time
    return 100.0 * (rate.on_time + 0.5 * late) / rate.expected


def _hazard_value(figures: dict) -> float | None:
    judged = figures["fixed_on_time"] + figures["overdue"]
    return 100.0 * figures["fixed_on_time"] / judged if judged else None


def _report_value(standing: reports.Standing | None, period: str, today: dt.date) -> float | None:
    if standing is None or standing.submission is None:
        return 0.0 if today > reports.due_date(period) else None
    return 100.0 if standing.on_time(period) else 50.0


def scores(villages, months: list[str], township_code_of=None) -> dict[str, dict[str, Score]]:
    """``{village code: {month: Score}}`` for many villages and months in a constant number of queries
    (the reporting rates', the hazard figures', the reports' and the adjustments'). Each village is
    weighed by its own township's weights."""
    from ..hazards import queries as hazard_queries  # imported late (see __init__)
    codes = [v.code for v in villages]
    if not codes or not months:
        return {}
    today = local_today()
    rates = registry.reporting_rates(codes, months)
    hazards = hazard_queries.monthly_figures(codes, months)
    submitted = reports.standings(codes, "monthly", months)
    adjustments: dict[tuple[str, str], list[ScoreAdjustment]] = {}
    for adjustment in db.session.scalars(sa.select(ScoreAdjustment).where(
            among(ScoreAdjustment.village_code, codes), ScoreAdjustment.month.in_(months))
            .order_by(ScoreAdjustment.made_at, ScoreAdjustment.id)):
        adjustments.setdefault((adjustment.village_code, adjustment.month), []).append(adjustment)
    weights = {t: weights_of(t)[0] for t in {v.township_code for v in villages}}
    out: dict[str, dict[str, Score]] = {}
    for village in villages:
        w = weights[village.township_code]
        for month in months:
            parts = {}
            for key, per_village in rates.items():
                value = _work_value(per_village.get(village.code, {}).get(month))
                if value is not None:
                    parts[key] = value
            value = _hazard_value(hazards[village.code][month])
            if value is not None:
                parts["hazards_on_time"] = value
            value = _report_value(submitted.get((village.code, month)), month, today)
            if value is not None:
                parts["report_on_time"] = value
            total = sum(w.get(k, 0) for k in parts)
            computed = sum(w.get(k, 0) * v for k, v in parts.items()) / total if total else None
            out.setdefault(village.code, {})[month] = Score(
                {k: round(v, 1) for k, v in parts.items()}, adjustments.get((village.code, month), []), computed)
    return out


def ranking(villages, month: str, found: dict[str, dict[str, Score]]) -> list[tuple[int, object, Score]]:
    """(rank, village, score) best first; villages with nothing to judge last, unranked (rank 0)."""
    scored = [(v, found[v.code][month]) for v in villages]
    judged = sorted((p for p in scored if p[1].score is not None), key=lambda p: (-p[1].score, p[0].code))
    out, rank, previous = [], 0, None
    for position, (village, score) in enumerate(judged, start=1):
        if score.score != previous:
            rank, previous = position, score.score
        out.append((rank, village, score))
    out.extend((0, v, s) for v, s in scored if s.score is None)
    return out
