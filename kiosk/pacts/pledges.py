"""Household pledges at the kiosk, the progress per group and the door-to-door list."""
from __future__ import annotations

import re

from flask import abort, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import Length, Optional

from ..records import uuid7
from ..extensions import db
from ..records import commit_once

from ..auth import role_required
from ..auth.security import current_person, may
from ..web import render
from ..households.service import natural_key
from . import service
from .common import at_the_kiosk, bp, today, village_or_404
from .models import Pledge
from .signature import SignatureError, dumps, parse, svg_paths

MAX_RESULTS = 60


class PledgeForm(FlaskForm):
    pledge_id = HiddenField()
    pact_id = HiddenField()
    signature = HiddenField()
    signer_name = StringField(_l("Who is signing (if not the head of household)"), validators=[
        Optional(), Length(max=20, message=_l("At most %(max)d characters."))])
    confirmed_by = StringField(_l("Who confirms for them"), validators=[
        Optional(), Length(max=30, message=_l("At most %(max)d characters."))])


class ActionForm(FlaskForm):
    pass


def _matches(household, q: str, surname: str, group: str) -> bool:
    if group and (household.group_name or "") != group:
        return False
    if surname and not household.head_name.startswith(surname):
        return False
    if not q:
        return True
    if q.isdigit():
        # the number pad types digits only: '101' finds '1组01号'
        return q in re.sub(r"\D", "", household.house_number)
    return q in household.head_name or q in household.house_number


@bp.get("/pledge")
@at_the_kiosk
def pick_household():
    """Who is pledging? Search by house number on the number pad, by surname, or by name."""
    village = village_or_404()
    pact = service.current_pact(village)
    everyone = service.households(village)
    q = (request.args.get("q") or "").strip()[:20]
    surname = (request.args.get("surname") or "").strip()[:2]
    group = (request.args.get("group") or "").strip()[:20]
    found = [h for h in everyone if _matches(h, q, surname, group)]
    pledged = service.pledges_for(pact) if pact else {}
    surnames = sorted({h.head_name[0] for h in everyone if h.head_name}, key=lambda s: s.encode("gb18030"))
    groups = sorted({h.group_name for h in everyone if h.group_name}, key=natural_key)
    return render("pacts/pick.html", "pacts/_pick_results.html", pact=pact, households=found[:MAX_RESULTS],
                  more=max(0, len(found) - MAX_RESULTS), pledged=pledged, q=q, surname=surname, group=group,
                  surnames=surnames, groups=groups)


def _pledge_page(household, pact, form, status=200, error=None, signature_error=None, confirm_error=None):
    return render("pacts/pledge.html", status=status, household=household, pact=pact,
                  clauses=service.clauses_of(pact), form=form, error=error, signature_error=signature_error,
                  confirm_error=confirm_error,
                  earlier=[(p, v) for p, v in service.last_pledges(household) if v.id != pact.id
                           and p.method != "withdrawn"][:1])


@bp.route("/pledge/<household_id>", methods=["GET", "POST"])
@at_the_kiosk
def pledge(household_id: str):
    village = village_or_404()
    household = service.household_of(village, household_id)
    if household is None:
        abort(404)
    pact = service.current_pact(village)
    if pact is None:
        flash(_("There is no published pact to pledge to yet."), "error")
        return redirect(url_for("pacts.index"), 303)
    if request.method == "GET":
        standing = service.standing_pledge(pact, household)
        if standing is not None:
            return redirect(url_for("pacts.pledged", pledge_id=standing.id), 303)
        return _pledge_page(household, pact, PledgeForm(formdata=None, pledge_id=uuid7(), pact_id=pact.id))

    form = PledgeForm()
    if not form.validate_on_submit():
        return _pledge_page(household, pact, form, status=422)
    pledge_id = form.pledge_id.data or ""
    if not service.is_uuid(pledge_id):
        abort(400)
    existing = db.session.get(Pledge, pledge_id)
    if existing is not None:
        # a replayed submission: the pledge is already there, once
        if existing.household_id != household.id:
            abort(409)
        return _remember_and_show(existing)
    if form.pact_id.data != pact.id:
        form.pact_id.data = pact.id
        form.signature.data = ""
        return _pledge_page(household, pact, form, status=422, error=_(
            "The pact was changed while this page was open. Please read the new version and sign again."))
    standing = service.standing_pledge(pact, household)
    if standing is not None:
        flash(_("This household has already pledged to this version of the pact."), "message")
        return _remember_and_show(standing)

    method = request.form.get("method")
    person = current_person()
    record = Pledge(id=pledge_id, village_id=village.code, pact_id=pact.id, household_id=household.id,
                    recorded_by_id=person.id if person else None)
    if method == "signature":
        try:
            record.signature = dumps(parse(form.signature.data))
        except SignatureError as problem:
            form.signature.data = ""
            return _pledge_page(household, pact, form, status=422, signature_error=str(problem))
        record.method = "signature"
        record.signer_name = (form.signer_name.data or "").strip() or None
    elif method == "confirmed":
        confirmer = (form.confirmed_by.data or "").strip()
        if not confirmer:
            return _pledge_page(household, pact, form, status=422, confirm_error=_(
                "Enter who confirms the pledge for this household."))
        record.method = "confirmed"
        record.confirmed_by = confirmer
    else:
        return _pledge_page(household, pact, form, status=422, error=_(
            "Sign in the box, or enter who confirms for a resident who cannot sign."))
    db.session.add(record)
    stored = commit_once(Pledge, pledge_id)  # a double tap: the other copy may have committed first
    if stored.household_id != household.id:
        abort(409)
    return _remember_and_show(stored)


def _remember_and_show(record: Pledge):
    # whoever just pledged may see their signature once more; the rest needs the organisation
    mine = [p for p in session.get("my_pledges", []) if p != record.id][-4:] + [record.id]
    session["my_pledges"] = mine
    return redirect(url_for("pacts.pledged", pledge_id=record.id), 303)


def _pledge_or_404(pledge_id: str) -> Pledge:
    village = village_or_404()
    record = db.session.get(Pledge, pledge_id) if service.is_uuid(pledge_id) else None
    if record is None or record.deleted or record.village_id != village.code:
        abort(404)
    return record


@bp.get("/pledges/<pledge_id>")
def pledged(pledge_id: str):
    record = _pledge_or_404(pledge_id)
    if record.id not in session.get("my_pledges", []) and not may("record"):
        abort(404)
    village = village_or_404()
    household = service.household_of(village, record.household_id)
    pact = service.pact_of(village, record.pact_id)
    withdrawn = db.session.scalar(Pledge.live().where(Pledge.corrects_id == record.id).limit(1))
    return render("pacts/pledged.html", pledge=record, household=household, pact=pact,
                  paths=svg_paths(record.signature), withdrawn=withdrawn, form=ActionForm(),
                  withdraw_id=uuid7())


@bp.post("/pledges/<pledge_id>/withdraw")
@role_required("manage")
def withdraw(pledge_id: str):
    """A pledge recorded for the wrong household is corrected by a new fact, never edited away."""
    record = _pledge_or_404(pledge_id)
    if not ActionForm().validate_on_submit() or record.method == "withdrawn":
        abort(400)
    already = db.session.scalar(Pledge.live().where(Pledge.corrects_id == record.id).limit(1))
    if already is None:
        person = current_person()
        db.session.add(Pledge(village_id=record.village_id, pact_id=record.pact_id,
                              household_id=record.household_id, method="withdrawn", corrects_id=record.id,
                              recorded_by_id=person.id if person else None))
        db.session.commit()
        flash(_("The pledge is withdrawn. The household is back on the door-to-door list."), "success")
    return redirect(url_for("pacts.pledged", pledge_id=record.id), 303)


@bp.get("/progress")
@role_required("record")
def progress():
    village = village_or_404()
    pact = service.current_pact(village)
    total, groups = service.progress(village, pact)
    return render("pacts/progress.html", pact=pact, total=total, groups=groups)


@bp.get("/door-list")
@role_required("record")
def door_list():
    """Households that have not pledged to the current version: the route of the next visits."""
    village = village_or_404()
    pact = service.current_pact(village)
    group = (request.args.get("group") or "").strip()
    rows = [h for h in service.not_pledged(village, pact) if not group or h.group_name == group]
    groups = {}
    for household in rows:
        groups.setdefault(household.group_name or "", []).append(household)
    _total, all_groups = service.progress(village, pact)
    return render("pacts/door_list.html", pact=pact, pact_village=village, groups=groups, count=len(rows),
                  visits=service.last_visits(village), group=group,
                  group_names=[g.name for g in all_groups if g.name], today=today())
