"""What the pact screens read: versions and clauses, what changed, pledges and progress, visits,
and the village summaries the township asks for. Nothing here writes."""
from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..context import local_today
from ..extensions import db
from ..hazards.models import Hazard
from ..households.service import natural_key
from ..supervision.rates import rates_of
from ..village.models import Household, Village
from .models import PLEDGING_METHODS, DoorVisit, Pact, PactClause, PactTemplate, Pledge
from ..records import among

# ---- templates and versions ---------------------------------------------------------------------

def templates_for(village: Village) -> list[PactTemplate]:
    """The township's model pact to draft from: its newest edition (earlier ones were superseded)."""
    newest = db.session.scalar(PactTemplate.live().where(PactTemplate.village_id == village.township_code)
                               .order_by(PactTemplate.edition.desc(), PactTemplate.recorded_at.desc()).limit(1))
    return [newest] if newest is not None else []


def template_for(village: Village, template_id: str | None) -> PactTemplate | None:
    """One of the township's templates (township-wide rows: not a record of the village)."""
    template = db.session.get(PactTemplate, template_id) if template_id and len(template_id) <= 36 else None
    if template is None or template.deleted or template.village_id != village.township_code:
        return None
    return template


def versions(village: Village) -> list[Pact]:
    return db.session.scalars(Pact.live().where(Pact.village_id == village.code)
                              .order_by(Pact.number.desc(), Pact.recorded_at.desc())).all()


def current_pact(village: Village | None) -> Pact | None:
    """The published version residents pledge to (the newest, should two ever meet after a sync)."""
    if village is None:
        return None
    return db.session.scalar(_CURRENT, {"village": village.code})


def pact_of(village: Village, pact_id: str | None) -> Pact | None:
    pact = db.session.get(Pact, pact_id) if pact_id and len(pact_id) <= 36 else None
    if pact is None or pact.deleted or pact.village_id != village.code:
        return None
    return pact


def draft_of(village: Village) -> Pact | None:
    """The draft being prepared, if any: one at a time, or two would compete for the same meeting."""
    return db.session.scalar(Pact.live().where(Pact.village_id == village.code, Pact.status == "draft")
                             .order_by(Pact.number.desc()).limit(1))


def previous_version(pact: Pact) -> Pact | None:
    """The version a pact is compared with by default: the one it was drafted from, else the newest
    earlier version that was adopted."""
    if pact.based_on_id:
        before = db.session.get(Pact, pact.based_on_id)
        if before is not None and not before.deleted and before.village_id == pact.village_id:
            return before
    return db.session.scalar(Pact.live().where(Pact.village_id == pact.village_id, Pact.number < pact.number,
                                               Pact.status != "draft").order_by(Pact.number.desc()).limit(1))


def clauses_of(pact: Pact) -> list[PactClause]:
    return db.session.scalars(_CLAUSES, {"pact": pact.id}).all()


# built once (the board shows the current version's clauses each time)
_CLAUSES = PactClause.live().where(PactClause.pact_id == sa.bindparam("pact")) \
    .order_by(PactClause.position, PactClause.recorded_at)


def clause_of(pact: Pact, clause_id: str, dropped: bool = False) -> PactClause | None:
    """A clause of this version; ``dropped`` finds one already dropped too (a replayed drop)."""
    clause = db.session.get(PactClause, clause_id) if clause_id and len(clause_id) <= 36 else None
    if clause is None or clause.pact_id != pact.id or (clause.deleted and not dropped):
        return None
    return clause


# ---- what changed -------------------------------------------------------------------------------

@dataclass
class Change:
    kind: str                      # added | removed | changed | moved | same
    number: int | None             # clause number in the newer version
    old_number: int | None
    text: str
    old_text: str | None = None
    topic: object = None
    segments: list[tuple[str, str]] = field(default_factory=list)  # (equal|delete|insert, text)


def diff(old: Pact, new: Pact) -> list[Change]:
    """Clause by clause, following each clause's lineage; changed text is marked character by
    character (Chinese has no spaces to split words on)."""
    old_clauses, new_clauses = clauses_of(old), clauses_of(new)
    old_by = {c.lineage: (i, c) for i, c in enumerate(old_clauses)}
    new_lineages = {c.lineage for c in new_clauses}
    common_old = [c.lineage for c in old_clauses if c.lineage in new_lineages]
    common_new = [c.lineage for c in new_clauses if c.lineage in old_by]
    in_order = set()
    for block in difflib.SequenceMatcher(None, common_old, common_new, autojunk=False).get_matching_blocks():
        in_order.update(common_new[block.b:block.b + block.size])
    changes = []
    for i, clause in enumerate(new_clauses):
        if clause.lineage not in old_by:
            changes.append(Change("added", i + 1, None, clause.text, topic=clause.topic_label))
            continue
        j, before = old_by[clause.lineage]
        if before.text != clause.text:
            matcher = difflib.SequenceMatcher(None, before.text, clause.text, autojunk=False)
            segments = []
            for op, a1, a2, b1, b2 in matcher.get_opcodes():
                if op == "equal":
                    segments.append(("equal", clause.text[b1:b2]))
                else:
                    if a2 > a1:
                        segments.append(("delete", before.text[a1:a2]))
                    if b2 > b1:
                        segments.append(("insert", clause.text[b1:b2]))
            changes.append(Change("changed", i + 1, j + 1, clause.text, before.text, clause.topic_label, segments))
        elif clause.lineage not in in_order:
            changes.append(Change("moved", i + 1, j + 1, clause.text, topic=clause.topic_label))
        else:
            changes.append(Change("same", i + 1, j + 1, clause.text, topic=clause.topic_label))
    for j, clause in enumerate(old_clauses):
        if clause.lineage not in new_lineages:
            changes.append(Change("removed", None, j + 1, clause.text, topic=clause.topic_label))
    return changes


# ---- pledges and progress -----------------------------------------------------------------------

def pledges_for(pact: Pact) -> dict[str, Pledge]:
    """household id -> its standing pledge to this version (withdrawn ones do not count)."""
    rows = db.session.scalars(Pledge.live().where(Pledge.pact_id == pact.id)
                              .order_by(Pledge.recorded_at)).all()
    withdrawn = {p.corrects_id for p in rows if p.method == "withdrawn"}
    standing = {}
    for pledge in rows:
        if pledge.method in PLEDGING_METHODS and pledge.id not in withdrawn:
            standing.setdefault(pledge.household_id, pledge)
    return standing


def standing_pledge(pact: Pact, household: Household) -> Pledge | None:
    return db.session.scalar(Pledge.live().where(Pledge.pact_id == pact.id, Pledge.household_id == household.id,
                                                 *_standing()).order_by(Pledge.recorded_at).limit(1))


def withdrawal_of(pledge: Pledge) -> Pledge | None:
    return db.session.scalar(Pledge.live().where(Pledge.corrects_id == pledge.id).limit(1))


def last_pledges(household: Household) -> list[tuple[Pledge, Pact]]:
    rows = db.session.execute(sa.select(Pledge, Pact).join(Pact, Pact.id == Pledge.pact_id)
                              .where(Pledge.household_id == household.id, Pledge.deleted.is_(False))
                              .order_by(Pledge.recorded_at.desc())).all()
    return [(p, pact) for p, pact in rows]


@dataclass
class GroupProgress:
    name: str
    total: int
    pledged: int

    @property
    def percent(self) -> int:
        return round(100 * self.pledged / self.total) if self.total else 0


def progress(village: Village, pact: Pact | None) -> tuple[GroupProgress, list[GroupProgress]]:
    """Households and those pledged to ``pact``, group by group in register order: two counts, not
    the register and its pledges (with their signatures) loaded to count them."""
    counted = db.session.execute(_HOUSEHOLDS_BY_GROUP, {"village": village.code}).all()
    pledged: dict[str | None, int] = {}
    if pact is not None:
        pledged = dict(db.session.execute(_PLEDGED_BY_GROUP, {"village": village.code, "pact": pact.id}).all())
    groups: dict[str, GroupProgress] = {}
    for name, n in counted:
        group = groups.setdefault(name or "", GroupProgress(name or "", 0, 0))
        group.total += n
        group.pledged += pledged.get(name, 0)
    rows = sorted(groups.values(), key=lambda g: natural_key(g.name))
    total = GroupProgress("", sum(g.total for g in rows), sum(g.pledged for g in rows))
    return total, rows


def pledged_of_households(village: Village) -> tuple[int, int] | None:
    """(households pledged to the current pact, households), as ``progress`` counts them, in one
    statement; None when no pact is published."""
    pact_id, pledged, total = db.session.execute(_BADGE, {"village": village.code}).one()
    return None if pact_id is None else (pledged, total)


def not_pledged(village: Village, pact: Pact | None, group: str = "") -> list[Household]:
    """The households (of ``group``, or all) with no standing pledge to ``pact``, in register order."""
    query = Household.live().where(Household.village_id == village.code)
    if group:
        query = query.where(Household.group_name == group)
    if pact is not None:
        # one pass over the version's pledges (a lookup per household would walk them for each)
        query = query.where(Household.id.not_in(sa.select(Pledge.household_id).where(Pledge.pact_id == pact.id,
                                                                                        *_standing())))
    rows = db.session.scalars(query).all()
    return sorted(rows, key=lambda h: (natural_key(h.group_name), natural_key(h.house_number)))


def _standing():
    """The conditions of a standing pledge: live, pledging, not withdrawn."""
    withdrawal = sa.orm.aliased(Pledge)
    withdrawn = sa.select(withdrawal.id).where(withdrawal.corrects_id == Pledge.id, withdrawal.method == "withdrawn",
                                               withdrawal.deleted.is_(False)).exists()
    return Pledge.deleted.is_(False), Pledge.method.in_(PLEDGING_METHODS), ~withdrawn


# statements built once (their construction costs more than SQLite's answer): the current pact, and the
# households and those pledged to a version, group by group
_CURRENT = Pact.live().where(Pact.village_id == sa.bindparam("village"), Pact.status == "published") \
    .order_by(Pact.number.desc()).limit(1)
_LIVE_HOUSEHOLDS = (Household.village_id == sa.bindparam("village"), Household.deleted.is_(False))
_HOUSEHOLDS_BY_GROUP = sa.select(Household.group_name, sa.func.count()).where(*_LIVE_HOUSEHOLDS) \
    .group_by(Household.group_name)


def _pledged(pact_id, *by) -> sa.Select:
    """Households pledged to the version ``pact_id`` (a parameter or a subquery), by the columns ``by``."""
    return sa.select(*by, sa.func.count(sa.distinct(Pledge.household_id))) \
        .join(Household, Household.id == Pledge.household_id) \
        .where(*_LIVE_HOUSEHOLDS, *_standing(), Pledge.pact_id == pact_id).group_by(*by)


_PLEDGED_BY_GROUP = _pledged(sa.bindparam("pact"), Household.group_name)
_CURRENT_ID = _CURRENT.with_only_columns(Pact.id).scalar_subquery()
_BADGE = sa.select(_CURRENT_ID, _pledged(_CURRENT_ID).scalar_subquery(),
                   sa.select(sa.func.count()).select_from(Household).where(*_LIVE_HOUSEHOLDS).scalar_subquery())


# ---- visits -------------------------------------------------------------------------------------

def last_visited(households: list[Household]) -> dict[str, dt.date]:
    """household id -> the day of its latest visit, for these households only."""
    if not households:
        return {}
    return dict(db.session.execute(
        sa.select(DoorVisit.household_id, sa.func.max(DoorVisit.visited_on))
        .where(DoorVisit.household_id.in_([h.id for h in households]), DoorVisit.deleted.is_(False))
        .group_by(DoorVisit.household_id)).all())


def visit_count(village: Village) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(DoorVisit).where(
        DoorVisit.village_id == village.code, DoorVisit.deleted.is_(False))) or 0


def recent_visits(village: Village, limit: int = 300, offset: int = 0) -> list[DoorVisit]:
    return db.session.scalars(DoorVisit.live().where(DoorVisit.village_id == village.code)
                              .order_by(DoorVisit.visited_on.desc(), DoorVisit.recorded_at.desc())
                              .offset(offset).limit(limit)).all()


def visits_to(household: Household) -> list[DoorVisit]:
    return db.session.scalars(DoorVisit.live().where(DoorVisit.household_id == household.id)
                              .order_by(DoorVisit.visited_on.desc())).all()


def hazards_found_on(visit: DoorVisit) -> list[Hazard]:
    return db.session.scalars(Hazard.live().where(Hazard.found_by_kind == "door_visit",
                                                  Hazard.found_by_id == visit.id)).all()


def hazards_of(household: Household) -> list[Hazard]:
    return db.session.scalars(Hazard.live().where(Hazard.subject_kind == "household",
                                                  Hazard.subject_id == household.id)
                              .order_by(Hazard.recorded_at.desc())).all()


# ---- the township's view: how each village is doing ---------------------------------------------

SUMMARY_FIGURES = {
    "state": _l("Pact"),                     # draft | adopted | published of the newest version, or None
    "version": _l("Version"),
    "households": _l("Households"),
    "pledged": _l("Households pledged"),     # to the published version
    "pledged_percent": _l("Share of households pledged"),
    "visits_this_month": _l("Door-to-door visits this month"),
}


def village_summaries(village_codes: list[str]) -> dict[str, dict]:
    """The pact in many villages at once, in four queries whatever their number: the newest
    version's state, the households, those pledged to the published version, and this month's
    door-to-door visits (the village's calendar month)."""
    codes = list(village_codes)
    if not codes:
        return {}
    newest: dict[str, tuple[int, str]] = {}   # village -> (number, status) of its newest version
    published: dict[str, tuple[int, str]] = {}  # village -> (number, pact id) of the current pact
    for code, pact_id, number, status in db.session.execute(
            sa.select(Pact.village_id, Pact.id, Pact.number, Pact.status)
            .where(among(Pact.village_id, codes), Pact.deleted.is_(False), Pact.status != "superseded")):
        if number > newest.get(code, (0, ""))[0]:
            newest[code] = (number, status)
        if status == "published" and number > published.get(code, (0, ""))[0]:
            published[code] = (number, pact_id)
    households = dict(db.session.execute(
        sa.select(Household.village_id, sa.func.count()).where(among(Household.village_id, codes),
                                                               Household.deleted.is_(False))
        .group_by(Household.village_id)).all())
    pledged = _pledged_households([pact_id for _n, pact_id in published.values()])
    month = local_today().replace(day=1)
    next_month = (month + dt.timedelta(days=32)).replace(day=1)
    visits = dict(db.session.execute(
        sa.select(DoorVisit.village_id, sa.func.count()).where(
            among(DoorVisit.village_id, codes), DoorVisit.deleted.is_(False),
            DoorVisit.visited_on >= month, DoorVisit.visited_on < next_month)
        .group_by(DoorVisit.village_id)).all())
    out = {}
    for code in codes:
        number, state = newest.get(code, (None, None))
        total = households.get(code, 0)
        done = pledged.get(published[code][1], 0) if code in published else 0
        out[code] = {"state": state, "version": number, "households": total, "pledged": done,
                     "pledged_percent": round(100 * done / total) if total else 0,
                     "visits_this_month": visits.get(code, 0)}
    return out


def _pledged_households(pact_ids: list[str]) -> dict[str, int]:
    """pact id -> households of the register with a standing pledge to it, in one query."""
    if not pact_ids:
        return {}
    return dict(db.session.execute(
        sa.select(Pledge.pact_id, sa.func.count(sa.distinct(Pledge.household_id)))
        .join(Household, Household.id == Pledge.household_id)
        .where(Pledge.pact_id.in_(pact_ids), Household.deleted.is_(False), *_standing())
        .group_by(Pledge.pact_id)).all())


# ---- expected vs done, for the township's reporting rates -----------------------------------------

# how often each household should have a door-to-door visit (敲门入户); no policy names a number
VISIT_MONTHS = 12
VISIT_RULE = _l("Every household of the register visited door to door once a year, counted from its last "
                "visit or from when it was registered.")


def visit_rates(village_codes: list[str], months: list[str]) -> dict:
    """Door-to-door visits expected, done and on time per village and month (kiosk.supervision.rates'
    rule, each household once every VISIT_MONTHS), in two queries."""
    codes = sorted(set(village_codes))
    if not codes or not months:
        return {}
    things = [(household_id, village, registered, VISIT_MONTHS) for household_id, village, registered in
              db.session.execute(sa.select(Household.id, Household.village_id, Household.recorded_at)
                                 .where(among(Household.village_id, codes), Household.deleted.is_(False)))]
    where = [among(DoorVisit.village_id, codes), DoorVisit.deleted.is_(False)]
    return rates_of(things, DoorVisit.household_id, DoorVisit.visited_on, where, months, VISIT_MONTHS)
