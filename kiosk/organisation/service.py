"""The roster: who is on it, what the filing still lacks, and the changes the committee makes.
Nothing here commits: the caller commits once."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from ..auth import security
from ..extensions import db
from ..village.models import DUTIES, Person, Village
from ..records import among

# the filing sheet names exactly one person for each of these
SINGLE_DUTIES = ("first_responsible", "safety_manager")
# the standard's smallest volunteer team
MIN_VOLUNTEERS = 5


_RANK = {duty: i for i, duty in enumerate(DUTIES)}


def duty_order(person: Person) -> tuple:
    """Where a person stands on the roster: by their highest duty in the filing's order (first
    responsible person, safety manager, committee, grid, patrol, volunteers), then by name in
    pinyin order (GB 18030 orders the common characters by pinyin; code points do not)."""
    rank = min((_RANK.get(d, len(_RANK)) for d in person.duties or []), default=len(_RANK))
    return rank, person.name.encode("gb18030", errors="replace")


def roster(village: Village | None) -> list[Person]:
    """The village's people in duty order, those no longer active last."""
    if village is None:
        return []
    people = db.session.scalars(Person.live().where(Person.village_id == village.code)).all()
    return sorted(people, key=lambda p: (not p.active, *duty_order(p)))


def holders(people: list[Person], duty: str, except_id: str | None = None) -> list[Person]:
    """Active people of the roster who have ``duty``, leaving out ``except_id``."""
    return [p for p in people if p.active and duty in (p.duties or []) and p.id != except_id]


def filing_gaps(people: list[Person]) -> list[str]:
    gaps = []
    for duty in SINGLE_DUTIES:
        if not holders(people, duty):
            gaps.append(_("Nobody is named as %(duty)s.", duty=DUTIES[duty]))
    volunteers = holders(people, "volunteer")
    if len(volunteers) < MIN_VOLUNTEERS:
        gaps.append(_("The volunteer team has %(n)d members; the standard asks for at least 5.", n=len(volunteers)))
    return gaps


def gaps_without(people: list[Person], person: Person) -> list[str]:
    """What the filing would newly lack if ``person`` left the roster."""
    now = set(filing_gaps(people))
    return [gap for gap in filing_gaps([p for p in people if p.id != person.id]) if gap not in now]


def save_person(person: Person, *, name: str, phone: str | None, post: str | None, duties: list[str],
                trained: bool, active: bool, new_pin: str | None = None) -> Person:
    """Add ``person`` to the roster or change it; a new PIN replaces the old one."""
    person.name = name
    person.phone = phone or None
    person.post = post or None
    person.duties = [d for d in DUTIES if d in duties]
    person.trained = trained
    person.active = active
    db.session.add(person)
    db.session.flush()  # the PIN refers to the person's id
    if new_pin:
        security.set_pin(person, new_pin)
    return person


def mark_trained(people: list[Person]) -> list[Person]:
    """People who attended a training or a drill of the volunteer team are trained: the flag the
    micro station counts for its trained members and readiness. Returns those it changed; nobody is
    untrained by this (the committee edits the roster for that)."""
    changed = [p for p in people if not p.trained]
    for person in changed:
        person.trained = True
    return changed


def remove_person(person: Person) -> None:
    """A tombstone, so that the removal replicates; the PIN goes at once."""
    person.deleted = True
    security.remove_pin(person)


def filing_sheet(village: Village) -> dict:
    """备案表: leaders first, then the committee, grid, patrol and volunteers."""
    people = [p for p in roster(village) if p.active]
    first = next(iter(holders(people, "first_responsible")), None)
    manager = next(iter(holders(people, "safety_manager")), None)
    groups = [(DUTIES[d], holders(people, d)) for d in ("committee", "grid", "patrol", "volunteer")]
    return {"people": people, "first": first, "manager": manager, "groups": groups}


def filing_record(village: Village) -> dict:
    """The filing sheet as the village submits it to the township (kept as sent): who holds which
    duty, and what the filing still lacks."""
    sheet = filing_sheet(village)
    return {"people": [{"name": p.name, "duties": list(p.duties or []), "post": p.post or "", "phone": p.phone or "",
                        "trained": bool(p.trained)} for p in sheet["people"]],
            "first_responsible": sheet["first"].name if sheet["first"] else None,
            "safety_manager": sheet["manager"].name if sheet["manager"] else None,
            "gaps": [str(g) for g in filing_gaps(sheet["people"])]}


def _has_duty(duty: str):
    # duties is a JSON list of keys: its text holds the key in quotes, on SQLite and PostgreSQL alike
    return sa.cast(Person.duties, sa.Text).like(f'%"{duty}"%')


def village_summaries(village_codes: list[str]) -> dict[str, dict]:
    """Per village: active people on the roster, how many are trained, and whether the filing
    lacks its first responsible person or its safety manager. One query for all the villages."""
    if not village_codes:
        return {}
    def count(condition):
        return sa.func.count().filter(condition)
    rows = db.session.execute(
        sa.select(Person.village_id, sa.func.count(), count(Person.trained.is_(True)),
                  count(_has_duty("first_responsible")), count(_has_duty("safety_manager")))
        .where(among(Person.village_id, village_codes), Person.deleted.is_(False), Person.active.is_(True))
        .group_by(Person.village_id)).all()
    found = {code: (members, trained, first, manager) for code, members, trained, first, manager in rows}
    summaries = {}
    for code in village_codes:
        members, trained, first, manager = found.get(code, (0, 0, 0, 0))
        summaries[code] = {"members": members, "trained": trained,
                           "no_first_responsible": not first, "no_safety_manager": not manager}
    return summaries
