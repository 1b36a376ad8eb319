"""Publicity and training screens: the activity log and recording an activity, the yearly plan,
the monthly log that prints, and the loudspeaker (any warning, the pact or a safety tip read aloud).
Also the home tile's badge."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, request, send_file, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from ..auth import role_required
from ..context import acting_person, asked_month, current_village, local_day, local_today, record_or_404, village_or_404
from ..extensions import db
from ..forms import EmptyForm
from ..photos import store_photos_of
from ..records import commit_once
from ..warnings import service as warnings_service
from ..warnings.evidence import Evidence
from ..warnings.models import Warning
from ..web import hx_redirect, render
from . import service, speech
from .forms import PLACES, REACHED_PRESETS, TOPICS, ActivityForm, planned_counts
from .models import KIND_ICONS, KINDS, Activity

bp = Blueprint("publicity", __name__, url_prefix="/publicity")


def _year() -> int:
    try:
        year = int(request.args.get("year", ""))
    except ValueError:
        return local_today().year
    return year if 2000 <= year <= 2100 else local_today().year


@bp.get("/")
@role_required("record")
def index():
    village = village_or_404()
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    year = local_today().year
    cells = service.plan(village.code, year)
    planned = sum(c.planned for months in cells.values() for c in months.values())
    done = sum(c.done for months in cells.values() for c in months.values())
    return render("publicity/index.html", activities=service.recent(village.code, kind), kinds=KINDS,
                  icons=KIND_ICONS, shown=kind, year=year, planned=planned, done=done)


@bp.route("/new", methods=["GET", "POST"])
@role_required("record")
def new():
    village = village_or_404()
    people = service.roster(village.code)
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else "broadcast"
    form = ActivityForm(people=people, data=None if request.method == "POST" else {
        "kind": kind, "held_on": local_today(),
        "organisers": [acting_person().person_id] if acting_person().person_id else []})
    if request.method == "POST" and (sent := db.session.get(Activity, form.client_id.data)) is not None \
            and sent.village_id == village.code:
        return hx_redirect(url_for("publicity.show", activity_id=sent.id))
    if form.validate_on_submit():
        photos = store_photos_of(form.photos, form.client_id.data)
        if not form.errors:
            values = form.values()
            by_id = {p.id: p for p in people}
            try:
                service.record_activity(
                    village.code, form.client_id.data, kind=values["kind"], held_on=values["held_on"],
                    ends_on=values["ends_on"], place=values["place"], topic=values["topic"],
                    organisers=[by_id[i] for i in values["organiser_ids"]], reached=values["reached"],
                    attendees=[by_id[i] for i in values["attendee_ids"]], note=values["note"], photos=photos,
                    actor=acting_person())
            except service.ActivityError as error:
                form.form_errors.append(str(error))
            else:
                activity = commit_once(Activity, form.client_id.data)
                if activity.takes_attendance:
                    flash(_("Recorded with %(n)d taking part; they count as trained members of the team.",
                            n=len(values["attendee_ids"])), "success")
                else:
                    flash(_("Activity recorded."), "success")
                return hx_redirect(url_for("publicity.show", activity_id=activity.id))
    return render("publicity/new.html", form=form, kinds=KINDS, icons=KIND_ICONS, places=PLACES, topics=TOPICS,
                  presets=REACHED_PRESETS, today=local_today(), yesterday=local_today() - dt.timedelta(days=1))



@bp.get("/a/<activity_id>")
@role_required("record")
def show(activity_id: str):
    activity = record_or_404(Activity, activity_id)
    return render("publicity/show.html", activity=activity, attendance=service.attendance(activity),
                  visits=service.door_visits(activity))


# ---- the yearly plan ------------------------------------------------------------------------------

@bp.get("/plan")
@role_required("record")
def plan():
    village = village_or_404()
    year = _year()
    return render("publicity/plan.html", year=year, cells=service.plan(village.code, year), kinds=KINDS,
                  icons=KIND_ICONS, this_month=local_today().month if year == local_today().year else None,
                  months_of_year=[format_date(dt.date(year, m, 1), "MMM") for m in range(1, 13)])


@bp.route("/plan/<int:year>/<int:month>", methods=["GET", "POST"])
@role_required("manage")
def plan_month(year: int, month: int):
    village = village_or_404()
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        abort(404)
    form = EmptyForm()
    if form.validate_on_submit():
        service.set_planned(village.code, year, month, planned_counts(request.form))
        db.session.commit()
        flash(_("Plan for %(month)s saved.", month=f"{year}-{month:02d}"), "success")
        return hx_redirect(url_for("publicity.plan", year=year))
    cells = service.plan(village.code, year)
    return render("publicity/plan_month.html", form=form, year=year, month=month, kinds=KINDS, icons=KIND_ICONS,
                  cells={kind: months[month] for kind, months in cells.items()})


@bp.get("/log")
@role_required("record")
def log():
    village = village_or_404()
    first = asked_month()
    activities = service.in_month(village.code, first.year, first.month)
    return render("publicity/log.html", village=village, activities=activities, first=first,
                  previous=(first - dt.timedelta(days=1)).strftime("%Y-%m"),
                  following=(first + dt.timedelta(days=32)).strftime("%Y-%m"),
                  attended={a.id: service.attendance(a) for a in activities if a.takes_attendance})


# ---- the loudspeaker ------------------------------------------------------------------------------

def _readable(source: str, ident: str) -> service.Readable:
    village = village_or_404()
    if source == "warning":
        warning = db.session.get(Warning, ident) if len(ident) <= 36 else None
        if warning is None or warning.deleted or not warning.is_for(village.code):
            abort(404)
        return service.Readable("warning", warning.id, warning.title, service.warning_text(warning))
    if source == "pact":
        found = service.pact_readable(village)
        if found is None or found.ident != ident:
            abort(404)
        return found
    if source == "tip":
        found = next((t for t in service.tip_readables() if t.ident == ident), None)
        if found is None:
            abort(404)
        return found
    abort(404)


@bp.get("/loudspeaker")
@role_required("record")
def loudspeaker():
    """What the village loudspeaker can read: the warnings in force, the published pact, the tips."""
    village = village_or_404()
    today = local_today()
    warnings = [w for w, _r in warnings_service.warnings_for(village) if w.in_force(today)]
    return render("publicity/loudspeaker.html", warnings=warnings, pact=service.pact_readable(village),
                  tips=service.tip_readables(), available=speech.available())


@bp.post("/read/<source>/<ident>")
@role_required("record")
def read(source: str, ident: str):
    """Make (or find) the announcement of one text; the player replaces the button."""
    readable = _readable(source, ident)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    audio = speech.request_audio(readable.text)
    return render("publicity/read.html", "publicity/_player.html", readable=readable, audio=audio,
                  seconds=_seconds(audio))


@bp.get("/speech/<sha256>")
@role_required("record")
def speech_state(sha256: str):
    """Polled by the player while the announcement is being made."""
    audio = speech.state(_sha_or_404(sha256))
    if audio.state == "unknown":
        abort(404)
    return render("publicity/read.html", "publicity/_player.html", readable=None, audio=audio,
                  seconds=_seconds(audio))


@bp.get("/speech/<sha256>.wav")
@role_required("record")
def speech_audio(sha256: str):
    path = speech.audio_path(_sha_or_404(sha256))
    if not path.exists():
        abort(404)
    download = request.args.get("download") == "1"
    return send_file(path, mimetype="audio/wav", conditional=True, max_age=86400, as_attachment=download,
                     download_name=f"broadcast-{local_today().isoformat()}-{sha256[:8]}.wav")


def _sha_or_404(sha256: str) -> str:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        abort(404)
    return sha256


def _seconds(audio: speech.Audio) -> float | None:
    if audio.state != "ready":
        return None
    try:
        return speech.duration(speech.audio_path(audio.sha256))
    except (speech.SpeechError, OSError, ValueError):
        return None


# ---- what the shell shows -------------------------------------------------------------------------

def tile_badge():
    village = current_village()
    if village is None:
        return None
    month = service.held_this_month(village.code)
    return (_("%(n)d this month", n=month), "ok") if month else (_("None this month"), "warn")


def _activity_evidence(village_code: str, since: dt.datetime, kinds: tuple[str, ...]) -> list[Evidence]:
    return [Evidence("activity", a.id, _("%(kind)s on %(day)s: %(topic)s", kind=a.kind_label,
                                         day=format_date(a.held_on, "medium"), topic=a.topic or a.place or "—"))
            for a in service.since(village_code, since, kinds)]


def broadcast_evidence(village_code: str, since: dt.datetime) -> list[Evidence]:
    """Broadcasts, fire-tricycle tours and talks since a warning: what a village answers it with."""
    return _activity_evidence(village_code, since, ("broadcast", "tricycle", "talk"))


def door_evidence(village_code: str, since: dt.datetime) -> list[Evidence]:
    """Door-to-door campaigns since a warning, and the visits recorded since."""
    found = _activity_evidence(village_code, since, ("door_to_door",))
    first, last = local_day(since), local_today()
    visits = service.visits_on(village_code, first, last)
    if visits:
        found.append(Evidence("door_visits", f"{first.isoformat()}/{last.isoformat()}",
                              _("%(n)d door-to-door visits from %(first)s to %(last)s", n=visits,
                                first=format_date(first, "medium"), last=format_date(last, "medium"))))
    return found
