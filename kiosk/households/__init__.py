"""The household register (住户台账): who pledges to the fire pact and who is visited door to door.

The model lives in ``kiosk.village.models.Household``; this package holds its screens and the
CSV import.
"""
from __future__ import annotations

import re

from flask import Blueprint, Flask, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..records import uuid7
from ..extensions import db

from ..auth import role_required
from ..validators import phone_number as phone_check
from ..context import record_or_404, village_or_404
from ..village import Household
from ..web import render
from . import importer

bp = Blueprint("households", __name__, url_prefix="/households")

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
FIELDS = ("house_number", "head_name", "group_name", "phone", "members", "note")


def natural_key(text):
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text or "")]


_village_or_404 = village_or_404


def register(village) -> list[Household]:
    rows = db.session.scalars(Household.live().where(Household.village_id == village.code)).all()
    return sorted(rows, key=lambda h: (natural_key(h.group_name), natural_key(h.house_number)))


class HouseholdForm(FlaskForm):
    household_id = HiddenField()
    house_number = StringField(_l("House number"), validators=[
        DataRequired(message=_l("Enter the house number.")), Length(max=20, message=_l("At most %(max)d characters."))])
    head_name = StringField(_l("Head of household"), validators=[
        DataRequired(message=_l("Enter the head of household.")),
        Length(max=20, message=_l("At most %(max)d characters."))])
    group_name = StringField(_l("Villagers' group"), validators=[
        Optional(), Length(max=20, message=_l("At most %(max)d characters."))])
    phone = StringField(_l("Phone (optional)"), validators=[
        Optional(), Length(max=20, message=_l("At most %(max)d characters.")), phone_check])
    members = IntegerField(_l("People in the household"), validators=[
        Optional(), NumberRange(min=1, max=50, message=_l("Enter a number between %(min)d and %(max)d."))])
    note = StringField(_l("Note (e.g. elderly living alone, rented out)"), validators=[
        Optional(), Length(max=200, message=_l("At most %(max)d characters."))])

    def __init__(self, *args, village=None, editing=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._village, self._editing = village, editing

    def validate_house_number(self, field):
        number = re.sub(r"\s+", "", field.data or "")
        field.data = number
        clash = db.session.scalar(Household.live().where(Household.village_id == self._village.code,
                                                         Household.house_number == number).limit(1))
        if clash is not None and clash.id != getattr(self._editing, "id", None) \
                and clash.id != self.household_id.data:
            raise ValidationError(_("House number %(number)s is already in the register (%(name)s).",
                                    number=number, name=clash.head_name))

    def validate_group_name(self, field):
        value = (field.data or "").strip()
        field.data = f"第{int(value)}组" if value.isdigit() else value


def _save(form: HouseholdForm, household: Household) -> None:
    household.house_number = form.house_number.data
    household.head_name = form.head_name.data.strip()
    household.group_name = form.group_name.data or None
    household.phone = form.phone.data or None
    household.members = form.members.data
    household.note = (form.note.data or "").strip() or None
    db.session.add(household)


@bp.get("/")
@role_required("record")
def index():
    village = _village_or_404()
    everyone = register(village)
    q = (request.args.get("q") or "").strip()[:20]
    group = (request.args.get("group") or "").strip()[:20]
    rows = [h for h in everyone if (not group or h.group_name == group)
            and (not q or q in h.head_name or q in h.house_number or q in (h.phone or ""))]
    groups = sorted({h.group_name for h in everyone if h.group_name}, key=natural_key)
    return render("households/index.html", "households/_rows.html", households=rows, total=len(everyone),
                  q=q, group=group, groups=groups)


@bp.route("/new", methods=["GET", "POST"])
@role_required("manage")
def new():
    village = _village_or_404()
    form = HouseholdForm(village=village)
    if request.method == "GET":
        form.household_id.data = uuid7()
    if form.validate_on_submit():
        if not UUID.match(form.household_id.data or ""):
            abort(400)
        if db.session.get(Household, form.household_id.data) is None:  # a replay adds nothing
            _save(form, Household(id=form.household_id.data, village_id=village.code))
            db.session.commit()
            flash(_("Household %(number)s added.", number=form.house_number.data), "success")
        return redirect(url_for("households.index"), 303)
    return render("households/edit.html", status=422 if form.errors else 200, form=form, household=None)


def _household_or_404(household_id: str) -> Household:
    if not UUID.match(household_id or ""):
        abort(404)
    return record_or_404(Household, household_id)


@bp.route("/<household_id>/edit", methods=["GET", "POST"])
@role_required("manage")
def edit(household_id: str):
    household = _household_or_404(household_id)
    form = HouseholdForm(obj=household, village=_village_or_404(), editing=household)
    if form.validate_on_submit():
        _save(form, household)
        db.session.commit()
        flash(_("Changes to %(number)s saved.", number=household.house_number), "success")
        return redirect(url_for("households.index"), 303)
    return render("households/edit.html", status=422 if form.errors else 200, form=form, household=household)


@bp.post("/<household_id>/remove")
@role_required("manage")
def remove(household_id: str):
    household = _household_or_404(household_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    household.deleted = True  # pledges and visits keep pointing at it
    db.session.commit()
    flash(_("Household %(number)s removed from the register.", number=household.house_number), "success")
    return redirect(url_for("households.index"), 303)


# ---- CSV import ---------------------------------------------------------------------------------

class UploadForm(FlaskForm):
    file = FileField(_l("CSV file"))


class ConfirmForm(FlaskForm):
    csv_text = TextAreaField()


def _plan(village, rows: list[importer.Row]) -> dict:
    """Compare the file with the register: which rows add, which change, which are the same."""
    existing = {h.house_number: h for h in register(village)}
    counts = {"add": 0, "update": 0, "same": 0}
    for row in rows:
        current = existing.get(row.values["house_number"])
        if current is None:
            row.action = "add"
        else:
            # an empty cell leaves what the register has; it does not erase it
            changed = any(_incoming(row, name) is not None and _incoming(row, name) != getattr(current, name)
                          for name in FIELDS[1:])
            row.action = "update" if changed else "same"
        counts[row.action] += 1
    return counts


def _incoming(row: importer.Row, name: str):
    value = row.values.get(name)
    return value if value not in ("", None) else None


@bp.route("/import", methods=["GET", "POST"])
@role_required("manage")
def import_csv():
    village = _village_or_404()
    form = UploadForm()
    if request.method == "GET":
        return render("households/import.html", form=form)
    if not form.validate_on_submit():
        abort(400)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render("households/import.html", status=422, form=form, error=_("Choose a CSV file."))
    try:
        text = importer.decode(upload.read(importer.MAX_BYTES + 1))
        rows = importer.parse(text)
    except importer.ImportError_ as problem:
        return render("households/import.html", status=422, form=form, error=str(problem))
    return _preview(village, text, rows)


def _preview(village, text: str, rows: list[importer.Row], status: int | None = None):
    counts = _plan(village, rows)
    bad = [r for r in rows if r.errors]
    return render("households/preview.html", status=status or (422 if bad else 200), rows=rows, bad=bad,
                  counts=counts, form=ConfirmForm(formdata=None, csv_text=text))


@bp.post("/import/confirm")
@role_required("manage")
def import_confirm():
    """Checks the file again and imports all of it or none of it. Sending it twice changes nothing
    the second time: rows that match the register are left as they are."""
    village = _village_or_404()
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        rows = importer.parse(form.csv_text.data or "")
    except importer.ImportError_ as problem:
        return render("households/import.html", status=422, form=UploadForm(), error=str(problem))
    counts = _plan(village, rows)
    if any(r.errors for r in rows):
        return _preview(village, form.csv_text.data, rows, status=422)
    existing = {h.house_number: h for h in register(village)}
    for row in rows:
        if row.action == "same":
            continue
        household = existing.get(row.values["house_number"]) or Household(village_id=village.code)
        for name in FIELDS:
            value = _incoming(row, name)
            if name == "house_number" or value is not None or row.action == "add":
                setattr(household, name, value)
        db.session.add(household)
    db.session.commit()
    flash(_("Imported: %(add)d added, %(update)d updated, %(same)d unchanged.", **counts), "success")
    return redirect(url_for("households.index"), 303)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
