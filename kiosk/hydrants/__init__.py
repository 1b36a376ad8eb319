"""Hydrants and fire water pools: the registry, QR labels, inspections and checks on the kiosk, and
the public page residents reach by scanning a label (``/h/<code>``, served by both roles)."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import click
from flask.cli import AppGroup
import sqlalchemy as sa
from flask import (Blueprint, Flask, Response, abort, current_app, flash, redirect, request, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import RequestEntityTooLarge

from ..extensions import db
from ..records import commit_once, utcnow

from .. import registry
from ..auth import current_person, current_staff, may, role_required
from ..hazards.service import open_hazard, open_hazards_for
from ..photos import MAX_UPLOAD_BYTES, PhotoError, store_photo
from ..registry import Tile
from ..context import current_village, village_or_404
from ..village import Village
from ..web import render
from . import labels, plot, service
from .forms import (HydrantForm, InspectionForm, IntervalsForm, PoolCheckForm, PoolForm, ReportForm)
from .models import (HYDRANT_KINDS, ICE_STATES, INSPECTION_ITEMS, ITEM_RESULTS, POOL_CHECK_KINDS,  # noqa: F401
                     PROBLEMS, STATUSES, WATER_LEVELS, WATER_SOURCES, Hydrant, HydrantInspection,
                     InspectionIntervals, PoolCheck, ProblemReport, WaterPool)

bp = Blueprint("hydrants", __name__, url_prefix="/hydrants")
public = Blueprint("hydrant_public", __name__)

FILTERS = ("all", "overdue", "defect", "reported", "fine")
STATE_LABELS = {
    "fine": _l("Fine"),
    "overdue": _l("Inspection overdue"),
    "reported": _l("Reported by a resident"),
    "defect": _l("Defect"),
    "out_of_service": _l("Out of service"),
}
FILTER_LABELS = {"all": _l("All"), "overdue": _l("Overdue"), "defect": _l("Defect"),
                 "reported": _l("Reported by residents"), "fine": _l("Fine")}
STATE_TONES = {"fine": "ok", "overdue": "warn", "reported": "info", "defect": "bad", "out_of_service": "info"}
# failed items that make a hydrant useless in a fire: the hazard is serious
SERIOUS_ITEMS = {"clear_5m", "valve", "flow"}

# Resident reports: (reports, seconds) windows per sender and per asset. Counted from the reports
# table itself, so the limits hold across gunicorn workers and restarts, on both databases.
DEFAULT_REPORT_LIMITS = {"client": ((3, 600), (10, 86400)), "asset": ((6, 3600),)}


# ---- helpers ------------------------------------------------------------------------------------

_village_or_404 = village_or_404


def _asset_or_404(code: str):
    village = _village_or_404()
    asset = service.find_asset(code)
    if asset is None or asset.village_id != village.code:
        abort(404)
    return asset


def _title(asset) -> str:
    return _("Fire hydrant") if asset.asset_kind == "hydrant" else _("Fire water pool")


def _name(asset) -> str:
    return asset.name if asset.asset_kind == "pool" else asset.location


def _inspector():
    person, staff = current_person(), current_staff()
    if person is not None:
        return person.id, person.name
    return None, staff.name if staff is not None else None


def _store_photo_into(field) -> str | None:
    """Store the photo of a file field; on a bad photo, put the reason on the field."""
    upload = field.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    try:
        return store_photo(upload)
    except PhotoError as error:
        field.errors = list(field.errors) + [str(error)]
        return None


def _place(asset) -> str:
    return f"{_title(asset)} {asset.code} · {_name(asset)}"


# ---- the registry on the kiosk ----------------------------------------------------------------

@bp.get("/")
@role_required("record")
def index():
    village = _village_or_404()
    show = request.args.get("show", "all")
    if show not in FILTERS:
        show = "all"
    states = service.village_states(village)
    counts = {f: sum(1 for s in states if s.matches(f)) for f in FILTERS}
    shown = [s for s in states if s.matches(show)]
    shown.sort(key=lambda s: (service.STATE_ORDER.index(s.state), s.due_at))
    return render("hydrants/index.html", "hydrants/_list.html", states=shown, counts=counts, show=show,
                  plot=plot.layout(states), **_vocabulary())


def _vocabulary() -> dict:
    return dict(state_labels=STATE_LABELS, state_tones=STATE_TONES, filter_labels=FILTER_LABELS,
                colours=plot.COLOURS, filters=FILTERS)


@bp.get("/open")
def open_code():
    """Open a hydrant or pool from a typed code or a scanned label (a USB scanner types the URL)."""
    raw = request.args.get("code", "")
    if not raw:
        return render("hydrants/open.html", code="", error=None)
    code = service.parse_code(raw)
    asset = service.find_asset(code) if code else None
    if asset is None:
        error = (_("No hydrant or pool has the code %(code)s. Check the label and try again.", code=code)
                 if code else _("This is not a hydrant code. A code has 6 letters and digits, e.g. K7M2QX."))
        return render("hydrants/open.html", status=404, code=raw.strip()[:60], error=error)
    village = current_village()
    if may("record") and village is not None and asset.village_id == village.code:
        return redirect(url_for("hydrants.show", code=asset.code), 303)
    return redirect(url_for("hydrant_public.page", code=asset.code), 303)


def _apply_place(form, asset) -> None:
    asset.location = form.location.data.strip()
    asset.latitude = getattr(form.latitude, "number", None)
    asset.longitude = getattr(form.longitude, "number", None)
    asset.status = form.status.data
    asset.note = (form.note.data or "").strip() or None


def _apply_hydrant(form: HydrantForm, hydrant: Hydrant) -> None:
    _apply_place(form, hydrant)
    hydrant.kind = form.kind.data
    hydrant.outlets = (form.outlets.data or "").strip()
    hydrant.water_source = form.water_source.data


def _apply_pool(form: PoolForm, pool: WaterPool) -> None:
    _apply_place(form, pool)
    pool.name = form.name.data.strip()
    pool.capacity_m3 = getattr(form.capacity_m3, "number", None)


def _register(model, form_class, apply, template):
    village = _village_or_404()
    form = form_class()
    if request.method == "POST":
        existing = db.session.get(model, form.client_id.data)
        if existing is not None:  # the same form sent again
            return redirect(url_for("hydrants.show", code=existing.code), 303)
    if form.validate_on_submit():
        asset = model(id=form.client_id.data, village_id=village.code, code=service.new_code())
        apply(form, asset)
        db.session.add(asset)
        stored = commit_once(model, form.client_id.data)
        if stored is not asset:  # the same form sent twice at once
            return redirect(url_for("hydrants.show", code=stored.code), 303)
        flash(_("Registered with the code %(code)s. Print its label from the labels sheet.", code=asset.code),
              "success")
        return redirect(url_for("hydrants.show", code=asset.code), 303)
    return render(template, status=422 if form.errors else 200, form=form, asset=None)


@bp.route("/new", methods=["GET", "POST"])
@role_required("record")
def new_hydrant():
    return _register(Hydrant, HydrantForm, _apply_hydrant, "hydrants/edit.html")


@bp.route("/pools/new", methods=["GET", "POST"])
@role_required("record")
def new_pool():
    return _register(WaterPool, PoolForm, _apply_pool, "hydrants/edit_pool.html")


@bp.get("/<code>")
@role_required("record")
def show(code: str):
    asset = _asset_or_404(code)
    reports = db.session.scalars(sa.select(ProblemReport).where(
        ProblemReport.asset_id == asset.id, ProblemReport.deleted.is_(False))
        .order_by(ProblemReport.recorded_at.desc()).limit(10)).all()
    return render("hydrants/show.html", asset=asset, st=service.state_of(asset), history=service.history(asset),
                  reports=reports, hazards=open_hazards_for(_subject_kind(asset), asset.id),
                  title=_title(asset), label_url=service.label_url(asset.code), **_vocabulary(),
                  items=INSPECTION_ITEMS, item_results=ITEM_RESULTS)


@bp.route("/<code>/edit", methods=["GET", "POST"])
@role_required("record")
def edit(code: str):
    asset = _asset_or_404(code)
    if asset.asset_kind == "hydrant":
        form, apply, template = HydrantForm(obj=asset), _apply_hydrant, "hydrants/edit.html"
    else:
        form, apply, template = PoolForm(obj=asset), _apply_pool, "hydrants/edit_pool.html"
    if form.validate_on_submit():
        apply(form, asset)
        db.session.commit()
        flash(_("Changes saved."), "success")
        return redirect(url_for("hydrants.show", code=asset.code), 303)
    return render(template, status=422 if form.errors else 200, form=form, asset=asset)


@bp.post("/<code>/remove")
@role_required("manage")
def remove(code: str):
    asset = _asset_or_404(code)
    asset.deleted = True
    db.session.commit()
    flash(_("%(code)s removed from the registry.", code=asset.code), "success")
    return redirect(url_for("hydrants.index"), 303)


@bp.post("/<code>/reviewed")
@role_required("manage")
def reviewed(code: str):
    """The committee has seen the residents' reports (the hazards stay in the register)."""
    asset = _asset_or_404(code)
    asset.reported_at = None
    db.session.commit()
    flash(_("Marked as seen."), "success")
    return redirect(url_for("hydrants.show", code=asset.code), 303)


def _subject_kind(asset) -> str:
    return "hydrant" if asset.asset_kind == "hydrant" else "water_pool"


# ---- inspections and checks -------------------------------------------------------------------

@bp.route("/<code>/inspect", methods=["GET", "POST"])
@role_required("record")
def inspect(code: str):
    hydrant = _asset_or_404(code)
    if hydrant.asset_kind != "hydrant":
        return redirect(url_for("hydrants.check", code=hydrant.code), 303)
    form = InspectionForm()
    if request.method == "GET" and request.args.get("all") == "pass":
        for key in INSPECTION_ITEMS:
            form[f"item_{key}"].data = "pass"
    if request.method == "POST":
        existing = db.session.get(HydrantInspection, form.client_id.data)
        if existing is not None:
            return redirect(url_for("hydrants.show", code=hydrant.code), 303)
    if form.validate_on_submit():
        photos = {k: sha for k in INSPECTION_ITEMS if (sha := _store_photo_into(form[f"photo_{k}"]))}
        if not any(form[f"photo_{k}"].errors for k in INSPECTION_ITEMS):
            _save_inspection(form, hydrant, photos)
            commit_once(HydrantInspection, form.client_id.data)
            return redirect(url_for("hydrants.show", code=hydrant.code), 303)
    status = 422 if request.method == "POST" else 200
    return render("hydrants/inspect.html", status=status, form=form, asset=hydrant, title=_title(hydrant),
                  item_results=ITEM_RESULTS)


def _save_inspection(form: InspectionForm, hydrant: Hydrant, photos: dict) -> HydrantInspection:
    items = {k: form[f"item_{k}"].data for k in INSPECTION_ITEMS}
    notes = {k: form[f"note_{k}"].data.strip() for k in INSPECTION_ITEMS if (form[f"note_{k}"].data or "").strip()}
    result = "defect" if "fail" in items.values() else "ok"
    inspector_id, inspector_name = _inspector()
    inspection = HydrantInspection(
        id=form.client_id.data, village_id=hydrant.village_id, hydrant_id=hydrant.id, inspector_id=inspector_id,
        inspector_name=inspector_name, items=items, item_notes=notes, item_photos_sha256=photos,
        pressure_mpa=getattr(form.pressure, "number", None), result=result, note=(form.note.data or "").strip())
    db.session.add(inspection)
    if result == "defect":
        failed = inspection.failed_items
        hydrant.status = "defect"
        lines = [f"{INSPECTION_ITEMS[k]}" + (f": {notes[k]}" if k in notes else "") for k in failed]
        if inspection.note:
            lines.append(inspection.note)
        open_hazard(village_id=hydrant.village_id, category="hydrant", source="hydrant_inspection",
                    location=_place(hydrant), description="\n".join(lines),
                    severity="serious" if SERIOUS_ITEMS & set(failed) else "minor",
                    subject_kind="hydrant", subject_id=hydrant.id, found_by_kind="hydrant_inspection",
                    found_by_id=inspection.id, photo_sha256=next((photos[k] for k in failed if k in photos), None))
        flash(_("Inspection saved. %(code)s is marked as defective and the problem is in the hazard register.",
                code=hydrant.code), "warning")
    else:
        if hydrant.status == "defect":
            hydrant.status = "in_service"
        flash(_("Inspection saved: %(code)s is in order.", code=hydrant.code), "success")
    hydrant.reported_at = None
    return inspection


@bp.route("/<code>/check", methods=["GET", "POST"])
@role_required("record")
def check(code: str):
    pool = _asset_or_404(code)
    if pool.asset_kind != "pool":
        return redirect(url_for("hydrants.inspect", code=pool.code), 303)
    form = PoolCheckForm()
    if request.method == "GET":
        kind = request.args.get("kind", "level")
        form.check_kind.data = kind if kind in POOL_CHECK_KINDS else "level"
    else:
        existing = db.session.get(PoolCheck, form.client_id.data)
        if existing is not None:
            return redirect(url_for("hydrants.show", code=pool.code), 303)
    if form.validate_on_submit():
        photo = _store_photo_into(form.photo)
        if not form.photo.errors:
            _save_pool_check(form, pool, photo)
            commit_once(PoolCheck, form.client_id.data)
            return redirect(url_for("hydrants.show", code=pool.code), 303)
    status = 422 if request.method == "POST" else 200
    return render("hydrants/check.html", status=status, form=form, asset=pool, title=_title(pool),
                  kind_label=POOL_CHECK_KINDS.get(form.check_kind.data, ""))


def _save_pool_check(form: PoolCheckForm, pool: WaterPool, photo: str | None) -> PoolCheck:
    kind = form.check_kind.data
    level = form.water_level.data if kind == "level" else None
    ice = form.ice.data if kind == "ice" else None
    result = "defect" if level in ("low", "empty") or ice == "frozen" else "ok"
    inspector_id, inspector_name = _inspector()
    record = PoolCheck(id=form.client_id.data, village_id=pool.village_id, pool_id=pool.id, inspector_id=inspector_id,
                       inspector_name=inspector_name, check_kind=kind, water_level=level, ice=ice, result=result,
                       note=(form.note.data or "").strip(), photo_sha256=photo)
    db.session.add(record)
    if result == "defect":
        pool.status = "defect"
        finding = WATER_LEVELS[level] if level else ICE_STATES[ice]
        description = f"{POOL_CHECK_KINDS[kind]}: {finding}" + (f"\n{record.note}" if record.note else "")
        # DOMAIN.md: refill a pool within 48 hours
        open_hazard(village_id=pool.village_id, category="equipment", source="pool_check", location=_place(pool),
                    description=description, severity="serious" if level == "empty" or ice == "frozen" else "minor",
                    subject_kind="water_pool", subject_id=pool.id, found_by_kind="water_pool_check",
                    found_by_id=record.id, photo_sha256=photo,
                    due_in=dt.timedelta(hours=48) if level else None)
        flash(_("Check saved. %(code)s is marked as defective and the problem is in the hazard register.",
                code=pool.code), "warning")
    else:
        if pool.status == "defect":
            pool.status = "in_service"
        flash(_("Check saved: %(code)s is in order.", code=pool.code), "success")
    pool.reported_at = None
    return record


# ---- labels -------------------------------------------------------------------------------------

@bp.get("/<code>/label.svg")
@role_required("record")
def label_svg(code: str):
    asset = _asset_or_404(code)
    village = db.session.get(Village, asset.village_id)
    svg = labels.label_svg(asset, service.label_url(asset.code), village.full_name if village else "")
    return Response(svg, mimetype="image/svg+xml",
                    headers={"Content-Disposition": f'inline; filename="{asset.code}.svg"'})


@bp.get("/<code>/label.png")
@role_required("record")
def label_png(code: str):
    asset = _asset_or_404(code)
    return Response(labels.label_png(asset.code, service.label_url(asset.code)), mimetype="image/png",
                    headers={"Content-Disposition": f'inline; filename="{asset.code}.png"'})


@bp.get("/labels")
@role_required("record")
def label_sheet():
    """A4 sheet of labels, 12 to a page, printed from the browser (CJK text needs no PDF fonts)."""
    village = _village_or_404()
    states = service.village_states(village)
    sheet = [(s.asset, _title(s.asset), labels.symbol_svg(service.label_url(s.asset.code)), _name(s.asset))
             for s in states]
    return render("hydrants/labels.html", sheet=sheet, village=village,
                  configured=bool((current_app.config.get("PUBLIC_URL") or "").strip()),
                  example=service.label_url("XXXXXX"))


# ---- intervals (set by the township) ------------------------------------------------------------

@bp.route("/intervals", methods=["GET", "POST"])
@role_required("record")
def intervals():
    village = _village_or_404()
    township = village.township_code
    hydrant_months, pool_months = service.intervals_for(township)
    form = IntervalsForm(data={"hydrant_months": str(hydrant_months), "pool_months": str(pool_months)})
    if request.method == "POST":
        if not may("staff"):
            abort(403)
        if form.validate_on_submit():
            set_intervals(township, int(form.hydrant_months.data), int(form.pool_months.data))
            db.session.commit()
            flash(_("Inspection intervals saved for every village of the township."), "success")
            return redirect(url_for("hydrants.intervals"), 303)
    return render("hydrants/intervals.html", status=422 if form.errors else 200, form=form, village=village,
                  can_edit=may("staff"))


def set_intervals(township_code: str, hydrant_months: int, pool_months: int) -> InspectionIntervals:
    row = db.session.scalar(InspectionIntervals.live().where(InspectionIntervals.village_id == township_code)
                            .order_by(InspectionIntervals.id.desc()).limit(1))
    if row is None:
        row = InspectionIntervals(village_id=township_code)
        db.session.add(row)
    row.hydrant_months, row.pool_months = hydrant_months, pool_months
    return row


# ---- the public page behind the QR code -----------------------------------------------------------

def _client_key() -> str:
    """A keyed hash of the sender's address: enough to count, useless to anyone who reads the table."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, (request.remote_addr or "?").encode(), hashlib.sha256).hexdigest()


def _over_limit(asset, key: str) -> bool:
    limits = current_app.config.get("HYDRANT_REPORT_LIMITS", DEFAULT_REPORT_LIMITS)
    now = utcnow()
    checks = [(ProblemReport.client_key == key, n, s) for n, s in limits["client"]]
    checks += [(ProblemReport.asset_id == asset.id, n, s) for n, s in limits["asset"]]
    for condition, most, seconds in checks:
        since = now - dt.timedelta(seconds=seconds)
        count = db.session.scalar(sa.select(sa.func.count()).select_from(ProblemReport).where(
            condition, ProblemReport.recorded_at >= since))
        if count >= most:
            return True
    return False


def _public_page(asset, form, status=200, error=None):
    village = db.session.get(Village, asset.village_id)
    return render("hydrants/public.html", "hydrants/_report.html", status=status, asset=asset, form=form,
                  st=service.state_of(asset), village=village, title=_title(asset), name=_name(asset),
                  error=error, max_mb=MAX_UPLOAD_BYTES // (1024 * 1024), max_bytes=MAX_UPLOAD_BYTES,
                  **_vocabulary())


@public.route("/H/<code>", methods=["GET", "POST"])  # what the upper-case label URL asks for
@public.route("/h/<code>", methods=["GET", "POST"])  # registered first: url_for builds this one
def page(code: str):
    asset = service.find_asset(service.parse_code(code))
    if asset is None:
        return render("hydrants/unknown.html", status=404, code=code[:20])
    form = ReportForm()
    if request.method == "GET":
        return _public_page(asset, form)
    existing = db.session.get(ProblemReport, form.client_id.data)
    if existing is not None:  # the same report sent again: it is already with the committee
        return _thanks(asset)
    key = _client_key()
    if _over_limit(asset, key):
        return _public_page(asset, form, status=429, error=_(
            "Many reports have just been sent about this. Please wait a while before sending another; "
            "in an emergency call 119."))
    if form.validate_on_submit():
        photo = _store_photo_into(form.photo)
        if not form.photo.errors:
            _save_report(form, asset, key, photo)
            commit_once(ProblemReport, form.client_id.data)
            return _thanks(asset)
    return _public_page(asset, form, status=422)


def _thanks(asset):
    # a query flag rather than a flashed message: the page is also swapped in as a fragment
    return redirect(url_for("hydrant_public.page", code=asset.code, sent=1), 303)


def _save_report(form: ReportForm, asset, key: str, photo: str | None) -> ProblemReport:
    problem = form.problem.data
    text = (form.description.data or "").strip()
    report = ProblemReport(id=form.client_id.data, village_id=asset.village_id, asset_kind=asset.asset_kind,
                           asset_id=asset.id, problem=problem, description=text,
                           reporter_phone=form.phone.data or None, photo_sha256=photo, client_key=key)
    db.session.add(report)
    asset.reported_at = utcnow()
    # a second resident reporting the same problem joins the open hazard instead of adding one
    hazard = None
    for candidate in open_hazards_for(_subject_kind(asset), asset.id):
        if candidate.found_by_kind == "water_problem_report":
            earlier = db.session.get(ProblemReport, candidate.found_by_id)
            if earlier is not None and earlier.problem == problem:
                hazard = candidate
                break
    if hazard is None:
        hazard = open_hazard(
            village_id=asset.village_id, category="hydrant" if asset.asset_kind == "hydrant" else "equipment",
            source="resident_report", location=_place(asset),
            description=str(PROBLEMS[problem]) + (f": {text}" if text else ""),
            subject_kind=_subject_kind(asset), subject_id=asset.id, found_by_kind="water_problem_report",
            found_by_id=report.id, photo_sha256=photo, reporter_phone=report.reporter_phone)
        db.session.flush()
    report.hazard_id = hazard.id
    return report


@public.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    """A photo over the upload limit: say so on the page the resident was on, not a bare error."""
    code = (request.view_args or {}).get("code", "")
    asset = service.find_asset(service.parse_code(code))
    if asset is None:
        return render("hydrants/unknown.html", status=404, code=code[:20])
    form = ReportForm(formdata=None)
    form.photo.errors = [_("The photo is too large (at most %(mb)d MB).", mb=MAX_UPLOAD_BYTES // (1024 * 1024))]
    return _public_page(asset, form, status=413)


# ---- the home tile, the demo, the CLI -------------------------------------------------------------

def _badge():
    village = current_village()
    if village is None:
        return None
    states = service.village_states(village)
    if not states:
        return (_("None registered"), "info")
    defect = sum(1 for s in states if s.defect or s.state == "out_of_service")
    overdue = sum(1 for s in states if s.overdue)
    reported = sum(1 for s in states if s.reported)
    if defect:
        return (_("%(n)d defective", n=defect), "bad")
    if reported:
        return (_("%(n)d reported", n=reported), "warn")
    if overdue:
        return (_("%(n)d overdue", n=overdue), "warn")
    return (_("All %(n)d fine", n=len(states)), "ok")


def _slides():
    """The plot on the idle notice board, so that residents passing the hall learn where they are."""
    village = current_village()
    if village is None:
        return []
    layout = plot.layout(service.village_states(village))
    if not layout.points:
        return []
    return [("hydrants/_slide.html", {"plot": layout, "state_labels": STATE_LABELS, "colours": plot.COLOURS})]


@click.group("hydrants", cls=AppGroup, help="Hydrants and fire water pools.")
def hydrants_cli():
    pass


@hydrants_cli.command("intervals")
@click.option("--township", "township_code", required=True, help="9-digit township code")
@click.option("--hydrant-months", type=click.IntRange(1, 12), required=True)
@click.option("--pool-months", type=click.IntRange(1, 12), required=True)
def intervals_command(township_code, hydrant_months, pool_months):
    """Set how often a township's hydrants and pools are due for inspection."""
    from ..village import Township
    if db.session.get(Township, township_code) is None:
        raise click.ClickException(f"unknown township {township_code}")
    set_intervals(township_code, hydrant_months, pool_months)
    db.session.commit()
    click.echo(f"{township_code}: hydrants every {hydrant_months} months, pools every {pool_months}")


def init_app(app: Flask) -> None:
    from .demo import load_demo_hydrants
    app.register_blueprint(bp)
    app.register_blueprint(public)
    app.cli.add_command(hydrants_cli)
    app.jinja_env.globals["hydrants_photo_max"] = MAX_UPLOAD_BYTES
    registry.add_tile(app, Tile("hydrants", _l("Hydrants & water pools"), "hydrants.index", "hydrant", 30,
                                badge=_badge))
    registry.add_demo(app, "hydrants", load_demo_hydrants, order=30)
    registry.add_slides(app, _slides, order=60)
