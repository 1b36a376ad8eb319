"""Phones' service: enrolment tokens, credentials, the village data the app keeps offline, and what a
phone delivers (a hazard report, a hydrant inspection) through the features' own services.

Nothing here commits: the views do, once. Redeeming a token is one conditional UPDATE, so that two
phones opening the same QR at the same moment cannot both enrol."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from ..extensions import db
from ..hazards.models import CATEGORIES, PHRASES, SEVERITIES, Hazard, HazardState
from ..hazards.service import Who, fix, open_hazard
from ..hydrants.models import INSPECTION_ITEMS, ITEM_RESULTS, Hydrant
from ..hydrants.service import save_inspection
from ..records import utcnow, uuid7
from ..context import Actor
from ..households.service import register
from ..pacts.forms import HAZARD_ROWS
from ..pacts.models import VISIT_TOPICS
from ..pacts.service import record_visit
from ..patrols.models import PatrolCheckpoint, PatrolRoute, PatrolRun
from ..patrols.service import (PatrolError, checkpoints, find_checkpoint, finish_run, parse_code, record_run,
                               record_scan, routes)
from ..station.checklist import steps_for
from ..station.models import GAUGE_ZONES, REASONS
from ..station.service import AnswerError, planned_check, record_whole_check, village_station
from ..village.models import Household, Person, Village
from .models import PhoneCredential, PhoneEnrolment

# upper case without 0/O/1/I (docs/pitfalls.md, "QR codes"): the QR stays in alphanumeric mode
TOKEN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TOKEN_LENGTH = 20  # 100 bits
ENROLMENT_MINUTES = 30


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_token(text: str | None) -> str:
    return (text or "").strip().upper()[:40]


# ---- enrolment --------------------------------------------------------------------------------------

def new_enrolment(person: Person, created_by: str) -> tuple[PhoneEnrolment, str]:
    """A one-time token for ``person``'s phone, valid for ENROLMENT_MINUTES; returns (row, token).
    Only the token's hash is stored."""
    token = "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))
    minutes = current_app.config.get("PHONE_ENROLMENT_MINUTES", ENROLMENT_MINUTES)
    row = PhoneEnrolment(id=_hash(token), person_id=person.id, village_id=person.village_id,
                         created_by=created_by[:40], expires_at=utcnow() + dt.timedelta(minutes=minutes))
    db.session.add(row)
    return row, token


def pending_enrolment(token: str) -> PhoneEnrolment | None:
    """The open enrolment this token names (unused, unexpired, its person still active), or None."""
    row = db.session.get(PhoneEnrolment, _hash(normalise_token(token)))
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    if not _active(row.person, row.village_id):
        return None
    return row


def redeem(token: str, device: str) -> tuple[PhoneCredential, str] | None:
    """Use the token once: a new credential for its person, labelled from the browser's ``device``
    (its user agent); returns (credential, cookie token), or
    None when the token is unknown, used or expired. The UPDATE that marks it used is the check, so
    a token opened twice at once enrols one phone."""
    now = utcnow()
    claimed = db.session.execute(
        sa.update(PhoneEnrolment)
        .where(PhoneEnrolment.id == _hash(normalise_token(token)), PhoneEnrolment.used_at.is_(None),
               PhoneEnrolment.expires_at > now)
        .values(used_at=now)
        .returning(PhoneEnrolment.person_id, PhoneEnrolment.village_id)).first()
    if claimed is None:
        return None
    person = db.session.get(Person, claimed.person_id)
    if not _active(person, claimed.village_id):
        return None
    secret = secrets.token_urlsafe(32)
    credential = PhoneCredential(id=uuid7(), token_hash=_hash(secret), person_id=person.id,
                                 village_id=claimed.village_id, device=device_label(device), enrolled_at=now)
    db.session.add(credential)
    return credential, secret


def _active(person: Person | None, village_id: str) -> bool:
    return person is not None and person.active and not person.deleted and person.village_id == village_id


def credential_for(secret: str | None) -> PhoneCredential | None:
    """The live credential a phone's cookie names: not revoked, its person still active in the same
    village (a person removed from the roster, by sync too, ends their phones)."""
    if not secret or len(secret) > 100:
        return None
    credential = db.session.scalar(sa.select(PhoneCredential).where(PhoneCredential.token_hash == _hash(secret)))
    if credential is None or credential.revoked_at is not None:
        return None
    if not _active(credential.person, credential.village_id):
        return None
    return credential


def is_revoked(secret: str | None) -> bool:
    """Whether the cookie names a credential that existed and was ended (the phone is told so)."""
    if not secret or len(secret) > 100:
        return False
    credential = db.session.scalar(sa.select(PhoneCredential).where(PhoneCredential.token_hash == _hash(secret)))
    return credential is not None and credential_for(secret) is None


def seen(credential: PhoneCredential) -> None:
    credential.last_seen_at = utcnow()


def revoke(credential: PhoneCredential, who: str) -> None:
    if credential.revoked_at is None:
        credential.revoked_at = utcnow()
        credential.revoked_by = who[:40]


def device_label(user_agent: str | None) -> str:
    """What a person recognises their phone by, from what its browser said when it enrolled: the
    model an Android browser names, or iPhone/iPad, and the browser (WeChat's built-in one too)."""
    text = user_agent or ""
    model = re.search(r"Android [\d.]+; (?:[a-z]{2}-[a-z]{2}; )?([^;)]+?)(?: Build/[^;)]*)?\)", text)
    device = model.group(1).strip() if model and model.group(1).strip() not in ("K", "wv") else None
    if device is None:
        device = next((name for name in ("iPhone", "iPad", "Android", "Windows", "Mac OS X", "Linux")
                       if name in text), "")
        device = {"Mac OS X": "Mac"}.get(device, device)
    browser = next((label for key, label in (("MicroMessenger", "WeChat"), ("EdgA", "Edge"), ("Edg/", "Edge"),
                                             ("Firefox", "Firefox"), ("CriOS", "Chrome"), ("Chrome", "Chrome"),
                                             ("Safari", "Safari")) if key in text), "")
    return " · ".join(part for part in (device, browser) if part)[:60]


def phones_of(village_code: str) -> list[PhoneCredential]:
    return db.session.scalars(
        sa.select(PhoneCredential).where(PhoneCredential.village_id == village_code)
        .order_by(PhoneCredential.revoked_at.is_not(None), PhoneCredential.enrolled_at.desc())).all()


def roster(village_code: str) -> list[Person]:
    return db.session.scalars(Person.live().where(Person.village_id == village_code, Person.active.is_(True))
                              .order_by(Person.name)).all()


def credential_in(village_code: str, credential_id: str | None) -> PhoneCredential | None:
    credential = db.session.get(PhoneCredential, credential_id) if 0 < len(credential_id or "") <= 36 else None
    return credential if credential is not None and credential.village_id == village_code else None


def _moment(value: dt.datetime | None) -> str | None:
    return value.isoformat() + "Z" if value is not None else None


def phone_list(village_code: str) -> list[dict]:
    """The village's phones as the kiosk shows them (it holds no credentials: it asks the township)."""
    return [{"id": c.id, "person_id": c.person_id, "person": c.person.name, "label": c.device,
             "enrolled_at": _moment(c.enrolled_at), "last_seen_at": _moment(c.last_seen_at),
             "revoked_at": _moment(c.revoked_at)} for c in phones_of(village_code)]


# ---- what the app keeps offline -----------------------------------------------------------------------

def village_data(credential: PhoneCredential) -> dict:
    """What the phone's forms need with no signal: who it is, the village's hydrants with their codes,
    the hazard categories, the inspection's items and the roster's names. ``version`` changes
    whenever any of it does (the service worker refreshes its copy then)."""
    village = db.session.get(Village, credential.village_id)
    hydrants = db.session.scalars(Hydrant.live().where(Hydrant.village_id == village.code).order_by(Hydrant.code)).all()
    data = {
        "person": {"id": credential.person.id, "name": credential.person.name},
        "village": {"code": village.code, "name": village.name},
        "hydrants": [{"code": h.code, "name": h.display_name, "location": h.location} for h in hydrants],
        "categories": [[k, str(v)] for k, v in CATEGORIES.items()],
        "severities": [[k, str(v)] for k, v in SEVERITIES.items()],
        "items": [[k, str(v)] for k, v in INSPECTION_ITEMS.items()],
        "results": [[k, str(v)] for k, v in ITEM_RESULTS.items()],
        "roster": [p.name for p in roster(village.code)],
        "hazards": [{"id": h.id, "code": h.code, "category": str(CATEGORIES.get(h.category, h.category)),
                     "location": h.location} for h in hazards_to_fix(village.code)],
        "fix_phrases": [[k, str(v)] for k, v in PHRASES["fixed"].items()],
        "station": _station_data(village.code),
        "households": [{"id": h.id, "number": h.house_number, "head": h.head_name, "group": h.group_name or "",
                        "note": h.note or ""} for h in register(village)],
        "visit_topics": [[k, str(v)] for k, v in VISIT_TOPICS.items()],
        "visit_hazard_rows": HAZARD_ROWS,
        "routes": [{"id": r.id, "name": r.name,
                    "checkpoints": [{"code": p.code, "name": p.name} for p in checkpoints(r)]}
                   for r in routes(village.code)],
    }
    data["version"] = hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
    return data


def _station_data(village_code: str) -> dict | None:
    """The check a phone answers offline: the editions in force and every step, as the kiosk asks them."""
    station = village_station(village_code)
    if station is None:
        return None
    check = planned_check(station)
    return {"name": station.name, "township_template_id": check.township_template_id,
            "village_template_id": check.village_template_id,
            "reasons": [[k, str(v)] for k, v in REASONS.items()],
            "zones": [[k, str(v)] for k, v in GAUGE_ZONES.items()],
            "steps": [{"key": s.key, "position": s.position, "prompt": s.prompt, "title": s.title,
                       "type": s.check_type, "expected": s.expected, "threshold": s.threshold,
                       "date_seen": s.date_seen.isoformat() if s.date_seen else None} for s in steps_for(check)]}


# ---- deliveries ----------------------------------------------------------------------------------------

def valid_uuid(value: str | None) -> str | None:
    """The phone's record id if it is a UUID (the form of every record id), else None."""
    try:
        return str(uuid.UUID(value or ""))
    except (ValueError, AttributeError, TypeError):
        return None


@dataclass(frozen=True)
class Delivery:
    """What became of a delivered record: ``stored`` now, ``already`` (an earlier delivery stored
    it), or ``clash`` (the id names a record this phone cannot have made)."""

    outcome: str
    record_id: str


def earlier(model, client_id: str, credential: PhoneCredential) -> Delivery | None:
    existing = db.session.get(model, client_id)
    if existing is None:
        return None
    return Delivery("already" if existing.village_id == credential.village_id else "clash", client_id)


def report_hazard(credential: PhoneCredential, client_id: str, values: dict, photo_sha256: str | None):
    """A hazard a volunteer found, as the kiosk's own form records one (source: the village's
    organisation), with the phone's id as the hazard's id."""
    return open_hazard(record_id=client_id, village_id=credential.village_id, category=values["category"],
                       source="committee", location=values["location"], description=values["description"],
                       severity=values["severity"], photo_sha256=photo_sha256)


def inspect_hydrant(credential: PhoneCredential, hydrant: Hydrant, client_id: str, answers: dict, notes: dict,
                    pressure_mpa: float | None, note: str):
    person = credential.person
    return save_inspection(hydrant, client_id=client_id, actor=Actor(person.id, person.name, "person"),
                           answers=answers, notes=notes, photos={}, pressure_mpa=pressure_mpa, note=note)


# the open hazards a phone offers to fix: the oldest first, as many as a phone lists comfortably
HAZARDS_TO_FIX = 200


def hazards_to_fix(village_code: str) -> list[Hazard]:
    """The village's open hazards not yet marked fixed."""
    return db.session.scalars(
        Hazard.live().join(HazardState, HazardState.hazard_id == Hazard.id)
        .where(Hazard.village_id == village_code, HazardState.is_open.is_(True), HazardState.status != "fixed")
        .order_by(HazardState.reported_at).limit(HAZARDS_TO_FIX)).all()


def hazard_of(credential: PhoneCredential, hazard_id: str | None) -> Hazard | None:
    """The village's own live hazard with this id: another village's never resolves."""
    hazard = db.session.get(Hazard, hazard_id) if hazard_id and len(hazard_id) <= 36 else None
    if hazard is None or hazard.deleted or hazard.village_id != credential.village_id:
        return None
    return hazard


def fix_hazard(credential: PhoneCredential, hazard: Hazard, client_id: str, phrase: str | None, note: str | None,
               photo_sha256: str | None):
    """The volunteer fixed it (with the after-photo), as the kiosk's "fixed" step records it; raises
    ``hazards.service.LoopError`` when the hazard's standing does not allow it (closed, fixed)."""
    person = credential.person
    return fix(hazard, Who("person", person.id, person.name), phrase=phrase, note=note, photo_sha256=photo_sha256,
               action_id=client_id)


def hydrant_of(credential: PhoneCredential, code: str | None) -> Hydrant | None:
    """The village's own hydrant with this code: another village's never resolves."""
    if not code:
        return None
    return db.session.scalar(Hydrant.live().where(Hydrant.code == code.strip().upper()[:8],
                                                  Hydrant.village_id == credential.village_id))


def check_station(credential: PhoneCredential, client_id: str, reason: str, templates: tuple[str | None, str | None],
                  answers: dict):
    """A station check answered on the phone, recorded whole as the kiosk's check records it (the
    faults open hazards); raises ``station.service.AnswerError`` for an answer it cannot read, or
    when the village has no station."""
    station = village_station(credential.village_id)
    if station is None:
        raise AnswerError(_("The village has no micro fire station set up."))
    person = credential.person
    return record_whole_check(station, client_id=client_id, reason=reason, township_template_id=templates[0],
                              village_template_id=templates[1], answers=answers,
                              actor=Actor(person.id, person.name, "person"))


def household_of(credential: PhoneCredential, household_id: str | None) -> Household | None:
    household = db.session.get(Household, household_id) if household_id and len(household_id) <= 36 else None
    if household is None or household.deleted or household.village_id != credential.village_id:
        return None
    return household


def visit_household(credential: PhoneCredential, household: Household, client_id: str, form) -> None:
    """A door-to-door visit, as the kiosk's visit form records it (its hazards into the register)."""
    record_visit(household, client_id, visited_on=form.visited_on.data, visitors=form.visitors.data,
                 topics=form.topics.data, note=form.note.data, hazards=form.hazards_found,
                 recorded_by_id=credential.person_id)


# how far a phone's clock may run ahead of the township's, and how old a record it kept may be
CLOCK_SKEW = dt.timedelta(minutes=10)
OLDEST_RECORD = dt.timedelta(days=60)


def phone_moment(value: str | None) -> dt.datetime | None:
    """A moment the phone took (milliseconds since 1970, its own clock) as naive UTC, or None when it
    is unreadable, in the future or older than any record a phone keeps. A little ahead of the
    township's clock is the phone's clock, not the future: it counts as now."""
    try:
        moment = dt.datetime.fromtimestamp(int(value or "") / 1000, dt.timezone.utc).replace(tzinfo=None)
    except (ValueError, OverflowError, OSError):
        return None
    now = utcnow()
    if moment > now + CLOCK_SKEW or moment < now - OLDEST_RECORD:
        return None
    return min(moment, now)


def checkpoint_of(credential: PhoneCredential, code: str | None) -> PatrolCheckpoint | None:
    point = find_checkpoint(parse_code(code))
    return point if point is not None and point.village_id == credential.village_id else None


def scan_checkpoint(credential: PhoneCredential, point: PatrolCheckpoint, client_id: str, run_id: str,
                    started_at: dt.datetime, at: dt.datetime):
    """A checkpoint plate scanned on a run the phone started; raises PatrolError for another's run."""
    person = credential.person
    return record_scan(point, Actor(person.id, person.name, "person"), run_id=run_id, started_at=started_at,
                       at=at, visit_id=client_id)


def route_of(credential: PhoneCredential, route_id: str | None) -> PatrolRoute | None:
    route = db.session.get(PatrolRoute, route_id) if route_id and len(route_id) <= 36 else None
    if route is None or route.deleted or route.village_id != credential.village_id:
        return None
    return route


def end_patrol(credential: PhoneCredential, route: PatrolRoute, run_id: str, started_at: dt.datetime,
               ended_at: dt.datetime, note: str) -> PatrolRun:
    """The patrol the phone walked is over: the run its scans made ends, or, when no scan reached
    the township (none made, or all refused), the run is recorded with its times alone. Raises
    PatrolError when the id names another's run or the times do not make a patrol."""
    person = credential.person
    run = db.session.get(PatrolRun, run_id)
    if run is None:
        return record_run(credential.village_id, run_id, route=route, started_at=started_at, ended_at=ended_at,
                          patrollers=[person], reached={}, note=note, actor=Actor(person.id, person.name, "person"))
    if run.deleted or run.route_id != route.id or run.recorded_by_id != person.id:
        raise PatrolError(_("Choose checkpoints of this route."))
    if run.ended_at is None:
        finish_run(run, ended_at)
        run.note = note
    return run
