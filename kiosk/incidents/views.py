"""Fire-incident screens: the village's incidents and the record of one (with the "1-3-5" goal and
the check of the equipment used), the monthly log, and the township's incidents across villages.
Also the home tile's badge."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import Forbidden

from ..auth import current_staff, role_required
from ..context import acting_person, asked_month, current_village, from_local, local_today, record_or_404, village_or_404
from ..extensions import db
from ..photos import store_photos_of
from ..records import commit_once
from ..village.service import villages_of
from ..web import hx_redirect, render
from . import service
from .forms import PLACE_PHRASES, IncidentForm
from .models import BRIGADE_GOAL_MINUTES, JOINT_GOAL_MINUTES, STATION_GOAL_MINUTES, Incident

bp = Blueprint("incidents", __name__, url_prefix="/incidents")

GOALS = dict(station_goal=STATION_GOAL_MINUTES, joint_goal=JOINT_GOAL_MINUTES, brigade_goal=BRIGADE_GOAL_MINUTES)


def _month() -> tuple[int, int]:
    first = asked_month()
    return first.year, first.month


@bp.get("/")
@role_required("record")
def index():
    village = village_or_404()
    figures = service.village_summaries([village.code]).get(village.code, {})
    return render("incidents/index.html", incidents=service.recent(village.code), figures=figures,
                  goals=service.goals, **GOALS)


@bp.route("/new", methods=["GET", "POST"])
@role_required("record")
def new():
    village = village_or_404()
    people, lines = service.roster(village.code), service.equipment(village.code)
    form = IncidentForm(people=people, lines=lines, data=None if request.method == "POST" else {
        "alarm_on": local_today()})
    if request.method == "POST" and (sent := _sent(form.client_id.data)) is not None:
        return hx_redirect(url_for("incidents.show", incident_id=sent.id))
    if form.validate_on_submit():
        photos = store_photos_of(form.photos, form.client_id.data)
        if not form.errors:
            values = form.values()
            by_id = {p.id: p for p in people}
            try:
                service.record_incident(
                    village.code, form.client_id.data, alarm_at=from_local(values["alarm_at"]),
                    place=values["place"], burned=values["burned"],
                    responders=[by_id[i] for i in values["responder_ids"]],
                    station_arrived_at=_utc(values["station_arrived_at"]),
                    brigade_arrived_at=_utc(values["brigade_arrived_at"]), equipment_ids=values["equipment_ids"],
                    handed_to=values["handed_to"], handed_to_name=values["handed_to_name"],
                    casualties=values["casualties"], note=values["note"], photos=photos, actor=acting_person())
            except service.IncidentError as error:
                form.form_errors.append(str(error))
            else:
                incident = commit_once(Incident, form.client_id.data)
                if incident.station_check_id:
                    flash(_("Incident recorded. A check of the %(n)d items used has been opened at the station: "
                            "do it before they are put back.", n=len(incident.equipment)), "warning")
                else:
                    flash(_("Incident recorded."), "success")
                return hx_redirect(url_for("incidents.show", incident_id=incident.id))
    return render("incidents/new.html", form=form, lines=lines, phrases=PLACE_PHRASES, **GOALS)


def _utc(local: dt.datetime | None) -> dt.datetime | None:
    return from_local(local) if local is not None else None


def _sent(client_id: str) -> Incident | None:
    """The incident this form already made (sent twice), if it is this village's."""
    found = db.session.get(Incident, client_id) if client_id else None
    return found if found is not None and found.village_id == village_or_404().code else None


@bp.get("/<incident_id>")
@role_required("record")
def show(incident_id: str):
    incident = record_or_404(Incident, incident_id)
    return render("incidents/show.html", incident=incident, check=service.post_use_check(incident),
                  goals=service.goals(incident), **GOALS)


@bp.get("/log")
@role_required("record")
def log():
    village = village_or_404()
    year, month = _month()
    first = dt.date(year, month, 1)
    return render("incidents/log.html", village=village, incidents=service.in_month([village.code], year, month),
                  first=first, previous=(first - dt.timedelta(days=1)).strftime("%Y-%m"),
                  following=(first + dt.timedelta(days=32)).strftime("%Y-%m"), goals=service.goals, **GOALS)


@bp.get("/township")
@role_required("staff")
def township():
    """Every village's fires in a month, with each village's figures for the year."""
    staff = current_staff()
    if staff is None:
        raise Forbidden()
    villages = villages_of(staff.township_code)
    year, month = _month()
    first = dt.date(year, month, 1)
    return render("incidents/township.html", villages=villages, names={v.code: v.name for v in villages},
                  incidents=service.in_month([v.code for v in villages], year, month),
                  summary=service.village_summaries([v.code for v in villages]), first=first,
                  previous=(first - dt.timedelta(days=1)).strftime("%Y-%m"),
                  following=(first + dt.timedelta(days=32)).strftime("%Y-%m"), goals=service.goals, **GOALS)


def tile_badge():
    village = current_village()
    if village is None:
        return None
    fires = service.fires_this_month(village.code)
    return (_("%(n)d this month", n=fires), "warn") if fires else None
