"""The register's screens: the list, recording a hazard, one hazard and closing it."""
from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _

from ..auth import role_required
from ..context import current_village, record_or_404, village_or_404
from ..extensions import db
from ..web import hx_redirect, render
from . import service
from .forms import CloseForm, NewHazardForm
from .models import Hazard

bp = Blueprint("hazards", __name__, url_prefix="/hazards")


@bp.get("/")
@role_required("record")
def index():
    show = request.args.get("show", "open")
    hazards = service.register(village_or_404().code, show)
    return render("hazards/index.html", "hazards/_list.html", hazards=hazards, show=show)


@bp.route("/new", methods=["GET", "POST"])
@role_required("record")
def new():
    village = village_or_404()
    form = NewHazardForm()
    if form.validate_on_submit():
        service.open_hazard(village_id=village.code, category=form.category.data, source="committee",
                            location=form.location.data, description=form.description.data or "",
                            severity=form.severity.data)
        db.session.commit()
        flash(_("Hazard recorded."), "success")
        return hx_redirect(url_for("hazards.index"))
    return render("hazards/new.html", form=form)


@bp.get("/<hazard_id>")
@role_required("record")
def show(hazard_id: str):
    return render("hazards/show.html", hazard=record_or_404(Hazard, hazard_id), form=CloseForm())


@bp.post("/<hazard_id>/close")
@role_required("manage")
def close(hazard_id: str):
    hazard = record_or_404(Hazard, hazard_id)
    form = CloseForm()
    if not form.validate_on_submit():
        return render("hazards/show.html", hazard=hazard, form=form)
    service.close_hazard(hazard, form.note.data)
    db.session.commit()
    flash(_("Hazard closed."), "success")
    return hx_redirect(url_for("hazards.show", hazard_id=hazard.id))


def tile_badge():
    village = current_village()
    if village is None:
        return None
    count = service.count_open(village.code)
    if not count:
        return (_("No open hazards"), "ok")
    return (_("%(n)d open", n=count), "bad")
