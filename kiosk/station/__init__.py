"""The micro fire station (微型消防站): the station and its team, the equipment inventory, the
township's checklist with the village's own items, and the checks volunteers log on the screen.

A check is saved answer by answer (see ``service``): the doorbell, a power cut or a restart lose
nothing, and the check resumes at the first step not yet answered.
"""
from __future__ import annotations

import click
from flask.cli import AppGroup
from flask import Blueprint, Flask, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..records import uuid7
from ..extensions import db

from .. import registry
from ..auth import current_person, current_staff, role_required
from ..registry import Tile
from ..context import current_village, village_or_404
from ..village import Township
from ..web import render, wants_fragment
from . import service
from .checklist import current_template, inventory, prompt_text, seed_township_template, steps_for
from .forms import ChecklistItemForm, ItemForm, StationForm
from .models import (CATALOGUE, CHECK_TYPES, DATE_FIELDS, GAUGE_ZONES, GROUPS, REASONS, ChecklistItem, Station,
                     StationCheck, StationCheckAnswer, StationItem)

bp = Blueprint("station", __name__, url_prefix="/station")


# ---- lookups ---------------------------------------------------------------------------------------

_village_or_404 = village_or_404


def _station_or_none():
    return service.village_station(_village_or_404().code)


def _station_or_setup():
    station = _station_or_none()
    if station is None:
        abort(404)
    return station


def _line_or_404(item_id: str) -> StationItem:
    station = _station_or_setup()
    line = db.session.get(StationItem, item_id)
    if line is None or line.deleted or line.station_id != station.id:
        abort(404)
    return line


def _check_or_404(check_id: str) -> StationCheck:
    station = _station_or_setup()
    check = db.session.get(StationCheck, check_id)
    if check is None or check.deleted or check.station_id != station.id:
        abort(404)
    return check


def _grouped(lines):
    return [(key, label, [line for line in lines if line.group == key]) for key, label in GROUPS.items()]


# ---- status ----------------------------------------------------------------------------------------

@bp.get("/")
@role_required("record")
def index():
    station = _station_or_none()
    if station is None:
        return render("station/setup.html")
    ready = service.readiness(station)
    checks = db.session.scalars(StationCheck.live().where(StationCheck.station_id == station.id,
                                                          StationCheck.status != "in_progress")
                                .order_by(StationCheck.finished_at.desc()).limit(3)).all()
    return render("station/index.html", station=station, ready=ready, recent=checks, new_check_id=uuid7(),
                  reasons=REASONS, today=service.today())


@bp.route("/edit", methods=["GET", "POST"])
@role_required("manage")
def edit():
    village = _village_or_404()
    station = _station_or_none()
    from ..organisation.service import roster
    people = [p for p in roster(village) if p.active]
    form = StationForm(obj=station, people=people)
    if request.method == "GET" and station is None:
        form.name.data = _("%(village)s micro fire station", village=village.name)
    if form.validate_on_submit():
        if station is None:
            station = Station(village_id=village.code)
            db.session.add(station)
        station.name = form.name.data.strip()
        station.location = (form.location.data or "").strip()
        station.chief_id = form.chief_id.data or None
        station.duty_phone = form.duty_phone.data or None
        station.check_interval_days = form.check_interval_days.data
        db.session.commit()
        flash(_("Station details saved."), "success")
        return redirect(url_for("station.index"), 303)
    return render("station/edit.html", status=422 if form.errors else 200, form=form, station=station)


# ---- inventory -------------------------------------------------------------------------------------

@bp.get("/inventory")
@role_required("record")
def inventory_list():
    station = _station_or_setup()
    lines = inventory(station.id)
    ready = service.readiness(station)
    soon = {(line.id, name): expired for line, name, _value, expired in ready.expiring}
    return render("station/inventory.html", station=station, groups=_grouped(lines), soon=soon,
                  date_fields=DATE_FIELDS)


def _item_form_page(form, line, status=200):
    return render("station/item_form.html", status=status, form=form, line=line)


def _save_line(form: ItemForm, line: StationItem) -> None:
    line.kind = form.kind.data
    line.spec = (form.spec.data or "").strip()
    line.quantity = form.quantity.data
    line.label = (form.label.data or "").strip()
    line.place = (form.place.data or "").strip()
    line.last_serviced_on = form.last_serviced_on.data
    line.expires_on = form.expires_on.data
    line.test_due_on = form.test_due_on.data
    line.note = (form.note.data or "").strip()


@bp.route("/inventory/new", methods=["GET", "POST"])
@role_required("manage")
def item_new():
    station = _station_or_setup()
    form = ItemForm(is_new=True, today=service.today())
    if request.method == "GET" and request.args.get("kind") in CATALOGUE:
        form.kind.data = request.args["kind"]
    if form.validate_on_submit():
        line = StationItem(village_id=station.village_id, station_id=station.id)
        _save_line(form, line)
        db.session.add(line)
        db.session.commit()
        flash(_("%(item)s added to the inventory.", item=line.title), "success")
        return redirect(url_for("station.inventory_list"), 303)
    return _item_form_page(form, None, 422 if form.errors else 200)


@bp.route("/inventory/<item_id>/edit", methods=["GET", "POST"])
@role_required("manage")
def item_edit(item_id: str):
    line = _line_or_404(item_id)
    form = ItemForm(obj=line, is_new=False, today=service.today())
    if form.validate_on_submit():
        _save_line(form, line)
        db.session.commit()
        flash(_("Changes to %(item)s saved.", item=line.title), "success")
        return redirect(url_for("station.item_history", item_id=line.id), 303)
    return _item_form_page(form, line, 422 if form.errors else 200)


@bp.post("/inventory/<item_id>/remove")
@role_required("manage")
def item_remove(item_id: str):
    line = _line_or_404(item_id)
    line.deleted = True
    db.session.commit()
    flash(_("%(item)s removed from the inventory.", item=line.title), "success")
    return redirect(url_for("station.inventory_list"), 303)


@bp.get("/inventory/<item_id>")
@role_required("record")
def item_history(item_id: str):
    line = _line_or_404(item_id)
    rows = db.session.execute(
        db.select(StationCheckAnswer, StationCheck)
        .join(StationCheck, StationCheck.id == StationCheckAnswer.check_id)
        .where(StationCheckAnswer.station_item_id == line.id, StationCheckAnswer.deleted.is_(False),
               StationCheck.status != "in_progress")
        .order_by(StationCheck.finished_at.desc(), StationCheckAnswer.position).limit(300)).all()
    from ..hazards.models import Hazard
    hazards = db.session.scalars(Hazard.live().where(Hazard.subject_kind == "station_item",
                                                     Hazard.subject_id == line.id)
                                 .order_by(Hazard.recorded_at.desc())).all()
    return render("station/item.html", line=line, rows=rows, hazards=hazards, describe=service.describe,
                  prompt_text=prompt_text, date_fields=DATE_FIELDS, today=service.today())


# ---- checklist -------------------------------------------------------------------------------------

@bp.route("/checklist", methods=["GET", "POST"])
@role_required("record")
def checklist():
    village = _village_or_404()
    form = ChecklistItemForm()
    status = 200
    if request.method == "POST":
        from ..auth import may
        if not may("manage"):
            abort(403)
        if form.validate_on_submit():
            item = ChecklistItem(code=None, prompt=form.prompt.data.strip(), check_type=form.check_type.data,
                                 kind=form.kind.data or None,
                                 threshold=float(form.threshold.data) if form.check_type.data == "pressure"
                                 else None,
                                 date_field=form.date_field.data if form.check_type.data == "date" else None)
            from .checklist import new_village_edition
            new_village_edition(village.code, add=item)
            db.session.commit()
            flash(_("Item added. Checks started from now on ask it."), "success")
            return redirect(url_for("station.checklist"), 303)
        status = 422
    township = current_template(village.code[:9], "township")
    own = current_template(village.code, "village")
    return render("station/checklist.html", status=status, form=form, township=township, own=own,
                  prompt_text=prompt_text, catalogue=CATALOGUE, check_types=CHECK_TYPES)


@bp.post("/checklist/<item_id>/remove")
@role_required("manage")
def checklist_remove(item_id: str):
    village = _village_or_404()
    own = current_template(village.code, "village")
    if own is None or item_id not in {i.id for i in own.items}:
        abort(404)
    from .checklist import new_village_edition
    new_village_edition(village.code, drop_id=item_id)
    db.session.commit()
    flash(_("Item removed. Checks started from now on no longer ask it."), "success")
    return redirect(url_for("station.checklist"), 303)


# ---- checks ----------------------------------------------------------------------------------------

@bp.get("/checks")
@role_required("record")
def checks():
    station = _station_or_setup()
    rows = db.session.scalars(StationCheck.live().where(StationCheck.station_id == station.id)
                              .order_by(StationCheck.recorded_at.desc()).limit(200)).all()
    return render("station/checks.html", station=station, checks=rows)


@bp.post("/checks/start")
@role_required("record")
def check_start():
    station = _station_or_setup()
    reason = request.form.get("reason", "monthly")
    if reason not in REASONS:
        reason = "monthly"
    check_id = request.form.get("check_id") or None
    if check_id and len(check_id) != 36:
        abort(400)
    check = service.start_check(station, check_id=check_id, reason=reason, person=current_person(),
                                staff=current_staff())
    return redirect(url_for("station.check_show", check_id=check.id), 303)


def _progress(check, steps, answers):
    answered = sum(1 for s in steps if s.key in answers)
    return {"answered": answered, "total": len(steps),
            "faults": sum(1 for s in steps if s.key in answers and answers[s.key].ok is False)}


def _render_step(check, steps, answers, step, status=200, error=None, values=None):
    index = steps.index(step)
    return render("station/run.html", "station/_step.html", status=status, check=check, step=step,
                  steps=steps, answer=answers.get(step.key), prev=steps[index - 1] if index else None,
                  progress=_progress(check, steps, answers), error=error, values=values or {},
                  today=service.today(), gauge_zones=GAUGE_ZONES)


def _render_summary(check, steps, answers, status=200, error=None):
    unanswered = [s for s in steps if s.key not in answers]
    faults = [(s, answers[s.key]) for s in steps if s.key in answers and answers[s.key].ok is False]
    return render("station/run.html", "station/_summary.html", status=status, check=check, steps=steps,
                  unanswered=unanswered, faults=faults, progress=_progress(check, steps, answers), error=error,
                  step=None, describe=service.describe)


def _next_step(steps, answers, after=None):
    start = steps.index(after) + 1 if after is not None else 0
    for step in steps[start:] + steps[:start]:
        if step.key not in answers:
            return step
    return None


@bp.get("/checks/<check_id>")
@role_required("record")
def check_show(check_id: str):
    check = _check_or_404(check_id)
    if check.is_finished:
        return render("station/check.html", check=check, answers=check.answers, describe=service.describe,
                      prompt_text=prompt_text)
    steps = steps_for(check)
    answers = service.answers_by_key(check)
    step = _next_step(steps, answers)
    if step is None:
        return _render_summary(check, steps, answers)
    return _render_step(check, steps, answers, step)


def _find_step(steps, key):
    for step in steps:
        if step.key == key:
            return step
    abort(404)


def _sealed(check):
    """A late tap (another screen, a replayed request) on a finished check changes nothing."""
    flash(_("This check is finished and can no longer be changed."), "error")
    target = url_for("station.check_show", check_id=check.id)
    if request.headers.get("HX-Request") == "true":
        return "", 204, {"HX-Redirect": target}
    return redirect(target, 303)


@bp.route("/checks/<check_id>/step/<step_key>", methods=["GET", "POST"])
@role_required("record")
def check_step(check_id: str, step_key: str):
    check = _check_or_404(check_id)
    if check.is_finished:
        if request.method == "POST":
            return _sealed(check)
        return redirect(url_for("station.check_show", check_id=check.id), 303)
    steps = steps_for(check)
    step = _find_step(steps, step_key)
    answers = service.answers_by_key(check)
    if request.method == "GET":
        return _render_step(check, steps, answers, step)
    mode = request.form.get("mode", "step")
    try:
        values = service.parse_answer(step, request.form)
    except service.AnswerError as error:
        if mode == "grid":
            return render("station/grid.html", "station/_grid_row.html", status=422, check=check, step=step,
                          answer=answers.get(step.key), error=str(error), steps=steps, answers=answers,
                          progress=_progress(check, steps, answers), describe=service.describe,
                          gauge_zones=GAUGE_ZONES)
        return _render_step(check, steps, answers, step, status=422, error=str(error), values=request.form)
    service.save_answer(check, step, values, current_person())
    answers = service.answers_by_key(check)
    if mode == "grid":
        if wants_fragment():
            return render("station/grid.html", "station/_grid_row.html", check=check, step=step,
                          answer=answers.get(step.key), error=None, steps=steps, answers=answers,
                          progress=_progress(check, steps, answers), describe=service.describe,
                          gauge_zones=GAUGE_ZONES, oob=True)
        return redirect(url_for("station.check_grid", check_id=check.id) + f"#row-{step.position}", 303)
    following = _next_step(steps, answers, after=step)
    if not wants_fragment():
        if following is None:
            return redirect(url_for("station.check_finish", check_id=check.id), 303)
        return redirect(url_for("station.check_step", check_id=check.id, step_key=following.key), 303)
    if following is None:
        return _render_summary(check, steps, answers)
    return _render_step(check, steps, answers, following)


@bp.get("/checks/<check_id>/all")
@role_required("record")
def check_grid(check_id: str):
    check = _check_or_404(check_id)
    if check.is_finished:
        return redirect(url_for("station.check_show", check_id=check.id), 303)
    steps = steps_for(check)
    answers = service.answers_by_key(check)
    return render("station/grid.html", check=check, steps=steps, answers=answers,
                  progress=_progress(check, steps, answers), describe=service.describe, gauge_zones=GAUGE_ZONES,
                  error=None)


@bp.route("/checks/<check_id>/finish", methods=["GET", "POST"])
@role_required("record")
def check_finish(check_id: str):
    check = _check_or_404(check_id)
    if check.is_finished:
        # a replayed "finish" lands on the record it already made
        return redirect(url_for("station.check_show", check_id=check.id), 303)
    steps = steps_for(check)
    answers = service.answers_by_key(check)
    if request.method == "GET":
        return _render_summary(check, steps, answers)
    incomplete_ok = request.form.get("as_incomplete") == "1"
    unanswered = service.finish_check(check, incomplete_ok=incomplete_ok, person=current_person(),
                                      staff=current_staff())
    if unanswered:
        error = _("%(n)d items are not answered yet. Answer them, or finish the check as incomplete.",
                  n=len(unanswered))
        return _render_summary(check, steps, answers, status=422, error=error)
    if check.status == "complete":
        flash(_("Check finished and saved."), "success")
    else:
        flash(_("Check saved as incomplete."), "warning")
    return redirect(url_for("station.check_show", check_id=check.id), 303)


@bp.get("/checks/<check_id>/print")
@role_required("record")
def check_print(check_id: str):
    check = _check_or_404(check_id)
    if not check.is_finished:
        return redirect(url_for("station.check_show", check_id=check.id), 303)
    station = db.session.get(Station, check.station_id)
    chief, _members = service.team(station)
    return render("station/print.html", check=check, station=station, chief=chief, answers=check.answers,
                  describe=service.describe, prompt_text=prompt_text, village=_village_or_404())


# ---- home tile -------------------------------------------------------------------------------------

def _badge():
    village = current_village()
    if village is None:
        return None
    station = service.village_station(village.code)
    if station is None:
        return (_("Not set up"), "info")
    return service.readiness(station).badge()


# ---- CLI and demo ----------------------------------------------------------------------------------

station_cli = AppGroup("station", help="The micro fire station.")


@station_cli.command("seed-checklist")
@click.option("--township", "township_code", default=None, help="9-digit code; default: every township")
def seed_checklist(township_code):
    """Issue the township default checklist (a new edition only when the defaults changed)."""
    codes = [township_code] if township_code else db.session.scalars(db.select(Township.code)).all()
    issued = 0
    for code in codes:
        if seed_township_template(code) is not None:
            issued += 1
    db.session.commit()
    click.echo(f"{issued} checklist editions issued")


def _demo(village):
    from .demo import load_station_demo
    load_station_demo(village)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(station_cli)
    registry.add_tile(app, Tile("station", _l("Micro fire station"), "station.index", "truck", 20, badge=_badge))
    registry.add_demo(app, "station", _demo, order=40)
