"""Township side of enrolment: one-time codes for new kiosks (text and QR), the device list
(village, last sync, pending, clock offset, app version) and revocation."""
from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from flask import Blueprint, Flask, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from markupsafe import Markup
from ..qr import public_url, symbol_svg
from wtforms import HiddenField, SelectField
from wtforms.validators import DataRequired

from sync import SyncChangelog, SyncDevice, SyncEnrolmentCode, pending_down, scope_of
from sync import CLOCK_TOLERANCE_S, create_code, normalise_code
from ..extensions import db
from ..records import utcnow

from .. import registry
from ..auth import role_required
from ..auth.security import current_staff
from ..registry import Tile
from ..village import Village
from ..web import is_township, render

bp = Blueprint("devices", __name__)

VALIDITY = [("24", _l("24 hours")), ("72", _l("3 days")), ("168", _l("7 days"))]


class CodeForm(FlaskForm):
    village = SelectField(_l("Village"), choices=[], validators=[DataRequired(message=_l("Choose the village."))])
    hours = SelectField(_l("Valid for"), choices=VALIDITY, default="24",
                        validators=[DataRequired(message=_l("Choose how long the code stays valid."))])
    request_key = HiddenField()

    def __init__(self, villages, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.village.choices = [(v.code, f"{v.name} ({v.code})") for v in villages]
        if not self.request_key.data:
            self.request_key.data = str(uuid.uuid4())


class RevokeForm(FlaskForm):
    pass


def _township_only():
    if not is_township():
        abort(404)


def _villages():
    staff = current_staff()
    return db.session.scalars(sa.select(Village).where(Village.township_code == staff.township_code)
                              .order_by(Village.code)).all()


def _mine(device_or_code):
    staff = current_staff()
    if device_or_code is None or not device_or_code.village_id.startswith(staff.township_code):
        abort(404)
    return device_or_code


def clock_off(device: SyncDevice) -> bool:
    return device.clock_offset_s is not None and abs(device.clock_offset_s) > CLOCK_TOLERANCE_S


def offset_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    s = abs(seconds)
    sign = "" if s < 0.5 else ("+" if seconds > 0 else "−")
    if s < 90:
        return _("%(sign)s%(n)d s", sign=sign, n=round(s))
    if s < 2 * 3600:
        return _("%(sign)s%(n)d min", sign=sign, n=round(s / 60))
    if s < 2 * 86400:
        return _("%(sign)s%(n)d h", sign=sign, n=round(s / 3600))
    return _("%(sign)s%(n)d days", sign=sign, n=round(s / 86400))


def enrol_url(code: str) -> str:
    """Upper case, so that the QR symbol stays in alphanumeric mode (PITFALLS.md)."""
    return public_url(f"E/{code}")


def qr_svg(data: str) -> Markup:
    return symbol_svg(data, "enrol-qr")


def _device_rows(devices):
    villages = {v.code: v for v in db.session.scalars(sa.select(Village)).all()}
    return [dict(d=d, village=villages.get(d.village_id), down=pending_down(d), clock_off=clock_off(d),
                 offset=offset_text(d.clock_offset_s)) for d in devices]


@bp.route("/devices/", methods=["GET", "POST"])
@role_required("staff")
def index():
    _township_only()
    staff = current_staff()
    form = CodeForm(_villages())
    if form.validate_on_submit():
        row = create_code(form.village.data, staff.name, hours=int(form.hours.data), request_key=form.request_key.data)
        db.session.commit()
        return redirect(url_for("devices.code", code_id=row.id), 303)
    devices = db.session.scalars(sa.select(SyncDevice).where(SyncDevice.village_id.startswith(staff.township_code))
                                 .order_by(SyncDevice.revoked_at.is_not(None), SyncDevice.village_id,
                                           SyncDevice.enrolled_at)).all()
    codes = db.session.scalars(sa.select(SyncEnrolmentCode).where(
        SyncEnrolmentCode.village_id.startswith(staff.township_code), SyncEnrolmentCode.used_at.is_(None),
        SyncEnrolmentCode.expires_at > utcnow()).order_by(SyncEnrolmentCode.created_at.desc())).all()
    villages = {v.code: v for v in _villages()}
    return render("devices/index.html", "devices/_list.html", status=422 if form.errors else 200, form=form,
                  rows=_device_rows(devices), codes=codes, villages=villages, now=utcnow())


@bp.get("/devices/codes/<code_id>")
@role_required("staff")
def code(code_id: str):
    _township_only()
    row = _mine(db.session.get(SyncEnrolmentCode, code_id))
    village = db.session.get(Village, row.village_id)
    state = "used" if row.used_at else ("expired" if row.expires_at <= utcnow() else "open")
    url = enrol_url(row.code) if state == "open" and row.code else None
    server = (current_app.config.get("PUBLIC_URL") or request.host_url).rstrip("/")
    return render("devices/code.html", row=row, village=village, state=state, url=url,
                  qr=qr_svg(url) if url else None, server=server)


@bp.get("/devices/<device_id>")
@role_required("staff")
def device(device_id: str):
    _township_only()
    d = _mine(db.session.get(SyncDevice, device_id))
    return render("devices/device.html", row=_device_rows([d])[0], form=RevokeForm())


@bp.post("/devices/<device_id>/revoke")
@role_required("staff")
def revoke(device_id: str):
    _township_only()
    d = _mine(db.session.get(SyncDevice, device_id))
    form = RevokeForm()
    if not form.validate_on_submit():
        abort(400)
    if d.revoked_at is None:
        d.revoked_at = utcnow()
        d.revoked_by = current_staff().name
        db.session.commit()
        flash(_("The kiosk was revoked. It can no longer sync until it is enrolled again."), "success")
    return redirect(url_for("devices.device", device_id=d.id), 303)


@bp.get("/E/<code>")
@bp.get("/e/<code>")
def enrol_help(code: str):
    """Where the QR code leads: how to enrol a kiosk with this code (no sign-in; the code is the secret)."""
    _township_only()
    server = (current_app.config.get("PUBLIC_URL") or request.host_url).rstrip("/")
    return render("devices/enrol.html", code=normalise_code(code), server=server)


def township_status() -> tuple[str, str, str]:
    """The township server's status bar: how many of its kiosks were heard from today."""
    staff = current_staff()
    q = sa.select(SyncDevice).where(SyncDevice.revoked_at.is_(None))
    if staff is not None:
        q = q.where(SyncDevice.village_id.startswith(staff.township_code))
    devices = db.session.scalars(q).all()
    if not devices:
        return _("Township server · no kiosk enrolled yet"), "info", ""
    day_ago = utcnow() - dt.timedelta(days=1)
    recent = sum(1 for d in devices if d.last_seen_at and d.last_seen_at >= day_ago)
    tone = "ok" if recent == len(devices) else "warn"
    return _("Township server · %(recent)d of %(total)d kiosks synced today", recent=recent, total=len(devices)), tone, ""


def _badge():
    staff = current_staff()
    if staff is None:
        return None
    devices = db.session.scalars(sa.select(SyncDevice).where(SyncDevice.village_id.startswith(staff.township_code),
                                                            SyncDevice.revoked_at.is_(None))).all()
    trouble = [d for d in devices if clock_off(d) or d.regressions]
    if trouble:
        return (ngettext("%(num)d needs attention", "%(num)d need attention", len(trouble)), "warn")
    return (ngettext("%(num)d kiosk", "%(num)d kiosks", len(devices)), "info" if devices else "warn")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    if app.config["KIOSK_ROLE"] == "township":
        registry.set_status(app, township_status)
    registry.add_tile(app, Tile("devices", _l("Kiosks"), "devices.index", "qr", 90, badge=_badge,
                                roles=("township",)))
