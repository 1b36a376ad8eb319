"""The household register's screens: the list, a household by hand, the CSV import."""
from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _

from ..auth import role_required
from ..confirm import ask_first, confirmed
from ..context import record_or_404, village_or_404
from ..extensions import db
from ..forms import EmptyForm
from ..paging import page_of
from ..records import commit_once
from ..pacts.queries import last_pledges, visits_to
from ..village.models import Household
from ..web import hx_redirect, render
from . import importer, service
from .forms import ConfirmForm, HouseholdForm, UploadForm

bp = Blueprint("households", __name__, url_prefix="/households")


@bp.get("/")
@role_required("record")
def index():
    village = village_or_404()
    q = (request.args.get("q") or "").strip()[:20]
    group = (request.args.get("group") or "").strip()[:20]
    found = service.find(village, q, group)
    page = page_of(len(found))
    return render("households/index.html", "households/_rows.html", paging=page, q=q, group=group,
                  households=service.households(found[page.offset:page.offset + page.size]),
                  total=service.count(village) if q or group else len(found), groups=service.group_names(village))


@bp.route("/new", methods=["GET", "POST"])
@role_required("manage")
def new():
    village = village_or_404()
    form = HouseholdForm(village=village)
    if form.validate_on_submit():
        if db.session.get(Household, form.client_id.data) is None:  # a replay adds nothing
            service.add(village, form.client_id.data, form.values)
            commit_once(Household, form.client_id.data)
            flash(_("Household %(number)s added.", number=form.house_number.data), "success")
        return hx_redirect(url_for("households.index"))
    return render("households/edit.html", form=form, household=None)


@bp.route("/<household_id>/edit", methods=["GET", "POST"])
@role_required("manage")
def edit(household_id: str):
    household = record_or_404(Household, household_id)
    form = HouseholdForm(record=household, village=village_or_404(), editing=household)
    if form.validate_on_submit():
        service.change(household, form.values)
        db.session.commit()
        flash(_("Changes to %(number)s saved.", number=household.house_number), "success")
        return hx_redirect(url_for("households.index"))
    return render("households/edit.html", form=form, household=household)


@bp.post("/<household_id>/remove")
@role_required("manage")
def remove(household_id: str):
    household = record_or_404(Household, household_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not confirmed():
        pledges, visits = len(last_pledges(household)), len(visits_to(household))
        return ask_first(
            _("Remove household %(number)s (%(name)s) from the register?", number=household.house_number,
              name=household.head_name),
            consequences=[_("It leaves the pact's pledge list and the door-to-door list."),
                          _("Its pledges (%(pledges)d) and door-to-door visits (%(visits)d) stay in the records.",
                            pledges=pledges, visits=visits)],
            yes=_("Remove from the register"), back=url_for("households.edit", household_id=household.id))
    service.remove(household)
    db.session.commit()
    flash(_("Household %(number)s removed from the register.", number=household.house_number), "success")
    return hx_redirect(url_for("households.index"))


# ---- CSV import ---------------------------------------------------------------------------------

@bp.route("/import", methods=["GET", "POST"])
@role_required("manage")
def import_csv():
    village = village_or_404()
    form = UploadForm()
    if request.method == "GET":
        return render("households/import.html", form=form)
    if not form.validate_on_submit():
        abort(400)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        form.form_errors.append(_("Choose a CSV file."))
        return render("households/import.html", form=form)
    try:
        text = importer.decode(upload.read(importer.MAX_BYTES + 1))
        rows = importer.parse(text)
    except importer.ImportError_ as problem:
        form.form_errors.append(str(problem))
        return render("households/import.html", form=form)
    return _preview(village, text, rows)


def _preview(village, text: str, rows: list[importer.Row]):
    counts = service.plan_import(village, rows)
    bad = [r for r in rows if r.errors]
    form = ConfirmForm(formdata=None, csv_text=text)
    if bad:
        form.form_errors.append(_("%(n)d rows have problems. Nothing has been imported: correct the file and "
                                  "try again.", n=len(bad)))
    return render("households/preview.html", rows=rows, bad=bad, counts=counts, form=form)


@bp.post("/import/confirm")
@role_required("manage")
def import_confirm():
    """Checks the file again and imports all of it or none of it. Sending it twice changes nothing
    the second time: rows that match the register are left as they are."""
    village = village_or_404()
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        rows = importer.parse(form.csv_text.data or "")
    except importer.ImportError_ as problem:
        upload = UploadForm(formdata=None)
        upload.form_errors.append(str(problem))
        return render("households/import.html", form=upload)
    if any(r.errors for r in rows):
        return _preview(village, form.csv_text.data, rows)
    counts = service.plan_import(village, rows)
    service.apply_import(village, rows)
    db.session.commit()
    flash(_("Imported: %(add)d added, %(update)d updated, %(same)d unchanged.", **counts), "success")
    return hx_redirect(url_for("households.index"))
