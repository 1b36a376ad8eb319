"""What the pact screens ask of the database: versions, drafts, pledges, progress and the diff."""
from __future__ import annotations

import difflib
import re
import uuid
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..extensions import db
from ..records import utcnow

from ..households.service import register
from ..village.models import Household, Village
from .models import PLEDGING_METHODS, DoorVisit, Pact, PactClause, PactTemplate, Pledge
from .template_text import TEMPLATE_CLAUSES, TEMPLATE_NAME

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def is_uuid(value: str | None) -> bool:
    return bool(value and UUID.match(value))


# ---- templates ----------------------------------------------------------------------------------

def seed_template(township_code: str) -> PactTemplate:
    """The township's model pact; made once, found again afterwards (safe to run again)."""
    template = db.session.scalar(PactTemplate.live().where(
        PactTemplate.village_id == township_code, PactTemplate.name == TEMPLATE_NAME))
    if template is None:
        template = PactTemplate(village_id=township_code, name=TEMPLATE_NAME, issued_on=utcnow().date(),
                                clauses=[{"topic": t, "text": c} for t, c in TEMPLATE_CLAUSES])
        db.session.add(template)
        db.session.flush()
    return template


def templates_for(village: Village) -> list[PactTemplate]:
    return db.session.scalars(PactTemplate.live().where(PactTemplate.village_id == village.township_code)
                              .order_by(PactTemplate.recorded_at.desc())).all()


# ---- versions -----------------------------------------------------------------------------------

def versions(village: Village) -> list[Pact]:
    return db.session.scalars(Pact.live().where(Pact.village_id == village.code)
                              .order_by(Pact.number.desc(), Pact.recorded_at.desc())).all()


def current_pact(village: Village | None) -> Pact | None:
    """The published version residents pledge to (the newest, should two ever meet after a sync)."""
    if village is None:
        return None
    return db.session.scalar(Pact.live().where(Pact.village_id == village.code, Pact.status == "published")
                             .order_by(Pact.number.desc()).limit(1))


def pact_of(village: Village, pact_id: str) -> Pact | None:
    pact = db.session.get(Pact, pact_id) if is_uuid(pact_id) else None
    if pact is None or pact.deleted or pact.village_id != village.code:
        return None
    return pact


def clauses_of(pact: Pact) -> list[PactClause]:
    return db.session.scalars(PactClause.live().where(PactClause.pact_id == pact.id)
                              .order_by(PactClause.position, PactClause.recorded_at)).all()


def renumber(clauses: list[PactClause]) -> None:
    for i, clause in enumerate(clauses):
        if clause.position != i:
            clause.position = i


def new_draft(village: Village, draft_id: str, *, template: PactTemplate | None = None,
              source: Pact | None = None) -> Pact:
    """A draft made from the township's template or from an earlier version of the village's pact."""
    numbers = db.session.scalars(sa.select(Pact.number).where(Pact.village_id == village.code,
                                                              Pact.deleted.is_(False))).all()
    source_clauses = clauses_of(source) if source is not None else []
    pact = Pact(id=draft_id, village_id=village.code, number=max(numbers, default=0) + 1,
                title=source.title if source else f"{village.name}防火公约", status="draft",
                template_id=template.id if template else (source.template_id if source else None),
                based_on_id=source.id if source else None)
    # nothing is flushed before the commit, so that a second copy of the same draft (a double tap)
    # fails there, where commit_once finds the first
    db.session.add(pact)
    if source is not None:
        for i, clause in enumerate(source_clauses):
            db.session.add(PactClause(village_id=village.code, pact_id=pact.id, lineage=clause.lineage,
                                      position=i, topic=clause.topic, text=clause.text))
    elif template is not None:
        for i, item in enumerate(template.clauses or []):
            # the same template clause has the same lineage in every draft made from it, so that a
            # version drafted afresh from the template still compares clause by clause
            db.session.add(PactClause(village_id=village.code, pact_id=pact.id, lineage=template_lineage(template, i),
                                      position=i, topic=item.get("topic"), text=item.get("text", "")))
    return pact


def template_lineage(template: PactTemplate, index: int) -> str:
    return str(uuid.uuid5(uuid.UUID(template.id), f"clause-{index}"))


def publish(pact: Pact) -> None:
    for other in db.session.scalars(Pact.live().where(Pact.village_id == pact.village_id,
                                                      Pact.status == "published", Pact.id != pact.id)):
        other.status = "superseded"
        other.superseded_at = utcnow()
    pact.status = "published"
    pact.published_at = utcnow()


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


# ---- households, pledges, progress --------------------------------------------------------------

def households(village: Village) -> list[Household]:
    return register(village)


def household_of(village: Village, household_id: str) -> Household | None:
    household = db.session.get(Household, household_id) if is_uuid(household_id) else None
    if household is None or household.deleted or household.village_id != village.code:
        return None
    return household


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
    return pledges_for(pact).get(household.id)


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
    pledged = pledges_for(pact) if pact else {}
    groups: dict[str, GroupProgress] = {}
    for household in households(village):
        name = household.group_name or ""
        group = groups.setdefault(name, GroupProgress(name, 0, 0))
        group.total += 1
        group.pledged += household.id in pledged
    rows = list(groups.values())
    total = GroupProgress("", sum(g.total for g in rows), sum(g.pledged for g in rows))
    return total, rows


def not_pledged(village: Village, pact: Pact | None) -> list[Household]:
    pledged = pledges_for(pact) if pact else {}
    return [h for h in households(village) if h.id not in pledged]


def last_visits(village: Village) -> dict[str, DoorVisit]:
    rows = db.session.scalars(DoorVisit.live().where(DoorVisit.village_id == village.code)
                              .order_by(DoorVisit.visited_on, DoorVisit.recorded_at)).all()
    return {v.household_id: v for v in rows}


# ---- the phone version's address ----------------------------------------------------------------

def public_url(village_code: str) -> str:
    """Upper case, so that the QR symbol stays in alphanumeric mode (PITFALLS.md); the route
    answers upper and lower case."""
    from ..qr import public_url as _public_url
    return _public_url(f"P/{village_code}")
