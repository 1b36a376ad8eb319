"""Hazard register: one list fed by resident reports, inspections, equipment checks and visits.

Other features open hazards through :func:`open_hazard`; the closed loop (dispatch, deadlines,
escalation) will grow here without changing their calls.
"""
from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..extensions import db
from ..records import utcnow

from .. import registry
from ..auth import role_required
from ..registry import Tile
from ..village import current_village
from ..web import render
from .models import CATEGORIES, CLOSED_STATUSES, SEVERITIES, SOURCES, Hazard  # noqa: F401
from .service import open_hazard, open_hazards_for  # noqa: F401  (other features import them from here too)

bp = Blueprint("hazards", __name__, url_prefix="/hazards")


def _village_hazards():
    village = current_village()
    if village is None:
        abort(404)
    return Hazard.live().where(Hazard.village_id == village.code)


class CloseForm(FlaskForm):
    note = TextAreaField(_l("How was it fixed?"),
                         validators=[DataRequired(message=_l("Say how the hazard was fixed.")),
                                     Length(max=500, message=_l("At most %(max)d characters."))])


class NewHazardForm(FlaskForm):
    category = SelectField(_l("Category"), choices=[], validators=[DataRequired()])
    location = StringField(_l("Where"), validators=[DataRequired(message=_l("Say where the hazard is.")),
                                                    Length(max=200, message=_l("At most %(max)d characters."))])
    description = TextAreaField(_l("What is wrong"),
                                validators=[Optional(), Length(max=2000, message=_l("At most %(max)d characters."))])
    severity = SelectField(_l("Severity"), choices=[], default="minor")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [(k, str(v)) for k, v in CATEGORIES.items()]
        self.severity.choices = [(k, str(v)) for k, v in SEVERITIES.items()]


@bp.get("/")
@role_required("record")
def index():
    show = request.args.get("show", "open")
    query = _village_hazards()
    if show == "open":
        query = query.where(Hazard.status.not_in(CLOSED_STATUSES))
    elif show == "closed":
        query = query.where(Hazard.status.in_(CLOSED_STATUSES))
    hazards = db.session.scalars(query.order_by(Hazard.recorded_at.desc()).limit(500)).all()
    return render("hazards/index.html", "hazards/_list.html", hazards=hazards, show=show)


@bp.route("/new", methods=["GET", "POST"])
@role_required("record")
def new():
    form = NewHazardForm()
    if form.validate_on_submit():
        open_hazard(village_id=current_village().code, category=form.category.data, source="committee",
                    location=form.location.data.strip(), description=(form.description.data or "").strip(),
                    severity=form.severity.data)
        db.session.commit()
        flash(_("Hazard recorded."), "success")
        return redirect(url_for("hazards.index"), 303)
    return render("hazards/new.html", status=422 if form.errors else 200, form=form)


@bp.get("/<hazard_id>")
@role_required("record")
def show(hazard_id: str):
    hazard = db.session.scalar(_village_hazards().where(Hazard.id == hazard_id))
    if hazard is None:
        abort(404)
    return render("hazards/show.html", hazard=hazard, form=CloseForm())


@bp.post("/<hazard_id>/close")
@role_required("manage")
def close(hazard_id: str):
    hazard = db.session.scalar(_village_hazards().where(Hazard.id == hazard_id))
    if hazard is None:
        abort(404)
    form = CloseForm()
    if not form.validate_on_submit():
        return render("hazards/show.html", status=422, hazard=hazard, form=form)
    hazard.status = "closed"
    hazard.closed_at = utcnow()
    hazard.closed_note = form.note.data.strip()
    db.session.commit()
    flash(_("Hazard closed."), "success")
    return redirect(url_for("hazards.show", hazard_id=hazard.id), 303)


def _badge():
    village = current_village()
    if village is None:
        return None
    count = db.session.scalar(db.select(db.func.count()).select_from(
        _village_hazards().where(Hazard.status.not_in(CLOSED_STATUSES)).subquery()))
    if not count:
        return (_("No open hazards"), "ok")
    return (_("%(n)d open", n=count), "bad")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    registry.add_tile(app, Tile("hazards", _l("Hazards"), "hazards.index", "alert", 40, badge=_badge))
