"""The hydrant screens: the registry, inspections and checks, and labels on the kiosk (``hydrants``),
and the public page residents reach by scanning a label (``hydrant_public``, ``/h/<code>``, served by
both roles). Also what the shell shows of hydrants: the home tile's badge, the notice-board slide and
where a scanned label leads."""
from __future__ import annotations

import hashlib
import hmac

from flask import Blueprint, Response, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from werkzeug.exceptions import RequestEntityTooLarge

from ..auth import current_staff, may, role_required
from ..confirm import ask_first, confirmed
from ..context import acting_person, current_village, village_or_404
from ..extensions import db
from ..hazards import queries as hazard_queries
from ..hazards.models import Hazard
from ..hazards.service import acting
from ..photos import store_photo_of, too_large_message
from ..qr import has_public_address, symbol_svg
from ..records import commit_once
from ..supervision.scope import settings_scope
from ..village import Village
from ..web import hx_redirect, public, render
from . import labels, plot, service
from .forms import HydrantForm, InspectionForm, IntervalsForm, PoolCheckForm, PoolForm, ReportForm
from .models import (INSPECTION_ITEMS, ITEM_RESULTS, POOL_CHECK_KINDS, Hydrant, HydrantInspection, PoolCheck,
                     ProblemReport, WaterPool)

bp = Blueprint("hydrants", __name__, url_prefix="/hydrants")
public_bp = Blueprint("hydrant_public", __name__)

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


def _vocabulary() -> dict:
    return dict(state_labels=STATE_LABELS, state_tones=STATE_TONES, filter_labels=FILTER_LABELS,
                colours=plot.COLOURS, filters=FILTERS)


def _asset_or_404(code: str):
    """A live hydrant or pool of the current village, by its label code (any case)."""
    asset = service.find_asset(code, village_code=village_or_404().code)
    if asset is None:
        abort(404)
    return asset


def _shown(asset) -> str:
    return url_for("hydrants.show", code=asset.code)


def _where_it_leads(asset) -> str:
    """The asset's page for those who keep its records here; the residents' page for everyone else."""
    village = current_village()
    if may("record") and village is not None and asset.village_id == village.code:
        return _shown(asset)
    return url_for("hydrant_public.page", code=asset.code)


# ---- the registry on the kiosk ------------------------------------------------------------------

@bp.get("/")
@role_required("record")
def index():
    village = village_or_404()
    show = request.args.get("show", "all")
    if show not in FILTERS:
        show = "all"
    states = service.village_states(village)
    counts = {f: sum(1 for s in states if s.matches(f)) for f in FILTERS}
    shown = sorted((s for s in states if s.matches(show)), key=lambda s: (service.STATE_ORDER.index(s.state), s.due_at))
    return render("hydrants/index.html", "hydrants/_list.html", states=shown, counts=counts, show=show,
                  plot=plot.layout(states), **_vocabulary())


@bp.get("/open")
@public
def open_code():
    """Open a hydrant or pool from a code typed on the keypad (a USB scanner types the label's URL)."""
    raw = request.args.get("code", "")
    if not raw:
        return render("hydrants/open.html", code="", error=None)
    code = service.parse_code(raw)
    asset = service.find_asset(code)
    if asset is None:
        error = (_("No hydrant or pool has the code %(code)s. Check the label and try again.", code=code)
                 if code else _("This is not a hydrant code. A code has 6 letters and digits, e.g. K7M2QX."))
        return render("hydrants/open.html", status=404, code=raw.strip()[:60], error=error)
    return redirect(_where_it_leads(asset), 303)


def open_scanned_label(text: str) -> str | None:
    """Where a scanned hydrant or pool label (``HTTPS://HOST/H/CODE``) leads; None for anything else.
    A label of a code nobody registered leads to the keypad screen, which says so."""
    code = service.parse_code(text) if "/" in text else None
    if code is None:
        return None
    asset = service.find_asset(code)
    return _where_it_leads(asset) if asset is not None else url_for("hydrants.open_code", code=code)


def _register(model, form_class, template):
    village = village_or_404()
    form = form_class()
    if request.method == "POST" and (sent := db.session.get(model, form.client_id.data)) is not None:
        return hx_redirect(_shown(sent))  # the same form sent again
    if form.validate_on_submit():
        service.register(model, village, form.client_id.data, form.values())
        asset = commit_once(model, form.client_id.data)
        flash(_("Registered with the code %(code)s. Print its label from the labels sheet.", code=asset.code),
              "success")
        return hx_redirect(_shown(asset))
    return render(template, form=form, asset=None)


@bp.route("/new", methods=["GET", "POST"])
@role_required("record")
def new_hydrant():
    return _register(Hydrant, HydrantForm, "hydrants/edit.html")


@bp.route("/pools/new", methods=["GET", "POST"])
@role_required("record")
def new_pool():
    return _register(WaterPool, PoolForm, "hydrants/edit_pool.html")


@bp.get("/<code>")
@role_required("record")
def show(code: str):
    asset = _asset_or_404(code)
    return render("hydrants/show.html", asset=asset, st=service.state_of(asset), history=service.history(asset),
                  reports=service.recent_reports(asset), hazards=service.hazards_about(asset),
                  label_url=service.label_url(asset.code), items=INSPECTION_ITEMS, item_results=ITEM_RESULTS,
                  **_vocabulary())


@bp.route("/<code>/edit", methods=["GET", "POST"])
@role_required("record")
def edit(code: str):
    asset = _asset_or_404(code)
    if asset.asset_kind == "hydrant":
        form, template = HydrantForm(record=asset), "hydrants/edit.html"
    else:
        form, template = PoolForm(record=asset), "hydrants/edit_pool.html"
    if form.validate_on_submit():
        service.update(asset, form.values())
        db.session.commit()
        flash(_("Changes saved."), "success")
        return hx_redirect(_shown(asset))
    return render(template, form=form, asset=asset)


@bp.post("/<code>/remove")
@role_required("manage")
def remove(code: str):
    asset = _asset_or_404(code)
    if not confirmed():
        checks = service.check_count(asset)
        consequences = [ngettext("Its %(num)d inspection stays in the records.",
                                 "Its %(num)d inspections stay in the records.", checks)
                        if asset.asset_kind == "hydrant" else
                        ngettext("Its %(num)d check stays in the records.", "Its %(num)d checks stay in the records.",
                                 checks)]
        if hazards := len(service.hazards_about(asset)):
            consequences.append(ngettext("%(num)d open hazard about it stays in the hazard register.",
                                         "%(num)d open hazards about it stay in the hazard register.", hazards))
        consequences.append(_("Its label no longer opens a page: a resident who scans it is told it is not "
                              "registered."))
        return ask_first(_("Remove %(what)s %(code)s from the registry?", what=asset.title, code=asset.code),
                         consequences=consequences, yes=_("Remove from the registry"), back=_shown(asset))
    service.remove(asset)
    db.session.commit()
    flash(_("%(code)s removed from the registry.", code=asset.code), "success")
    return hx_redirect(url_for("hydrants.index"))


@bp.post("/<code>/reviewed")
@role_required("manage")
def reviewed(code: str):
    """The committee has seen the residents' reports (the hazards stay in the register)."""
    asset = _asset_or_404(code)
    service.mark_reports_seen(asset, acting())
    db.session.commit()
    flash(_("Marked as seen."), "success")
    return hx_redirect(_shown(asset))


# ---- inspections and checks ---------------------------------------------------------------------

@bp.route("/<code>/inspect", methods=["GET", "POST"])
@role_required("record")
def inspect(code: str):
    hydrant = _asset_or_404(code)
    if hydrant.asset_kind != "hydrant":
        return redirect(url_for("hydrants.check", code=hydrant.code), 303)
    form = InspectionForm()
    if request.method == "GET" and request.args.get("all") == "pass":
        form.all_passed()
    if request.method == "POST" and db.session.get(HydrantInspection, form.client_id.data) is not None:
        return hx_redirect(_shown(hydrant))  # the same inspection sent again
    if form.validate_on_submit():
        photos = {k: sha for k in INSPECTION_ITEMS
                  if (sha := store_photo_of(form[f"photo_{k}"], form.client_id.data))}
        if not form.errors:
            service.save_inspection(
                hydrant, client_id=form.client_id.data, actor=acting_person(), answers=form.answers(),
                notes=form.item_notes(), photos=photos, pressure_mpa=form.pressure_mpa(), note=form.note.data or "")
            if commit_once(HydrantInspection, form.client_id.data).result == "defect":
                flash(_("Inspection saved. %(code)s is marked as defective and the problem is in the hazard "
                        "register.", code=hydrant.code), "warning")
            else:
                flash(_("Inspection saved: %(code)s is in order.", code=hydrant.code), "success")
            return hx_redirect(_shown(hydrant))
    return render("hydrants/inspect.html", form=form, asset=hydrant, item_results=ITEM_RESULTS)


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
    elif db.session.get(PoolCheck, form.client_id.data) is not None:
        return hx_redirect(_shown(pool))  # the same check sent again
    if form.validate_on_submit():
        photo = store_photo_of(form.photo, form.client_id.data)
        if not form.errors:
            water_level, ice = form.finding()
            service.save_pool_check(
                pool, client_id=form.client_id.data, actor=acting_person(), kind=form.check_kind.data,
                water_level=water_level, ice=ice, note=form.note.data or "", photo=photo)
            if commit_once(PoolCheck, form.client_id.data).result == "defect":
                flash(_("Check saved. %(code)s is marked as defective and the problem is in the hazard register.",
                        code=pool.code), "warning")
            else:
                flash(_("Check saved: %(code)s is in order.", code=pool.code), "success")
            return hx_redirect(_shown(pool))
    return render("hydrants/check.html", form=form, asset=pool,
                  kind_label=POOL_CHECK_KINDS.get(form.check_kind.data, ""))


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
    village = village_or_404()
    sheet = [(s.asset, symbol_svg(service.label_url(s.asset.code))) for s in service.village_states(village)]
    return render("hydrants/labels.html", sheet=sheet, village=village,
                  configured=has_public_address(),
                  example=service.label_url("XXXXXX"))


# ---- intervals (set by the township) ------------------------------------------------------------

@bp.route("/intervals", methods=["GET", "POST"])
@role_required("record")
def intervals():
    """Everyone who keeps records sees the intervals; only township staff change them (from the
    township's settings, with no village chosen)."""
    staff = current_staff()
    village = current_village()
    where = {}
    if staff is not None:  # a county account chooses the township (supervision.scope)
        where = settings_scope(staff, request.args.get("township"))
        township = where["settings_township"].code
    else:
        township = village_or_404().township_code
    hydrant_months, pool_months = service.intervals_for(township)
    form = IntervalsForm(record=service.latest_intervals(township),
                         data={"hydrant_months": str(hydrant_months), "pool_months": str(pool_months)})
    if request.method == "POST":
        if not may("staff"):
            abort(403)
        if form.validate_on_submit():
            service.set_intervals(township, int(form.hydrant_months.data), int(form.pool_months.data))
            db.session.commit()
            flash(_("Inspection intervals saved for every village of the township."), "success")
            return hx_redirect(url_for("hydrants.intervals", township=where.get("chosen")))
    return render("hydrants/intervals.html", form=form, village=village, can_edit=may("staff"), **where)


# ---- the public page behind the QR code ---------------------------------------------------------

def _client_key() -> str:
    """A keyed hash of the sender's address: enough to count, useless to anyone who reads the table."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, (request.remote_addr or "?").encode(), hashlib.sha256).hexdigest()


def _public_page(asset, form, status=None, error=None):
    receipt = hazard_queries.by_code(request.args.get("sent"))
    if receipt is not None and receipt.subject_id != asset.id:
        receipt = None
    return render("hydrants/public.html", "hydrants/_report.html", status=status, asset=asset, form=form,
                  st=service.state_of(asset), village=db.session.get(Village, asset.village_id), error=error,
                  receipt=receipt, receipt_url=hazard_queries.receipt_url(receipt) if receipt else None,
                  **_vocabulary())


def _thanks(asset, report: ProblemReport):
    # a query flag rather than a flashed message: the residents' page shows no flashes. The receipt
    # is the code of the report's hazard (its page at /R/<code>).
    hazard = db.session.get(Hazard, report.hazard_id) if report.hazard_id else None
    return hx_redirect(url_for("hydrant_public.page", code=asset.code, sent=hazard.code if hazard else 1))


@public_bp.route("/H/<code>", methods=["GET", "POST"])  # what the upper-case label URL asks for
@public_bp.route("/h/<code>", methods=["GET", "POST"])  # registered first: url_for builds this one
@public
def page(code: str):
    asset = service.find_asset(service.parse_code(code))
    if asset is None:
        return render("hydrants/unknown.html", status=404, code=code[:20])
    form = ReportForm()
    if request.method == "GET":
        return _public_page(asset, form)
    sent = db.session.get(ProblemReport, form.client_id.data)
    if sent is not None:
        return _thanks(asset, sent)  # the same report sent again: it is already with the committee
    key = _client_key()
    if service.over_report_limit(asset, key):
        return _public_page(asset, form, status=429, error=_(
            "Many reports have just been sent about this. Please wait a while before sending another; "
            "in an emergency call 119."))
    if form.validate_on_submit():
        photo = store_photo_of(form.photo, form.client_id.data)
        if not form.errors:
            service.file_report(asset, client_id=form.client_id.data, problem=form.problem.data,
                                description=form.description.data or "", phone=form.phone.data or None,
                                photo=photo, client_key=key)
            return _thanks(asset, commit_once(ProblemReport, form.client_id.data))
    return _public_page(asset, form)


@public_bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    """A photo over the upload limit: say so on the page the resident was on, not a bare error."""
    code = (request.view_args or {}).get("code", "")
    asset = service.find_asset(service.parse_code(code))
    if asset is None:
        return render("hydrants/unknown.html", status=404, code=code[:20])
    form = ReportForm(formdata=None)
    form.photo.errors = [too_large_message()]
    return _public_page(asset, form, status=413)


# ---- what the shell shows of hydrants -----------------------------------------------------------

def tile_badge():
    village = current_village()
    if village is None:
        return None
    counts = service.badge_counts(village)
    if not counts.total:
        return (_("None registered"), "info")
    if counts.defect:
        return (_("%(n)d defective", n=counts.defect), "bad")
    if counts.reported:
        return (_("%(n)d reported", n=counts.reported), "warn")
    if counts.overdue:
        return (_("%(n)d overdue", n=counts.overdue), "warn")
    return (_("All %(n)d fine", n=counts.total), "ok")


def board_slides():
    """The plot on the idle notice board, so that residents passing the hall learn where they are."""
    village = current_village()
    if village is None:
        return []
    layout = plot.layout(service.village_states(village))
    if not layout.points:
        return []
    return [("hydrants/_slide.html", {"plot": layout, "state_labels": STATE_LABELS, "colours": plot.COLOURS})]
