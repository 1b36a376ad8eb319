"""The loop's screens. On the kiosk: the register with its tabs, one hazard with its timeline and the
steps its state allows (each a touch step at 800×480), the rectification notice and the monthly
register to print. On the township: the same, plus the list across villages, listed supervision and
the deadline profile. For residents: the receipt page behind a report and a notice's QR."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, request, send_file, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from sync import blobs

from ..auth import current_person, current_staff, may, role_required
from ..context import current_village, local_today, record_or_404, village_or_404
from ..extensions import db
from ..forms import EmptyForm
from ..photos import store_photo_of
from ..qr import symbol_svg
from ..records import commit_once
from ..supervision.scope import settings_scope
from ..village.models import DUTIES, Person, Village
from ..web import hx_redirect, is_township, public, render
from . import queries, service
from .forms import (DeadlineForm, EscalateForm, FixForm, ListForm, NewHazardForm, NoticeForm, ProgressForm,
                    ReferForm, SendBackForm, VerifyForm)
from .models import (CATEGORIES, DEPARTMENTS, PARTIES, REMEDIES, SEVERITIES, STATUSES, Hazard, HazardAction,
                     HazardDeadline)
from .service import LoopError, Who

bp = Blueprint("hazards", __name__, url_prefix="/hazards")
public_bp = Blueprint("hazard_public", __name__)

NOTE_PHRASES = {
    "fixed": [_l("Owner present"), _l("Checked with the owner"), _l("Before and after photos taken")],
    "verified": [_l("Owner present"), _l("Checked with the owner")],
    "sent_back": [_l("Recheck in 3 days"), _l("Owner informed")],
    "progress": [_l("Recheck in 3 days"), _l("Will call again"), _l("Owner informed")],
    "escalated": [_l("Owner informed"), _l("Needs a rectification notice")],
}


def _who() -> Who:
    return service.acting()


def _hazard_or_404(hazard_id: str) -> Hazard:
    """The kiosk's own village's hazard; township staff reach every village of their township."""
    staff = current_staff()
    if is_township() and staff is not None:
        hazard = db.session.get(Hazard, hazard_id) if hazard_id and len(hazard_id) <= 36 else None
        village = db.session.get(Village, hazard.village_id) if hazard is not None else None
        if hazard is None or hazard.deleted or village is None or village.township_code != staff.township_code:
            abort(404)
        return hazard
    return record_or_404(Hazard, hazard_id)


def _page() -> int:
    try:
        return max(int(request.args.get("page", "1")), 1)
    except ValueError:
        return 1


def _state_context() -> dict:
    return {"statuses": STATUSES, "now": service.now(), "due_soon": service.DUE_SOON, "parties": PARTIES,
            "duties": DUTIES, "departments": DEPARTMENTS, "roles": DUTIES | PARTIES}


# ---- the register --------------------------------------------------------------------------------

@bp.get("/")
@role_required("record")
def index():
    village = village_or_404()
    tab = request.args.get("tab", "open")
    if tab not in queries.TABS:
        tab = "open"
    person = current_person()
    person_id = person.id if person else None
    page = _page()
    counts = queries.tab_counts(village.code, person_id)
    hazards = queries.register(village.code, tab, page, person_id)
    return render("hazards/index.html", "hazards/_list.html", hazards=hazards, tab=tab, tabs=queries.TABS,
                  counts=counts, page_no=page, pages=max((counts[tab] - 1) // queries.PAGE_SIZE + 1, 1),
                  profile=service.profile_label(village.township_code), **_state_context())


@bp.route("/new", methods=["GET", "POST"])
@role_required("record")
def new():
    village = village_or_404()
    form = NewHazardForm()
    if form.validate_on_submit():
        service.open_hazard(village_id=village.code, category=form.category.data,
                            source="township" if is_township() else "committee",
                            location=form.location.data, description=form.description.data or "",
                            severity=form.severity.data)
        db.session.commit()
        flash(_("Hazard recorded."), "success")
        return hx_redirect(url_for("hazards.index"))
    return render("hazards/new.html", form=form)


@bp.get("/<hazard_id>")
@role_required("record")
def show(hazard_id: str):
    hazard = _hazard_or_404(hazard_id)
    return _show(hazard)


def _show(hazard: Hazard, error: str | None = None, status: int | None = None):
    facts = service.facts_of(hazard)
    d = service.derive(hazard, facts)
    steps = service.next_steps(hazard, d, who=_who(), staff=may("staff") and current_staff() is not None,
                               manage=may("manage"))
    return render("hazards/show.html", status=status, hazard=hazard, d=d, facts=facts, steps=steps,
                  step_labels=service.STEP_LABELS, error=error, form=EmptyForm(),
                  village=db.session.get(Village, hazard.village_id), **_state_context())


def _done(hazard: Hazard, message: str):
    flash(message, "success")
    return hx_redirect(url_for("hazards.show", hazard_id=hazard.id))


def _refused(hazard: Hazard, error: LoopError):
    db.session.rollback()
    return _show(hazard, error=str(error), status=409)


@bp.post("/<hazard_id>/acknowledge")
@role_required("manage")
def acknowledge(hazard_id: str):
    hazard = _hazard_or_404(hazard_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        service.acknowledge(hazard, _who())
    except LoopError as error:
        return _refused(hazard, error)
    db.session.commit()
    return _done(hazard, _("Acknowledged."))


@bp.post("/<hazard_id>/on-the-spot")
@role_required("record")
def on_the_spot(hazard_id: str):
    hazard = _hazard_or_404(hazard_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        service.close_on_spot(hazard, _who())
    except LoopError as error:
        return _refused(hazard, error)
    db.session.commit()
    return _done(hazard, _("Fixed on the spot and closed."))


@bp.route("/<hazard_id>/assign", methods=["GET", "POST"])
@role_required("manage")
def assign(hazard_id: str):
    """One tap on a person of the roster (or on the household or owner) assigns it."""
    hazard = _hazard_or_404(hazard_id)
    form = EmptyForm()
    people = db.session.scalars(Person.live().where(Person.village_id == hazard.village_id,
                                                    Person.active.is_(True)).order_by(Person.name)).all()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        to = request.form.get("to", "")
        person = next((p for p in people if f"person:{p.id}" == to), None)
        try:
            if person is not None:
                service.assign(hazard, _who(), person=person)
            elif to.startswith("party:"):
                service.assign(hazard, _who(), party=to.split(":", 1)[1])
            else:
                raise LoopError(_("Choose who will fix it."))
        except LoopError as error:
            return _refused(hazard, error)
        db.session.commit()
        return _done(hazard, _("Assigned to %(who)s.", who=person.name if person else PARTIES[to.split(":", 1)[1]]))
    return render("hazards/assign.html", hazard=hazard, people=people, parties=PARTIES, form=form,
                  roles=_roles(people))


def _roles(people) -> dict:
    return {p.id: DUTIES.get(service.role_of(p), "") for p in people}


STEPS = {
    # url part: (form, service function, message, whether it needs manage)
    "fix": (FixForm, service.fix, _l("Marked as fixed. Someone else will check it."), False),
    "verify": (VerifyForm, service.verify, _l("Checked and verified: the hazard is closed."), False),
    "send-back": (SendBackForm, service.send_back, _l("Sent back to be fixed."), False),
    "progress": (ProgressForm, service.progress, _l("Progress recorded."), False),
    "escalate": (EscalateForm, service.escalate, _l("Escalated to the township."), True),
}


@bp.route("/<hazard_id>/step/<step>", methods=["GET", "POST"])
@role_required("record")
def step(hazard_id: str, step: str):
    hazard = _hazard_or_404(hazard_id)
    if step not in STEPS:
        abort(404)
    form_class, act, message, needs_manage = STEPS[step]
    if needs_manage and not may("manage"):
        abort(403)
    form = form_class()
    if form.validate_on_submit():
        if db.session.get(HazardAction, form.client_id.data) is not None:
            return _done(hazard, str(message))  # sent twice: recorded once
        photo = store_photo_of(form.photo, form.client_id.data)
        if not form.errors:
            try:
                act(hazard, _who(), phrase=form.phrase.data, note=form.note.data, photo_sha256=photo,
                    action_id=form.client_id.data)
            except LoopError as error:
                form.phrase.errors = [str(error)]
            else:
                commit_once(HazardAction, form.client_id.data)
                return _done(hazard, str(message))
    db.session.rollback()
    d = service.standing(hazard)
    return render("hazards/step.html", hazard=hazard, form=form, step=step, kind=form.KIND, d=d,
                  title=service.STEP_LABELS[step.replace("-", "_")],
                  note_phrases=[str(p) for p in NOTE_PHRASES.get(form.KIND, [])],
                  refused=_refusal(hazard, d, step))


def _refusal(hazard: Hazard, d, step: str) -> str | None:
    """Why this step cannot be taken now (the page says so before anyone fills it in)."""
    who = _who()
    if not d.is_open:
        return _("This hazard is closed already.")
    if step == "verify" and d.status != "fixed":
        return _("Only a hazard marked as fixed can be checked.")
    if step == "verify" and who.key is not None and who.key in d.fixers:
        return _("You marked this hazard as fixed: someone else must check it.")
    if step == "send-back" and d.status != "fixed":
        return _("Only a hazard marked as fixed can be sent back.")
    return None


@bp.route("/<hazard_id>/notice", methods=["GET", "POST"])
@role_required("manage")
def notice(hazard_id: str):
    hazard = _hazard_or_404(hazard_id)
    form = NoticeForm()
    if form.validate_on_submit():
        try:
            service.issue_notice(hazard, _who(), days=int(form.days.data), today=local_today())
        except LoopError as error:
            form.days.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("Rectification notice issued. Print it and hand it over."), "success")
            return hx_redirect(url_for("hazards.notice_sheet", hazard_id=hazard.id))
    return render("hazards/notice.html", hazard=hazard, form=form, d=service.standing(hazard))


@bp.get("/<hazard_id>/notice/print")
@role_required("record")
def notice_sheet(hazard_id: str):
    """The rectification notice (整改通知书) on one A4 page, always in Chinese, with a QR to the
    hazard's public status."""
    hazard = _hazard_or_404(hazard_id)
    d = service.standing(hazard)
    if not d.notice_no:
        return redirect(url_for("hazards.notice", hazard_id=hazard.id))
    issued = next(a for a in reversed(service.facts_of(hazard)) if a.kind == "notice_issued")
    url = queries.receipt_url(hazard)
    with force_locale("zh_Hans"):
        return render("hazards/notice_sheet.html", hazard=hazard, d=d, issued=issued, qr=symbol_svg(url, "hz-qr"),
                      url=url, remedy=REMEDIES.get(hazard.category, REMEDIES["other"]),
                      village=db.session.get(Village, hazard.village_id))


@bp.route("/<hazard_id>/refer", methods=["GET", "POST"])
@role_required("manage")
def refer(hazard_id: str):
    hazard = _hazard_or_404(hazard_id)
    form = ReferForm()
    if form.validate_on_submit():
        try:
            service.refer(hazard, _who(), department=form.department.data, note=form.note.data)
        except LoopError as error:
            form.department.errors = [str(error)]
        else:
            db.session.commit()
            return _done(hazard, _("Referred to %(department)s.", department=DEPARTMENTS[form.department.data]))
    return render("hazards/refer.html", hazard=hazard, form=form)


@bp.route("/<hazard_id>/list", methods=["GET", "POST"])
@role_required("staff")
def list_for_supervision(hazard_id: str):
    hazard = _hazard_or_404(hazard_id)
    form = ListForm()
    if form.validate_on_submit():
        try:
            service.list_hazard(hazard, _who(), responsible=form.responsible.data, days=int(form.days.data),
                                note=form.note.data)
        except LoopError as error:
            form.responsible.errors = [str(error)]
        else:
            db.session.commit()
            return _done(hazard, _("Put under listed supervision."))
    people = db.session.scalars(Person.live().where(Person.village_id == hazard.village_id,
                                                    Person.active.is_(True)).order_by(Person.name)).all()
    return render("hazards/list.html", hazard=hazard, form=form,
                  suggestions=[p.name for p in people if p.can_manage])


@bp.post("/<hazard_id>/delist")
@role_required("staff")
def delist(hazard_id: str):
    hazard = _hazard_or_404(hazard_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        service.delist(hazard, _who())
    except LoopError as error:
        return _refused(hazard, error)
    db.session.commit()
    return _done(hazard, _("Listed supervision lifted."))


# ---- print-outs and settings ---------------------------------------------------------------------

def _month(text: str | None) -> str:
    try:
        return dt.datetime.strptime(text or "", "%Y-%m").strftime("%Y-%m")
    except ValueError:
        return local_today().strftime("%Y-%m")


def _shift(month: str, by: int) -> str:
    year, number = map(int, month.split("-"))
    number += by
    year += (number - 1) // 12
    return f"{year:04d}-{(number - 1) % 12 + 1:02d}"


@bp.get("/ledger")
@role_required("record")
def ledger():
    """The monthly register (台账) to print and sign."""
    village = village_or_404()
    month = _month(request.args.get("month"))
    hazards = queries.ledger(village.code, month)
    figures = queries.monthly_figures([village.code], [month])[village.code][month]
    return render("hazards/ledger.html", village=village, month=month, hazards=hazards, figures=figures,
                  previous=_shift(month, -1), following=_shift(month, 1), **_state_context())


@bp.route("/deadlines", methods=["GET", "POST"])
@role_required("record")
def deadlines():
    """The township's deadline profile: everyone sees it, township staff change it."""
    village = current_village()
    staff = current_staff()
    where = {}
    if staff is not None:  # a county account chooses the township (supervision.scope)
        where = settings_scope(staff, request.args.get("township"))
        township = where["settings_township"].code
    else:
        township = village.township_code if village else None
    if township is None:
        abort(404)
    form = DeadlineForm()
    can_edit = staff is not None and is_township()
    if request.method == "POST":
        if not can_edit:
            abort(403)
        if form.validate_on_submit():
            service.set_deadline(township, form.category.data or None, form.severity.data or None,
                                 int(form.ack_minutes.data), int(form.fix_days.data))
            db.session.commit()
            flash(_("Deadline saved. New hazards follow it; deadlines already given stay."), "success")
            return hx_redirect(url_for("hazards.deadlines", township=where.get("chosen")))
    lines = service.profile_lines(township)
    shown = dict(service.DEFAULT_LINES)
    shown.update({key: service.Deadlines(r.ack_minutes, r.fix_days) for key, r in lines.items()})
    rows = sorted(shown.items(), key=lambda kv: (kv[0][0] is not None, kv[0][0] or "", kv[0][1] or ""))
    return render("hazards/deadlines.html", form=form, rows=rows, lines=lines, can_edit=can_edit,
                  label=service.profile_label(township), categories=CATEGORIES, severities=SEVERITIES,
                  defaults=service.DEFAULT_LINES, remove_form=EmptyForm(), **where)


@bp.post("/deadlines/<line_id>/remove")
@role_required("staff")
def remove_deadline(line_id: str):
    staff = current_staff()
    row = db.session.get(HazardDeadline, line_id) if len(line_id) <= 36 else None
    if row is None or row.deleted or staff is None or not staff.oversees(row.village_id):
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    service.remove_deadline(row)
    db.session.commit()
    flash(_("Deadline removed: the default applies again."), "success")
    return hx_redirect(url_for("hazards.deadlines", township=row.village_id if staff.is_county else None))


# ---- the township's list across villages -----------------------------------------------------------

@bp.get("/township")
@role_required("staff")
def township():
    staff = current_staff()
    if staff is None:
        abort(403)
    tab = request.args.get("tab", "open")
    if tab not in queries.TOWNSHIP_TABS:
        tab = "open"
    villages = queries.by_village(staff.township_code)
    village_code = request.args.get("village") or None
    if village_code not in {v.code for v, _c in villages}:
        village_code = None
    page = _page()
    counts = queries.township_counts(staff.township_code, village_code)
    hazards = queries.township_register(staff.township_code, tab, village_code, page)
    names = {v.code: v.name for v, _c in villages}
    return render("hazards/township.html", "hazards/_township_list.html", hazards=hazards, tab=tab,
                  tabs=queries.TOWNSHIP_TABS, counts=counts, villages=villages, names=names,
                  village_code=village_code, page_no=page,
                  pages=max((counts[tab] - 1) // queries.PAGE_SIZE + 1, 1), **_state_context())


# ---- residents: the receipt ------------------------------------------------------------------------

@public_bp.get("/R/<code>")  # what the upper-case QR and receipt link ask for
@public_bp.get("/r/<code>")  # registered first: url_for builds this one
@public
def receipt(code: str):
    """Where a report stands, for whoever holds its code: received, being fixed by a named role,
    fixed on a date with the after-photo. Nothing personal: no names, no phone numbers."""
    hazard = queries.by_code(code)
    if hazard is None:
        return render("hazards/receipt_unknown.html", status=404, code=code[:12])
    d = service.standing(hazard)
    village = db.session.get(Village, hazard.village_id)
    public_place = hazard.subject_kind in ("hydrant", "water_pool", "station_item")
    return render("hazards/receipt.html", hazard=hazard, d=d, village=village, public_place=public_place,
                  **_state_context())


@public_bp.get("/r/<code>/photo")
@public
def receipt_photo(code: str):
    """The after-photo of a fixed hazard, and nothing else of the blob store."""
    hazard = queries.by_code(code)
    d = service.standing(hazard) if hazard is not None else None
    if d is None or not d.fixed_photo_sha256 or not blobs.has(d.fixed_photo_sha256):
        abort(404)
    return send_file(blobs.path(d.fixed_photo_sha256), mimetype="image/jpeg", max_age=3600)


# ---- what the shell shows of hazards -----------------------------------------------------------------

def tile_badge():
    village = current_village()
    if village is None:
        return None
    counts = queries.board(village.code)
    if counts["overdue"]:
        return (ngettext("%(num)d overdue", "%(num)d overdue", counts["overdue"]), "bad")
    if counts["due_soon"]:  # the reminder before a deadline
        return (ngettext("%(num)d due soon", "%(num)d due soon", counts["due_soon"]), "warn")
    if counts["open"]:
        return (_("%(n)d open", n=counts["open"]), "warn")
    return (_("No open hazards"), "ok")


def board_slides():
    """Hazards past their deadline on the idle notice board (escalation is seen in the hall too)."""
    village = current_village()
    if village is None:
        return []
    counts = queries.board(village.code)
    if not counts["overdue"] and not counts["listed"]:
        return []
    return [("hazards/_slide.html", {"counts": counts, "hazards": queries.overdue_hazards(village.code),
                                     "now": service.now(), "urgent": False})]

