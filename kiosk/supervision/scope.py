"""Which villages a staff member supervises: their township's, or with a county account every
township of the county (``StaffUser.oversees``). Every supervision screen asks here first."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager
from flask import abort

from ..extensions import db
from ..village.models import Township, Village


def townships_of(staff) -> list[Township]:
    if staff.is_county:
        where = Township.code.startswith(staff.township_code[:6])
    else:
        where = Township.code == staff.township_code
    return db.session.scalars(sa.select(Township).where(where).order_by(Township.code)).all()


def chosen_township(staff, code: str | None) -> Township | None:
    """The township a county account narrowed the screens to (None: the whole county); a township
    account always has its own. A township outside the account's scope is a 404."""
    if not staff.is_county:
        return db.session.get(Township, staff.township_code)
    if not code:
        return None
    township = db.session.get(Township, code)
    if township is None or not staff.oversees(township.code):
        abort(404)
    return township


def villages_of(staff, township: Township | None = None) -> list[Village]:
    """The villages on the screens, in code order (villages without a kiosk too)."""
    query = (sa.select(Village).join(Township, Township.code == Village.township_code)
             .options(contains_eager(Village.township)))
    if township is not None:
        query = query.where(Village.township_code == township.code)
    elif staff.is_county:
        query = query.where(Village.township_code.startswith(staff.township_code[:6]))
    else:
        query = query.where(Village.township_code == staff.township_code)
    return db.session.scalars(query.order_by(Village.code)).all()


def village_of(staff, code: str) -> Village:
    village = db.session.get(Village, code) if code and len(code) <= 12 else None
    if village is None or not staff.oversees(village.township_code):
        abort(404)
    return village


def settings_township(staff, code: str | None) -> Township:
    """The township whose settings a screen shows and changes (weights, deadlines, intervals,
    templates): a township account's own; for a county account the one it chose among its county's
    (``?township=``), its own until it chooses. One outside the account's scope is a 404."""
    if staff.is_county and code:
        township = db.session.get(Township, code) if len(code) <= 9 else None
        if township is None or not staff.oversees(township.code):
            abort(404)
        return township
    return db.session.get(Township, staff.township_code)


def settings_scope(staff, code: str | None) -> dict:
    """What a settings screen needs: whose settings they are (``settings_township``), the township
    to keep in the addresses that follow (``chosen``: a county account's choice, else None) and the
    townships a county account chooses from (``settings_townships``, the
    supervision/_settings_township.html chooser)."""
    township = settings_township(staff, code)
    return {"settings_township": township, "chosen": township.code if staff.is_county else None,
            "settings_townships": townships_of(staff) if staff.is_county else []}
