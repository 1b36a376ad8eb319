"""Screens: the kiosk's sync page ("sync now", enrolment on the keypad) and what a person settles on
either side: conflicts of concurrent edits and rows the township held."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, url_for
from flask_babel import gettext as _

import sync
from sync import SyncConflict, SyncHeld

from ..auth import role_required
from ..auth.security import current_person, current_staff
from ..extensions import db
from ..web import hx_redirect, is_township, public, render
from . import service
from .forms import EnrolForm, HeldForm, SettleForm

bp = Blueprint("syncui", __name__, url_prefix="/sync")


def _panel(requested: bool = False, message: str = "", running: bool = False, form=None, enrol_error: str = ""):
    s = sync.summary()
    text, tone, _detail = service.status_text()
    st = s["state"]
    device_now, township_now, clock_off = service.offset_times(st)
    return render("syncui/index.html", "syncui/_panel.html", s=s, st=st, text=text, tone=tone,
                  error=service.error_text(st.last_error) if st else "", device_now=device_now,
                  township_now=township_now, clock_off=clock_off,
                  requested=requested, requested_message=message, running=running,
                  form=form or EnrolForm(), enrol_error=enrol_error,
                  server=current_app.config.get("TOWNSHIP_URL") or "")


@bp.get("/")
@public
def index():
    if is_township():
        return hx_redirect(url_for("syncui.conflicts"), 302)
    return _panel()


@bp.post("/now")
@public
def now():
    """Ask the worker to sync at once (it polls a trigger file); the web process never syncs itself."""
    if is_township():
        abort(404)
    running = sync.request_sync_now()
    message = (_("Sync requested. It starts within a few seconds.") if running else
               _("Sync requested, but the sync service is not running on this kiosk. Ask the technician."))
    return _panel(requested=True, message=message, running=running)


@bp.post("/enrol")
@role_required("manage")
def enrol():
    """A committee member types the township's one-time code on the keypad: no shell needed."""
    server = current_app.config.get("TOWNSHIP_URL")
    if is_township() or not server:
        abort(404)
    form = EnrolForm()
    if not form.validate_on_submit():
        return _panel(form=form)
    try:
        service.enrol(server, form.code.data)
    except sync.SyncError as e:
        db.session.rollback()
        return _panel(form=form, enrol_error=service.enrol_error_text(e))
    flash(_("This kiosk is now enrolled with the township. It syncs within a few minutes."), "success")
    sync.request_sync_now()
    return hx_redirect(url_for("syncui.index"))


@bp.get("/conflicts")
@role_required("record")
def conflicts():
    prefix = service.scope_prefix()
    items, held = service.open_items(prefix)
    return render("syncui/conflicts.html", items=items, held=held, settled=service.recently_settled(prefix),
                  title=service.record_title, label=service.table_label, kinds=service.KIND_LABELS,
                  reasons=service.REASON_LABELS, outcomes=service.SETTLED_LABELS)


def _conflict_or_404(conflict_id: str) -> SyncConflict:
    return service.in_scope(SyncConflict, conflict_id, service.scope_prefix()) or abort(404)


def _conflict_page(c: SyncConflict, form: SettleForm):
    return render("syncui/conflict.html", c=c, diffs=sync.differences(c), title=service.record_title,
                  label=service.table_label, kinds=service.KIND_LABELS, form=form, field=service.field_label)


@bp.get("/conflicts/<conflict_id>")
@role_required("record")
def conflict(conflict_id: str):
    c = _conflict_or_404(conflict_id)
    return _conflict_page(c, SettleForm(record=c))


@bp.post("/conflicts/<conflict_id>")
@role_required("manage")
def settle_conflict(conflict_id: str):
    c = _conflict_or_404(conflict_id)
    form = SettleForm(record=c)
    if not form.validate_on_submit():
        return _conflict_page(c, form)
    if c.status == "open":
        who = current_person() or current_staff()
        service.settle_conflict(c, form.action.data, who.name if who else "")
        db.session.commit()
        flash(_("Conflict settled: the other version's values were applied.") if form.action.data == "apply"
              else _("Conflict settled: the current version stays."), "success")
    return hx_redirect(url_for("syncui.conflicts"))


def _held_or_404(held_id: str) -> SyncHeld:
    return service.in_scope(SyncHeld, held_id, service.scope_prefix()) or abort(404)


def _held_page(h: SyncHeld, form: HeldForm, problem: str = ""):
    return render("syncui/held.html", h=h, rows=service.held_fields(h), actions=sync.actions_for(h), form=form,
                  title=service.record_title, label=service.table_label, field=service.field_label,
                  reasons=service.REASON_LABELS, action_labels=service.ACTION_LABELS,
                  outcomes=service.SETTLED_LABELS, problem=problem)


@bp.get("/held/<held_id>")
@role_required("record")
def held(held_id: str):
    h = _held_or_404(held_id)
    return _held_page(h, HeldForm(record=h))


@bp.post("/held/<held_id>")
@role_required("manage")
def settle_held(held_id: str):
    h = _held_or_404(held_id)
    form = HeldForm(record=h)
    if not form.validate_on_submit():
        return _held_page(h, form)
    who = current_person() or current_staff()
    problem = service.settle_held(h, form.action.data, who.name if who else "")
    if problem:
        db.session.rollback()
        return _held_page(_held_or_404(held_id), HeldForm(record=h), problem=str(
            service.REASON_LABELS.get(problem.split(":")[0], problem)))
    db.session.commit()
    flash(_("Settled: %(what)s.", what=service.SETTLED_LABELS[h.resolution]), "success")
    return hx_redirect(url_for("syncui.conflicts"))
