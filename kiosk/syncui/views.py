"""Screens: the kiosk's sync page ("sync now") and the conflicts a person settles (both roles)."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf, DataRequired

import sync
from sync import SyncConflict, count_open, differences, open_conflicts, settle
from ..extensions import db

from ..auth import role_required
from ..auth.security import current_person, current_staff
from ..web import is_township, render
from .status import CLOCK_TOLERANCE_S, error_text, status_text

bp = Blueprint("syncui", __name__, url_prefix="/sync")

# what a replicated table holds, in people's words (unknown tables show their name)
TABLE_LABELS = {
    "person": _l("Person"),
    "household": _l("Household"),
    "hazard": _l("Hazard"),
    "hydrant": _l("Hydrant"),
    "water_pool": _l("Water pool"),
    "hydrant_inspection": _l("Hydrant inspection"),
    "station_item": _l("Station equipment"),
    "pact": _l("Fire pact"),
    "warning": _l("Township warning"),
    "warning_receipt": _l("Warning receipt"),
}
# column names people see in the conflict screen (unknown columns show their name)
FIELD_LABELS = {
    "name": _l("Name"), "phone": _l("Phone"), "note": _l("Note"), "members": _l("Members"),
    "house_number": _l("House number"), "head_name": _l("Head of household"), "group_name": _l("Villagers' group"),
    "post": _l("Post"), "duties": _l("Duties"), "trained": _l("Trained"), "active": _l("Active member"),
    "location": _l("Location"), "description": _l("Description"), "status": _l("Status"),
    "category": _l("Category"), "severity": _l("Severity"), "deleted": _l("Deleted"), "title": _l("Title"),
    "body": _l("Text"), "result": _l("Result"), "code": _l("Code"), "kind": _l("Kind"),
    "due_at": _l("Deadline"), "closed_at": _l("Closed"), "closed_note": _l("How it was fixed"),
    "quantity": _l("Quantity"), "items": _l("Check items"), "pressure_mpa": _l("Pressure (MPa)"),
}
KIND_LABELS = {
    "edit": _l("Changed on both sides"),
    "fact": _l("A record that may not change arrived with other content"),
    "same_version": _l("Two devices wrote the same version (a copied database?)"),
}
TITLE_FIELDS = ("name", "title", "head_name", "house_number", "location", "code")


class SettleForm(FlaskForm):
    action = HiddenField(validators=[DataRequired(message=_l("Choose which version to keep.")),
                                     AnyOf(("keep", "apply"), message=_l("Choose which version to keep."))])


def _scope_prefix() -> str | None:
    """Kiosk: its village. Township: the staff member's township."""
    if is_township():
        staff = current_staff()
        return staff.township_code if staff else "-"
    from ..context import current_village
    village = current_village()
    return village.code if village else "-"


def record_title(conflict: SyncConflict) -> str:
    for source in (conflict.winner or {}, conflict.loser or {}):
        for key in TITLE_FIELDS:
            if source.get(key):
                return str(source[key])
    return conflict.record_id[:8]


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def table_label(name: str) -> str:
    return str(TABLE_LABELS.get(name, name))


def _offset_times(st):
    """The kiosk's clock now and the township's, as measured at the last sync."""
    now = sync.device_now()
    if st is None or st.clock_offset_s is None:
        return now, None, False
    township = now - dt.timedelta(seconds=st.clock_offset_s)
    return now, township, abs(st.clock_offset_s) > CLOCK_TOLERANCE_S


def corrected(value, st):
    """A device-clock time shifted by the last measured offset: what the township's clock said."""
    if value is None or st is None or st.clock_offset_s is None:
        return None
    return value - dt.timedelta(seconds=st.clock_offset_s)


@bp.get("/")
def index():
    if is_township():
        return redirect(url_for("syncui.conflicts"))
    s = sync.summary()
    text, tone, _detail = status_text()
    st = s["state"]
    device_now, township_now, clock_off = _offset_times(st)
    return render("syncui/index.html", "syncui/_panel.html", s=s, st=st, text=text, tone=tone,
                  error=error_text(st.last_error) if st else "", device_now=device_now,
                  township_now=township_now, clock_off=clock_off, corrected=corrected,
                  requested=False)


@bp.post("/now")
def now():
    """Ask the worker to sync at once (it polls a trigger file); the web process never syncs itself."""
    if is_township():
        abort(404)
    running = sync.request_sync_now()
    s = sync.summary()
    text, tone, _detail = status_text()
    st = s["state"]
    device_now, township_now, clock_off = _offset_times(st)
    message = (_("Sync requested. It starts within a few seconds.") if running else
               _("Sync requested, but the sync service is not running on this kiosk. Ask the technician."))
    return render("syncui/index.html", "syncui/_panel.html", s=s, st=st, text=text, tone=tone,
                  error=error_text(st.last_error) if st else "", device_now=device_now,
                  township_now=township_now, clock_off=clock_off, corrected=corrected,
                  requested=True, requested_message=message, running=running)


@bp.get("/conflicts")
@role_required("record")
def conflicts():
    prefix = _scope_prefix()
    items = db.session.scalars(open_conflicts(prefix).limit(200)).all()
    settled = db.session.scalars(SyncConflict.live().where(
        SyncConflict.status != "open", SyncConflict.village_id.startswith(prefix))
        .order_by(SyncConflict.settled_at.desc()).limit(20)).all()
    return render("syncui/conflicts.html", items=items, settled=settled, title=record_title, label=table_label,
                  kinds=KIND_LABELS)


def _conflict_or_404(conflict_id: str) -> SyncConflict:
    conflict = db.session.get(SyncConflict, conflict_id)
    if conflict is None or conflict.deleted or not conflict.village_id.startswith(_scope_prefix()):
        abort(404)
    return conflict


@bp.get("/conflicts/<conflict_id>")
@role_required("record")
def conflict(conflict_id: str):
    c = _conflict_or_404(conflict_id)
    return render("syncui/conflict.html", c=c, diffs=differences(c), title=record_title, label=table_label,
                  kinds=KIND_LABELS, form=SettleForm(), field=field_label)


@bp.post("/conflicts/<conflict_id>")
@role_required("manage")
def settle_conflict(conflict_id: str):
    c = _conflict_or_404(conflict_id)
    form = SettleForm()
    if not form.validate_on_submit():
        return render("syncui/conflict.html", status=422, c=c, diffs=differences(c), title=record_title,
                      label=table_label, kinds=KIND_LABELS, form=form, field=field_label)
    if c.status == "open":
        who = current_person() or current_staff()
        settle(c, form.action.data, who.name if who else "")
        db.session.commit()
        flash(_("Conflict settled: the other version's values were applied.") if form.action.data == "apply"
              else _("Conflict settled: the current version stays."), "success")
    return redirect(url_for("syncui.conflicts"), 303)


def sync_badge():
    s = sync.summary()
    if s["conflicts"]:
        return (ngettext("%(num)d conflict", "%(num)d conflicts", s["conflicts"]), "warn")
    text, tone, _detail = status_text()
    if s["pending"]:
        return (ngettext("%(num)d waiting", "%(num)d waiting", s["pending"]), "warn" if tone != "ok" else "info")
    return ({"ok": _("In step"), "warn": _("Offline"), "bad": _("Error")}.get(tone, _("Not enrolled")), tone)


def conflicts_badge():
    prefix = _scope_prefix()
    n = count_open(prefix)
    return (ngettext("%(num)d to settle", "%(num)d to settle", n), "warn") if n else (_("None"), "ok")
