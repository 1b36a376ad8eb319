"""Supervision's screens.

On the township server (``/supervision``, staff): the overview of every village, the reporting rates,
the villages' monthly reports (received or returned), the monthly evaluation and its weights, the
township map, the exports and the settings screens. On the kiosk (``/reports``, the committee): this
month's report to review and submit with a tap, the filing sheet's submission, the township's answers.
"""
from __future__ import annotations

import re

from flask import Blueprint, Response, abort, flash, redirect, request, session, stream_with_context, url_for
from flask import g
from flask_babel import force_locale
from flask_babel import gettext as _

from .. import registry
from ..auth import current_staff, role_required
from ..context import acting_person, current_village, local_today, village_or_404
from ..extensions import db
from ..forms import EmptyForm
from ..paging import page_of
from ..records import commit_once, utcnow
from ..web import hx_redirect, render
from . import charts, evaluation, exports, overview, reports, scope, service
from .forms import AdjustForm, ReviewForm, SubmitForm, rubric_form
from .models import REPORT_KINDS, REPORT_STATES, ReportSubmission
from .rates import Rate, month_key, months_back, shift

bp = Blueprint("supervision", __name__, url_prefix="/supervision")
village_bp = Blueprint("reports", __name__, url_prefix="/reports")

MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
TREND_MONTHS = 12


def _staff():
    staff = current_staff()
    if staff is None:
        abort(403)
    return staff


def _month(default: str) -> str:
    value = request.args.get("month", "")
    return value if MONTH.match(value) and value <= month_key(local_today()) else default


def _where(staff):
    """(township or None for the whole county, the villages, the townships to choose from)."""
    township = scope.chosen_township(staff, request.args.get("township"))
    return township, scope.villages_of(staff, township), scope.townships_of(staff) if staff.is_county else []


# ---- the overview -------------------------------------------------------------------------------------

@bp.get("/")
@role_required("staff")
def index():
    staff = _staff()
    township, villages, townships = _where(staff)
    columns = overview.columns()
    sort = request.args.get("sort") or None
    if sort not in {c.key for c in columns} | {"village"}:
        sort = None
    descending = request.args.get("dir", "desc") != "asc"
    now = utcnow()
    rows = overview.ordered(overview.rows(villages), sort, descending)
    page = page_of(len(rows))
    lines = overview.lines(rows[page.offset:page.offset + page.size], columns, _labels(), _ago,
                           township.code if township and townships else None, now)
    totals = overview.totals(rows, columns)
    rollup = (overview.townships(rows, columns, totals, lambda code: url_for("supervision.index", township=code),
                                 now) if townships and township is None else [])
    return render("supervision/overview.html", "supervision/_overview.html", lines=lines, columns=columns,
                  sort=sort, descending=descending, township=township, townships=townships,
                  totals=totals, paging=page, rollup=rollup)


def _report_labels() -> dict:
    """Labels of what a report holds, in the reader's language (the report keeps Chinese ones for
    kinds of work this version does not know)."""
    from ..village.models import DUTIES
    return {"work_labels": {r.key: r.label for r in registry.get().reporting.values()}, "duties": DUTIES}


def _labels() -> dict:
    from ..pacts.models import STATUSES as PACT_STATES
    from ..station.service import STATE_LABELS
    return {"station_state_labels": STATE_LABELS, "pact_state_labels": PACT_STATES,
            "report_state_labels": REPORT_STATES}


def _ago(moment) -> str:
    """How long ago the township last heard from a kiosk, in words a desk reads at a glance."""
    minutes = int((utcnow() - moment).total_seconds() // 60)
    if minutes < 60:
        return _("%(n)d min ago", n=max(minutes, 0))
    if minutes < 48 * 60:
        return _("%(n)d h ago", n=minutes // 60)
    return _("%(n)d days ago", n=minutes // (24 * 60))


@bp.get("/go/<code>")
@role_required("staff")
def go(code: str):
    """From a cell to the feature's page for that village: the village becomes the one staff look at
    (as the chooser does), then its page opens. Only pages the overview links to are accepted."""
    staff = _staff()
    village = scope.village_of(staff, code)
    target = request.args.get("to", "")
    allowed = {c.endpoint for c in overview.columns() if c.endpoint} | {"home.index"}
    if target not in allowed:
        abort(404)
    session["village_code"] = village.code
    g.pop("village", None)
    return redirect(url_for(target), 303)


# ---- reporting rates ------------------------------------------------------------------------------------

@bp.get("/rates")
@role_required("staff")
def rates():
    staff = _staff()
    township, villages, townships = _where(staff)
    month = _month(shift(month_key(local_today()), -1))
    months = months_back(month, TREND_MONTHS)
    table = exports.rates_table(villages, months)
    trend = exports.rates_trend(table, months)
    works = sorted(registry.get().reporting.values(), key=lambda r: r.order)
    totals = {v.code: sum((per.get(month, Rate()) for per in table[v.code].values()), Rate()) for v in villages}
    return render("supervision/rates.html", villages=villages, works=works, table=table, trend=trend, month=month,
                  months=months, township=township, townships=townships,
                  chart=charts.trend_chart(trend, months, works), coverage=charts.coverage(villages, totals),
                  hazard_chart=charts.found_fixed_chart(_hazards_per_month(villages, months), months,
                                                        (_("Found"), _("Fixed and checked"))))


def _hazards_per_month(villages, months) -> dict[str, dict]:
    """The township's hazards found and fixed per month (the loop's monthly figures, added up)."""
    from ..hazards import queries as hazard_queries
    found = hazard_queries.monthly_figures([v.code for v in villages], months)
    return {m: {"found": sum(found[v.code][m]["found"] for v in villages),
                "fixed": sum(found[v.code][m]["fixed"] for v in villages)} for m in months}


# ---- monthly reports --------------------------------------------------------------------------------

@bp.get("/reports")
@role_required("staff")
def village_reports():
    """Each village's monthly report of the month and its filing sheet: what stands where."""
    staff = _staff()
    township, villages, townships = _where(staff)
    code = request.args.get("village")
    if code:
        villages = [v for v in villages if v.code == code] or abort(404)
    month = _month(reports.report_month())
    monthly = reports.standings([v.code for v in villages], "monthly", [month])
    filing = reports.latest_filing([v.code for v in villages])
    return render("supervision/reports.html", villages=villages, month=month, monthly=monthly, filing=filing,
                  not_submitted=reports.NOT_SUBMITTED, township=township, townships=townships,
                  months=months_back(reports.report_month(), 6), due=reports.due_date(month))


def _submission(submission_id: str) -> ReportSubmission:
    submission = db.session.get(ReportSubmission, submission_id) if len(submission_id) <= 36 else None
    if submission is None or submission.deleted:
        abort(404)
    scope.village_of(_staff(), submission.village_id)  # 404 outside the account's villages
    return submission


@bp.route("/reports/<submission_id>", methods=["GET", "POST"])
@role_required("staff")
def report(submission_id: str):
    """A submission as the village sent it, with the township's answer."""
    submission = _submission(submission_id)
    village = scope.village_of(_staff(), submission.village_id)
    form = ReviewForm()
    standing = reports.standings([village.code], submission.kind, [submission.period]).get(
        (village.code, submission.period))
    if form.validate_on_submit():
        try:
            service.review(submission, form.decision.data, _staff(), form.comment.data)
        except service.SupervisionError as error:
            flash(str(error), "error")
            return hx_redirect(url_for("supervision.report", submission_id=submission.id))
        db.session.commit()
        flash(_("Answer sent to %(village)s.", village=village.name), "success")
        return hx_redirect(url_for("supervision.village_reports", month=submission.period
                                   if submission.kind == "monthly" else None))
    return render("supervision/report.html", submission=submission, village=village, form=form, standing=standing,
                  **_report_labels(),
                  awaiting=standing is not None and standing.submission.id == submission.id
                  and standing.review is None,
                  history=reports.history(village.code, submission.kind))


@bp.get("/reports/<submission_id>/print")
@role_required("staff")
def report_print(submission_id: str):
    submission = _submission(submission_id)
    village = scope.village_of(_staff(), submission.village_id)
    with force_locale("zh_Hans"):  # filed in Chinese, whatever the screen's language
        return render("supervision/report_print.html", village=village, submission=submission,
                      figures=submission.figures, period=submission.period, **_report_labels())


# ---- the monthly evaluation ---------------------------------------------------------------------------

@bp.get("/evaluation")
@role_required("staff")
def evaluation_index():
    staff = _staff()
    township, villages, townships = _where(staff)
    month = _month(reports.report_month())  # the month that ended: the one to evaluate
    months = months_back(month, 6)
    found = evaluation.scores(villages, months)
    return render("supervision/evaluation.html", ranking=evaluation.ranking(villages, month, found), found=found,
                  month=month, months=months, indicators=evaluation.indicators(), township=township,
                  townships=townships)


@bp.route("/evaluation/<code>/adjust", methods=["GET", "POST"])
@role_required("staff")
def adjust(code: str):
    staff = _staff()
    village = scope.village_of(staff, code)
    month = _month(reports.report_month())
    form = AdjustForm()
    if form.validate_on_submit():
        service.adjust(village, month, form.value, form.reason.data, staff)
        db.session.commit()
        flash(_("Score of %(village)s adjusted.", village=village.name), "success")
        return hx_redirect(url_for("supervision.evaluation_index", month=month))
    score = evaluation.scores([village], [month])[village.code][month]
    return render("supervision/adjust.html", form=form, village=village, month=month, score=score,
                  indicators=evaluation.indicators())


@bp.route("/evaluation/weights", methods=["GET", "POST"])
@role_required("staff")
def weights():
    """The township's weights (a county account chooses the township, its own until it does)."""
    staff = _staff()
    where = scope.settings_scope(staff, request.args.get("township"))
    township, chosen = where["settings_township"], where["chosen"]
    indicators = evaluation.indicators()
    current, rubric = evaluation.weights_of(township.code)
    form = rubric_form(indicators, current)
    if request.form.get("reset") == "1" and EmptyForm().validate_on_submit():
        service.reset_weights(township.code)
        db.session.commit()
        flash(_("The default weights apply again."), "success")
        return hx_redirect(url_for("supervision.weights", township=chosen))
    if form.validate_on_submit():
        service.set_weights(township.code, form.values(), staff)
        db.session.commit()
        flash(_("Weights saved. Scores follow them at once."), "success")
        return hx_redirect(url_for("supervision.evaluation_index", township=chosen))
    return render("supervision/weights.html", form=form, rubric=rubric, defaults=evaluation.defaults(),
                  indicators=indicators, **where)


# ---- charts and the map ---------------------------------------------------------------------------------

@bp.get("/map")
@role_required("staff")
def township_map():
    staff = _staff()
    township, villages, townships = _where(staff)
    from ..hydrants import plot
    from ..hydrants.views import STATE_LABELS  # the plot's legend, as the village's map has it
    return render("supervision/map.html", plot=charts.township_map(villages), township=township,
                  townships=townships, villages=villages, state_labels=STATE_LABELS, colours=plot.COLOURS)


# ---- exports ------------------------------------------------------------------------------------------

@bp.get("/export/<what>.<fmt>")
@role_required("staff")
def export(what: str, fmt: str):
    """The county's tables as XLSX or CSV, streamed row by row (memory does not grow with the rows)."""
    staff = _staff()
    if what not in exports.TABLES or fmt not in ("xlsx", "csv"):
        abort(404)
    township, villages, _townships = _where(staff)
    month = _month(shift(month_key(local_today()), -1))
    headers, rows = exports.TABLES[what](villages, month)
    name = f"{what}-{(township.code if township else staff.township_code[:6])}-{month}.{fmt}"
    if fmt == "xlsx":
        body, mimetype = exports.xlsx(headers, rows), exports.XLSX_TYPE
    else:
        body, mimetype = exports.csv_lines(headers, rows), "text/csv; charset=utf-8"
    return Response(stream_with_context(body), mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# ---- settings ---------------------------------------------------------------------------------------------

@bp.get("/settings")
@role_required("staff")
def settings():
    township, _villages, townships = _where(_staff())
    return render("supervision/settings.html", township=township, townships=townships, settings=[
        ("hazards.deadlines", {}, _("Hazard deadlines"), _("How long a hazard may wait to be acknowledged and fixed (\"3030\" by default).")),
        ("hydrants.intervals", {}, _("How often inspections are due"), _("Hydrants every quarter and pools every month, unless the township sets another.")),
        ("supervision.weights", {}, _("Weights of the monthly evaluation"), _("Each indicator's weight in the month's score.")),
        ("issuing.page", {"kind": "pact"}, _("Model fire pact"), _("The clauses villages draft their pact from, in editions.")),
        ("issuing.page", {"kind": "checklist"}, _("Station checklist"), _("What every village's monthly station check asks, in editions; villages add their own items.")),
    ])


# ---- the kiosk: the committee submits ---------------------------------------------------------------------

@village_bp.get("/")
@role_required("record")
def index_village():
    village = village_or_404()
    period = reports.report_month()
    standing = reports.standings([village.code], "monthly", [period]).get((village.code, period))
    filing = reports.latest_filing([village.code]).get(village.code)
    return render("supervision/village.html", village=village, period=period, standing=standing,
                  figures=reports.compile_figures(village.code, period), filing=filing,
                  form=SubmitForm(kind="monthly"), filing_form=SubmitForm(kind="filing_sheet"),
                  history=reports.history(village.code, "monthly")[:12], due=reports.due_date(period),
                  **_report_labels())


@village_bp.post("/submit")
@role_required("manage")
def submit():
    village = village_or_404()
    form = SubmitForm()
    if not form.validate_on_submit():
        flash(_("The report could not be sent. Try again."), "error")
        return hx_redirect(url_for("reports.index_village"))
    period = reports.report_month() if form.kind.data == "monthly" else month_key(local_today())
    if form.kind.data == "monthly":
        figures = reports.compile_figures(village.code, period)
    else:
        from ..organisation import service as organisation  # the roster as filed
        figures = organisation.filing_record(village)
    try:
        service.submit(village, form.kind.data, period, figures, acting_person(), form.client_id.data, form.note.data)
    except service.SupervisionError as error:
        flash(str(error), "error")
        return hx_redirect(url_for("reports.index_village"))
    commit_once(ReportSubmission, form.client_id.data)
    flash(_("%(report)s sent to the township.", report=REPORT_KINDS[form.kind.data]), "success")
    return hx_redirect(url_for("reports.index_village"))


@village_bp.get("/<period>/print")
@role_required("record")
def print_village(period: str):
    """The month's report on one A4 page, in Chinese: as submitted, or as it stands now."""
    village = village_or_404()
    if not MONTH.match(period):
        abort(404)
    standing = reports.standings([village.code], "monthly", [period]).get((village.code, period))
    figures = standing.submission.figures if standing else reports.compile_figures(village.code, period)
    with force_locale("zh_Hans"):
        return render("supervision/report_print.html", village=village, submission=standing.submission
                      if standing else None, figures=figures, period=period, **_report_labels())


def tile_badge():
    village = current_village()
    if village is None:
        return None
    period = reports.report_month()
    standing = reports.standings([village.code], "monthly", [period]).get((village.code, period),
                                                                             reports.NOT_SUBMITTED)
    return (standing.label, standing.tone)
