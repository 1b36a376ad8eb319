"""The station's screens: its status, the inventory, the checklist, and a check tapped through step by
step (or on the grid of all items on the large screen), with its record and printable sheet."""
from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError

from ..auth import role_required
from ..confirm import ask_first, confirmed
from ..context import acting_person, current_village, record_or_404, village_or_404
from ..extensions import db
from ..organisation.service import roster
from ..records import commit_once
from ..web import hx_redirect, render, wants_fragment
from . import service
from .checklist import current_template, inventory, prompt_text, steps_for
from .forms import ChecklistItemForm, ItemForm, StartCheckForm, StationForm
from .models import CATALOGUE, CHECK_TYPES, DATE_FIELDS, GAUGE_ZONES, GROUPS, StationCheck, StationItem

bp = Blueprint("station", __name__, url_prefix="/station")


def _station_or_404():
    station = service.village_station(village_or_404().code)
    if station is None:
        abort(404)
    return station


def tile_badge():
    village = current_village()
    return service.badge(village.code) if village is not None else None


# ---- status ----------------------------------------------------------------------------------------

@bp.get("/")
@role_required("record")
def index():
    station = service.village_station(village_or_404().code)
    if station is None:
        return render("station/setup.html")
    return render("station/index.html", station=station, ready=service.readiness(station), form=StartCheckForm())


@bp.route("/edit", methods=["GET", "POST"])
@role_required("manage")
def edit():
    village = village_or_404()
    station = service.village_station(village.code)
    form = StationForm(record=station, people=[p for p in roster(village) if p.active])
    if request.method == "GET" and station is None:
        form.name.data = _("%(village)s micro fire station", village=village.name)
    if form.validate_on_submit():
        service.save_station(village.code, station, form.details())
        db.session.commit()
        flash(_("Station details saved."), "success")
        return hx_redirect(url_for("station.index"))
    return render("station/edit.html", form=form, station=station)


# ---- inventory -------------------------------------------------------------------------------------

@bp.get("/inventory")
@role_required("record")
def inventory_list():
    station = _station_or_404()
    lines = inventory(station.id)
    soon = {(line.id, name): expired for line, name, _value, expired in service.readiness(station).expiring}
    groups = [(key, label, [line for line in lines if line.group == key]) for key, label in GROUPS.items()]
    return render("station/inventory.html", station=station, groups=groups, soon=soon, date_fields=DATE_FIELDS)


@bp.route("/inventory/new", methods=["GET", "POST"])
@role_required("manage")
def item_new():
    station = _station_or_404()
    form = ItemForm(is_new=True)
    if request.method == "GET" and request.args.get("kind") in CATALOGUE:
        form.kind.data = request.args["kind"]
    if form.validate_on_submit():
        line = service.add_item(station, form.details())
        db.session.commit()
        flash(_("%(item)s added to the inventory.", item=line.title), "success")
        return hx_redirect(url_for("station.inventory_list"))
    return render("station/item_form.html", form=form, line=None)


@bp.route("/inventory/<item_id>/edit", methods=["GET", "POST"])
@role_required("manage")
def item_edit(item_id: str):
    line = record_or_404(StationItem, item_id)
    form = ItemForm(record=line, is_new=False)
    if form.validate_on_submit():
        service.change_item(line, form.details())
        db.session.commit()
        flash(_("Changes to %(item)s saved.", item=line.title), "success")
        return hx_redirect(url_for("station.item_history", item_id=line.id))
    return render("station/item_form.html", form=form, line=line)


@bp.post("/inventory/<item_id>/remove")
@role_required("manage")
def item_remove(item_id: str):
    line = record_or_404(StationItem, item_id)
    if not confirmed():
        rows, hazards = service.item_history(line)
        open_hazards = sum(1 for h in hazards if h.is_open)
        consequences = [ngettext("%(num)d piece no longer counts in the station's readiness.",
                                 "%(num)d pieces no longer count in the station's readiness.", line.quantity),
                        ngettext("Its %(num)d answer from station checks stays in the records.",
                                 "Its %(num)d answers from station checks stay in the records.", len(rows))]
        if open_hazards:
            consequences.append(ngettext("%(num)d open hazard about it stays in the hazard register.",
                                         "%(num)d open hazards about it stay in the hazard register.", open_hazards))
        return ask_first(_("Remove %(item)s from the inventory?", item=line.title), consequences=consequences,
                         yes=_("Remove from the inventory"), back=url_for("station.item_edit", item_id=line.id))
    service.remove_item(line)
    db.session.commit()
    flash(_("%(item)s removed from the inventory.", item=line.title), "success")
    return hx_redirect(url_for("station.inventory_list"))


@bp.get("/inventory/<item_id>")
@role_required("record")
def item_history(item_id: str):
    line = record_or_404(StationItem, item_id)
    rows, hazards = service.item_history(line)
    return render("station/item.html", line=line, rows=rows, hazards=hazards, describe=service.describe,
                  prompt_text=prompt_text, date_fields=DATE_FIELDS)


# ---- checklist -------------------------------------------------------------------------------------

def _checklist_page(form):
    village = village_or_404()
    return render("station/checklist.html", form=form, township=current_template(village.code[:9], "township"),
                  own=current_template(village.code, "village"), prompt_text=prompt_text, catalogue=CATALOGUE,
                  check_types=CHECK_TYPES)


@bp.get("/checklist")
@role_required("record")
def checklist():
    return _checklist_page(ChecklistItemForm())


@bp.post("/checklist")
@role_required("manage")
def checklist_add():
    village = village_or_404()
    form = ChecklistItemForm()
    if not form.validate_on_submit():
        return _checklist_page(form)
    service.add_checklist_item(village.code, **form.details())
    db.session.commit()
    flash(_("Item added. Checks started from now on ask it."), "success")
    return hx_redirect(url_for("station.checklist"))


@bp.post("/checklist/<item_id>/remove")
@role_required("manage")
def checklist_remove(item_id: str):
    village = village_or_404()
    item = service.own_checklist_item(village.code, item_id)
    if item is None:
        abort(404)
    if not confirmed():
        return ask_first(_("Remove “%(prompt)s” from the checklist?", prompt=prompt_text(item.code, item.prompt)),
                         consequences=[_("Checks started from now on no longer ask it; checks under way and "
                                         "the answers given so far keep it.")],
                         yes=_("Remove from the checklist"), back=url_for("station.checklist"))
    if not service.remove_checklist_item(village.code, item_id):
        abort(404)
    db.session.commit()
    flash(_("Item removed. Checks started from now on no longer ask it."), "success")
    return hx_redirect(url_for("station.checklist"))


# ---- checks ----------------------------------------------------------------------------------------

@bp.get("/checks")
@role_required("record")
def checks():
    station = _station_or_404()
    return render("station/checks.html", station=station, checks=service.recent_checks(station))


@bp.post("/checks/start")
@role_required("record")
def check_start():
    station = _station_or_404()
    form = StartCheckForm()
    if not form.validate_on_submit():
        abort(400)
    check = service.start_check(station, client_id=form.client_id.data, reason=form.reason.data,
                                actor=acting_person())
    check = commit_once(StationCheck, check.id)
    return hx_redirect(url_for("station.check_show", check_id=check.id))


def _to_record(check):
    return hx_redirect(url_for("station.check_show", check_id=check.id))


def _step_page(check, steps, answers, step, error=None, values=None):
    index = steps.index(step)
    return render("station/run.html", "station/_step.html", status=422 if error else None, check=check,
                  step=step, steps=steps, answer=answers.get(step.key), prev=steps[index - 1] if index else None,
                  progress=service.progress(steps, answers), error=error, values=values or {},
                  gauge_zones=GAUGE_ZONES)


def _summary_page(check, steps, answers, error=None):
    unanswered = [s for s in steps if s.key not in answers]
    faults = [(s, answers[s.key]) for s in steps if s.key in answers and answers[s.key].ok is False]
    return render("station/run.html", "station/_summary.html", status=422 if error else None, check=check,
                  steps=steps, unanswered=unanswered, faults=faults, progress=service.progress(steps, answers),
                  error=error, step=None, describe=service.describe)


def _grid_row(check, steps, answers, step, error=None):
    return render("station/grid.html", "station/_grid_row.html", status=422 if error else None, check=check,
                  step=step, answer=answers.get(step.key), error=error, steps=steps, answers=answers,
                  progress=service.progress(steps, answers), describe=service.describe, gauge_zones=GAUGE_ZONES,
                  oob=error is None)


@bp.get("/checks/<check_id>")
@role_required("record")
def check_show(check_id: str):
    check = record_or_404(StationCheck, check_id)
    if check.is_finished:
        return render("station/check.html", check=check, answers=check.answers, describe=service.describe,
                      prompt_text=prompt_text)
    steps = steps_for(check)
    answers = service.answers_by_key(check)
    step = service.next_step(steps, answers)
    if step is None:
        return _summary_page(check, steps, answers)
    return _step_page(check, steps, answers, step)


def _sealed(check):
    """A late tap (another screen, a replayed request) on a finished check changes nothing."""
    flash(_("This check is finished and can no longer be changed."), "error")
    return _to_record(check)


def _save_answer(check, step, values):
    """Save one answer and commit it at once. Should the same step be answered at the same moment
    by another request, whose row won the race is answered over."""
    actor = acting_person()
    service.save_answer(check, step, values, actor)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        service.save_answer(check, step, values, actor)
        db.session.commit()


@bp.route("/checks/<check_id>/step/<step_key>", methods=["GET", "POST"])
@role_required("record")
def check_step(check_id: str, step_key: str):
    check = record_or_404(StationCheck, check_id)
    if check.is_finished:
        return _sealed(check) if request.method == "POST" else _to_record(check)
    steps = steps_for(check)
    step = service.find_step(steps, step_key)
    if step is None:
        abort(404)
    answers = service.answers_by_key(check)
    if request.method == "GET":
        return _step_page(check, steps, answers, step)
    grid = request.form.get("mode") == "grid"
    try:
        values = service.parse_answer(step, request.form)
    except service.AnswerError as error:
        if grid:
            return _grid_row(check, steps, answers, step, error=str(error))
        return _step_page(check, steps, answers, step, error=str(error), values=request.form)
    _save_answer(check, step, values)
    answers = service.answers_by_key(check)
    if grid:
        if wants_fragment():
            return _grid_row(check, steps, answers, step)
        return hx_redirect(url_for("station.check_grid", check_id=check.id) + f"#row-{step.position}")
    following = service.next_step(steps, answers, after=step)
    if not wants_fragment():
        if following is None:
            return hx_redirect(url_for("station.check_finish", check_id=check.id))
        return hx_redirect(url_for("station.check_step", check_id=check.id, step_key=following.key))
    if following is None:
        return _summary_page(check, steps, answers)
    return _step_page(check, steps, answers, following)


@bp.get("/checks/<check_id>/all")
@role_required("record")
def check_grid(check_id: str):
    check = record_or_404(StationCheck, check_id)
    if check.is_finished:
        return _to_record(check)
    steps = steps_for(check)
    answers = service.answers_by_key(check)
    return render("station/grid.html", check=check, steps=steps, answers=answers,
                  progress=service.progress(steps, answers), describe=service.describe, gauge_zones=GAUGE_ZONES,
                  error=None)


@bp.route("/checks/<check_id>/finish", methods=["GET", "POST"])
@role_required("record")
def check_finish(check_id: str):
    check = record_or_404(StationCheck, check_id)
    if check.is_finished:
        return _to_record(check)  # a replayed "finish" lands on the record it already made
    steps = steps_for(check)
    answers = service.answers_by_key(check)
    if request.method == "GET":
        return _summary_page(check, steps, answers)
    unanswered = service.finish_check(check, incomplete_ok=request.form.get("as_incomplete") == "1",
                                      actor=acting_person())
    if unanswered:
        error = _("%(n)d items are not answered yet. Answer them, or finish the check as incomplete.",
                  n=len(unanswered))
        return _summary_page(check, steps, answers, error=error)
    db.session.commit()
    if check.status == "complete":
        flash(_("Check finished and saved."), "success")
    else:
        flash(_("Check saved as incomplete."), "warning")
    return _to_record(check)


@bp.get("/checks/<check_id>/print")
@role_required("record")
def check_print(check_id: str):
    check = record_or_404(StationCheck, check_id)
    if not check.is_finished:
        return _to_record(check)
    chief, _members = service.team(check.station)
    return render("station/print.html", check=check, station=check.station, chief=chief, answers=check.answers,
                  describe=service.describe, prompt_text=prompt_text, village=village_or_404())
