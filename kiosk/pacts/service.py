"""Every change to the pact: templates, drafts and their clauses, adoption and publication,
pledges and their withdrawal, door-to-door visits and the hazards they find.

Nothing here flashes or commits: the caller commits once. Records with a client-made id are only
added, never flushed, so that a second copy of the same form meets the first at the commit
(kiosk.records.commit_once).
"""
from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from flask_babel import gettext as _

from ..context import local_today
from ..extensions import db
from ..hazards.service import open_hazard
from ..records import utcnow
from ..village.models import Household, Village
from . import queries
from .models import MAX_CLAUSES, VISIT_TOPICS, DoorVisit, Pact, PactClause, PactTemplate, Pledge
from .template_text import TEMPLATE_CLAUSES, TEMPLATE_NAME


class PactRefused(ValueError):
    """Why the pact cannot change this way (translated)."""


# ---- templates ----------------------------------------------------------------------------------

def seed_template(township_code: str) -> PactTemplate:
    """The township's model pact; made once, found again afterwards (safe to run again)."""
    template = current_template(township_code)
    if template is None:
        template = PactTemplate(village_id=township_code, name=TEMPLATE_NAME, issued_on=local_today(),
                                clauses=[{"topic": t, "text": c} for t, c in TEMPLATE_CLAUSES])
        db.session.add(template)
        db.session.flush()
    return template


def template_lineage(template: PactTemplate, index: int) -> str:
    """A template clause's lineage: kept in the clause from its second edition on; a first edition's
    is derived from its id and position (as drafts made from it have always had it)."""
    clause = (template.clauses or [])[index]
    return clause.get("lineage") or str(uuid.uuid5(uuid.UUID(template.id), f"clause-{index}"))


def current_template(township_code: str) -> PactTemplate | None:
    """The township's newest edition of its model pact: the one villages are offered."""
    return db.session.scalar(PactTemplate.live().where(PactTemplate.village_id == township_code)
                             .order_by(PactTemplate.edition.desc(), PactTemplate.recorded_at.desc()).limit(1))


def template_clauses(template: PactTemplate) -> list[dict]:
    """An edition's clauses with their lineages, to start the next edition from."""
    return [{"topic": c.get("topic") or "village", "text": c.get("text", ""), "lineage": template_lineage(template, i)}
            for i, c in enumerate(template.clauses or [])]


def issue_template(township_code: str, clauses: list[dict]) -> PactTemplate:
    """A new edition of the township's model pact (clauses: topic, text, lineage). Villages' pacts
    do not change: the next draft a village makes from the template is made from this edition."""
    current = current_template(township_code)
    template = PactTemplate(village_id=township_code, name=current.name if current else TEMPLATE_NAME,
                            issued_on=local_today(), edition=(current.edition + 1) if current else 1,
                            supersedes_id=current.id if current else None,
                            clauses=[{"topic": c["topic"], "text": c["text"], "lineage": c["lineage"]}
                                     for c in clauses])
    db.session.add(template)
    return template


# ---- drafts -------------------------------------------------------------------------------------

def new_draft(village: Village, client_id: str, *, template: PactTemplate | None = None,
              source: Pact | None = None) -> Pact:
    """A draft made from the township's template or from an earlier version of the village's pact."""
    numbers = db.session.scalars(sa.select(Pact.number).where(Pact.village_id == village.code,
                                                              Pact.deleted.is_(False))).all()
    source_clauses = queries.clauses_of(source) if source is not None else []
    pact = Pact(id=client_id, village_id=village.code, number=max(numbers, default=0) + 1,
                title=source.title if source else f"{village.name}防火公约", status="draft",
                template_id=template.id if template else (source.template_id if source else None),
                based_on_id=source.id if source else None)
    db.session.add(pact)
    for i, clause in enumerate(source_clauses):
        db.session.add(PactClause(village_id=village.code, pact_id=pact.id, lineage=clause.lineage,
                                  position=i, topic=clause.topic, text=clause.text))
    if source is None and template is not None:
        for i, item in enumerate(template.clauses or []):
            # the same template clause has the same lineage in every draft made from it, so that a
            # version drafted afresh from the template still compares clause by clause
            db.session.add(PactClause(village_id=village.code, pact_id=pact.id, lineage=template_lineage(template, i),
                                      position=i, topic=item.get("topic"), text=item.get("text", "")))
    return pact


def retitle(pact: Pact, title: str) -> None:
    pact.title = title


def add_clause(pact: Pact, client_id: str, text: str) -> PactClause:
    """A clause of the village's own, at the end. Raises PactRefused when the pact is full."""
    count = len(queries.clauses_of(pact))
    if count >= MAX_CLAUSES:
        raise PactRefused(_("A pact has at most %(n)d clauses.", n=MAX_CLAUSES))
    clause = PactClause(id=client_id, village_id=pact.village_id, pact_id=pact.id, lineage=client_id,
                        position=count, topic="village", text=text)
    db.session.add(clause)
    return clause


def edit_clause(clause: PactClause, text: str) -> None:
    clause.text = text


def move_clause(pact: Pact, clause: PactClause, to: int) -> None:
    """To a position, not 'one up': a replayed move leaves the order as it is."""
    clauses = [c for c in queries.clauses_of(pact) if c.id != clause.id]
    clauses.insert(min(to, len(clauses)), clause)
    _renumber(clauses)


def drop_clause(pact: Pact, clause: PactClause) -> None:
    if clause.deleted:  # dropped already: a replay
        return
    clause.deleted = True
    db.session.flush()
    _renumber(queries.clauses_of(pact))


def _renumber(clauses: list[PactClause]) -> None:
    for i, clause in enumerate(clauses):
        if clause.position != i:
            clause.position = i


def adopt(pact: Pact, meeting_date: dt.date, attendance: int, presided_by: str) -> None:
    """The villagers' meeting adopted the draft: its text can no longer change."""
    if not queries.clauses_of(pact):
        raise PactRefused(_("A pact with no clauses cannot be adopted. Add at least one clause."))
    pact.meeting_date = meeting_date
    pact.attendance = attendance
    pact.presided_by = presided_by
    pact.status = "adopted"
    pact.adopted_at = utcnow()


def publish(pact: Pact) -> None:
    """Post the pact: the notice board shows it, households pledge to it, the one before is superseded."""
    for other in db.session.scalars(Pact.live().where(Pact.village_id == pact.village_id,
                                                      Pact.status == "published", Pact.id != pact.id)):
        other.status = "superseded"
        other.superseded_at = utcnow()
    pact.status = "published"
    pact.published_at = utcnow()


def discard(pact: Pact) -> None:
    pact.deleted = True


# ---- pledges ------------------------------------------------------------------------------------

def record_pledge(pact: Pact, household: Household, client_id: str, *, recorded_by_id: str | None,
                  signature: str | None = None, signer_name: str | None = None,
                  confirmed_by: str | None = None) -> Pledge:
    """A household's pledge: signed on the kiosk (``signature``, the pad's checked strokes), or
    confirmed on behalf of a resident who cannot sign (``confirmed_by``)."""
    pledge = Pledge(id=client_id, village_id=pact.village_id, pact_id=pact.id, household_id=household.id,
                    recorded_by_id=recorded_by_id)
    if signature is not None:
        pledge.method, pledge.signature, pledge.signer_name = "signature", signature, signer_name or None
    else:
        pledge.method, pledge.confirmed_by = "confirmed", confirmed_by
    db.session.add(pledge)
    return pledge


def withdraw_pledge(pledge: Pledge, recorded_by_id: str | None) -> Pledge | None:
    """A pledge recorded for the wrong household is corrected by a new fact, never edited away.
    None when it was withdrawn already (a replay)."""
    if queries.withdrawal_of(pledge) is not None:
        return None
    withdrawal = Pledge(village_id=pledge.village_id, pact_id=pledge.pact_id, household_id=pledge.household_id,
                        method="withdrawn", corrects_id=pledge.id, recorded_by_id=recorded_by_id)
    db.session.add(withdrawal)
    return withdrawal


# ---- door-to-door visits ------------------------------------------------------------------------

def record_visit(household: Household, client_id: str, *, visited_on: dt.date, visitors: str, topics: list[str],
                 note: str | None, hazards: list[tuple[str, str, bool]], recorded_by_id: str | None) -> DoorVisit:
    """A visit to one household; each hazard found, (category, description, fixed on the spot), goes
    into the hazard register as found on this visit."""
    visit = DoorVisit(id=client_id, village_id=household.village_id, household_id=household.id,
                      visited_on=visited_on, visitors=visitors, topics=[t for t in VISIT_TOPICS if t in topics],
                      note=note or None, hazards_found=len(hazards), recorded_by_id=recorded_by_id)
    db.session.add(visit)
    for category, description, fixed in hazards:
        open_hazard(village_id=household.village_id, category=category, source="door_visit",
                    location=f"{household.house_number} {household.head_name}", description=description,
                    subject_kind="household", subject_id=household.id, found_by_kind="door_visit",
                    found_by_id=visit.id, fixed_on_spot=fixed)
    return visit

