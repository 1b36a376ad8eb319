"""The rules of hydrants and pools, apart from the screens: codes, due dates, the state of each asset,
and every write — registering, inspecting, checking, residents' reports (each opening a hazard when
something is wrong) and the township's intervals.

Nothing here flashes or commits: the caller (a view, the CLI) commits once.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..auth import one_at_a_time
from ..context import Actor, local_day, village_zone
from ..extensions import db
from ..hazards import queries as hazard_queries
from ..hazards.queries import AssetHazards
from ..hazards.service import Who, acknowledge, join_report, open_hazard
from ..qr import public_url
from ..records import among, utcnow
from ..supervision.rates import BEFORE, local_month, once_every, shift, zone_offset_hours
from ..village import Village
from .models import (CODE_ALPHABET, CODE_LENGTH, ICE_STATES, INSPECTION_ITEMS, POOL_CHECK_KINDS, PROBLEMS, RESULTS,
                     WATER_LEVELS, CheckMonth, Hydrant, HydrantInspection, InspectionIntervals, LatestCheck, PoolCheck,
                     ProblemReport, WaterPool)

DEFAULT_HYDRANT_MONTHS = 3  # quarterly (GB 50974-2014 §14, brigade practice)
DEFAULT_POOL_MONTHS = 1  # water level monthly
DEFAULT_MONTHS = (DEFAULT_HYDRANT_MONTHS, DEFAULT_POOL_MONTHS)

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


def find_asset(code: str | None, include_deleted: bool = False, village_code: str | None = None):
    """The hydrant or pool with this code (any case), or None; only the village's when given."""
    if not code:
        return None
    code = code.strip().upper()
    for model in (Hydrant, WaterPool):
        query = sa.select(model).where(model.code == code)
        if not include_deleted:
            query = query.where(model.deleted.is_(False))
        if village_code is not None:
            query = query.where(model.village_id == village_code)
        found = db.session.scalar(query)
        if found is not None:
            return found
    return None


def latest_intervals(township_code: str) -> InspectionIntervals | None:
    """The intervals a township has set, None when it has set none."""
    return db.session.scalar(_LATEST_INTERVALS, {"township": township_code})


_LATEST_INTERVALS = InspectionIntervals.live().where(InspectionIntervals.village_id == sa.bindparam("township")) \
    .order_by(InspectionIntervals.id.desc()).limit(1)


def intervals_for(township_code: str) -> tuple[int, int]:
    """(hydrant months, pool months) for a township; the defaults when it has set none."""
    row = latest_intervals(township_code)
    if row is None:
        return DEFAULT_MONTHS
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
    # the asset follows the hazard loop: out of order while a hazard the village knows of is open
    hazards: AssetHazards = AssetHazards()

    @property
    def kind(self) -> str:
        return self.asset.asset_kind

    @property
    def defect(self) -> bool:
        return self.asset.status == "defect" or self.hazards.known > 0

    @property
    def reported(self) -> bool:
        """A resident's report nobody at the village has acknowledged yet."""
        return self.hazards.unconfirmed > 0

    @property
    def repair_due(self) -> dt.datetime | None:
        return self.hazards.repair_due

    @property
    def fine(self) -> bool:
        return self.state == "fine"

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


def _latest(model, key, asset_model, in_villages, extra=None) -> sa.Select:
    """The latest record of each live asset of some villages (``in_villages(column)``), in one query:
    each asset's newest record is the first of its own entries in the (asset, deleted, [kind,]
    recorded_at, id) index, so the cost grows with the assets, not with years of records."""
    where = [key == asset_model.id, model.deleted.is_(False)]
    if extra is not None:
        where.append(extra)
    newest = (sa.select(model.id).where(*where).order_by(model.recorded_at.desc(), model.id.desc()).limit(1)
              .correlate(asset_model).scalar_subquery())
    return sa.select(model).where(model.id.in_(
        asset_model.live().with_only_columns(newest).where(in_villages(asset_model.village_id))))


def _state_statements(in_villages) -> tuple:
    """What ``states_of`` reads of the villages ``in_villages(column)`` selects: hydrants, pools, the
    latest inspection of each hydrant and the latest water-level check of each pool."""
    return (Hydrant.live().where(in_villages(Hydrant.village_id)).order_by(Hydrant.village_id, Hydrant.code),
            WaterPool.live().where(in_villages(WaterPool.village_id)).order_by(WaterPool.village_id, WaterPool.code),
            _latest(HydrantInspection, HydrantInspection.hydrant_id, Hydrant, in_villages),
            _latest(PoolCheck, PoolCheck.pool_id, WaterPool, in_villages, PoolCheck.check_kind == "level"))


# one village's (the kiosk's screens, its board), built once: building them cost more than SQLite's answers
_ONE_VILLAGE = _state_statements(lambda column: column == sa.bindparam("village"))


def due_at(registered: dt.datetime, last_checked: dt.datetime | None, months: int) -> dt.datetime:
    """When the next inspection (pools: water-level check) is due: an interval after the last one, and
    for an asset never inspected, an interval after it was registered. The list, the asset's page and
    the township's summary all count "overdue" by this."""
    return add_months(last_checked or registered, months)


def asset_state(asset, last, months: int, now: dt.datetime | None = None,
                hazards: AssetHazards = AssetHazards()) -> AssetState:
    due = due_at(asset.recorded_at, last.recorded_at if last is not None else None, months)
    return AssetState(asset=asset, last=last, due_at=due, overdue=due < (now or utcnow()), hazards=hazards)


def village_states(village) -> list[AssetState]:
    """Every live hydrant and pool of a village with its latest inspection and due date."""
    return states_of([village])


def states_of(villages) -> list[AssetState]:
    """Every live hydrant and pool of these villages (the township's map draws many), in a constant
    number of queries however many villages."""
    codes = [v.code for v in villages]
    intervals = {t: intervals_for(t) for t in {v.township_code for v in villages}}
    township_of = {v.code: v.township_code for v in villages}
    now = utcnow()
    if len(codes) == 1:
        statements, params = _ONE_VILLAGE, {"village": codes[0]}
    else:
        statements, params = _state_statements(lambda column: among(column, codes)), {}
    hydrants, pools, inspections, checks = (db.session.scalars(q, params).all() for q in statements)
    last_inspection = {r.hydrant_id: r for r in inspections}
    last_check = {r.pool_id: r for r in checks}
    on_hydrants = hazard_queries.asset_hazards("hydrant", [h.id for h in hydrants])
    on_pools = hazard_queries.asset_hazards("water_pool", [p.id for p in pools])
    states = [asset_state(h, last_inspection.get(h.id), intervals[township_of[h.village_id]][0], now,
                          on_hydrants.get(h.id, AssetHazards())) for h in hydrants]
    states += [asset_state(p, last_check.get(p.id), intervals[township_of[p.village_id]][1], now,
                           on_pools.get(p.id, AssetHazards())) for p in pools]
    return states


@dataclass
class BadgeCounts:
    total: int = 0
    defect: int = 0  # defective or out of service
    reported: int = 0
    overdue: int = 0


def badge_counts(village) -> BadgeCounts:
    """What the home tile counts of a village's assets, by the same rules as AssetState, from one row
    per asset (its status, registration, newest record's time and open hazards: an index entry each),
    not the assets' records and hazards loaded."""
    hydrant_months, pool_months = intervals_for(village.township_code)
    now = utcnow()
    counts = BadgeCounts()
    for statement, months in ((_BADGE_ROWS[0], hydrant_months), (_BADGE_ROWS[1], pool_months)):
        rows = db.session.execute(statement, {"village": village.code}).all()
        for status, registered, last, n_open, unconfirmed in rows:
            state = AssetState(asset=_Status(status), last=None, due_at=due_at(registered, last, months),
                               overdue=False, hazards=AssetHazards(n_open, unconfirmed))
            state.overdue = state.due_at < now
            counts.total += 1
            counts.defect += state.defect or state.state == "out_of_service"
            counts.reported += state.reported
            counts.overdue += state.overdue
    return counts


def _badge_rows(asset, checks, key, subject: str, extra=None) -> sa.Select:
    """One row per live asset of a village: its status, registration, newest record's time and open
    hazards."""
    where = [key == asset.id, checks.deleted.is_(False)] + ([extra] if extra is not None else [])
    last_at = (sa.select(checks.recorded_at).where(*where).order_by(checks.recorded_at.desc(), checks.id.desc())
               .limit(1).correlate(asset).scalar_subquery())
    return sa.select(asset.status, asset.recorded_at, last_at, *hazard_queries.subject_counts(subject, asset.id)) \
        .where(asset.village_id == sa.bindparam("village"), asset.deleted.is_(False))


# built once (building them costs more than SQLite's answer): hydrants, then pools
_BADGE_ROWS = (_badge_rows(Hydrant, HydrantInspection, HydrantInspection.hydrant_id, "hydrant"),
               _badge_rows(WaterPool, PoolCheck, PoolCheck.pool_id, "water_pool", PoolCheck.check_kind == "level"))


@dataclass(frozen=True)
class _Status:
    """An asset as far as its state's rules read it."""
    status: str


def state_of(asset) -> AssetState:
    village = db.session.get(Village, asset.village_id)
    hydrant_months, pool_months = intervals_for(village.township_code if village else asset.village_id[:9])
    hazards = hazard_queries.asset_hazards(subject_kind(asset), [asset.id]).get(asset.id, AssetHazards())
    if asset.asset_kind == "hydrant":
        last = db.session.scalar(sa.select(HydrantInspection).where(
            HydrantInspection.hydrant_id == asset.id, HydrantInspection.deleted.is_(False))
            .order_by(HydrantInspection.recorded_at.desc(), HydrantInspection.id.desc()).limit(1))
        return asset_state(asset, last, hydrant_months, hazards=hazards)
    last = db.session.scalar(sa.select(PoolCheck).where(
        PoolCheck.pool_id == asset.id, PoolCheck.deleted.is_(False), PoolCheck.check_kind == "level")
        .order_by(PoolCheck.recorded_at.desc(), PoolCheck.id.desc()).limit(1))
    return asset_state(asset, last, pool_months, hazards=hazards)


def history(asset, limit: int = 20) -> list:
    if asset.asset_kind == "hydrant":
        query = sa.select(HydrantInspection).where(HydrantInspection.hydrant_id == asset.id,
                                                   HydrantInspection.deleted.is_(False)) \
            .order_by(HydrantInspection.recorded_at.desc())
    else:
        query = sa.select(PoolCheck).where(PoolCheck.pool_id == asset.id, PoolCheck.deleted.is_(False)) \
            .order_by(PoolCheck.recorded_at.desc())
    return db.session.scalars(query.limit(limit)).all()


def check_count(asset) -> int:
    """How many inspections (a pool: checks) the asset has had."""
    model, key = (HydrantInspection, HydrantInspection.hydrant_id) if asset.asset_kind == "hydrant" else \
        (PoolCheck, PoolCheck.pool_id)
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)
                             .where(key == asset.id, model.deleted.is_(False))) or 0


def label_url(code: str) -> str:
    """Upper case throughout, so the QR symbol uses alphanumeric mode and stays small."""
    return public_url(f"H/{code}")


def recent_reports(asset, limit: int = 10) -> list[ProblemReport]:
    return db.session.scalars(sa.select(ProblemReport).where(
        ProblemReport.asset_id == asset.id, ProblemReport.deleted.is_(False))
        .order_by(ProblemReport.recorded_at.desc()).limit(limit)).all()


def hazards_about(asset) -> list:
    """The open hazards of the register about this hydrant or pool."""
    return hazard_queries.open_hazards_for(subject_kind(asset), asset.id)


def subject_kind(asset) -> str:
    """How the hazard register names the asset."""
    return "hydrant" if asset.asset_kind == "hydrant" else "water_pool"


def _place(asset) -> str:
    return f"{asset.title} {asset.code} · {asset.display_name}"


# ---- the registry -------------------------------------------------------------------------------

def register(model, village, client_id: str, values: dict):
    """A new hydrant or pool of the village, with a fresh label code."""
    asset = model(id=client_id, village_id=village.code, code=new_code(), **values)
    db.session.add(asset)
    return asset


def update(asset, values: dict) -> None:
    for name, value in values.items():
        setattr(asset, name, value)


def remove(asset) -> None:
    """Off the registry; its inspections and reports are kept (a tombstone, as everything synced)."""
    asset.deleted = True


def mark_reports_seen(asset, who: Who) -> None:
    """The committee has seen the residents' reports: their hazards are acknowledged (and stay in
    the register until they are fixed and checked)."""
    asset.reported_at = None
    for hazard in hazards_about(asset):
        if hazard.source == "resident_report":
            acknowledge(hazard, who)


# ---- inspections and checks ---------------------------------------------------------------------

# failed items that make a hydrant useless in a fire: the hazard is serious
SERIOUS_ITEMS = {"clear_5m", "valve", "flow"}


def save_inspection(hydrant: Hydrant, *, client_id: str, actor: Actor, answers: dict, notes: dict, photos: dict,
                    pressure_mpa: float | None, note: str) -> HydrantInspection:
    """Record an inspection item by item. A failed item opens a hazard, which keeps the hydrant out of
    order until it is fixed and checked (docs/hazards.md, "Assets follow the loop")."""
    inspection = HydrantInspection(
        id=client_id, village_id=hydrant.village_id, hydrant_id=hydrant.id, inspector_id=actor.person_id,
        inspector_name=actor.name, items=answers, item_notes=notes, item_photos_sha256=photos,
        pressure_mpa=pressure_mpa, result="defect" if "fail" in answers.values() else "ok", note=note,
        recorded_at=utcnow())
    db.session.add(inspection)
    note_check(hydrant.id, HYDRANT, hydrant.village_id, inspection.recorded_at)
    if inspection.result == "defect":
        failed = inspection.failed_items
        lines = [f"{INSPECTION_ITEMS[k]}" + (f": {notes[k]}" if k in notes else "") for k in failed]
        if note:
            lines.append(note)
        open_hazard(village_id=hydrant.village_id, category="hydrant", source="hydrant_inspection",
                    location=_place(hydrant), description="\n".join(lines),
                    severity="serious" if SERIOUS_ITEMS & set(failed) else "minor",
                    subject_kind="hydrant", subject_id=hydrant.id, found_by_kind="hydrant_inspection",
                    found_by_id=inspection.id, photo_sha256=next((photos[k] for k in failed if k in photos), None))
    hydrant.reported_at = None
    return inspection


def save_pool_check(pool: WaterPool, *, client_id: str, actor: Actor, kind: str, water_level: str | None,
                    ice: str | None, note: str, photo: str | None) -> PoolCheck:
    """Record a water-level or ice check; a low, empty or frozen pool is a hazard (and out of order
    until it is fixed and checked)."""
    defect = water_level in ("low", "empty") or ice == "frozen"
    record = PoolCheck(id=client_id, village_id=pool.village_id, pool_id=pool.id, inspector_id=actor.person_id,
                       inspector_name=actor.name, check_kind=kind, water_level=water_level, ice=ice,
                       result="defect" if defect else "ok", note=note, photo_sha256=photo, recorded_at=utcnow())
    db.session.add(record)
    note_check(pool.id, kind, pool.village_id, record.recorded_at)
    if defect:
        finding = WATER_LEVELS[water_level] if water_level else ICE_STATES[ice]
        description = f"{POOL_CHECK_KINDS[kind]}: {finding}" + (f"\n{note}" if note else "")
        # DOMAIN.md: refill a pool within 48 hours
        open_hazard(village_id=pool.village_id, category="equipment", source="pool_check", location=_place(pool),
                    description=description,
                    severity="serious" if water_level == "empty" or ice == "frozen" else "minor",
                    subject_kind="water_pool", subject_id=pool.id, found_by_kind="water_pool_check",
                    found_by_id=record.id, photo_sha256=photo,
                    due_in=dt.timedelta(hours=48) if water_level else None)
    pool.reported_at = None
    return record


# ---- residents' reports -------------------------------------------------------------------------

# (reports, seconds) windows per sender and per asset. Counted from the reports table itself, so the
# limits hold across gunicorn workers and restarts, on both databases. A sender over its limit is
# refused; an asset over its limit refuses nobody (file_report).
DEFAULT_REPORT_LIMITS = {"client": ((3, 600), (10, 86400)), "asset": ((6, 3600),)}


def _over(condition, windows) -> bool:
    now = utcnow()
    for most, seconds in windows:
        count = db.session.scalar(sa.select(sa.func.count()).select_from(ProblemReport).where(
            condition, ProblemReport.recorded_at >= now - dt.timedelta(seconds=seconds)))
        if count >= most:
            return True
    return False


def over_report_limit(asset, client_key: str) -> bool:
    """Whether this sender has sent as many reports as it may for now. The sender's reports are
    counted one request at a time (until this request's transaction ends, with the report saved or
    not), so twenty sent at once are counted one after another: call it before anything is written."""
    one_at_a_time(f"report:{client_key}")
    limits = current_app.config.get("HYDRANT_REPORT_LIMITS", DEFAULT_REPORT_LIMITS)
    return _over(ProblemReport.client_key == client_key, limits["client"])


def asset_flooded(asset) -> bool:
    """Whether the asset had as many reports as open hazards need: further reports join an open one."""
    limits = current_app.config.get("HYDRANT_REPORT_LIMITS", DEFAULT_REPORT_LIMITS)
    return _over(ProblemReport.asset_id == asset.id, limits["asset"])


def file_report(asset, *, client_id: str, problem: str, description: str, phone: str | None, photo: str | None,
                client_key: str) -> ProblemReport:
    """A resident's report: the asset shows as reported, and the problem is in the hazard register —
    a second resident reporting the same problem joins the open hazard (a fact on its timeline)
    instead of adding one, and so does any report beyond the asset's limit."""
    report = ProblemReport(id=client_id, village_id=asset.village_id, asset_kind=asset.asset_kind,
                           asset_id=asset.id, problem=problem, description=description, reporter_phone=phone,
                           photo_sha256=photo, client_key=client_key)
    db.session.add(report)
    asset.reported_at = utcnow()
    reported = [h for h in hazards_about(asset) if h.found_by_kind == "water_problem_report"]
    hazard = next((h for h in reported if (earlier := db.session.get(ProblemReport, h.found_by_id)) is not None
                   and earlier.problem == problem), None)
    if hazard is None and reported and asset_flooded(asset):
        hazard = reported[0]  # the latest
    if hazard is None:
        hazard = open_hazard(
            village_id=asset.village_id, category="hydrant" if asset.asset_kind == "hydrant" else "equipment",
            source="resident_report", location=_place(asset),
            description=str(PROBLEMS[problem]) + (f": {description}" if description else ""),
            subject_kind=subject_kind(asset), subject_id=asset.id, found_by_kind="water_problem_report",
            found_by_id=report.id, photo_sha256=photo, reporter_phone=phone)
        db.session.flush()  # the hazard's id, for the report
    else:
        join_report(hazard, photo_sha256=photo)
    report.hazard_id = hazard.id
    return report


# ---- what the checks add up to (models.CheckMonth, LatestCheck) -----------------------------------

HYDRANT = "hydrant"  # the kind of a hydrant's inspections in the derived tables (a pool's: its check kind)
CHUNK = 500


def note_check(asset_id: str, kind: str, village_id: str, at: dt.datetime) -> None:
    """A check recorded here: its month's row and the asset's latest move on to it, in the caller's
    transaction and without a flush (callers add their records around this and commit once; a form
    sent twice fails at their commit, and this goes with it)."""
    month = local_day(at).strftime("%Y-%m")
    with db.session.no_autoflush:
        row = _derived(CheckMonth, asset_id=asset_id, kind=kind, month=month)
        if row is None:
            db.session.add(CheckMonth(asset_id=asset_id, kind=kind, month=month, village_id=village_id, last_at=at))
        elif row.last_at < at:
            row.last_at = at
        latest = _derived(LatestCheck, asset_id=asset_id, kind=kind)
        if latest is None:
            db.session.add(LatestCheck(asset_id=asset_id, kind=kind, village_id=village_id, last_at=at))
        elif latest.last_at < at:
            latest.last_at = at


def _derived(model, **key):
    """The derived row of ``key``: stored, or added in this transaction and not yet flushed (several
    checks of one asset saved before one commit — an import, a phone's delivery), which
    ``session.get`` does not see."""
    found = db.session.get(model, tuple(key.values()))
    if found is not None:
        return found
    return next((o for o in db.session.new if isinstance(o, model)
                 and all(getattr(o, k) == v for k, v in key.items())), None)


def refresh_checks(asset_ids) -> None:
    """Derive the rows of these hydrants and pools again from the checks the database holds now, in
    the caller's transaction: after sync wrote checks (without the ORM), a tombstoned check, the demo,
    ``flask hydrants refresh``. Per asset it reads the index on (asset, recorded_at)."""
    ids = sorted(set(asset_ids))
    if not ids:
        return
    db.session.flush()
    offset = zone_offset_hours()
    months, latest = CheckMonth.__table__, LatestCheck.__table__
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        db.session.execute(sa.delete(months).where(months.c.asset_id.in_(chunk)))
        db.session.execute(sa.delete(latest).where(latest.c.asset_id.in_(chunk)))
        for checks, asset, kind in ((HydrantInspection, HydrantInspection.hydrant_id, sa.literal(HYDRANT)),
                                    (PoolCheck, PoolCheck.pool_id, PoolCheck.check_kind)):
            month = local_month(checks.recorded_at, offset)
            grouping = (asset, month) if checks is HydrantInspection else (asset, kind, month)
            db.session.execute(months.insert().from_select(
                ["asset_id", "kind", "month", "village_id", "last_at"],
                sa.select(asset, kind, month, sa.func.max(checks.village_id), sa.func.max(checks.recorded_at))
                .where(asset.in_(chunk), checks.deleted.is_(False)).group_by(*grouping)))
        db.session.execute(latest.insert().from_select(
            ["asset_id", "kind", "village_id", "last_at"],
            sa.select(months.c.asset_id, months.c.kind, sa.func.max(months.c.village_id), sa.func.max(months.c.last_at))
            .where(months.c.asset_id.in_(chunk)).group_by(months.c.asset_id, months.c.kind)))
    for stale in [o for o in db.session.identity_map.values() if isinstance(o, (CheckMonth, LatestCheck))]:
        db.session.expunge(stale)  # their rows were just written again


def refresh_all_checks() -> int:
    """Rebuild the derived rows of every hydrant and pool (``flask hydrants refresh``); returns how many."""
    ids = [*db.session.scalars(sa.select(HydrantInspection.hydrant_id).distinct()),
           *db.session.scalars(sa.select(PoolCheck.pool_id).distinct())]
    db.session.execute(sa.delete(CheckMonth.__table__))
    db.session.execute(sa.delete(LatestCheck.__table__))
    refresh_checks(ids)
    return len(ids)


def on_sync_applied(table: str, ids: list[str]) -> None:
    """Sync wrote checks that came from elsewhere: the derived rows move on to them, in the same
    transaction (registered on the sync extension's ``on_applied``).

    Checks are facts: a live one only ever adds to its month and to its asset's latest, so each
    derived table takes them in one statement (an upsert of the checks' months grouped, keeping the
    later time), at a cost that stays with the page, not with the years of checks already kept, and
    without a row of Python per check. A tombstoned one may take its month's latest away: those
    assets are worked out again from their checks (``refresh_checks``)."""
    if table == HydrantInspection.__tablename__:
        asset, kind = HydrantInspection.hydrant_id, sa.literal(HYDRANT)
    elif table == PoolCheck.__tablename__:
        asset, kind = PoolCheck.pool_id, PoolCheck.check_kind
    else:
        return
    if not ids:
        return
    checks = asset.class_
    written = among(checks.id, list(ids))
    removed = set(db.session.scalars(sa.select(asset).where(written, checks.deleted.is_(True)).distinct()))
    live = [written, checks.deleted.is_(False)] + ([asset.not_in(sorted(removed))] if removed else [])
    month = local_month(checks.recorded_at, zone_offset_hours())
    grouping = (asset, month) if checks is HydrantInspection else (asset, kind, month)
    _merge(CheckMonth, sa.select(asset, kind, month, sa.func.max(checks.village_id), sa.func.max(checks.recorded_at))
           .where(*live).group_by(*grouping))
    _merge(LatestCheck, sa.select(asset, kind, sa.func.max(checks.village_id), sa.func.max(checks.recorded_at))
           .where(*live).group_by(*grouping[:-1]))
    refresh_checks(removed)


def _merge(model, rows: sa.Select) -> None:
    """Derived rows (key..., village, time) of ``rows``: added where missing, moved on where older."""
    table = model.__table__
    keys = [c.name for c in table.primary_key.columns]
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table).from_select([*keys, "village_id", "last_at"], rows)
    db.session.execute(stmt.on_conflict_do_update(index_elements=keys, set_={"last_at": stmt.excluded.last_at},
                                                  where=table.c.last_at < stmt.excluded.last_at))
    for stale in [o for o in db.session.identity_map.values() if isinstance(o, model)]:
        db.session.expunge(stale)  # rows just written underneath the session


# ---- the township's intervals -------------------------------------------------------------------

def set_intervals(township_code: str, hydrant_months: int, pool_months: int) -> InspectionIntervals:
    row = latest_intervals(township_code)
    if row is None:
        row = InspectionIntervals(village_id=township_code)
        db.session.add(row)
    row.hydrant_months, row.pool_months = hydrant_months, pool_months
    return row


# ---- how villages are doing, for the township ---------------------------------------------------

SUMMARY_FIGURES = {
    "hydrants": _l("Hydrants"),
    "pools": _l("Fire water pools"),
    "defective": _l("Defect"),
    "out_of_service": _l("Out of service"),
    "overdue": _l("Inspection overdue"),
    "reported": _l("Reported by residents"),
    "last_checked": _l("Last checked"),
}


def village_summaries(village_codes: list[str]) -> dict[str, dict]:
    """{village code: figures} for many villages, counted in the database (a county's overview asks
    for 500 villages: their 6,000 hydrants' rows were most of its time). ``last_checked`` is a date in
    the villages' time zone. "Overdue" is ``due_at``'s: the database counts the assets surely overdue
    or surely not by the date of their last check, and the few within days of the line are worked out
    here, exactly (an interval's months are not a fixed number of days)."""
    codes = sorted(set(village_codes))
    if not codes:
        return {}
    townships = dict(db.session.execute(sa.select(Village.code, Village.township_code)
                                        .where(among(Village.code, codes))).all())
    intervals = _intervals_of(set(townships.values()))
    summaries = {code: dict.fromkeys(("hydrants", "pools", "defective", "out_of_service", "overdue", "reported"), 0)
                 | {"last_checked": None} for code in codes}
    now = utcnow()
    for figure, which, model, kind, subject in (("hydrants", 0, Hydrant, HYDRANT, "hydrant"),
                                                 (("pools", 1, WaterPool, "level", "water_pool"))):
        months = {code: intervals.get(townships.get(code), DEFAULT_MONTHS)[which] for code in codes}
        counted, near = _assets_counted(model, kind, subject, months, now)
        for village, assets, defective, out_of_service, reported, overdue, last in counted:
            found = summaries[village]
            found[figure] += assets
            found["defective"] += defective
            found["out_of_service"] += out_of_service
            found["reported"] += reported
            found["overdue"] += overdue
            if last is not None and (found["last_checked"] is None or last > found["last_checked"]):
                found["last_checked"] = last
        for village, registered, last in near:
            summaries[village]["overdue"] += due_at(registered, last, months[village]) < now
    for found in summaries.values():
        if found["last_checked"] is not None:
            found["last_checked"] = _local_date(found["last_checked"])
    return summaries


# an interval of months after a day is that day's date in a later month, moved back to the month's
# last day when it has fewer days: never more than three days off a fixed shift of the calendar
NEAR_THE_LINE = dt.timedelta(days=4)


def _assets_counted(model, kind: str, subject: str, months: dict[str, int], now: dt.datetime):
    """The live assets of the villages (``months``: each village's interval), in two queries: per
    village (assets, defective, out of service, reported by residents, surely overdue, latest check),
    and (village, registered, latest check) of the assets whose next check falls within days of now
    (``NEAR_THE_LINE``), for ``due_at`` to decide."""
    codes = sorted(months)
    hazards = hazard_queries.subject_summary((subject,), codes)
    since = sa.func.coalesce(LatestCheck.last_at, model.recorded_at)
    # per interval its villages have: a last check before ``early`` is surely overdue, one after
    # ``late`` surely not (worked out here: date arithmetic is not alike in SQLite and PostgreSQL)
    by_interval: dict[int, list[str]] = {}
    for code, m in months.items():
        by_interval.setdefault(m, []).append(code)

    def line(offset: dt.timedelta):
        at = {m: add_months(now, -m) + offset for m in by_interval}
        if len(at) == 1:
            return sa.literal(next(iter(at.values())), sa.DateTime())
        return sa.case(*[(among(model.village_id, villages), sa.literal(at[m], sa.DateTime()))
                         for m, villages in by_interval.items()])
    base = (sa.select(model.village_id, model.status, model.recorded_at, LatestCheck.last_at.label("last_at"),
                      since.label("since"), line(-NEAR_THE_LINE).label("early"), line(NEAR_THE_LINE).label("late"),
                      hazards.c.open, hazards.c.unconfirmed)
            .outerjoin(LatestCheck, sa.and_(LatestCheck.asset_id == model.id, LatestCheck.kind == kind))
            .outerjoin(hazards, hazards.c.subject_id == model.id)
            .where(among(model.village_id, codes), model.deleted.is_(False))
            .subquery())
    open_, unconfirmed = sa.func.coalesce(base.c.open, 0), sa.func.coalesce(base.c.unconfirmed, 0)
    connection = db.session.connection()  # rows as the database gives them: no ORM entities to build
    counted = connection.execute(
        sa.select(base.c.village_id, sa.func.count(),
                  sa.func.count().filter(sa.or_(base.c.status == "defect", open_ > unconfirmed)),
                  sa.func.count().filter(base.c.status == "out_of_service"),
                  sa.func.count().filter(unconfirmed > 0),
                  sa.func.count().filter(base.c.since < base.c.early),
                  sa.func.max(base.c.last_at))
        .group_by(base.c.village_id)).all()
    near = connection.execute(
        sa.select(base.c.village_id, base.c.recorded_at, base.c.last_at)
        .where(base.c.since >= base.c.early, base.c.since <= base.c.late)).all()
    return counted, near


def _intervals_of(township_codes: set[str]) -> dict[str, tuple[int, int]]:
    rows = db.session.execute(sa.select(InspectionIntervals.village_id, InspectionIntervals.hydrant_months,
                                        InspectionIntervals.pool_months)
                              .where(InspectionIntervals.village_id.in_(township_codes),
                                     InspectionIntervals.deleted.is_(False))
                              .order_by(InspectionIntervals.id)).all()
    return {township: (hydrant, pool) for township, hydrant, pool in rows}  # the latest row wins


def _local_date(when: dt.datetime) -> dt.date:
    return when.replace(tzinfo=dt.timezone.utc).astimezone(village_zone()).date()


# ---- expected vs done, for the township's reporting rates -----------------------------------------

INSPECTION_RULE = _l("Every hydrant once in each inspection interval of the township (3 months unless "
                     "the township sets another), counted from its last inspection or its registration.")
POOL_CHECK_RULE = _l("Every fire water pool's water level once in each pool interval of the township "
                     "(monthly unless the township sets another).")


def _rates(model, kind: str, codes, months, which: int):
    codes = sorted(set(codes))
    if not codes or not months:
        return {}
    townships = dict(db.session.execute(sa.select(Village.code, Village.township_code)
                                        .where(among(Village.code, codes))).all())
    intervals = _intervals_of(set(townships.values()))
    interval = {code: intervals.get(townships.get(code), DEFAULT_MONTHS)[which] for code in codes}
    things = [(asset_id, village, registered, interval[village]) for asset_id, village, registered in
              db.session.execute(sa.select(model.id, model.village_id, model.recorded_at)
                                 .where(among(model.village_id, codes), model.deleted.is_(False)))]
    if not things:
        return {}
    # once_every's rows straight from the checks' months (CheckMonth): the months asked about and, as
    # BEFORE, the latest of the ``longest interval`` months before them (an older last check leaves a
    # thing overdue from the start either way)
    months = sorted(months)
    key = sa.case((CheckMonth.month < months[0], sa.literal(BEFORE)), else_=CheckMonth.month).label("month")
    checks = db.session.execute(
        sa.select(CheckMonth.asset_id, key, sa.func.max(CheckMonth.last_at))
        .where(among(CheckMonth.village_id, codes), CheckMonth.kind == kind,
               CheckMonth.month >= shift(months[0], -max(interval.values())), CheckMonth.month <= months[-1])
        .group_by(CheckMonth.asset_id, key)).all()
    return once_every(things, checks, months)


def inspection_rates(village_codes: list[str], months: list[str]) -> dict:
    """Hydrant inspections expected, done and on time per village and month (kiosk.supervision.rates'
    rule), in three queries for any number of villages and months."""
    return _rates(Hydrant, HYDRANT, village_codes, months, 0)


def pool_check_rates(village_codes: list[str], months: list[str]) -> dict:
    """Water-level checks of fire water pools expected, done and on time (ice checks are extra)."""
    return _rates(WaterPool, "level", village_codes, months, 1)


@dataclass
class InspectionRow:
    village_id: str
    code: str
    asset: str
    location: str
    at: dt.datetime
    inspector: str | None
    result: str
    failed: str
    pressure: float | None


def inspection_rows(village_codes: list[str], month: str, chunk: int = 2000):
    """The month's hydrant inspections and pool checks of the villages, in time order, for the
    township's export (labels in the current locale; times on the village's clock). Streamed."""
    from ..supervision.rates import month_start_utc, shift, zone_offset_hours
    offset = zone_offset_hours()
    start, end = month_start_utc(month, offset), month_start_utc(shift(month, 1), offset)
    results = {k: str(v) for k, v in RESULTS.items()}
    items = {k: str(v) for k, v in INSPECTION_ITEMS.items()}
    hydrant, pool = str(Hydrant.title), str(WaterPool.title)
    zone = village_zone()

    def local(moment):
        return moment.replace(tzinfo=dt.timezone.utc).astimezone(zone).replace(tzinfo=None)

    inspections = (sa.select(HydrantInspection.village_id, Hydrant.code, Hydrant.location, HydrantInspection.recorded_at,
                             HydrantInspection.inspector_name, HydrantInspection.result, HydrantInspection.items,
                             HydrantInspection.pressure_mpa)
                   .join(Hydrant, Hydrant.id == HydrantInspection.hydrant_id)
                   .where(among(HydrantInspection.village_id, village_codes), HydrantInspection.deleted.is_(False),
                          HydrantInspection.recorded_at >= start, HydrantInspection.recorded_at < end)
                   .order_by(HydrantInspection.recorded_at).execution_options(yield_per=chunk))
    for village, code, location, at, inspector, result, answers, pressure in db.session.execute(inspections):
        failed = "、".join(items.get(k, k) for k, v in (answers or {}).items() if v == "fail")
        yield InspectionRow(village, code, hydrant, location, local(at), inspector, results.get(result, result),
                            failed, pressure)
    checks = (sa.select(PoolCheck.village_id, WaterPool.code, WaterPool.name, PoolCheck.recorded_at,
                        PoolCheck.inspector_name, PoolCheck.result, PoolCheck.check_kind)
              .join(WaterPool, WaterPool.id == PoolCheck.pool_id)
              .where(among(PoolCheck.village_id, village_codes), PoolCheck.deleted.is_(False),
                     PoolCheck.recorded_at >= start, PoolCheck.recorded_at < end)
              .order_by(PoolCheck.recorded_at).execution_options(yield_per=chunk))
    for village, code, name, at, inspector, result, kind in db.session.execute(checks):
        yield InspectionRow(village, code, pool, name, local(at), inspector, results.get(result, result),
                            str(POOL_CHECK_KINDS.get(kind, kind)), None)
