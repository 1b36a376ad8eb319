"""Read-only questions about the hazard register: the kiosk's tabs, the township's list across villages,
what an asset's open hazards say, the resident's receipt, the monthly register and the figures the
township supervises by. Every list reads the local derived table (``hazard_state``) with indexes; every
answer for many villages is a constant number of queries."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager

from ..context import local_today
from ..extensions import db
from ..qr import public_url
from ..village.models import Village
from .models import Hazard, HazardState
from . import service
from .service import DUE_SOON
from ..records import among

PAGE_SIZE = 50

TABS = {
    "open": _l("Open"),
    "new": _l("New"),
    "mine": _l("Mine"),
    "overdue": _l("Past deadline"),
    "verify": _l("To check"),
    "closed": _l("Closed"),
}
TOWNSHIP_TABS = {
    "open": _l("Open"),
    "overdue": _l("Past deadline"),
    "listed": _l("Listed for supervision"),
    "verify": _l("To check"),
    "closed": _l("Closed"),
}

S = HazardState


def _tab(tab: str, now: dt.datetime, person_id: str | None = None):
    if tab == "new":
        return S.status == "reported"
    if tab == "mine":
        return sa.and_(S.is_open.is_(True), S.assignee_kind == "person", S.assignee_id == (person_id if person_id is not None else ""))
    if tab == "overdue":
        return sa.and_(S.is_open.is_(True), S.next_due < now)
    if tab == "verify":
        return S.status == "fixed"
    if tab == "closed":
        return S.is_open.is_(False)
    if tab == "listed":
        return S.listed.is_(True)
    return S.is_open.is_(True)


def _overdue(now: dt.datetime):
    return sa.and_(S.is_open.is_(True), S.next_due < now)


def _hazards(where, order, page: int):
    query = (sa.select(Hazard).join(S, S.hazard_id == Hazard.id).options(contains_eager(Hazard.state))
             .where(Hazard.deleted.is_(False), *where).order_by(*order, Hazard.id)
             .limit(PAGE_SIZE).offset(max(page - 1, 0) * PAGE_SIZE))
    return db.session.scalars(query).unique().all()


def _open_order(now: dt.datetime, oldest_first: bool = False):
    """Listed ones on top, overdue next, then the soonest deadline (the township: the oldest)."""
    first = [S.listed.desc(), sa.case((_overdue(now), 0), else_=1)]
    if oldest_first:
        return [*first, S.reported_at]
    return [*first, sa.case((S.next_due.is_(None), 1), else_=0), S.next_due, S.reported_at.desc()]


def register(village_code: str, tab: str = "open", page: int = 1, person_id: str | None = None,
             now: dt.datetime | None = None) -> list[Hazard]:
    """One page (50) of the village's register on a tab."""
    return db.session.scalars(_REGISTER[tab], {
        "village": village_code, "now": now or service.now(), "person": person_id or "",
        "offset": max(page - 1, 0) * PAGE_SIZE}).unique().all()


def tab_counts(village_code: str, person_id: str | None = None, now: dt.datetime | None = None) -> dict[str, int]:
    """How many hazards each tab holds, in one query."""
    row = db.session.execute(_TAB_COUNTS, {"village": village_code, "now": now or service.now(),
                                           "person": person_id or ""}).one()
    return dict(zip(TABS, row))


# the village's register, built once per tab with parameters (building a page's statements cost more
# than SQLite's answers): village, now, person (the "mine" tab) and offset
_NOW = sa.bindparam("now", type_=sa.DateTime)
_PERSON = sa.bindparam("person")
_REGISTER = {
    tab: sa.select(Hazard).join(S, S.hazard_id == Hazard.id).options(contains_eager(Hazard.state))
    .where(Hazard.deleted.is_(False), S.village_id == sa.bindparam("village"), _tab(tab, _NOW, _PERSON))
    .order_by(*([S.closed_at.desc()] if tab == "closed" else _open_order(_NOW)), Hazard.id)
    .limit(PAGE_SIZE).offset(sa.bindparam("offset"))
    for tab in TABS}
_TAB_COUNTS = sa.select(*[sa.func.count().filter(_tab(t, _NOW, _PERSON)) for t in TABS]) \
    .select_from(S).join(Hazard, Hazard.id == S.hazard_id) \
    .where(S.village_id == sa.bindparam("village"), Hazard.deleted.is_(False))


def _township_villages(township_code: str):
    return sa.select(Village.code).where(Village.township_code == township_code).scalar_subquery()


def township_register(township_code: str, tab: str = "open", village_code: str | None = None, page: int = 1,
                      now: dt.datetime | None = None) -> list[Hazard]:
    """The township's list across its villages: listed on top, overdue first, the oldest first."""
    now = now or service.now()
    where = [S.village_id.in_(_township_villages(township_code)), _tab(tab, now)]
    if village_code:
        where.append(S.village_id == village_code)
    order = [S.closed_at.desc()] if tab == "closed" else _open_order(now, oldest_first=True)
    return _hazards(where, order, page)


def township_counts(township_code: str, village_code: str | None = None,
                    now: dt.datetime | None = None) -> dict[str, int]:
    now = now or service.now()
    where = [S.village_id.in_(_township_villages(township_code)), Hazard.deleted.is_(False)]
    if village_code:
        where.append(S.village_id == village_code)
    row = db.session.execute(sa.select(*[sa.func.count().filter(_tab(t, now)) for t in TOWNSHIP_TABS])
                             .select_from(S).join(Hazard, Hazard.id == S.hazard_id).where(*where)).one()
    return dict(zip(TOWNSHIP_TABS, row))


def by_village(township_code: str, now: dt.datetime | None = None) -> list[tuple[Village, dict]]:
    """Each village of the township with its open, overdue, listed and to-check counts (one query)."""
    now = now or service.now()
    villages = db.session.scalars(sa.select(Village).where(Village.township_code == township_code)
                                  .order_by(Village.code)).all()
    rows = db.session.execute(
        sa.select(S.village_id, sa.func.count().filter(_tab("open", now)), sa.func.count().filter(_overdue(now)),
                  sa.func.count().filter(S.listed.is_(True), S.is_open.is_(True)),
                  sa.func.count().filter(_tab("verify", now)))
        .join(Hazard, Hazard.id == S.hazard_id)
        .where(S.village_id.in_([v.code for v in villages]), Hazard.deleted.is_(False))
        .group_by(S.village_id)).all()
    found = {code: dict(open=o, overdue=od, listed=li, verify=ve) for code, o, od, li, ve in rows}
    empty = dict(open=0, overdue=0, listed=0, verify=0)
    return [(v, found.get(v.code, empty)) for v in villages]


def board(village_code: str, now: dt.datetime | None = None) -> dict:
    """For the tile and the notice board: overdue, due within three days, listed, open."""
    now = now or service.now()
    row = db.session.execute(_BOARD, {"village": village_code, "now": now, "soon": now + DUE_SOON}).one()
    return dict(zip(("overdue", "due_soon", "listed", "open"), row))


# built once, with parameters (building it costs more than SQLite's answer)
_BOARD = sa.select(sa.func.count().filter(_overdue(_NOW)),
                   sa.func.count().filter(S.is_open.is_(True), S.next_due >= _NOW,
                                          S.next_due < sa.bindparam("soon", type_=sa.DateTime)),
                   sa.func.count().filter(S.listed.is_(True), S.is_open.is_(True)),
                   sa.func.count().filter(S.is_open.is_(True))) \
    .join(Hazard, Hazard.id == S.hazard_id) \
    .where(S.village_id == sa.bindparam("village"), S.is_open.is_(True), Hazard.deleted.is_(False))
# all four are open ones: the (village, open) index leaves the closed ones unread
_OVERDUE = sa.select(Hazard).join(S, S.hazard_id == Hazard.id).options(contains_eager(Hazard.state)) \
    .where(Hazard.deleted.is_(False), S.village_id == sa.bindparam("village"), _overdue(_NOW)) \
    .order_by(*_open_order(_NOW), Hazard.id).limit(sa.bindparam("limit"))


def overdue_hazards(village_code: str, now: dt.datetime | None = None, limit: int = 6) -> list[Hazard]:
    return db.session.scalars(_OVERDUE, {"village": village_code, "now": now or service.now(),
                                         "limit": limit}).unique().all()


# ---- assets follow the loop -------------------------------------------------------------------------

@dataclass(frozen=True)
class AssetHazards:
    """What an asset's open hazards say about it: how many, how many are residents' reports nobody at
    the village has acknowledged yet, and by when the soonest must be fixed."""

    open: int = 0
    unconfirmed: int = 0
    repair_due: dt.datetime | None = None

    @property
    def known(self) -> int:
        """Open hazards the village knows of: the asset is out of order while there is one."""
        return self.open - self.unconfirmed


def _unconfirmed():
    return sa.and_(S.status == "reported", Hazard.source == "resident_report")


def subject_summary(subject_kinds: tuple[str, ...], village_codes=None):
    """A subquery of (subject_id, open, unconfirmed, repair_due) over open hazards about these kinds
    of subject (of these villages), for features that join it to their assets."""
    where = [Hazard.deleted.is_(False), S.is_open.is_(True), Hazard.subject_kind.in_(subject_kinds)]
    if village_codes is not None:
        where.append(among(S.village_id, list(village_codes)))
    return (sa.select(Hazard.subject_id.label("subject_id"), sa.func.count().label("open"),
                      sa.func.count().filter(_unconfirmed()).label("unconfirmed"),
                      sa.func.min(S.fix_due).label("repair_due"))
            .join(S, S.hazard_id == Hazard.id).where(*where)
            .group_by(Hazard.subject_id).subquery())


def asset_hazards(subject_kind: str, subject_ids) -> dict[str, AssetHazards]:
    """{subject id: AssetHazards} for the assets that have open hazards, in one query."""
    ids = list(subject_ids)
    if not ids:
        return {}
    rows = db.session.execute(_ASSET_HAZARDS, {"ids": ids, "kind": subject_kind}).all()
    return {subject_id: AssetHazards(n, unconfirmed, due) for subject_id, n, unconfirmed, due in rows}


# the assets' own hazards through the subject index, not every open hazard of the kind grouped; built
# once (a feature's list asks each time it is shown)
_ASSET_HAZARDS = sa.select(Hazard.subject_id, sa.func.count(), sa.func.count().filter(_unconfirmed()),
                           sa.func.min(S.fix_due)).join(S, S.hazard_id == Hazard.id) \
    .where(Hazard.subject_id.in_(sa.bindparam("ids", expanding=True)), Hazard.subject_kind == sa.bindparam("kind"),
           Hazard.deleted.is_(False), S.is_open.is_(True)).group_by(Hazard.subject_id)


def subject_counts(subject_kind: str, subject_id):
    """Two correlated counts for a feature's select of its assets (``subject_id`` its id column): the
    asset's open hazards and those of them nobody at the village has acknowledged (AssetHazards' open
    and unconfirmed), each read through the subject index."""
    base = (sa.select(sa.func.count()).select_from(Hazard).join(S, S.hazard_id == Hazard.id)
            .where(Hazard.subject_id == subject_id, Hazard.subject_kind == subject_kind, Hazard.deleted.is_(False),
                   S.is_open.is_(True)))
    return (base.scalar_subquery().label("open"),
            base.where(_unconfirmed()).scalar_subquery().label("unconfirmed"))


def open_hazards_for(subject_kind: str, subject_id: str) -> list[Hazard]:
    return _hazards([Hazard.subject_kind == subject_kind, Hazard.subject_id == subject_id, S.is_open.is_(True)],
                    [Hazard.recorded_at.desc()], 1)


def hazards_about(subject_kind: str, subject_id: str) -> list[Hazard]:
    """Every hazard about one subject, newest first."""
    return _hazards([Hazard.subject_kind == subject_kind, Hazard.subject_id == subject_id],
                    [Hazard.recorded_at.desc()], 1)


# ---- residents and print-outs -----------------------------------------------------------------------

def by_code(code: str | None) -> Hazard | None:
    """The hazard behind a receipt code (any case)."""
    if not code or len(code) > 12:
        return None
    return db.session.scalar(Hazard.live().where(Hazard.code == code.strip().upper()).limit(1))


def receipt_url(hazard: Hazard) -> str:
    """The receipt's address as printed and encoded in a notice's QR (upper case, docs/pitfalls.md)."""
    return public_url(f"R/{hazard.code}")


def ledger(village_code: str, month: str) -> list[Hazard]:
    """The monthly register (台账): every hazard found in the village's month, in order."""
    return db.session.scalars(
        sa.select(Hazard).join(S, S.hazard_id == Hazard.id).options(contains_eager(Hazard.state))
        .where(Hazard.deleted.is_(False), S.village_id == village_code, S.month == month)
        .order_by(S.reported_at, Hazard.id)).unique().all()


def register_rows(village_codes, chunk: int = 2000):
    """Every hazard of the villages with its derived state, oldest first, as plain rows for the
    township's export (named like the columns: village_id, code, reported_at, category, ... listed,
    referred_to). Read from a server-side cursor in chunks: memory does not grow with the register."""
    query = (sa.select(Hazard.village_id, Hazard.code, S.reported_at, Hazard.category, Hazard.severity,
                       Hazard.source, Hazard.location, Hazard.description, S.status, S.fix_due, S.fixed_at,
                       S.fixed_on_time, S.days_to_fix, S.listed, S.listed_responsible, S.referred_to)
             .join(S, S.hazard_id == Hazard.id)
             .where(Hazard.deleted.is_(False), among(S.village_id, list(village_codes)))
             .order_by(S.reported_at, Hazard.id).execution_options(yield_per=chunk))
    yield from db.session.execute(query)


# ---- figures for supervision ------------------------------------------------------------------------

FIGURES = {
    "found": _l("Hazards found"),
    "fixed": _l("Fixed and checked"),
    "fixed_on_time": _l("Fixed on time"),
    "overdue": _l("Missed their deadline"),
    "median_days_to_fix": _l("Median days to fix"),
}


def _missed(now: dt.datetime):
    """Fixed after the deadline, or still open past it."""
    return sa.or_(S.fixed_on_time.is_(False), sa.and_(S.fixed_at.is_(None), S.is_open.is_(True), S.fix_due < now))


def monthly_figures(village_codes, months, now: dt.datetime | None = None) -> dict[str, dict[str, dict]]:
    """Per village and month (the month a hazard was found, in the village's calendar): hazards found,
    fixed (and checked), fixed on time, missed their deadline, the median days to fix, and the found
    ones by source and by category. Two queries however many villages and months:
    ``{code: {"2026-11": {figure: value, "by_source": {...}, "by_category": {...}}}}``."""
    codes, months = sorted(set(village_codes)), sorted(set(months))
    now = now or service.now()
    result = {code: {m: {"found": 0, "fixed": 0, "fixed_on_time": 0, "overdue": 0, "median_days_to_fix": None,
                         "by_source": {}, "by_category": {}} for m in months} for code in codes}
    if not codes or not months:
        return result
    scope = [among(S.village_id, codes), S.month.in_(months), Hazard.deleted.is_(False)]
    closed = S.is_open.is_(False)
    for village, month, source, category, found, fixed, on_time, missed in db.session.execute(
            sa.select(S.village_id, S.month, Hazard.source, Hazard.category, sa.func.count(),
                      sa.func.count().filter(closed), sa.func.count().filter(closed, S.fixed_on_time.is_(True)),
                      sa.func.count().filter(_missed(now)))
            .join(Hazard, Hazard.id == S.hazard_id).where(*scope)
            .group_by(S.village_id, S.month, Hazard.source, Hazard.category)):
        figures = result[village][month]
        figures["found"] += found
        figures["fixed"] += fixed
        figures["fixed_on_time"] += on_time
        figures["overdue"] += missed
        figures["by_source"][source] = figures["by_source"].get(source, 0) + found
        figures["by_category"][category] = figures["by_category"].get(category, 0) + found
    # the median in SQL on both databases: the middle row (or the two middle rows) of each group
    ranked = (sa.select(S.village_id, S.month, S.days_to_fix.label("days"),
                        sa.func.row_number().over(partition_by=(S.village_id, S.month),
                                                  order_by=S.days_to_fix).label("n"),
                        sa.func.count().over(partition_by=(S.village_id, S.month)).label("size"))
              .join(Hazard, Hazard.id == S.hazard_id).where(*scope, closed, S.days_to_fix.is_not(None))
              .subquery())
    middle = sa.or_(ranked.c.n == (ranked.c.size + 1) // 2, ranked.c.n == (ranked.c.size + 2) // 2)
    for village, month, median in db.session.execute(
            sa.select(ranked.c.village_id, ranked.c.month, sa.func.avg(ranked.c.days))
            .where(middle).group_by(ranked.c.village_id, ranked.c.month)):
        result[village][month]["median_days_to_fix"] = round(float(median), 1)
    return result


SUMMARY_FIGURES = {
    "open": _l("Not fixed yet"),
    "overdue": _l("Past their deadline"),
    "listed": _l("Listed for supervision"),
    "opened_this_month": _l("Recorded this month"),
    "fixed_on_time": _l("Fixed on time this month"),
    "median_days_to_fix": _l("Median days to fix this month"),
    "oldest_open_days": _l("Days the oldest open hazard has waited"),
    "open_over_30_days": _l("Open more than 30 days"),
}


def village_summaries(village_codes: list[str]) -> dict[str, dict]:
    """The township's overview of the register, per village: open, past their deadline, listed,
    recorded this month, fixed on time this month, the median days to fix this month, how long the
    oldest open one has waited and how many have been open more than 30 days. Three queries for any
    number of villages."""
    codes = sorted(set(village_codes))
    if not codes:
        return {}
    now = service.now()
    month = local_today().strftime("%Y-%m")
    # only the open hazards (a tenth of the register, found by the index on (village, open)); the
    # deleted ones are kept out through their own small index (ix_hazard_deleted), as looking up each
    # open hazard of a county's villages took most of the overview's time
    deleted = sa.exists().where(Hazard.id == S.hazard_id, Hazard.deleted == sa.true())
    rows = db.session.execute(
        sa.select(S.village_id, sa.func.count(), sa.func.count().filter(_overdue(now)),
                  sa.func.count().filter(S.listed.is_(True)), sa.func.min(S.reported_at),
                  sa.func.count().filter(S.reported_at < now - dt.timedelta(days=30)))
        .where(among(S.village_id, codes), S.is_open == sa.true(), ~deleted)
        .group_by(S.village_id)).all()
    this_month = monthly_figures(codes, [month], now)
    summaries = {}
    for code in codes:
        figures = this_month[code][month]
        summaries[code] = {"open": 0, "overdue": 0, "listed": 0, "opened_this_month": figures["found"],
                           "fixed_on_time": figures["fixed_on_time"],
                           "median_days_to_fix": figures["median_days_to_fix"], "oldest_open_days": None,
                           "open_over_30_days": 0}
    for code, open_, overdue, listed, oldest, over_30 in rows:
        summaries[code].update(open=open_, overdue=overdue, listed=listed, open_over_30_days=over_30,
                               oldest_open_days=(now - oldest).days if oldest is not None else None)
    return summaries
