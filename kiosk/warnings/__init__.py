"""Township warnings (预警/提示): written at the township station, shown prominently on the chosen
villages' kiosks (immediate ones interrupt the notice board), acknowledged by a committee member.

The read receipt is a fact of the village that replication carries back, so the station sees who
has read a warning and who has not.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from werkzeug.exceptions import Forbidden

from ..records import uuid7
from ..extensions import db
from ..records import commit_once, utcnow

from .. import registry
from ..auth import current_person, current_staff, role_required
from ..web import passive
from ..registry import Tile
from ..context import current_village, village_or_404
from ..village import Village
from ..web import is_township, render, wants_fragment
from .forms import WarningForm
from .models import KIND_ORDER, KINDS, Warning, WarningReceipt, receipt_id  # noqa: F401

bp = Blueprint("warnings", __name__, url_prefix="/warnings")

# how often an open page asks whether an immediate warning has arrived: the board must show a new
# one within about 30 s of its arrival (config WARNINGS_POLL_SECONDS overrides it, e.g. in tests)
BANNER_POLL_SECONDS = 15


def township_today() -> dt.date:
    """Today in the township's time zone: "in force until" is a local calendar day."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))
    return dt.datetime.now(zone).date()


# ---- queries ---------------------------------------------------------------------------------

def warnings_for(village: Village, limit: int = 300) -> list[tuple[Warning, WarningReceipt | None]]:
    """The warnings addressed to a village, each with the village's receipt (or None).

    Order: in force and not yet acknowledged first (immediate before weekly before monthly), then
    in force and acknowledged, then the expired ones; newest first within each.
    """
    candidates = db.session.scalars(
        Warning.live().where(Warning.village_id == village.township_code)
        .order_by(Warning.issued_at.desc()).limit(limit)).all()
    mine = [w for w in candidates if w.is_for(village.code)]
    if not mine:
        return []
    receipts = {r.warning_id: r for r in db.session.scalars(
        WarningReceipt.live().where(WarningReceipt.village_id == village.code,
                                    WarningReceipt.warning_id.in_([w.id for w in mine])))}
    today = township_today()

    def rank(w: Warning):
        acked = w.id in receipts
        in_force = w.in_force(today)
        return (0 if in_force else 1, 1 if acked else 0, 0 if acked else KIND_ORDER.get(w.kind, 9),
                -w.issued_at.timestamp())

    return [(w, receipts.get(w.id)) for w in sorted(mine, key=rank)]


def pending_immediate(village: Village | None = None) -> list[Warning]:
    """Immediate warnings in force that nobody of the village has acknowledged yet."""
    village = village or current_village()
    if village is None:
        return []
    today = township_today()
    return [w for w, r in warnings_for(village) if w.is_immediate and r is None and w.in_force(today)]


def banner_warnings() -> list[Warning]:
    """What the banner under the status bar shows: only on the kiosk, never breaking a page."""
    if current_app.config["KIOSK_ROLE"] != "village":
        return []
    try:
        return pending_immediate()
    except SQLAlchemyError:  # an error page is being drawn after a database failure
        db.session.rollback()
        return []


_village_or_404 = village_or_404


def _warning_for_village(warning_id: str, village: Village) -> Warning:
    warning = db.session.get(Warning, warning_id)
    if warning is None or warning.deleted or not warning.is_for(village.code):
        abort(404)
    return warning


def _receipt(warning: Warning, village: Village) -> WarningReceipt | None:
    return db.session.get(WarningReceipt, receipt_id(warning.id, village.code))


# ---- the kiosk -------------------------------------------------------------------------------

@bp.get("/")
def index():
    """The village's warnings. Public, like the notice board that shows them."""
    if is_township() and current_staff() is not None:
        return redirect(url_for("warnings.township_index"))
    village = _village_or_404()
    return render("warnings/index.html", "warnings/_list.html", items=warnings_for(village),
                  today=township_today())


@bp.get("/<warning_id>")
def show(warning_id: str):
    village = _village_or_404()
    warning = _warning_for_village(warning_id, village)
    return render("warnings/show.html", "warnings/_ack.html", warning=warning,
                  receipt=_receipt(warning, village), today=township_today())


@bp.post("/<warning_id>/ack")
@role_required("manage")
def acknowledge(warning_id: str):
    """A committee member confirms the village has read the warning. Safe to replay."""
    person = current_person()
    village = _village_or_404()
    if person is None or person.village_id != village.code:
        raise Forbidden()  # staff, or someone of another village: a receipt speaks for this village
    warning = _warning_for_village(warning_id, village)
    receipt = _receipt(warning, village)
    created = False
    if receipt is None:
        receipt = WarningReceipt(id=receipt_id(warning.id, village.code), village_id=village.code,
                                 warning_id=warning.id, person_id=person.id, person_name=person.name,
                                 acknowledged_at=utcnow())
        db.session.add(receipt)
        try:
            db.session.commit()
            created = True
        except IntegrityError:  # a double tap raced us: the receipt is there, which is all we want
            db.session.rollback()
            receipt = _receipt(warning, village)
    if wants_fragment():
        response = render("warnings/show.html", "warnings/_ack.html", warning=warning, receipt=receipt,
                          today=township_today(), just_acknowledged=created)
        response.headers["HX-Trigger"] = "warning-acknowledged"
        return response
    if created:
        flash(_("Acknowledged. The township will see it at the next sync."), "success")
    return redirect(url_for("warnings.show", warning_id=warning.id), 303)


@bp.get("/banner")
@passive
def banner():
    """The banner under the status bar, polled by every open page of the kiosk.

    On the notice board, a change in the pending immediate warnings reloads the board so that the
    new warning becomes its first slide without anyone touching the screen.
    """
    pending = banner_warnings()
    page = _polling_page()
    viewing = page.rsplit("/", 1)[-1] if page.startswith(url_for("warnings.index")) else None
    response = current_app.make_response(render_template("warnings/_banner_box.html", pending=pending,
                                                          viewing=viewing))
    shown = {s for s in request.args.get("shown", "").split(",") if s}
    if page == url_for("home.board") and shown != {w.id for w in pending}:
        response.headers["HX-Refresh"] = "true"
    response.headers["Cache-Control"] = "no-store"
    return response


def _polling_page() -> str:
    """The path of the page whose banner is asking (htmx says which)."""
    from urllib.parse import urlsplit
    return urlsplit(request.headers.get("HX-Current-URL", "")).path


# ---- the township station --------------------------------------------------------------------

def _staff_township() -> str:
    staff = current_staff()
    if staff is None:  # a committee member is not township staff, whatever may() says
        raise Forbidden()
    return staff.township_code


def township_villages(township_code: str) -> list[Village]:
    return db.session.scalars(db.select(Village).where(Village.township_code == township_code)
                              .order_by(Village.code)).all()


def receipt_table(warnings: list[Warning], villages: list[Village]) -> dict[str, list[tuple]]:
    """For each warning: [(village code, village or None, receipt or None)] over its target villages."""
    if not warnings:
        return {}
    by_code = {v.code: v for v in villages}
    receipts: dict[str, dict[str, WarningReceipt]] = {}
    for r in db.session.scalars(WarningReceipt.live().where(
            WarningReceipt.warning_id.in_([w.id for w in warnings]))):
        receipts.setdefault(r.warning_id, {})[r.village_id] = r
    table = {}
    for w in warnings:
        codes = [v.code for v in villages] if w.to_all else list(w.targets or [])
        got = receipts.get(w.id, {})
        rows = [(code, by_code.get(code), got.get(code)) for code in codes if w.is_for(code)]
        # who has not read it comes first: that is what the station acts on
        rows.sort(key=lambda row: (row[2] is not None, row[0]))
        table[w.id] = rows
    return table


def _township_warning_or_404(warning_id: str, township_code: str) -> Warning:
    warning = db.session.get(Warning, warning_id)
    if warning is None or warning.deleted or warning.village_id != township_code:
        abort(404)
    return warning


@bp.get("/township/")
@role_required("staff")
def township_index():
    township = _staff_township()
    warnings = db.session.scalars(Warning.live().where(Warning.village_id == township)
                                  .order_by(Warning.issued_at.desc()).limit(100)).all()
    villages = township_villages(township)
    return render("warnings/township/index.html", warnings=warnings, table=receipt_table(warnings, villages),
                  today=township_today())


@bp.route("/township/new", methods=["GET", "POST"])
@role_required("staff")
def township_new():
    township = _staff_township()
    villages = township_villages(township)
    form = WarningForm(villages=villages, today=township_today())
    if request.method == "GET":
        form.client_id.data = uuid7()
    if form.validate_on_submit():
        warning_id = form.client_id.data or uuid7()
        existing = db.session.get(Warning, warning_id)
        if existing is not None:
            return _already_sent(existing, township)
        warning = Warning(id=warning_id, village_id=township, kind=form.kind.data, title=form.title.data.strip(),
                          body=form.body.data.strip(), valid_until=form.valid_until.data,
                          to_all=form.target.data == "all",
                          targets=[] if form.target.data == "all" else
                          [v.code for v in villages if v.code in form.villages.data],
                          issued_by_name=current_staff().name, issued_at=utcnow())
        db.session.add(warning)
        stored = commit_once(Warning, warning_id)
        if stored is not warning:  # the same form submitted twice at once
            return _already_sent(stored, township)
        count = len(villages) if warning.to_all else len(warning.targets)
        flash(_("Warning issued to %(n)d villages. Their kiosks receive it at their next sync.", n=count),
              "success")
        return redirect(url_for("warnings.township_show", warning_id=warning.id), 303)
    return render("warnings/township/new.html", status=422 if form.errors else 200, form=form,
                  villages=villages)


def _already_sent(existing: Warning | None, township: str):
    if existing is None or existing.village_id != township:
        abort(400)
    return redirect(url_for("warnings.township_show", warning_id=existing.id), 303)


@bp.get("/township/<warning_id>")
@role_required("staff")
def township_show(warning_id: str):
    township = _staff_township()
    warning = _township_warning_or_404(warning_id, township)
    rows = receipt_table([warning], township_villages(township))[warning.id]
    return render("warnings/township/show.html", warning=warning, rows=rows, today=township_today())


# ---- tiles, slides, banner -------------------------------------------------------------------

def _village_badge():
    village = current_village()
    if village is None:
        return None
    today = township_today()
    waiting = [w for w, r in warnings_for(village) if r is None and w.in_force(today)]
    if not waiting:
        return (_("All acknowledged"), "ok")
    tone = "bad" if any(w.is_immediate for w in waiting) else "warn"
    return (_("%(n)d to acknowledge", n=len(waiting)), tone)


def _township_badge():
    staff = current_staff()
    if staff is None:
        return None
    today = township_today()
    warnings = [w for w in db.session.scalars(Warning.live().where(Warning.village_id == staff.township_code)
                                              .order_by(Warning.issued_at.desc()).limit(100)) if w.in_force(today)]
    table = receipt_table(warnings, township_villages(staff.township_code))
    missing = sum(1 for rows in table.values() for _code, _v, r in rows if r is None)
    if not missing:
        return None
    return (_("%(n)d not read", n=missing), "warn")


def _slides(urgent: bool):
    if current_app.config["KIOSK_ROLE"] != "village":
        return []
    village = current_village()
    if village is None:
        return []
    today = township_today()
    return [("warnings/_slide.html", {"urgent": urgent, "warning": w, "receipt": r})
            for w, r in warnings_for(village) if w.in_force(today) and w.is_immediate == urgent]


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["banner_warnings"] = banner_warnings
    registry.add_banner(app, "warnings/_banner.html")
    app.jinja_env.globals["warnings_poll_seconds"] = lambda: current_app.config.get(
        "WARNINGS_POLL_SECONDS", BANNER_POLL_SECONDS)
    registry.add_tile(app, Tile("warnings", _l("Township warnings"), "warnings.index", "bell", 65,
                                badge=_village_badge, roles=("village",)))
    registry.add_tile(app, Tile("township_warnings", _l("Warnings to villages"), "warnings.township_index",
                                "bell", 65, badge=_township_badge, roles=("township",)))
    # immediate warnings come before everything else on the board; the others among the notices
    registry.add_slides(app, lambda: _slides(urgent=True), order=1)
    registry.add_slides(app, lambda: _slides(urgent=False), order=55)
    from .demo import load_demo_warnings
    registry.add_demo(app, "warnings", load_demo_warnings, order=65)
