"""The township's kiosk screens: the list, one-time enrolment codes (text and QR), one kiosk, revocation,
and the page an enrolment QR leads to."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_babel import gettext as _

from sync import SyncDevice, SyncEnrolmentCode, normalise_code

from ..auth import role_required
from ..auth.security import current_staff
from ..extensions import db
from ..forms import EmptyForm
from ..village import Village
from ..paging import page_of
from ..web import hx_redirect, is_township, public, render
from . import service
from .forms import CodeForm

bp = Blueprint("devices", __name__)


def _township_only():
    if not is_township():
        abort(404)


def _server() -> str:
    return (current_app.config.get("PUBLIC_URL") or request.host_url).rstrip("/")


@bp.route("/devices/", methods=["GET", "POST"])
@role_required("staff")
def index():
    _township_only()
    staff = current_staff()
    villages = service.villages_of(staff.township_code)
    form = CodeForm(villages)
    if form.validate_on_submit():
        row = service.make_code(form.village.data, staff.name, int(form.hours.data), form.client_id.data)
        db.session.commit()
        return hx_redirect(url_for("devices.code", code_id=row.id))
    page = page_of(service.device_count(staff.township_code))
    return render("devices/index.html", "devices/_list.html", form=form, paging=page,
                  rows=service.device_rows(service.devices_of(staff.township_code, page.size, page.offset)),
                  codes=service.open_codes(staff.township_code), villages={v.code: v for v in villages})


@bp.get("/devices/codes/<code_id>")
@role_required("staff")
def code(code_id: str):
    _township_only()
    row = service.in_township(db.session.get(SyncEnrolmentCode, code_id), current_staff().township_code)
    if row is None:
        abort(404)
    state = service.code_state(row)
    url = service.enrol_url(row.code) if state == "open" and row.code else None
    return render("devices/code.html", row=row, village=db.session.get(Village, row.village_id), state=state,
                  url=url, qr=service.qr_svg(url) if url else None, server=_server())


def _device_or_404(device_id: str) -> SyncDevice:
    device = service.in_township(db.session.get(SyncDevice, device_id), current_staff().township_code)
    if device is None:
        abort(404)
    return device


@bp.get("/devices/<device_id>")
@role_required("staff")
def device(device_id: str):
    _township_only()
    return render("devices/device.html", row=service.device_rows([_device_or_404(device_id)])[0], form=EmptyForm())


@bp.post("/devices/<device_id>/revoke")
@role_required("staff")
def revoke(device_id: str):
    _township_only()
    d = _device_or_404(device_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if service.revoke(d, current_staff().name):
        db.session.commit()
        flash(_("The kiosk was revoked. It can no longer sync until it is enrolled again."), "success")
    return hx_redirect(url_for("devices.device", device_id=d.id))


@bp.get("/E/<code>")
@bp.get("/e/<code>")
@public
def enrol_help(code: str):
    """Where the QR code leads: how to enrol a kiosk with this code (no sign-in; the code is the secret)."""
    _township_only()
    return render("devices/enrol.html", code=normalise_code(code), server=_server())
