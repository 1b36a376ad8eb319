"""What supervision keeps of its own: the villages' reports to the township and the township's
answers (replicated facts), the township's evaluation rubric and the score adjustments its staff
make (local to the township server: kiosks never see them).

Everything else on the supervision screens is computed from the features' own records (their
village summaries and reporting rates), so that nothing here can disagree with them."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..records import SyncedRecord, utcnow

# what a village submits to the township
REPORT_KINDS = {
    "monthly": _l("Monthly village report"),
    "filing_sheet": _l("Filing sheet"),
}
REVIEW_KINDS = {
    "received": _l("Received"),
    "returned": _l("Returned"),
}
# where a report stands, from its submissions and the township's answers (reports.standing)
REPORT_STATES = {
    "not_submitted": _l("Not submitted"),
    "submitted": _l("Submitted"),
    "received": _l("Received"),
    "returned": _l("Returned"),
}
REPORT_TONES = {"not_submitted": "warn", "submitted": "info", "received": "ok", "returned": "bad"}


class ReportSubmission(SyncedRecord):
    """A village committee's submission of a report to the township: the monthly village report
    (村月报) of ``period`` ("2026-11"), or the filing sheet (备案表, ``period`` the month it was sent).
    ``figures`` is what the committee saw and submitted: the township reads the report as sent,
    whatever arrives later. Submitting again (after a return) is a new fact; the latest counts."""

    __tablename__ = "report_submission"
    __sync_kind__ = "fact"

    kind: Mapped[str] = mapped_column(sa.String(16))
    period: Mapped[str] = mapped_column(sa.String(7), index=True)
    figures: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    submitted_by_id: Mapped[str | None] = mapped_column(sa.String(36))
    submitted_by_name: Mapped[str | None] = mapped_column(sa.String(40))

    @property
    def kind_label(self):
        return REPORT_KINDS.get(self.kind, self.kind)

    @property
    def submitted_on(self) -> dt.date:
        """The village's day it was sent (recorded_at is UTC: before 08:00 it is still yesterday there)."""
        from ..context import local_day
        return local_day(self.recorded_at)


class ReportReview(SyncedRecord):
    """The township's answer to one submission: received, or returned with a comment. Written at the
    township in the village's scope, so the kiosk shows it."""

    __tablename__ = "report_review"
    __sync_kind__ = "fact"
    __sync_references__ = {"submission_id": "report_submission"}

    submission_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    kind: Mapped[str] = mapped_column(sa.String(12))
    comment: Mapped[str] = mapped_column(sa.String(500), default="")
    staff_name: Mapped[str | None] = mapped_column(sa.String(40))

    @property
    def kind_label(self):
        return REVIEW_KINDS.get(self.kind, self.kind)


class EvaluationRubric(db.Model):
    """A township's weights for the monthly evaluation (月度考评): a setting of the station, not law.
    Without a row, the documented defaults apply (evaluation.DEFAULT_WEIGHTS)."""

    __tablename__ = "evaluation_rubric"

    township_code: Mapped[str] = mapped_column(sa.String(9), primary_key=True)
    weights: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    changed_by: Mapped[str | None] = mapped_column(sa.String(40))
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ScoreAdjustment(db.Model):
    """Staff moved a village's score for a month by ``points``, for a reason: kept as a fact (never
    edited); a month's adjustments add up."""

    __tablename__ = "score_adjustment"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_code: Mapped[str] = mapped_column(sa.String(12), index=True)
    month: Mapped[str] = mapped_column(sa.String(7), index=True)
    points: Mapped[float] = mapped_column()
    reason: Mapped[str] = mapped_column(sa.String(300))
    staff_id: Mapped[int | None] = mapped_column()
    staff_name: Mapped[str] = mapped_column(sa.String(40))
    made_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
