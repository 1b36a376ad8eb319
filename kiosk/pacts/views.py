"""Pact versions: draft from the township's template, edit clauses, adopt, publish, compare, print."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import DateField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from ..records import uuid7
from ..extensions import db
from ..records import commit_once, utcnow

from ..auth import role_required
from ..auth.security import may
from ..qr import symbol_svg
from ..village.models import Village
from ..web import render, wants_fragment
from . import service
from .common import bp, not_a_draft_error, public_bp, today, village_or_404
from .models import Pact, PactClause, PactTemplate

MAX_CLAUSES = 40


class DraftForm(FlaskForm):
    draft_id = HiddenField()
    template_id = HiddenField()
    source_id = HiddenField()


class TitleForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("Enter a title.")),
                                                 Length(max=40, message=_l("At most %(max)d characters."))])


class ClauseForm(FlaskForm):
    clause_id = HiddenField()
    text = TextAreaField(_l("Clause"), validators=[
        DataRequired(message=_l("Write the clause.")),
        Length(max=300, message=_l("At most %(max)d characters."))])


class MoveForm(FlaskForm):
    to = IntegerField(validators=[InputRequired(message=_l("Say where the clause goes.")),
                                  NumberRange(min=0, max=MAX_CLAUSES, message=_l("Say where the clause goes."))])


class AdoptForm(FlaskForm):
    meeting_date = DateField(_l("Date of the villagers' meeting"),
                             validators=[InputRequired(message=_l("Enter the date of the meeting."))])
    attendance = IntegerField(_l("People attending"), validators=[
        InputRequired(message=_l("Enter how many people attended.")),
        NumberRange(min=1, max=20000, message=_l("Enter a number between %(min)d and %(max)d."))])
    presided_by = StringField(_l("Presided by"), validators=[
        DataRequired(message=_l("Enter who presided over the meeting.")),
        Length(max=20, message=_l("At most %(max)d characters."))])

    def validate_meeting_date(self, field):
        if field.data and field.data > today():
            raise ValidationError(_("The meeting cannot be in the future."))
        if field.data and field.data.year < 2000:
            raise ValidationError(_("Check the year of the meeting."))


class ActionForm(FlaskForm):
    """A button that posts: CSRF only."""


def _pact_or_404(pact_id: str) -> Pact:
    pact = service.pact_of(village_or_404(), pact_id)
    if pact is None:
        abort(404)
    if pact.is_draft and not may("record"):
        abort(404)  # drafts are the committee's working papers
    return pact


def _draft_or_409(pact: Pact):
    if not pact.is_draft:
        flash(not_a_draft_error(), "error")
        return redirect(url_for("pacts.show", pact_id=pact.id), 303)
    return None


# ---- overview -----------------------------------------------------------------------------------

@bp.get("/")
def index():
    village = village_or_404()
    current = service.current_pact(village)
    all_versions = service.versions(village) if may("record") else []
    drafts = [p for p in all_versions if p.is_draft]
    total, _groups = service.progress(village, current)
    return render("pacts/index.html", village=village, current=current,
                  clauses=service.clauses_of(current) if current else [], versions=all_versions,
                  drafts=drafts, templates=service.templates_for(village) if may("manage") else [],
                  total=total, form=DraftForm(draft_id=uuid7()))


@bp.post("/drafts")
@role_required("manage")
def new_draft():
    village = village_or_404()
    form = DraftForm()
    if not form.validate_on_submit() or not service.is_uuid(form.draft_id.data):
        abort(400)
    existing = db.session.get(Pact, form.draft_id.data)
    if existing is not None:  # the same button pressed twice, or a replayed request
        if existing.village_id != village.code:
            abort(400)
        return redirect(url_for("pacts.show", pact_id=existing.id), 303)
    draft = next((p for p in service.versions(village) if p.is_draft), None)
    if draft is not None:  # one draft at a time: two would compete for the same meeting
        flash(_("A draft is already being prepared. Continue it or discard it first."), "message")
        return redirect(url_for("pacts.show", pact_id=draft.id), 303)
    template, source = None, None
    if form.source_id.data:
        source = service.pact_of(village, form.source_id.data)
        if source is None or source.is_draft:
            abort(404)
    else:
        template = db.session.get(PactTemplate, form.template_id.data or "")
        if template is None or template.deleted or template.village_id != village.township_code:
            abort(404)
    service.new_draft(village, form.draft_id.data, template=template, source=source)
    pact = commit_once(Pact, form.draft_id.data)  # a double tap: the other copy may have committed first
    flash(_("Draft %(n)d made. Edit the clauses, then record the villagers' meeting that adopts it.",
            n=pact.number), "success")
    return redirect(url_for("pacts.show", pact_id=pact.id), 303)


# ---- one version --------------------------------------------------------------------------------

def _show(pact: Pact, status: int = 200, adopt_form=None, title_form=None, add_form=None, edit_form=None,
          editing=None, clause_error=None):
    clauses = service.clauses_of(pact)
    context = dict(pact=pact, clauses=clauses, editing=editing, clause_error=clause_error,
                   add_form=add_form or ClauseForm(formdata=None, clause_id=uuid7()), edit_form=edit_form,
                   adopt_form=adopt_form or AdoptForm(formdata=None, meeting_date=today()),
                   title_form=title_form or TitleForm(formdata=None, obj=pact),
                   action=ActionForm(), draft_form=DraftForm(draft_id=uuid7(), source_id=pact.id),
                   previous=_previous(pact), max_clauses=MAX_CLAUSES)
    return render("pacts/show.html", "pacts/_clauses.html", status=status, **context)


def _previous(pact: Pact) -> Pact | None:
    if pact.based_on_id:
        before = service.pact_of(village_or_404(), pact.based_on_id)
        if before is not None:
            return before
    return db.session.scalar(Pact.live().where(Pact.village_id == pact.village_id, Pact.number < pact.number,
                                               Pact.status != "draft").order_by(Pact.number.desc()).limit(1))


@bp.get("/v/<pact_id>")
def show(pact_id: str):
    pact = _pact_or_404(pact_id)
    editing = request.args.get("edit") if pact.is_draft and may("manage") else None
    if not editing:
        return _show(pact)
    clause = _clause_or_404(pact, editing)
    return _show(pact, editing=clause.id, edit_form=ClauseForm(formdata=None, obj=clause))


def _after_clause_change(pact: Pact):
    if wants_fragment():
        return _show(pact)
    return redirect(url_for("pacts.show", pact_id=pact.id) + "#clauses", 303)


@bp.post("/v/<pact_id>/title")
@role_required("manage")
def retitle(pact_id: str):
    pact = _pact_or_404(pact_id)
    refused = _draft_or_409(pact)
    if refused:
        return refused
    form = TitleForm()
    if not form.validate_on_submit():
        return _show(pact, status=422, title_form=form)
    pact.title = form.title.data.strip()
    db.session.commit()
    flash(_("Title saved."), "success")
    return redirect(url_for("pacts.show", pact_id=pact.id), 303)


@bp.post("/v/<pact_id>/clauses")
@role_required("manage")
def add_clause(pact_id: str):
    pact = _pact_or_404(pact_id)
    refused = _draft_or_409(pact)
    if refused:
        return refused
    form = ClauseForm()
    if not form.validate_on_submit() or not service.is_uuid(form.clause_id.data):
        form.clause_id.data = form.clause_id.data if service.is_uuid(form.clause_id.data) else uuid7()
        return _show(pact, status=422, add_form=form)
    if db.session.get(PactClause, form.clause_id.data) is None:  # a replay adds nothing
        clauses = service.clauses_of(pact)
        if len(clauses) >= MAX_CLAUSES:
            return _show(pact, status=422, clause_error=_("A pact has at most %(n)d clauses.", n=MAX_CLAUSES))
        db.session.add(PactClause(id=form.clause_id.data, village_id=pact.village_id, pact_id=pact.id,
                                  lineage=form.clause_id.data, position=len(clauses), topic="village",
                                  text=form.text.data.strip()))
        commit_once(PactClause, form.clause_id.data)  # a double tap: the other copy may have committed first
    return _after_clause_change(pact)


def _clause_or_404(pact: Pact, clause_id: str) -> PactClause:
    clause = db.session.get(PactClause, clause_id) if service.is_uuid(clause_id) else None
    if clause is None or clause.pact_id != pact.id or clause.deleted:
        abort(404)
    return clause


@bp.post("/v/<pact_id>/clauses/<clause_id>")
@role_required("manage")
def edit_clause(pact_id: str, clause_id: str):
    pact = _pact_or_404(pact_id)
    refused = _draft_or_409(pact)
    if refused:
        return refused
    clause = _clause_or_404(pact, clause_id)
    form = ClauseForm()
    if not form.validate_on_submit():
        return _show(pact, status=422, edit_form=form, editing=clause.id)
    clause.text = form.text.data.strip()
    db.session.commit()
    return _after_clause_change(pact)


@bp.post("/v/<pact_id>/clauses/<clause_id>/move")
@role_required("manage")
def move_clause(pact_id: str, clause_id: str):
    """Moves to a position, not 'one up': a replayed request leaves the order as it is."""
    pact = _pact_or_404(pact_id)
    refused = _draft_or_409(pact)
    if refused:
        return refused
    clause = _clause_or_404(pact, clause_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    clauses = [c for c in service.clauses_of(pact) if c.id != clause.id]
    clauses.insert(min(form.to.data, len(clauses)), clause)
    service.renumber(clauses)
    db.session.commit()
    return _after_clause_change(pact)


@bp.post("/v/<pact_id>/clauses/<clause_id>/drop")
@role_required("manage")
def drop_clause(pact_id: str, clause_id: str):
    pact = _pact_or_404(pact_id)
    refused = _draft_or_409(pact)
    if refused:
        return refused
    clause = db.session.get(PactClause, clause_id) if service.is_uuid(clause_id) else None
    if clause is None or clause.pact_id != pact.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    if not clause.deleted:
        clause.deleted = True
        db.session.flush()
        service.renumber(service.clauses_of(pact))
        db.session.commit()
    return _after_clause_change(pact)


@bp.post("/v/<pact_id>/adopt")
@role_required("manage")
def adopt(pact_id: str):
    pact = _pact_or_404(pact_id)
    if pact.status in ("adopted", "published"):
        return redirect(url_for("pacts.show", pact_id=pact.id), 303)  # pressed twice
    refused = _draft_or_409(pact)
    if refused:
        return refused
    form = AdoptForm()
    valid = form.validate_on_submit()
    clauses = service.clauses_of(pact)
    if not clauses:
        return _show(pact, status=422, adopt_form=form,
                     clause_error=_("A pact with no clauses cannot be adopted. Add at least one clause."))
    if not valid:
        return _show(pact, status=422, adopt_form=form)
    pact.meeting_date = form.meeting_date.data
    pact.attendance = form.attendance.data
    pact.presided_by = form.presided_by.data.strip()
    pact.status = "adopted"
    pact.adopted_at = utcnow()
    db.session.commit()
    flash(_("Adoption recorded. Publish the pact to post it on the notice board and open the pledges."),
          "success")
    return redirect(url_for("pacts.show", pact_id=pact.id), 303)


@bp.post("/v/<pact_id>/publish")
@role_required("manage")
def publish(pact_id: str):
    pact = _pact_or_404(pact_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if pact.status == "published":
        return redirect(url_for("pacts.show", pact_id=pact.id), 303)
    if pact.status != "adopted":
        flash(_("Only an adopted pact can be published. Record the villagers' meeting first."), "error")
        return redirect(url_for("pacts.show", pact_id=pact.id), 303)
    service.publish(pact)
    db.session.commit()
    flash(_("Published. The notice board shows it, and households can pledge."), "success")
    return redirect(url_for("pacts.show", pact_id=pact.id), 303)


@bp.post("/v/<pact_id>/discard")
@role_required("manage")
def discard(pact_id: str):
    pact = _pact_or_404(pact_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    refused = _draft_or_409(pact)
    if refused:
        return refused
    pact.deleted = True
    db.session.commit()
    flash(_("Draft discarded."), "success")
    return redirect(url_for("pacts.index"), 303)


@bp.get("/v/<pact_id>/changes")
def changes(pact_id: str):
    pact = _pact_or_404(pact_id)
    village = village_or_404()
    others = [p for p in service.versions(village) if p.id != pact.id and (may("record") or not p.is_draft)]
    against = service.pact_of(village, request.args.get("against", "")) if request.args.get("against") \
        else _previous(pact)
    if against is not None and against.id == pact.id:
        against = None
    if against is not None and against.is_draft and not may("record"):
        abort(404)
    rows = service.diff(against, pact) if against else []
    counts = {kind: sum(1 for r in rows if r.kind == kind) for kind in ("added", "removed", "changed", "moved")}
    return render("pacts/changes.html", pact=pact, against=against, others=others, rows=rows, counts=counts)


# ---- printing and the phone version -------------------------------------------------------------

def qr_svg(data: str) -> Markup:
    return symbol_svg(data, "qr")


@bp.get("/v/<pact_id>/poster")
def poster(pact_id: str):
    pact = _pact_or_404(pact_id)
    if pact.status not in ("adopted", "published"):
        abort(404)
    size = request.args.get("size", "A4").upper()
    if size not in ("A4", "A3"):
        size = "A4"
    village = village_or_404()
    url = service.public_url(village.code)
    # not "village": base.html sets that name to the kiosk's own village
    return render("pacts/poster.html", pact=pact, clauses=service.clauses_of(pact), pact_village=village,
                  size=size, url=url, qr=qr_svg(url))


@public_bp.get("/p/<code>")
@public_bp.get("/P/<code>")
def public(code: str):
    """The pact on a resident's phone, from the poster's QR code. No sign-in; both roles."""
    village = db.session.get(Village, code) if code.isdigit() and len(code) == 12 else None
    if village is None:
        abort(404)
    pact = service.current_pact(village)
    total, _groups = service.progress(village, pact)
    return render("pacts/public.html", pact_village=village, pact=pact,
                  clauses=service.clauses_of(pact) if pact else [], total=total)
