"""Door-to-door visits (敲门入户): who was visited, by whom, what was covered, hazards found."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, FieldList, Form, FormField, HiddenField, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..records import uuid7
from ..extensions import db

from ..auth import role_required
from ..auth.security import current_person, current_staff
from ..hazards.service import open_hazard
from ..hazards.models import CATEGORIES, Hazard
from ..web import render
from . import service
from .common import bp, today, village_or_404
from .models import VISIT_TOPICS, DoorVisit

HAZARD_ROWS = 3


class HazardEntry(Form):
    """One hazard found on the visit (a sub-form: the CSRF token belongs to the outer form)."""
    category = SelectField(_l("Hazard"), choices=[], default="")
    description = StringField(_l("What was found"), validators=[
        Optional(), Length(max=200, message=_l("At most %(max)d characters."))])
    fixed_on_spot = BooleanField(_l("Fixed on the spot"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [("", "—")] + [(k, str(v)) for k, v in CATEGORIES.items()]

    def validate_category(self, field):
        if field.data and field.data not in CATEGORIES:
            raise ValidationError(_("Choose a hazard from the list."))
        if not field.data and (self.description.data or "").strip():
            raise ValidationError(_("Choose what kind of hazard this is."))


class VisitForm(FlaskForm):
    visit_id = HiddenField()
    household_id = SelectField(_l("Household"), choices=[],
                               validators=[DataRequired(message=_l("Choose the household you visited."))])
    visited_on = DateField(_l("Date of the visit"), validators=[
        InputRequired(message=_l("Enter the date of the visit."))])
    visitors = StringField(_l("Visitors"), validators=[
        DataRequired(message=_l("Enter who made the visit.")),
        Length(max=60, message=_l("At most %(max)d characters."))])
    topics = SelectMultipleField(_l("Topics covered"), choices=[], widget=ListWidget(prefix_label=False),
                                 option_widget=CheckboxInput(),
                                 validators=[DataRequired(message=_l("Tick at least one topic you covered."))])
    hazards = FieldList(FormField(HazardEntry), min_entries=HAZARD_ROWS, max_entries=HAZARD_ROWS)
    note = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=500, message=_l("At most %(max)d characters."))])

    def __init__(self, households, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.household_id.choices = [("", "—")] + [
            (h.id, f"{h.house_number} {h.head_name}") for h in households]
        self.topics.choices = [(k, str(v)) for k, v in VISIT_TOPICS.items()]

    def validate_visited_on(self, field):
        if field.data and field.data > today():
            raise ValidationError(_("The visit cannot be in the future."))
        if field.data and field.data.year < 2000:
            raise ValidationError(_("Check the year of the visit."))


def _visitor_default() -> str:
    person, staff = current_person(), current_staff()
    return person.name if person else (staff.name if staff else "")


@bp.get("/visits")
@role_required("record")
def visits():
    village = village_or_404()
    rows = db.session.scalars(DoorVisit.live().where(DoorVisit.village_id == village.code)
                              .order_by(DoorVisit.visited_on.desc(), DoorVisit.recorded_at.desc()).limit(300)).all()
    names = {h.id: h for h in service.households(village)}
    return render("pacts/visits.html", visits=rows, households=names)


@bp.route("/visits/new", methods=["GET", "POST"])
@role_required("record")
def new_visit():
    village = village_or_404()
    everyone = service.households(village)
    if request.method == "GET":
        form = VisitForm(everyone, formdata=None, visit_id=uuid7(), visited_on=today(),
                         visitors=_visitor_default(), household_id=request.args.get("household", ""))
        return render("pacts/visit_new.html", form=form)
    form = VisitForm(everyone)
    if not form.validate_on_submit():
        return render("pacts/visit_new.html", status=422, form=form)
    if not service.is_uuid(form.visit_id.data):
        abort(400)
    if db.session.get(DoorVisit, form.visit_id.data) is not None:  # replayed: it is saved already
        return redirect(url_for("pacts.visit", visit_id=form.visit_id.data), 303)
    household = service.household_of(village, form.household_id.data)
    if household is None:
        abort(404)
    person = current_person()
    visit = DoorVisit(id=form.visit_id.data, village_id=village.code, household_id=household.id,
                      visited_on=form.visited_on.data, visitors=form.visitors.data.strip(),
                      topics=[t for t in VISIT_TOPICS if t in form.topics.data],
                      note=(form.note.data or "").strip() or None, recorded_by_id=person.id if person else None)
    db.session.add(visit)
    found = 0
    for entry in form.hazards.entries:
        if not entry.form.category.data:
            continue
        open_hazard(village_id=village.code, category=entry.form.category.data, source="door_visit",
                    location=f"{household.house_number} {household.head_name}",
                    description=(entry.form.description.data or "").strip(), subject_kind="household",
                    subject_id=household.id, found_by_kind="door_visit", found_by_id=visit.id,
                    fixed_on_spot=bool(entry.form.fixed_on_spot.data))
        found += 1
    visit.hazards_found = found
    db.session.commit()
    flash(_("Visit to %(house)s recorded.", house=household.house_number), "success")
    return redirect(url_for("pacts.visit", visit_id=visit.id), 303)


@bp.get("/visits/<visit_id>")
@role_required("record")
def visit(visit_id: str):
    village = village_or_404()
    record = db.session.get(DoorVisit, visit_id) if service.is_uuid(visit_id) else None
    if record is None or record.deleted or record.village_id != village.code:
        abort(404)
    household = service.household_of(village, record.household_id)
    hazards = db.session.scalars(Hazard.live().where(Hazard.found_by_kind == "door_visit",
                                                     Hazard.found_by_id == record.id)).all()
    return render("pacts/visit.html", visit=record, household=household, hazards=hazards)


@bp.get("/household/<household_id>")
@role_required("record")
def household_file(household_id: str):
    """One household's pledges and visits: what to know before knocking on the door."""
    village = village_or_404()
    household = service.household_of(village, household_id)
    if household is None:
        abort(404)
    pact = service.current_pact(village)
    rows = db.session.scalars(DoorVisit.live().where(DoorVisit.household_id == household.id)
                              .order_by(DoorVisit.visited_on.desc())).all()
    return render("pacts/household.html", household=household, pact=pact,
                  standing=service.standing_pledge(pact, household) if pact else None,
                  pledges=service.last_pledges(household), visits=rows,
                  hazards=db.session.scalars(Hazard.live().where(Hazard.subject_kind == "household",
                                                                 Hazard.subject_id == household.id)
                                             .order_by(Hazard.recorded_at.desc())).all())
