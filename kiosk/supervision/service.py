"""Every write of supervision: a village submits a report, the township receives or returns it,
staff set the evaluation's weights and adjust a score. Never flashes, never commits: the caller
commits once."""
from __future__ import annotations

from flask_babel import gettext as _

from ..context import Actor
from ..extensions import db
from ..records import utcnow
from ..village.models import Village
from . import reports
from .models import EvaluationRubric, ReportReview, ReportSubmission, ScoreAdjustment


class SupervisionError(ValueError):
    """Why a step cannot be taken (a translated sentence for the screen)."""


def submit(village: Village, kind: str, period: str, figures: dict, actor: Actor, client_id: str,
           note: str = "") -> ReportSubmission:
    """The committee sends a report to the township: a new fact each time (after a return, the new
    one is the one that counts)."""
    standing = reports.standings([village.code], kind, [period]).get((village.code, period))
    if standing is not None and standing.state in ("submitted", "received") and kind == "monthly":
        raise SupervisionError(_("This report has already been submitted."))
    submission = ReportSubmission(id=client_id, village_id=village.code, kind=kind, period=period,
                                  figures=figures, note=note or "", submitted_by_id=actor.person_id,
                                  submitted_by_name=actor.name)
    db.session.add(submission)
    return submission


def review(submission: ReportSubmission, kind: str, staff, comment: str = "") -> ReportReview:
    """The township's answer to the latest submission: received, or returned with a comment (a
    return needs one: the village must know what to change)."""
    latest = reports.standings([submission.village_id], submission.kind, [submission.period]).get(
        (submission.village_id, submission.period))
    if latest is None or latest.submission.id != submission.id:
        raise SupervisionError(_("A newer submission of this report has arrived; answer that one."))
    if latest.review is not None:  # the village has its answer: it sends the report again to get another
        raise SupervisionError(_("This report has already been answered."))
    if kind == "returned" and not comment:
        raise SupervisionError(_("Say what the village should change."))
    answer = ReportReview(village_id=submission.village_id, submission_id=submission.id, kind=kind,
                          comment=comment or "", staff_name=staff.name)
    db.session.add(answer)
    return answer


def set_weights(township_code: str, weights: dict[str, int], staff) -> EvaluationRubric:
    rubric = db.session.get(EvaluationRubric, township_code) or EvaluationRubric(township_code=township_code)
    rubric.weights = dict(weights)
    rubric.changed_by = staff.name
    rubric.changed_at = utcnow()
    db.session.add(rubric)
    return rubric


def reset_weights(township_code: str) -> None:
    rubric = db.session.get(EvaluationRubric, township_code)
    if rubric is not None:
        db.session.delete(rubric)  # a local setting, not a replicated record: the defaults apply again


def adjust(village: Village, month: str, points: float, reason: str, staff) -> ScoreAdjustment:
    adjustment = ScoreAdjustment(village_code=village.code, month=month, points=points, reason=reason,
                                 staff_id=staff.id, staff_name=staff.name)
    db.session.add(adjustment)
    return adjustment
