"""The volunteers' phone app on the township server, and the staff's screen that enrols and revokes
phones.

- ``/phone/people`` (staff): the chosen village's roster, "add a phone" (a one-time QR) and the
  phones enrolled, each revocable;
- ``/phone/enrol/<token>``: what the QR opens; a GET only asks (link previews in chat apps open
  links by themselves), the POST enrols the phone and sets its cookie;
- ``/phone/``, ``/phone/report``, ``/phone/inspect``, ``/phone/fix``, ``/phone/station``,
  ``/phone/visit``, ``/phone/patrol``: the app's pages, the same for every phone (the service worker
  keeps them); who the phone is comes from ``/phone/data.json``;
- ``/phone/api/…``: deliveries from the outbox, idempotent by the record's ``client_id``; and the
  kiosk's questions (an enrolment, its village's phones, one phone signed out) on its sync credential.

The app pages have a layout of their own (phones/layout.html), not the kiosk's base.html: they work
offline from the service worker's cache, with no htmx, no status bar polling the server and no
kiosk idle timer."""
from __future__ import annotations

import hashlib
import json
from functools import wraps

from flask import (Blueprint, abort, current_app, flash, g, jsonify, make_response, redirect, render_template,
                   request, url_for)
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from ..auth import role_required
from ..auth.security import current_staff
from ..confirm import ask_first, confirmed
from ..devices.service import kiosk_village
from ..context import village_or_404
from ..extensions import csrf, db
from ..forms import EmptyForm
from ..hazards.models import Hazard, HazardAction
from ..hazards.service import LoopError
from ..hydrants.models import HydrantInspection
from ..pacts.models import DoorVisit
from ..patrols.models import PatrolRun, PatrolVisit
from ..patrols.service import PatrolError
from ..station.models import StationCheck
from ..station.service import AnswerError
from ..photos import store_photo_of
from ..qr import public_url, symbol_svg
from ..records import commit_once
from ..village.models import Person, Village
from ..web import hx_redirect, public, render
from . import service
from .forms import HazardFixForm, HazardReportForm, PhoneInspectionForm, PhoneVisitForm

bp = Blueprint("phones", __name__)

COOKIE = "phone"
COOKIE_YEARS = 5
# deliveries must carry it: a cross-site form cannot set a header (with the Lax cookie, what CSRF guards)
APP_HEADER = "X-Phone-App"
WORKBOX = "vendor/workbox-7.4.1"
IDB = "vendor/idb-8.0.4/umd.js"
SHELL_PAGES = ("home", "report", "inspect", "fix", "station", "visit", "patrol")
# the app's own scripts: the outbox and the pages (phones.js), and one file per form (docs/phones.md)
SCRIPTS = ("js/photo_shrink.js", "js/phones.js", "js/phones-forms.js", "js/phones-station.js", "js/phones-visit.js",
           "js/phones-patrol.js")
SHELL_FILES = (*SCRIPTS, "css/phones.css", IDB, "img/phone-192.png", "img/phone-512.png")


def _secret() -> str | None:
    return request.cookies.get(COOKIE)


def phone_required(view):
    """The view runs for an enrolled phone only, as its person in its village: the rest of the app
    (``current_person``, ``acting_person``, ``current_village``, the hazard loop's ``acting``) sees
    that person. A revoked phone is told so (403 ``revoked``), an unknown one gets 401."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        credential = service.credential_for(_secret())
        if credential is None:
            revoked = service.is_revoked(_secret())
            return jsonify(error="revoked" if revoked else "not_enrolled",
                           message=_("This phone was signed out by the village or the township. What it has "
                                     "not sent stays on it; show it to a committee member.") if revoked
                           else _("This phone is not enrolled.")), 403 if revoked else 401
        g.phone, g.person, g.staff = credential, credential.person, None
        g.village = db.session.get(Village, credential.village_id)
        return view(credential, *args, **kwargs)
    return wrapped


# ---- staff: enrol and revoke ---------------------------------------------------------------------

@bp.get("/phone/people")
@role_required("staff")
def people():
    village = village_or_404()
    return render("phones/people.html", village=village, people=service.roster(village.code),
                  phones=service.phones_of(village.code), form=EmptyForm())


@bp.post("/phone/people/<person_id>/enrol")
@role_required("staff")
def new_enrolment(person_id: str):
    village = village_or_404()
    person = db.session.get(Person, person_id) if len(person_id) <= 36 else None
    if person is None or person.deleted or not person.active or person.village_id != village.code:
        abort(404)
    row, token = service.new_enrolment(person, current_staff().name)
    db.session.commit()
    url = public_url(f"PHONE/ENROL/{token}")
    # the token exists only in this answer (only its hash is stored): shown once, never cached
    response = make_response(render("phones/enrolment.html", person=person, village=village, url=url,
                                    qr=symbol_svg(url, "qr phone-qr"), row=row))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/phone/phones/<credential_id>/revoke")
@role_required("staff")
def revoke(credential_id: str):
    village = village_or_404()
    credential = service.credential_in(village.code, credential_id)
    if credential is None:
        abort(404)
    if not confirmed():
        return ask_first(_("Sign out %(name)s's phone?", name=credential.person.name), yes=_("Sign the phone out"),
                         back=url_for("phones.people"),
                         consequences=[_("The phone can no longer send records or see the village's data."),
                                       _("What it has not sent yet stays on the phone.")])
    service.revoke(credential, current_staff().name)
    db.session.commit()
    flash(_("The phone is signed out."), "success")
    return hx_redirect(url_for("phones.people"))


# ---- the phone: enrolment ---------------------------------------------------------------------------

@bp.route("/phone/enrol/<token>", methods=["GET", "POST"])
@bp.route("/PHONE/ENROL/<token>", methods=["GET", "POST"])  # what the upper-case QR asks for
@public
def enrol(token: str):
    pending = service.pending_enrolment(token)
    if request.method == "GET" or pending is None:
        return render_template("phones/enrol.html", pending=pending, token=service.normalise_token(token),
                               form=EmptyForm(), **_shell_context("enrol")), 200 if pending else 410
    if not EmptyForm().validate_on_submit():
        abort(400)
    redeemed = service.redeem(token, request.user_agent.string)
    if redeemed is None:
        db.session.rollback()
        return render_template("phones/enrol.html", pending=None, token="", form=EmptyForm(),
                               **_shell_context("enrol")), 410
    credential, secret = redeemed
    db.session.commit()
    response = redirect(url_for("phones.home"), 303)
    response.set_cookie(COOKIE, secret, max_age=COOKIE_YEARS * 366 * 86400, httponly=True,
                        secure=request.is_secure, samesite="Lax", path="/")
    return response


# ---- the phone: the app ---------------------------------------------------------------------------------

def _strings() -> dict:
    """What the app's script says, in the phone's language (scripts carry no strings of their own)."""
    return {
        "waiting": _("%(n)s waiting to send"), "none_waiting": _("Everything is sent"),
        "sent": _("Sent"), "waiting_one": _("Waiting to send"), "refused": _("Not accepted"),
        "hazard": _("Hazard report"), "inspection": _("Hydrant inspection"), "fix": _("Hazard fixed"),
        "unknown_hazard": _("This hazard is not one of your village's."),
        "saved": _("Saved on this phone. It will be sent when there is signal."),
        "revoked": _("This phone was signed out by the village or the township. What it has not sent "
                     "stays on it; show it to a committee member."),
        "not_enrolled": _("This phone is not enrolled. Ask the village committee or the township for a QR code."),
        "no_worker": _("This browser cannot keep the app for use without signal (WeChat's browser cannot). "
                       "Open this page in the phone's own browser (Chrome, Edge, Safari)."),
        "offline": _("No signal: records are kept on this phone."),
        "unknown_hydrant": _("This hydrant is not one of your village's."),
        "photo_failed": _("The photo could not be read. Take it again."),
        "choose_item": _("Answer every item: pass, fail or not applicable."),
        "where_missing": _("Say where the hazard is."),
        "made_as": _("Made when this phone was %(name)s's."),
        "send_as": _("Send the %(n)s records made as %(name)s, as %(holder)s"),
        # the station check, in the kiosk's words (station/_step.html, station.service.parse_answer)
        "station_check": _("Station check"), "no_station": _("The village has no micro fire station set up."),
        "no_checklist": _("The township has not issued the station's checklist yet."),
        "step_of": _("Item %(n)d of %(total)d"), "answered_of": _("%(a)d of %(t)d answered"),
        "faults_n": _("%(n)d faults"), "in_order": _("In order"), "fault": _("Fault"),
        "still_valid": _("Still valid"), "expired": _("Expired"), "date_passed_badge": _("Date passed"),
        "all_present": _("All %(n)d present"), "count_them": _("Or count them:"), "save_count": _("Save this count"),
        "gauge_reading": _("Gauge reading"), "save": _("Save"),
        "threshold_hint": _("Standby at least %(min)s MPa; a full cylinder reads 26–30 MPa."),
        "count_whole": _("Enter how many are present as a whole number."), "count_max": _("At most %(max)d."),
        "pressure_number": _("Enter the pressure as a number of MPa, for example 28.5."),
        "pressure_range": _("A cylinder reads between 0 and %(max)d MPa. Read the gauge again."),
        "date_passed": _("The inventory says this date passed on %(date)s. Mark it expired, or have the "
                         "committee correct the date in the inventory."),
        "check_incomplete": _("Check saved as incomplete."),
        # the door-to-door visit (pacts' visit form)
        "visit": _("Door-to-door visit"), "hazard_found": _("Hazard found %(n)s"), "what_found": _("What was found"),
        "fixed_on_spot": _("Fixed on the spot"), "tick_topic": _("Tick at least one topic you covered."),
        "who_visited": _("Enter who made the visit."),
        # the patrol
        "patrol": _("Night patrol"), "checkpoint": _("Checkpoint"), "checkpoints_n": _("%(n)s checkpoints"),
        "reached_of": _("%(done)s of %(total)s checkpoints reached"), "not_yet": _("Not yet"),
        "checkpoint_recorded": _("Checkpoint %(name)s recorded."),
        "unknown_plate": _("This plate is not one of your village's checkpoints."),
        "other_route": _("This plate is on another route. Finish the patrol of %(route)s first."),
    }


def _shell_context(page: str) -> dict:
    return dict(page=page, strings=json.dumps(_strings(), ensure_ascii=False), phone_scripts=SCRIPTS,
                endpoints={"hazard": url_for("phones.deliver_hazard"),
                           "inspection": url_for("phones.deliver_inspection"),
                           "fix": url_for("phones.deliver_fix"), "fix_page": url_for("phones.fix"),
                           "data": url_for("phones.data"), "status": url_for("phones.status"),
                           "worker": url_for("phones.worker"), "inspect": url_for("phones.inspect"),
                           "check": url_for("phones.deliver_station_check"), "visit": url_for("phones.deliver_visit"),
                           "scan": url_for("phones.deliver_patrol_scan"),
                           "patrol": url_for("phones.deliver_patrol_end"),
                           "patrol_page": url_for("phones.patrol")})


def _shell(template: str, page: str):
    response = make_response(render_template(template, **_shell_context(page)))
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/phone/")
@public
def home():
    return _shell("phones/home.html", "home")


@bp.get("/phone/report")
@public
def report():
    return _shell("phones/report.html", "report")


@bp.get("/phone/inspect")
@public
def inspect():
    return _shell("phones/inspect.html", "inspect")


@bp.get("/phone/fix")
@public
def fix():
    return _shell("phones/fix.html", "fix")


@bp.get("/phone/station")
@public
def station():
    return _shell("phones/station.html", "station")


@bp.get("/phone/visit")
@public
def visit():
    return _shell("phones/visit.html", "visit")


@bp.get("/phone/patrol")
@public
def patrol():
    return _shell("phones/patrol.html", "patrol")


@bp.get("/phone/data.json")
@public
@phone_required
def data(credential):
    response = jsonify(service.village_data(credential))
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/phone/status")
@public
@phone_required
def status(credential):
    service.seen(credential)
    db.session.commit()
    return jsonify(ok=True, person=credential.person.name)


@bp.get("/phone/manifest.webmanifest")
@public
def manifest():
    body = {
        "name": _("Village fire safety"), "short_name": _("Fire safety"), "lang": "zh-Hans",
        "start_url": url_for("phones.home"), "scope": "/", "display": "standalone",
        "background_color": "#ffffff", "theme_color": "#c62828",
        "icons": [{"src": url_for("static", filename=f"img/phone-{size}.png"), "sizes": f"{size}x{size}",
                   "type": "image/png", "purpose": "any maskable"} for size in (192, 512)],
    }
    response = current_app.response_class(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


def _revision(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _precache(credential) -> list[dict]:
    """Every file the app needs offline, with a revision that changes with its content: the worker
    script changes with it, so the phone fetches what changed (and only that) when it is online."""
    entries = []
    for page in SHELL_PAGES:
        body = _shell(f"phones/{page}.html", page).get_data()
        entries.append({"url": url_for(f"phones.{page}"), "revision": _revision(body)})
    static = current_app.static_folder
    for name in SHELL_FILES:
        with open(f"{static}/{name}", "rb") as f:
            entries.append({"url": url_for("static", filename=name), "revision": _revision(f.read())})
    entries.append({"url": url_for("phones.manifest"), "revision": _revision(manifest().get_data())})
    if credential is not None:
        entries.append({"url": url_for("phones.data"), "revision": service.village_data(credential)["version"]})
    return entries


@bp.get("/phone/sw.js")
@public
def worker():
    credential = service.credential_for(_secret())
    body = render_template("phones/sw.js", precache=json.dumps(_precache(credential)),
                           workbox=url_for("static", filename=WORKBOX), inspect=url_for("phones.inspect"),
                           patrol=url_for("phones.patrol"))
    response = current_app.response_class(body, mimetype="text/javascript")
    # the worker controls the label addresses (/H/<code>) too, so that scanning one offline opens the form
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


# ---- the phone: deliveries -----------------------------------------------------------------------------

def _answer(delivery: service.Delivery):
    if delivery.outcome == "clash":
        return jsonify(status="clash", id=delivery.record_id), 409
    return jsonify(status=delivery.outcome, id=delivery.record_id), 201 if delivery.outcome == "stored" else 200


def _refused(form=None, message: str | None = None):
    errors = {name: [str(e) for e in errs] for name, errs in (form.errors.items() if form else [])}
    return jsonify(status="refused", errors=errors, message=message or _("Some answers are missing or wrong.")), 422


def _delivery_checks():
    if request.headers.get(APP_HEADER) != "1":
        abort(400)
    return service.valid_uuid(request.form.get("client_id"))


def _deliver(model, credential, store):
    """One delivery of a record the phone made: refused without a valid id, answered "already" when
    an earlier delivery stored it; else ``store(client_id)`` adds it through the feature's service
    (returning a refusal, or None) and it is committed once. The same record delivered twice at
    the same moment is stored by whichever commits first."""
    client_id = _delivery_checks()
    if client_id is None:
        return _refused(message=_("This record has no valid id."))
    if (earlier := service.earlier(model, client_id, credential)) is not None:
        return _answer(earlier)
    try:
        refusal = store(client_id)
    except IntegrityError:  # a service that flushes met the other copy there
        db.session.rollback()
        return _answer(service.earlier(model, client_id, credential) or service.Delivery("clash", client_id))
    if refusal is not None:
        db.session.rollback()
        return refusal
    service.seen(credential)
    stored = commit_once(model, client_id)
    return _answer(service.Delivery("stored" if stored.village_id == credential.village_id else "clash", client_id))


@bp.post("/phone/api/hazards")
@csrf.exempt
@public
@phone_required
def deliver_hazard(credential):
    def store(client_id):
        form = HazardReportForm()
        if not form.validate():
            return _refused(form)
        photo = store_photo_of(form.photo)
        if form.errors:
            return _refused(form)
        service.report_hazard(credential, client_id, form.values(), photo)
        return None
    return _deliver(Hazard, credential, store)


@bp.post("/phone/api/inspections")
@csrf.exempt
@public
@phone_required
def deliver_inspection(credential):
    def store(client_id):
        form = PhoneInspectionForm()
        hydrant = service.hydrant_of(credential, form.hydrant.data)
        if hydrant is None:
            return _refused(message=_("This hydrant is not one of your village's."))
        if not form.validate():
            return _refused(form)
        service.inspect_hydrant(credential, hydrant, client_id, form.answers(), form.item_notes(),
                                form.pressure_mpa(), form.note.data or "")
        return None
    return _deliver(HydrantInspection, credential, store)


@bp.post("/phone/api/fixes")
@csrf.exempt
@public
@phone_required
def deliver_fix(credential):
    def store(client_id):
        form = HazardFixForm()
        hazard = service.hazard_of(credential, form.hazard.data)
        if hazard is None:
            return _refused(message=_("This hazard is not one of your village's."))
        if not form.validate():
            return _refused(form)
        photo = store_photo_of(form.photo)
        if form.errors:
            return _refused(form)
        try:
            service.fix_hazard(credential, hazard, client_id, form.phrase.data, form.note.data, photo)
        except LoopError as error:
            return _refused(message=str(error))
        return None
    return _deliver(HazardAction, credential, store)


# a check of the demo station has 40 steps; a station with ten times the inventory stays under this
MAX_ANSWERS_BYTES = 200_000


@bp.post("/phone/api/station-checks")
@csrf.exempt
@public
@phone_required
def deliver_station_check(credential):
    def store(client_id):
        text = request.form.get("answers") or ""
        try:
            answers = json.loads(text) if len(text) <= MAX_ANSWERS_BYTES else None
        except ValueError:
            answers = None
        if not isinstance(answers, dict) or not all(isinstance(v, dict) for v in answers.values()):
            return _refused(message=_("The check's answers cannot be read."))
        try:
            service.check_station(credential, client_id, request.form.get("reason") or "",
                                  (request.form.get("township_template_id"), request.form.get("village_template_id")),
                                  answers)
        except AnswerError as error:
            return _refused(message=str(error))
        return None
    return _deliver(StationCheck, credential, store)


@bp.post("/phone/api/visits")
@csrf.exempt
@public
@phone_required
def deliver_visit(credential):
    def store(client_id):
        household = service.household_of(credential, request.form.get("household_id"))
        if household is None:
            return _refused(message=_("Choose the household you visited."))
        form = PhoneVisitForm([household])
        if not form.validate():
            return _refused(form)
        service.visit_household(credential, household, client_id, form)
        return None
    return _deliver(DoorVisit, credential, store)


def _patrol_times(*names: str):
    moments = [service.phone_moment(request.form.get(name)) for name in names]
    return None if None in moments else moments


@bp.post("/phone/api/patrol-scans")
@csrf.exempt
@public
@phone_required
def deliver_patrol_scan(credential):
    def store(client_id):
        point = service.checkpoint_of(credential, request.form.get("code"))
        run_id = service.valid_uuid(request.form.get("run"))
        if point is None or run_id is None:
            return _refused(message=_("This plate is not one of your village's checkpoints."))
        times = _patrol_times("started", "at")
        if times is None:
            return _refused(message=_("The phone's clock gave a time that cannot be right."))
        try:
            visit = service.scan_checkpoint(credential, point, client_id, run_id, *times)
        except PatrolError as error:
            return _refused(message=str(error))
        if visit.id != client_id:  # the plate was scanned before on this run: its first time stays
            return _answer(service.Delivery("already", client_id))
        return None
    return _deliver(PatrolVisit, credential, store)


@bp.post("/phone/api/patrol-ends")
@csrf.exempt
@public
@phone_required
def deliver_patrol_end(credential):
    """The patrol is over; the record's id is the run's (its scans carry it too)."""
    run_id = _delivery_checks()
    if run_id is None:
        return _refused(message=_("This record has no valid id."))
    route = service.route_of(credential, request.form.get("route"))
    times = _patrol_times("started", "ended")
    if route is None:
        return _refused(message=_("This route is not one of your village's."))
    if times is None:
        return _refused(message=_("The phone's clock gave a time that cannot be right."))
    note = (request.form.get("note") or "").strip()[:500]
    ended_before = db.session.get(PatrolRun, run_id)
    if ended_before is not None and ended_before.ended_at is not None:
        return _answer(service.Delivery("already" if ended_before.village_id == credential.village_id else "clash",
                                        run_id))
    try:
        service.end_patrol(credential, route, run_id, *times, note)
    except PatrolError as error:
        db.session.rollback()
        return _refused(message=str(error))
    service.seen(credential)
    commit_once(PatrolRun, run_id)
    return _answer(service.Delivery("stored", run_id))


# ---- the township's answer to a kiosk's "add a phone" ------------------------------------------------

def _kiosks_person():
    """(the person a kiosk names, None), or (None, the refusal): on the kiosk's own sync credential,
    a person of its own village the township holds."""
    village_code = kiosk_village(request.headers.get("Authorization"))
    if village_code is None:
        return None, (jsonify(error="not_a_kiosk"), 401)
    person_id = request.form.get("person_id") or ""
    person = db.session.get(Person, person_id) if 0 < len(person_id) <= 36 else None
    if person is None or person.deleted or person.village_id != village_code:
        return None, (jsonify(error="unknown_person"), 404)
    return person, None


@bp.post("/phone/api/kiosk-enrolments")
@csrf.exempt
@public
def kiosk_enrolment():
    """A kiosk asks for a phone enrolment of a person of its village (the person must have reached
    the township by sync)."""
    person, refused = _kiosks_person()
    if refused:
        return refused
    if not person.active:
        return jsonify(error="unknown_person"), 404
    row, token = service.new_enrolment(person, (request.form.get("by") or _("the kiosk"))[:40])
    db.session.commit()
    return jsonify(url=public_url(f"PHONE/ENROL/{token}"), expires_at=row.expires_at.isoformat()), 201


@bp.get("/phone/api/kiosk-phones")
@public
def kiosk_phones():
    """A kiosk lists its village's phones (it holds no credentials: the township does)."""
    village_code = kiosk_village(request.headers.get("Authorization"))
    if village_code is None:
        return jsonify(error="not_a_kiosk"), 401
    return jsonify(phones=service.phone_list(village_code))


@bp.post("/phone/api/kiosk-revocations")
@csrf.exempt
@public
def kiosk_revocation():
    """A kiosk signs out one phone of its village."""
    village_code = kiosk_village(request.headers.get("Authorization"))
    if village_code is None:
        return jsonify(error="not_a_kiosk"), 401
    credential = service.credential_in(village_code, request.form.get("phone_id"))
    if credential is None:
        return jsonify(error="unknown_phone"), 404
    service.revoke(credential, (request.form.get("by") or _("the kiosk"))[:40])
    db.session.commit()
    return jsonify(revoked=credential.id, person=credential.person.name)


# ---- the label a phone scans ---------------------------------------------------------------------------

def open_label_as_volunteer():
    """A hydrant's label (``/H/<code>``) opened on an enrolled phone of the hydrant's village opens
    the inspection, a checkpoint's plate (``/N/<code>``) the patrol, which records it; everyone else
    (residents, other villages' phones) gets the public page."""
    if request.endpoint not in ("hydrant_public.page", "patrol_public.plate") or request.method != "GET":
        return None
    credential = service.credential_for(_secret())
    if credential is None:
        return None
    code = (request.view_args or {}).get("code")
    if request.endpoint == "patrol_public.plate":
        point = service.checkpoint_of(credential, code)
        return redirect(f"{url_for('phones.patrol')}#{point.code}", 303) if point is not None else None
    hydrant = service.hydrant_of(credential, code)
    if hydrant is None:
        return None
    return redirect(f"{url_for('phones.inspect')}#{hydrant.code}", 303)
