"""Codes, due dates and the state of each hydrant and pool: the rules, apart from the screens."""
from __future__ import annotations

import calendar
import datetime as dt
import re
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from ..records import utcnow

from .models import (CODE_ALPHABET, CODE_LENGTH, Hydrant, HydrantInspection, InspectionIntervals, PoolCheck,
                     WaterPool)

DEFAULT_HYDRANT_MONTHS = 3  # quarterly (GB 50974-2014 §14, brigade practice)
DEFAULT_POOL_MONTHS = 1  # water level monthly

_CODE = re.compile(f"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")


def new_code(rng=None) -> str:
    """A code no hydrant or pool has yet. Random, so two kiosks offline at the same time do not
    hand out the same one (1 in 10^9 per pair); checked here against everything this database
    knows, which on the township server is the whole county."""
    choice = rng.choice if rng is not None else secrets.choice
    for _attempt in range(100):
        code = "".join(choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if find_asset(code, include_deleted=True) is None:
            return code
    raise RuntimeError("could not find a free hydrant code")


def parse_code(text: str | None) -> str | None:
    """The code in what a person typed or a scanner sent: ``k7m2qx``, ``K7M2QX`` or the whole label
    URL ``HTTPS://HOST/H/K7M2QX``. None when it cannot be a code."""
    if not text:
        return None
    value = text.strip().upper()
    value = re.split(r"[?#]", value, maxsplit=1)[0].rstrip("/")
    if "/" in value:
        parts = value.split("/")
        if len(parts) < 2 or parts[-2] != "H":
            return None
        value = parts[-1]
    value = value.replace(" ", "").replace("-", "")
    return value if _CODE.match(value) else None


def find_asset(code: str | None, include_deleted: bool = False):
    """The hydrant or pool with this code (any case), or None."""
    if not code:
        return None
    code = code.strip().upper()
    for model in (Hydrant, WaterPool):
        query = sa.select(model).where(model.code == code)
        if not include_deleted:
            query = query.where(model.deleted.is_(False))
        found = db.session.scalar(query)
        if found is not None:
            return found
    return None


def intervals_for(township_code: str) -> tuple[int, int]:
    """(hydrant months, pool months) for a township; the defaults when it has set none."""
    row = db.session.scalar(InspectionIntervals.live().where(InspectionIntervals.village_id == township_code)
                            .order_by(InspectionIntervals.id.desc()).limit(1))
    if row is None:
        return DEFAULT_HYDRANT_MONTHS, DEFAULT_POOL_MONTHS
    return row.hydrant_months, row.pool_months


def add_months(when: dt.datetime, months: int) -> dt.datetime:
    month = when.month - 1 + months
    year = when.year + month // 12
    month = month % 12 + 1
    day = min(when.day, calendar.monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day)


# The one state that colours an asset on the plot, worst first; filters use the flags.
STATE_ORDER = ("out_of_service", "defect", "reported", "overdue", "fine")


@dataclass
class AssetState:
    asset: object
    last: object | None  # the latest HydrantInspection / level PoolCheck
    due_at: dt.datetime
    overdue: bool

    @property
    def kind(self) -> str:
        return self.asset.asset_kind

    @property
    def defect(self) -> bool:
        return self.asset.status == "defect"

    @property
    def reported(self) -> bool:
        return self.asset.reported_at is not None

    @property
    def fine(self) -> bool:
        return self.asset.status == "in_service" and not self.reported and not self.overdue

    @property
    def state(self) -> str:
        if self.asset.status == "out_of_service":
            return "out_of_service"
        if self.defect:
            return "defect"
        if self.reported:
            return "reported"
        if self.overdue:
            return "overdue"
        return "fine"

    def matches(self, show: str) -> bool:
        return show == "all" or (show in ("overdue", "defect", "reported", "fine") and getattr(self, show))


def _latest(model, key, village_code: str, extra=None) -> dict:
    """{asset id: its latest record} for one village, in two small queries."""
    where = [model.village_id == village_code, model.deleted.is_(False)]
    if extra is not None:
        where.append(extra)
    last = (sa.select(key.label("asset_id"), sa.func.max(model.recorded_at).label("at"))
            .where(*where).group_by(key).subquery())
    rows = db.session.scalars(sa.select(model).join(last, sa.and_(key == last.c.asset_id,
                                                                  model.recorded_at == last.c.at))
                              .where(*where)).all()
    return {getattr(r, key.key): r for r in rows}


def asset_state(asset, last, months: int, now: dt.datetime | None = None) -> AssetState:
    now = now or utcnow()
    # never inspected: due from the day it was registered
    since = last.recorded_at if last is not None else asset.recorded_at
    due = add_months(since, months)
    return AssetState(asset=asset, last=last, due_at=due, overdue=last is None or due < now)


def village_states(village) -> list[AssetState]:
    """Every live hydrant and pool of a village with its latest inspection and due date."""
    hydrant_months, pool_months = intervals_for(village.township_code)
    now = utcnow()
    hydrants = db.session.scalars(Hydrant.live().where(Hydrant.village_id == village.code)
                                  .order_by(Hydrant.code)).all()
    pools = db.session.scalars(WaterPool.live().where(WaterPool.village_id == village.code)
                               .order_by(WaterPool.code)).all()
    last_inspection = _latest(HydrantInspection, HydrantInspection.hydrant_id, village.code)
    last_check = _latest(PoolCheck, PoolCheck.pool_id, village.code, PoolCheck.check_kind == "level")
    states = [asset_state(h, last_inspection.get(h.id), hydrant_months, now) for h in hydrants]
    states += [asset_state(p, last_check.get(p.id), pool_months, now) for p in pools]
    return states


def state_of(asset) -> AssetState:
    from ..village import Village
    village = db.session.get(Village, asset.village_id)
    hydrant_months, pool_months = intervals_for(village.township_code if village else asset.village_id[:9])
    if asset.asset_kind == "hydrant":
        last = db.session.scalar(sa.select(HydrantInspection).where(
            HydrantInspection.hydrant_id == asset.id, HydrantInspection.deleted.is_(False))
            .order_by(HydrantInspection.recorded_at.desc(), HydrantInspection.id.desc()).limit(1))
        return asset_state(asset, last, hydrant_months)
    last = db.session.scalar(sa.select(PoolCheck).where(
        PoolCheck.pool_id == asset.id, PoolCheck.deleted.is_(False), PoolCheck.check_kind == "level")
        .order_by(PoolCheck.recorded_at.desc(), PoolCheck.id.desc()).limit(1))
    return asset_state(asset, last, pool_months)


def history(asset, limit: int = 20) -> list:
    if asset.asset_kind == "hydrant":
        query = sa.select(HydrantInspection).where(HydrantInspection.hydrant_id == asset.id,
                                                   HydrantInspection.deleted.is_(False)) \
            .order_by(HydrantInspection.recorded_at.desc())
    else:
        query = sa.select(PoolCheck).where(PoolCheck.pool_id == asset.id, PoolCheck.deleted.is_(False)) \
            .order_by(PoolCheck.recorded_at.desc())
    return db.session.scalars(query.limit(limit)).all()


def public_base_url() -> tuple[str, str]:
    """(scheme, host) printed on labels."""
    from ..qr import public_base
    return public_base()


def label_url(code: str) -> str:
    """Upper case throughout, so the QR symbol uses alphanumeric mode and stays small."""
    from ..qr import public_url
    return public_url(f"H/{code}")
