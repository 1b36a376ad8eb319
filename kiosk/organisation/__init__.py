"""The village fire-safety organisation: the roster the committee keeps and files with the township."""
from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..extensions import db
from ..records import utcnow

from .. import registry
from ..auth import role_required, security
from ..auth.models import KioskPin
from ..registry import Tile
from ..village import Person, current_village, record_or_404, village_or_404
from ..validators import phone_number
from ..village.models import DUTIES
from ..web import render

bp = Blueprint("organisation", __name__, url_prefix="/organisation")

class PersonForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Enter the name.")),
                                               Length(max=20, message=_l("At most %(max)d characters."))])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=20, message=_l("At most %(max)d characters.")),
                                                 phone_number])
    post = StringField(_l("Post in the village"), validators=[Optional(), Length(
        max=40, message=_l("At most %(max)d characters."))])
    duties = SelectMultipleField(_l("Fire-safety duties"), choices=[], widget=ListWidget(prefix_label=False),
                                 option_widget=CheckboxInput(),
                                 validators=[DataRequired(message=_l("Choose at least one duty."))])
    trained = BooleanField(_l("Has had fire-fighting training"))
    active = BooleanField(_l("Active"), default=True)
    new_pin = PasswordField(_l("New kiosk PIN (leave empty to keep)"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.duties.choices = [(k, str(v)) for k, v in DUTIES.items()]

    def validate_new_pin(self, field):
        if field.data:
            problem = security.pin_problem(field.data)
            if problem:
                raise ValidationError(problem)

    def validate_duties(self, field):
        # these two are one person each: the filing sheet names exactly one
        village = current_village()
        for duty in ("first_responsible", "safety_manager"):
            if duty in (field.data or []):
                holders = [p for p in roster(village) if duty in (p.duties or []) and p.active
                           and p.id != getattr(self, "_person_id", None)]
                if holders:
                    raise ValidationError(_("%(duty)s is already %(name)s. Remove the duty there first.",
                                            duty=DUTIES[duty], name=holders[0].name))


def roster(village) -> list[Person]:
    if village is None:
        return []
    return db.session.scalars(Person.live().where(Person.village_id == village.code)
                              .order_by(Person.active.desc(), Person.name)).all()


_village_or_404 = village_or_404


def _person_or_404(person_id: str) -> Person:
    return record_or_404(Person, person_id)


@bp.get("/")
@role_required("record")
def index():
    village = _village_or_404()
    people = roster(village)
    has_pin = set(db.session.scalars(db.select(KioskPin.person_id)).all())
    return render("organisation/index.html", people=people, has_pin=has_pin, gaps=filing_gaps(people))


def filing_gaps(people: list[Person]) -> list[str]:
    active = [p for p in people if p.active]
    gaps = []
    for duty in ("first_responsible", "safety_manager"):
        if not any(duty in (p.duties or []) for p in active):
            gaps.append(_("Nobody is named as %(duty)s.", duty=DUTIES[duty]))
    volunteers = [p for p in active if "volunteer" in (p.duties or [])]
    if len(volunteers) < 5:
        gaps.append(_("The volunteer team has %(n)d members; the standard asks for at least 5.", n=len(volunteers)))
    return gaps


def _save(form: PersonForm, person: Person) -> None:
    person.name = form.name.data.strip()
    person.phone = form.phone.data or None
    person.post = (form.post.data or "").strip() or None
    person.duties = [d for d in DUTIES if d in form.duties.data]
    person.trained = form.trained.data
    person.active = form.active.data
    db.session.add(person)
    db.session.flush()
    if form.new_pin.data:
        security.set_pin(person, form.new_pin.data)


@bp.route("/new", methods=["GET", "POST"])
@role_required("manage")
def new():
    village = _village_or_404()
    form = PersonForm()
    if form.validate_on_submit():
        _save(form, Person(village_id=village.code))
        db.session.commit()
        flash(_("%(name)s added to the roster.", name=form.name.data.strip()), "success")
        return redirect(url_for("organisation.index"), 303)
    return render("organisation/edit.html", status=422 if form.errors else 200, form=form, person=None)


@bp.route("/<person_id>/edit", methods=["GET", "POST"])
@role_required("manage")
def edit(person_id: str):
    person = _person_or_404(person_id)
    form = PersonForm(obj=person)
    form._person_id = person.id
    if form.validate_on_submit():
        _save(form, person)
        db.session.commit()
        flash(_("Changes to %(name)s saved.", name=person.name), "success")
        return redirect(url_for("organisation.index"), 303)
    return render("organisation/edit.html", status=422 if form.errors else 200, form=form, person=person)


@bp.post("/<person_id>/remove")
@role_required("manage")
def remove(person_id: str):
    person = _person_or_404(person_id)
    if security.current_person() is not None and security.current_person().id == person.id:
        flash(_("You cannot remove yourself."), "error")
        return redirect(url_for("organisation.edit", person_id=person.id), 303)
    person.deleted = True
    pin = db.session.get(KioskPin, person.id)
    if pin is not None:
        db.session.delete(pin)
    db.session.commit()
    flash(_("%(name)s removed from the roster.", name=person.name), "success")
    return redirect(url_for("organisation.index"), 303)


@bp.get("/filing-sheet")
@role_required("record")
def filing_sheet():
    """备案表: the organisation the village files with the township, printable on A4."""
    village = _village_or_404()
    rank = {duty: i for i, duty in enumerate(DUTIES)}
    # the sheet lists the leaders first, then the committee, grid, patrol and volunteers
    people = sorted((p for p in roster(village) if p.active),
                    key=lambda p: (min((rank.get(d, 99) for d in p.duties or []), default=99), p.name))
    first = next((p for p in people if "first_responsible" in (p.duties or [])), None)
    manager = next((p for p in people if "safety_manager" in (p.duties or [])), None)
    groups = [(DUTIES[d], [p for p in people if d in (p.duties or [])])
              for d in ("committee", "grid", "patrol", "volunteer")]
    # filed with the township in Chinese, whatever language the screen is in
    with force_locale("zh_Hans"):
        return render("organisation/filing_sheet.html", village=village, first=first, manager=manager,
                      groups=groups, people=people, today=utcnow())


def _badge():
    village = current_village()
    if village is None:
        return None
    gaps = filing_gaps(roster(village))
    return (_("%(n)d to complete", n=len(gaps)), "warn") if gaps else (_("Complete"), "ok")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    registry.add_tile(app, Tile("organisation", _l("Organisation"), "organisation.index", "people", 70, badge=_badge))
