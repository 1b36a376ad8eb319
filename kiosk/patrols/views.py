"""Night-patrol screens: the village's coverage, routes and checkpoint plates, recording a patrol
and its findings, the monthly log; the township's key periods and coverage across its villages; the
page a checkpoint's plate leads to (``/n/<code>``, both roles). Also the home tile's badge, the
notice-board slide and where a scanned plate leads."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, current_app, flash, redirect, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from werkzeug.exceptions import Forbidden

from ..auth import current_staff, may, role_required
from ..context import (acting_person, asked_month, current_village, from_local, local_day, local_today,
                       record_or_404, to_local, village_or_404)
from ..extensions import db
from ..hazards.models import Hazard
from ..hydrants.labels import label_png
from ..photos import store_photo_of
from ..qr import symbol_svg
from ..records import commit_once
from ..village.models import Village
from ..village.service import villages_of
from ..warnings.evidence import Evidence
from ..web import hx_redirect, public, render
from . import service
from .forms import FINDING_PHRASES, PERIOD_NAMES, CheckpointForm, FindingForm, KeyPeriodForm, RouteForm, RunForm
from .models import CHECKPOINT_KINDS, KeyPeriod, PatrolCheckpoint, PatrolRoute, PatrolRun

bp = Blueprint("patrols", __name__, url_prefix="/patrols")
public_bp = Blueprint("patrol_public", __name__)


def _staff_township() -> str:
    staff = current_staff()
    if staff is None:
        raise Forbidden()
    return staff.township_code


# ---- the village ----------------------------------------------------------------------------------

@bp.get("/")
@role_required("record")
def index():
    village = village_or_404()
    routes = service.routes(village.code)
    counts = {r.id: len(service.checkpoints(r)) for r in routes}
    return render("patrols/index.html", coverage=service.coverage(village.code), routes=routes, counts=counts,
                  runs=service.recent_runs(village.code, 20), periods=service.key_periods(village.township_code, 6),
                  today=local_today())


@bp.route("/routes/new", methods=["GET", "POST"])
@role_required("manage")
def new_route():
    village = village_or_404()
    form = RouteForm()
    if request.method == "POST" and (sent := db.session.get(PatrolRoute, form.client_id.data)) is not None:
        return hx_redirect(url_for("patrols.route", route_id=sent.id))
    if form.validate_on_submit():
        service.add_route(village.code, form.client_id.data, form.name.data, form.note.data or "")
        route = commit_once(PatrolRoute, form.client_id.data)
        flash(_("Route saved. Now add its checkpoints."), "success")
        return hx_redirect(url_for("patrols.route", route_id=route.id))
    return render("patrols/route_new.html", form=form)


@bp.get("/routes/<route_id>")
@role_required("record")
def route(route_id: str):
    route = record_or_404(PatrolRoute, route_id)
    points = service.checkpoints(route)
    return render("patrols/route.html", route=route, points=points, last=service.last_visits(points),
                  form=CheckpointForm(formdata=None), kinds=CHECKPOINT_KINDS)


@bp.post("/routes/<route_id>/checkpoints")
@role_required("manage")
def add_checkpoint(route_id: str):
    route = record_or_404(PatrolRoute, route_id)
    form = CheckpointForm()
    if db.session.get(PatrolCheckpoint, form.client_id.data) is not None:
        return hx_redirect(url_for("patrols.route", route_id=route.id))
    if form.validate_on_submit():
        service.add_checkpoint(route, form.client_id.data, form.name.data, form.kind.data)
        point = commit_once(PatrolCheckpoint, form.client_id.data)
        flash(_("Checkpoint %(name)s added with the plate code %(code)s.", name=point.name, code=point.code),
              "success")
        return hx_redirect(url_for("patrols.route", route_id=route.id))
    points = service.checkpoints(route)
    return render("patrols/route.html", route=route, points=points, last=service.last_visits(points), form=form,
                  kinds=CHECKPOINT_KINDS)


@bp.post("/checkpoints/<checkpoint_id>/remove")
@role_required("manage")
def remove_checkpoint(checkpoint_id: str):
    point = record_or_404(PatrolCheckpoint, checkpoint_id)
    service.remove_checkpoint(point)
    db.session.commit()
    flash(_("Checkpoint %(name)s removed.", name=point.name), "success")
    return hx_redirect(url_for("patrols.route", route_id=point.route_id))


@bp.post("/routes/<route_id>/remove")
@role_required("manage")
def remove_route(route_id: str):
    route = record_or_404(PatrolRoute, route_id)
    service.remove_route(route)
    db.session.commit()
    flash(_("Route %(name)s removed. Its patrols stay in the log.", name=route.name), "success")
    return hx_redirect(url_for("patrols.index"))


@bp.get("/routes/<route_id>/plates")
@role_required("record")
def plates(route_id: str):
    """An A4 sheet of weatherproof plates, printed from the browser (CJK text needs no PDF fonts)."""
    route = record_or_404(PatrolRoute, route_id)
    sheet = [(p, symbol_svg(service.plate_url(p.code))) for p in service.checkpoints(route)]
    return render("patrols/plates.html", route=route, sheet=sheet, village=village_or_404(),
                  configured=bool((current_app.config.get("PUBLIC_URL") or "").strip()),
                  example=service.plate_url("XXXXXX"))


@bp.get("/checkpoints/<checkpoint_id>/plate.png")
@role_required("record")
def plate_png(checkpoint_id: str):
    point = record_or_404(PatrolCheckpoint, checkpoint_id)
    return Response(label_png(point.code, service.plate_url(point.code)), mimetype="image/png",
                    headers={"Content-Disposition": f'inline; filename="{point.code}.png"'})


@bp.get("/checkpoints/<checkpoint_id>")
@role_required("record")
def checkpoint(checkpoint_id: str):
    point = record_or_404(PatrolCheckpoint, checkpoint_id)
    route = db.session.get(PatrolRoute, point.route_id)
    return render("patrols/checkpoint.html", point=point, route=route,
                  last=service.last_visits([point]).get(point.id))


@bp.route("/routes/<route_id>/runs/new", methods=["GET", "POST"])
@role_required("record")
def new_run(route_id: str):
    village = village_or_404()
    route = record_or_404(PatrolRoute, route_id)
    points = service.checkpoints(route)
    people = service.roster(village.code)
    yesterday = local_today() - dt.timedelta(days=1)
    form = RunForm(people=people, points=points, times=request.form, data=None if request.method == "POST" else {
        "night": yesterday, "patrollers": [acting_person().person_id] if acting_person().person_id else []})
    if request.method == "POST" and (sent := db.session.get(PatrolRun, form.client_id.data)) is not None:
        return hx_redirect(url_for("patrols.run", run_id=sent.id))
    if form.validate_on_submit():
        values = form.values()
        by_id = {p.id: p for p in people}
        try:
            service.record_run(village.code, form.client_id.data, route=route,
                               started_at=from_local(values["start"]), ended_at=from_local(values["end"]),
                               patrollers=[by_id[i] for i in values["patroller_ids"]],
                               reached={cid: from_local(at) for cid, at in values["reached"].items()},
                               note=values["note"], actor=acting_person())
        except service.PatrolError as error:
            form.form_errors.append(str(error))
        else:
            run = commit_once(PatrolRun, form.client_id.data)
            flash(_("Patrol recorded: %(n)d of %(total)d checkpoints reached.", n=len(values["reached"]),
                    total=len(points)), "success")
            return hx_redirect(url_for("patrols.run", run_id=run.id))
    return render("patrols/run_new.html", form=form, route=route, people=people,
                  nights={"last": yesterday, "before": yesterday - dt.timedelta(days=1), "tonight": local_today()})


@bp.get("/runs/<run_id>")
@role_required("record")
def run(run_id: str):
    run = record_or_404(PatrolRun, run_id)
    route = db.session.get(PatrolRoute, run.route_id)
    total = len(service.checkpoints(route)) if route is not None and not route.deleted else None
    return render("patrols/run.html", run=run, visits=service.visits(run), findings=service.findings(run),
                  total=total, to_local=to_local)


@bp.route("/runs/<run_id>/finding", methods=["GET", "POST"])
@role_required("record")
def finding(run_id: str):
    run = record_or_404(PatrolRun, run_id)
    route = db.session.get(PatrolRoute, run.route_id)
    points = service.checkpoints(route) if route is not None else []
    form = FindingForm(points=points)
    if request.method == "POST" and db.session.get(Hazard, form.client_id.data or "") is not None:
        return hx_redirect(url_for("patrols.run", run_id=run.id))  # sent twice: recorded once
    if form.validate_on_submit():
        photo = store_photo_of(form.photo, form.client_id.data)
        if not form.errors:
            point = next((p for p in points if p.id == form.checkpoint.data), None)
            hazard = service.report_finding(run, category=form.category.data, point=point,
                                            description=form.description.data, severity=form.severity.data,
                                            fixed_on_spot=form.fixed_on_spot.data, photo_sha256=photo,
                                            record_id=form.client_id.data)
            hazard = commit_once(Hazard, hazard.id)
            flash(_("The finding is in the hazard register.") if not hazard.fixed_on_spot
                  else _("Recorded as fixed on the spot."), "success")
            return hx_redirect(url_for("patrols.run", run_id=run.id))
    return render("patrols/finding.html", form=form, run=run, phrases=FINDING_PHRASES)


@bp.get("/log")
@role_required("record")
def log():
    """The month's patrols on one A4 page, printed from the browser."""
    village = village_or_404()
    asked = asked_month()
    year, month = asked.year, asked.month
    first, following = service.month_bounds(year, month)
    previous = (first - dt.timedelta(days=1)).strftime("%Y-%m")
    return render("patrols/log.html", village=village, lines=service.monthly_log(village.code, year, month),
                  first=first, previous=previous, following=following.strftime("%Y-%m"),
                  to_local=to_local, coverage=service.coverage(village.code))


# ---- the township -----------------------------------------------------------------------------------

@bp.route("/periods", methods=["GET", "POST"])
@role_required("staff")
def periods():
    """Key periods the station declares for every village of the township, and how each village
    covers the one that matters now."""
    township = _staff_township()
    form = KeyPeriodForm()
    if request.method == "POST":
        if db.session.get(KeyPeriod, form.client_id.data) is not None:
            return hx_redirect(url_for("patrols.periods"))
        if form.validate_on_submit():
            service.declare_period(township, form.client_id.data, form.values(), current_staff().name)
            commit_once(KeyPeriod, form.client_id.data)
            flash(_("Key period declared. The villages' kiosks receive it at their next sync."), "success")
            return hx_redirect(url_for("patrols.periods"))
    villages = villages_of(township)
    return render("patrols/periods.html", form=form, periods=service.key_periods(township),
                  villages=villages, summary=service.village_summaries([v.code for v in villages]),
                  names=PERIOD_NAMES, today=local_today())


@bp.post("/periods/<period_id>/withdraw")
@role_required("staff")
def withdraw_period(period_id: str):
    township = _staff_township()
    period = db.session.get(KeyPeriod, period_id)
    if period is None or period.deleted or period.village_id != township:
        abort(404)
    service.withdraw_period(period)
    db.session.commit()
    flash(_("Key period %(name)s withdrawn.", name=period.name), "success")
    return hx_redirect(url_for("patrols.periods"))


# ---- the plate's own page ---------------------------------------------------------------------------

@public_bp.get("/N/<code>")  # what the upper-case plate URL asks for
@public_bp.get("/n/<code>")  # registered first: url_for builds this one
@public
def plate(code: str):
    """Where a checkpoint's plate leads a phone: the checkpoint for the village's own people, a
    short explanation for anyone else."""
    point = service.find_checkpoint(service.parse_code(code))
    if point is None:
        return render("patrols/plate_unknown.html", status=404, code=code[:20])
    village = current_village()
    if may("record") and village is not None and village.code == point.village_id:
        return redirect(url_for("patrols.checkpoint", checkpoint_id=point.id), 303)
    return render("patrols/plate_public.html", point=point, village=db.session.get(Village, point.village_id))


# ---- what the shell shows of patrols ----------------------------------------------------------------

def open_scanned_plate(text: str) -> str | None:
    """Where a scanned checkpoint plate (``HTTPS://HOST/N/CODE``) leads; None for anything else."""
    code = service.parse_code(text) if "/" in text else None
    if code is None:
        return None
    return url_for("patrol_public.plate", code=code)


def tile_badge():
    village = current_village()
    if village is None:
        return None
    return service.coverage(village.code).badge()


def board_slides():
    """In a key period, the board tells residents the village patrols at night and how it goes."""
    village = current_village()
    if village is None or current_app.config["KIOSK_ROLE"] != "village":
        return []
    cover = service.coverage(village.code)
    if not cover.in_force:
        return []
    return [("patrols/_slide.html", {"coverage": cover})]


def warning_evidence(village_code: str, since: dt.datetime) -> list[Evidence]:
    """The patrols a village can name when it answers a warning: those since it was issued."""
    return [Evidence("patrol_run", r.id, _("Patrol, night of %(day)s: %(route)s, %(who)s",
                                          day=format_date(r.night_of or local_day(r.started_at), "medium"),
                                          route=r.route_name, who="、".join(r.patroller_names)))
            for r in service.runs_since(village_code, since)]
