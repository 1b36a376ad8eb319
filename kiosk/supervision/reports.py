"""The monthly village report (村月报) and the filing sheet's submission: what the report holds, and
where each report stands (not submitted / submitted / received / returned), read from the facts.

A report is compiled from the records on the device that compiles it — the kiosk at month end — out
of the figures the features give per month (their reporting rates and the hazard loop's monthly
figures); the committee submits exactly what it saw (``ReportSubmission.figures``)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from .. import registry
from ..context import local_today
from ..extensions import db
from ..records import among, utcnow
from .models import REPORT_STATES, REPORT_TONES, ReportReview, ReportSubmission
from .rates import month_end, month_key, shift

# a monthly report is on time when submitted by this day of the next month (a township custom; the
# evaluation counts it)
DUE_DAY = 5


def report_month(today: dt.date | None = None) -> str:
    """The month whose report is due now: the one that ended last."""
    return shift(month_key(today or local_today()), -1)


def due_date(period: str) -> dt.date:
    return month_end(period) + dt.timedelta(days=DUE_DAY)


def compile_figures(village_code: str, period: str) -> dict:
    """What the month's report says, from this device's records: per kind of routine work what was
    expected, done and done on time (every registered reporting rate, so new duties appear by
    themselves), and the hazards found, fixed, fixed on time and past their deadline in the month.
    Labels are kept beside the keys (in Chinese, the language the report is filed in), so that a
    township that does not know a kind still shows it."""
    from ..hazards import queries as hazard_queries  # the loop's figures; imported late (see __init__)
    found = registry.reporting_rates([village_code], [period])
    work = []
    for key, reporting in sorted(registry.get().reporting.items(), key=lambda kv: kv[1].order):
        rate = found.get(key, {}).get(village_code, {}).get(period)
        work.append({"key": key, "label": str(reporting.label),
                     "expected": rate.expected if rate else 0, "done": rate.done if rate else 0,
                     "on_time": rate.on_time if rate else 0})
    hazards = hazard_queries.monthly_figures([village_code], [period])[village_code][period]
    return {"period": period, "work": work,
            "hazards": {k: hazards[k] for k in ("found", "fixed", "fixed_on_time", "overdue", "median_days_to_fix")},
            "compiled_at": utcnow().isoformat(timespec="seconds")}


@dataclass
class Standing:
    state: str
    submission: ReportSubmission | None = None
    review: ReportReview | None = None

    @property
    def label(self):
        return REPORT_STATES[self.state]

    @property
    def tone(self) -> str:
        return REPORT_TONES[self.state]

    @property
    def submitted_on(self) -> dt.date | None:
        return self.submission.submitted_on if self.submission else None

    def on_time(self, period: str) -> bool | None:
        """Submitted by the due day (the device's date of the submission; None if not submitted)."""
        day = self.submitted_on
        return None if day is None else day <= due_date(period)


NOT_SUBMITTED = Standing("not_submitted")


def standings(village_codes, kind: str, periods=None) -> dict[tuple[str, str], Standing]:
    """``{(village, period): Standing}`` from the latest submission of each (by clock order) and the
    latest answer to it; two queries for any number of villages and periods (all periods if None)."""
    codes = sorted(set(village_codes))
    if not codes:
        return {}
    where = [among(ReportSubmission.village_id, codes), ReportSubmission.kind == kind,
             ReportSubmission.deleted.is_(False)]
    if periods is not None:
        where.append(ReportSubmission.period.in_(sorted(set(periods))))
    latest: dict[tuple[str, str], ReportSubmission] = {}
    for submission in db.session.scalars(sa.select(ReportSubmission).where(*where)
                                         .order_by(ReportSubmission.hlc, ReportSubmission.id)):
        latest[(submission.village_id, submission.period)] = submission
    if not latest:
        return {}
    reviews: dict[str, ReportReview] = {}
    for review in db.session.scalars(sa.select(ReportReview).where(
            ReportReview.submission_id.in_([s.id for s in latest.values()]), ReportReview.deleted.is_(False))
            .order_by(ReportReview.hlc, ReportReview.id)):
        reviews[review.submission_id] = review
    out = {}
    for key, submission in latest.items():
        review = reviews.get(submission.id)
        out[key] = Standing(review.kind if review else "submitted", submission, review)
    return out


def latest_filing(village_codes) -> dict[str, Standing]:
    """The filing sheet's standing per village: its latest submission, whatever the month."""
    out: dict[str, Standing] = {}
    for (code, period), standing in sorted(standings(village_codes, "filing_sheet").items(),
                                           key=lambda kv: kv[1].submission.hlc):
        out[code] = standing
    return out


def history(village_code: str, kind: str) -> list[tuple[ReportSubmission, list[ReportReview]]]:
    """Every submission of the village with its answers, newest first (the kiosk's list)."""
    submissions = db.session.scalars(ReportSubmission.live().where(
        ReportSubmission.village_id == village_code, ReportSubmission.kind == kind)
        .order_by(ReportSubmission.hlc.desc())).all()
    answers: dict[str, list[ReportReview]] = {}
    if submissions:
        for review in db.session.scalars(ReportReview.live().where(
                ReportReview.submission_id.in_([s.id for s in submissions])).order_by(ReportReview.hlc)):
            answers.setdefault(review.submission_id, []).append(review)
    return [(s, answers.get(s.id, [])) for s in submissions]


def village_summaries(village_codes: list[str]) -> dict[str, dict]:
    """Per village: where last month's report and the filing sheet stand (REPORT_STATES keys). Four
    queries for any number of villages."""
    codes = list(village_codes)
    if not codes:
        return {}
    month = report_month()
    monthly = standings(codes, "monthly", [month])
    filing = latest_filing(codes)
    return {code: {"last_month": monthly.get((code, month), NOT_SUBMITTED).state,
                   "filing_sheet": filing.get(code, NOT_SUBMITTED).state} for code in codes}
