"""The township's kiosks: who is enrolled, how each one syncs, codes and revocation. Never commits."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from markupsafe import Markup

import sync
from sync import CLOCK_TOLERANCE_S, SyncDevice, SyncEnrolmentCode

from ..auth.security import current_staff
from ..extensions import db
from ..qr import public_url, symbol_svg
from ..records import among, utcnow
from ..village import Village


def villages_of(township: str) -> list[Village]:
    return db.session.scalars(sa.select(Village).where(Village.township_code == township)
                              .order_by(Village.code)).all()


def devices_of(township: str, limit: int | None = None, offset: int = 0) -> list[SyncDevice]:
    return db.session.scalars(sa.select(SyncDevice).where(SyncDevice.village_id.startswith(township))
                              .order_by(SyncDevice.revoked_at.is_not(None), SyncDevice.village_id,
                                        SyncDevice.enrolled_at).offset(offset).limit(limit)).all()


def device_count(township: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(SyncDevice).where(
        SyncDevice.village_id.startswith(township))) or 0


def open_codes(township: str) -> list[SyncEnrolmentCode]:
    return db.session.scalars(sa.select(SyncEnrolmentCode).where(
        SyncEnrolmentCode.village_id.startswith(township), SyncEnrolmentCode.used_at.is_(None),
        SyncEnrolmentCode.expires_at > utcnow()).order_by(SyncEnrolmentCode.created_at.desc())).all()


def in_township(row, township: str):
    """The device or code if it belongs to the township, else None."""
    return row if row is not None and row.village_id.startswith(township) else None


def code_state(row: SyncEnrolmentCode) -> str:
    return "used" if row.used_at else ("expired" if row.expires_at <= utcnow() else "open")


def make_code(village: str, staff_name: str, hours: int, client_id: str) -> SyncEnrolmentCode:
    return sync.create_code(village, staff_name, hours=hours, request_key=client_id)


def revoke(device: SyncDevice, who: str) -> bool:
    """False when it was revoked already."""
    if device.revoked_at is not None:
        return False
    device.revoked_at, device.revoked_by = utcnow(), who
    return True


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


def device_rows(devices: list[SyncDevice]) -> list[dict]:
    """What the kiosk list shows of each device; what it has still to pull is the protocol's count."""
    villages = {v.code: v for v in db.session.scalars(sa.select(Village).where(
        Village.code.in_({d.village_id for d in devices}))).all()} if devices else {}
    down = sync.pending_down(devices)
    return [dict(d=d, village=villages.get(d.village_id), down=down[d.id], clock_off=clock_off(d),
                 offset=offset_text(d.clock_offset_s)) for d in devices]


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


def badge():
    staff = current_staff()
    if staff is None:
        return None
    devices = [d for d in devices_of(staff.township_code) if d.revoked_at is None]
    trouble = [d for d in devices if clock_off(d) or d.regressions]
    if trouble:
        return (ngettext("%(num)d needs attention", "%(num)d need attention", len(trouble)), "warn")
    return (ngettext("%(num)d kiosk", "%(num)d kiosks", len(devices)), "info" if devices else "warn")


SUMMARY_FIGURES = {
    "kiosks": _l("Kiosks"),
    "last_sync": _l("Last sync"),
}


def village_summaries(village_codes: list[str]) -> dict[str, dict]:
    """Per village with an enrolled kiosk: how many (not revoked), and when the township last heard
    from one (server time, naive UTC). Villages without a kiosk are left out. One query."""
    if not village_codes:
        return {}
    return {code: {"kiosks": kiosks, "last_sync": last} for code, kiosks, last in db.session.execute(
        sa.select(SyncDevice.village_id, sa.func.count(), sa.func.max(SyncDevice.last_seen_at))
        .where(among(SyncDevice.village_id, list(village_codes)), SyncDevice.revoked_at.is_(None))
        .group_by(SyncDevice.village_id))}


def kiosk_village(authorization: str | None) -> str | None:
    """The village of the enrolled, unrevoked kiosk whose sync credential (``Bearer <device>:<token>``)
    a request carries, else None: the township answers its kiosks' other requests (a volunteer's
    phone enrolment, kiosk/phones) on the same credential, for their own village only."""
    if not authorization or not authorization.startswith("Bearer "):
        return None
    device_id, _sep, token = authorization[7:].strip().partition(":")
    device = db.session.get(SyncDevice, device_id) if 0 < len(device_id) <= 36 else None
    if device is None or device.revoked_at is not None:
        return None
    if not hmac.compare_digest(device.token_hash, hashlib.sha256(token.encode()).hexdigest()):
        return None
    return device.village_id
