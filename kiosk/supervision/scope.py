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
