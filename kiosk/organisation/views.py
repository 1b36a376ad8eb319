"""The roster screens: the list with what the filing lacks, adding, editing and removing a person,
and the printable filing sheet."""
from __future__ import annotations

from flask import Blueprint, flash, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from ..auth import current_person, role_required, security
from ..confirm import ask_first, confirmed
from ..context import current_village, local_today, record_or_404, village_or_404
from ..extensions import db
from ..village.models import Person
from ..web import hx_redirect, render
from . import service
from .forms import PersonForm

bp = Blueprint("organisation", __name__, url_prefix="/organisation")


@bp.get("/")
@role_required("record")
def index():
    people = service.roster(village_or_404())
    return render("organisation/index.html", people=people, has_pin=security.person_ids_with_pin(),
                  gaps=service.filing_gaps(people))


def _save(form: PersonForm, person: Person) -> Person:
    return service.save_person(person, name=form.name.data, phone=form.phone.data, post=form.post.data,
                               duties=form.duties.data, trained=form.trained.data, active=form.active.data,
                               new_pin=form.new_pin.data)


@bp.route("/new", methods=["GET", "POST"])
@role_required("manage")
def new():
    village = village_or_404()
    form = PersonForm(people=service.roster(village))
    if form.validate_on_submit():
        person = _save(form, Person(village_id=village.code))
        db.session.commit()
        flash(_("%(name)s added to the roster.", name=person.name), "success")
        return hx_redirect(url_for("organisation.index"))
    return render("organisation/edit.html", form=form, person=None)


@bp.route("/<person_id>/edit", methods=["GET", "POST"])
@role_required("manage")
def edit(person_id: str):
    person = record_or_404(Person, person_id)
    form = PersonForm(record=person, people=service.roster(village_or_404()), person_id=person.id,
                      has_pin=person.id in security.person_ids_with_pin())
    if form.validate_on_submit():
        _save(form, person)
        db.session.commit()
        flash(_("Changes to %(name)s saved.", name=person.name), "success")
        return hx_redirect(url_for("organisation.index"))
    return render("organisation/edit.html", form=form, person=person)


@bp.post("/<person_id>/remove")
@role_required("manage")
def remove(person_id: str):
    person = record_or_404(Person, person_id)
    me = current_person()
    if me is not None and me.id == person.id:
        flash(_("You cannot remove yourself."), "error")
        return hx_redirect(url_for("organisation.edit", person_id=person.id))
    if not confirmed():
        has_pin = person.id in security.person_ids_with_pin()
        consequences = [_("Their kiosk PIN stops working at once.")] if has_pin else []
        consequences += [_("Then: %(gap)s", gap=gap)
                         for gap in service.gaps_without(service.roster(village_or_404()), person)]
        return ask_first(_("Remove %(name)s from the roster?", name=person.name), consequences=consequences,
                         yes=_("Remove from the roster"), back=url_for("organisation.edit", person_id=person.id))
    service.remove_person(person)
    db.session.commit()
    flash(_("%(name)s removed from the roster.", name=person.name), "success")
    return hx_redirect(url_for("organisation.index"))


@bp.get("/filing-sheet")
@role_required("record")
def filing_sheet():
    """备案表: the organisation the village files with the township, printable on A4."""
    village = village_or_404()
    # filed with the township in Chinese, whatever language the screen is in
    with force_locale("zh_Hans"):
        return render("organisation/filing_sheet.html", village=village, today=local_today(),
                      **service.filing_sheet(village))


def tile_badge():
    village = current_village()
    if village is None:
        return None
    gaps = service.filing_gaps(service.roster(village))
    return (_("%(n)d to complete", n=len(gaps)), "warn") if gaps else (_("Complete"), "ok")
