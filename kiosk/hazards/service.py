"""The closed loop's writes, and the one function that says where a hazard stands.

Other features open hazards with :func:`open_hazard` in their own transaction. Everything that
happens afterwards is added as a fact (:class:`HazardAction`) by the functions below; the hazard's
status, deadlines and assignee follow from its facts by :func:`derive`, a pure function, and are
kept in the local ``hazard_state`` table by :func:`refresh` — in the transaction that adds a fact,
and in the transaction in which sync writes facts that came from elsewhere (:func:`on_sync_applied`).
Nothing here commits or flashes: the caller commits once. Read-only questions live in queries.py.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from ..context import local_day
from ..extensions import db
from ..records import utcnow, uuid7
from .models import (ACTION_NAMESPACE, CATEGORIES, CLOSED_STATUSES, DEPARTMENTS, PARTIES, PHRASES, SEVERITIES,
                     SOURCES, Hazard, HazardAction, HazardDeadline, HazardState)

DUE_SOON = dt.timedelta(days=3)  # a reminder shows this long before a fix deadline


def now() -> dt.datetime:
    """The clock deadlines are read against (overdue, due soon); tests set a fake one here."""
    return utcnow()


class LoopError(ValueError):
    """A translated reason why this step cannot be taken now."""


@dataclass(frozen=True)
class Who:
    """Who takes a step: a person of the roster (``person``), township staff (``staff``), a resident."""

    kind: str
    id: str | None
    name: str | None

    @property
    def key(self) -> tuple[str, str] | None:
        return (self.kind, self.id) if self.id else None


# ---- the deadline profile ("3030" unless the township says otherwise) ----------------------------

@dataclass(frozen=True)
class Deadlines:
    ack_minutes: int
    fix_days: int
    label: str = "3030"


# DOMAIN.md, "3030": acknowledge within 30 minutes, fix within 30 days, serious hazards within 7. A
# setting, not law: a township's own lines override these.
DEFAULT_LINES = {(None, None): Deadlines(30, 30), (None, "serious"): Deadlines(30, 7)}
DEFAULT_LABEL = "3030"


def township_of(village_code: str) -> str:
    """Village codes are the township's nine digits and three more (DOMAIN.md)."""
    return village_code[:9]


def profile_lines(township_code: str) -> dict[tuple[str | None, str | None], HazardDeadline]:
    rows = db.session.scalars(HazardDeadline.live().where(HazardDeadline.village_id == township_code)).all()
    return {(r.category, r.severity): r for r in rows}


def profile_label(township_code: str) -> str:
    base = profile_lines(township_code).get((None, None))
    return (base.label if base is not None and base.label else None) or DEFAULT_LABEL


def deadlines_for(township_code: str, category: str, severity: str) -> Deadlines:
    """The most specific line of the township's profile for this category and severity; the "3030"
    default where the township has set nothing."""
    own = profile_lines(township_code)
    label = profile_label(township_code)
    for key in ((category, severity), (category, None), (None, severity), (None, None)):
        if key in own:
            return Deadlines(own[key].ack_minutes, own[key].fix_days, label)
        if key in DEFAULT_LINES:
            d = DEFAULT_LINES[key]
            return Deadlines(d.ack_minutes, d.fix_days, label)
    raise AssertionError("the default profile has a line for everything")


def line_id(township_code: str, category: str | None, severity: str | None) -> str:
    return str(uuid.uuid5(ACTION_NAMESPACE, f"deadline/{township_code}/{category or '*'}/{severity or '*'}"))


def set_deadline(township_code: str, category: str | None, severity: str | None, ack_minutes: int,
                 fix_days: int, label: str | None = None) -> HazardDeadline:
    """Set one line of the township's profile (township staff). New deadlines follow it; deadlines
    already given stay as they were given."""
    row = db.session.get(HazardDeadline, line_id(township_code, category, severity))
    if row is None:
        row = HazardDeadline(id=line_id(township_code, category, severity), village_id=township_code,
                             category=category, severity=severity)
        db.session.add(row)
    row.ack_minutes, row.fix_days, row.deleted = ack_minutes, fix_days, False
    if category is None and severity is None:
        row.label = label or DEFAULT_LABEL
    return row


def remove_deadline(row: HazardDeadline) -> None:
    row.deleted = True


# ---- derive: where a hazard stands, from its facts alone -----------------------------------------

@dataclass
class Derived:
    """What a hazard's facts add up to. The stored part is ``hazard_state``'s columns; ``fixers``
    and ``ignored`` are for the rules and the timeline."""

    hazard_id: str
    village_id: str
    reported_at: dt.datetime
    status: str = "reported"
    respond_by: dt.datetime | None = None
    fix_due: dt.datetime | None = None
    acknowledged_at: dt.datetime | None = None
    assignee_kind: str | None = None
    assignee_id: str | None = None
    assignee_name: str | None = None
    assignee_role: str | None = None
    notice_no: str | None = None
    fixed_at: dt.datetime | None = None
    fixed_photo_sha256: str | None = None
    closed_at: dt.datetime | None = None
    sent_back: int = 0
    listed: bool = False
    listed_responsible: str | None = None
    listed_due: dt.datetime | None = None
    referred_to: str | None = None
    escalated_at: dt.datetime | None = None
    last_action_at: dt.datetime | None = None
    actions: int = 0
    fixers: set = field(default_factory=set)
    # ids of facts the rules did not apply (e.g. a verification by whoever fixed it, which two
    # devices offline could each have let through): kept, shown struck out, never lost
    ignored: list[str] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES

    @property
    def next_due(self) -> dt.datetime | None:
        """The deadline the hazard waits on: acknowledging, then fixing. A fixed hazard waits only
        for its check, and a closed one for nothing."""
        if not self.is_open or self.status == "fixed":
            return None
        if self.acknowledged_at is None:
            return min((d for d in (self.respond_by, self.fix_due) if d is not None), default=None)
        return self.fix_due

    @property
    def fixed_on_time(self) -> bool | None:
        if self.fixed_at is None:
            return None
        return self.fix_due is None or self.fixed_at <= self.fix_due

    @property
    def days_to_fix(self) -> float | None:
        if self.is_open or self.fixed_at is None:
            return None
        return max((self.fixed_at - self.reported_at).total_seconds(), 0) / 86400

    def overdue(self, now: dt.datetime) -> bool:
        due = self.next_due
        return due is not None and due < now


def actor_key(action) -> tuple[str, str] | None:
    return (action.actor_kind, action.actor_id) if action.actor_id else None


def order(actions) -> list:
    """The one order of a hazard's facts on every device: the hybrid clock, then the id."""
    return sorted((a for a in actions if not a.deleted), key=lambda a: (a.hlc or "", a.id))


def derive(hazard, actions) -> Derived:
    """Where the hazard stands after its facts, taken in (hlc, id) order. Pure and deterministic:
    the same facts give the same state on every device, whatever order they arrived in. Deadlines
    come from the hazard (the profile's, written when it was reported) and from the facts (a notice,
    a listing), so a later change of the profile moves no deadline already given."""
    d = Derived(hazard_id=hazard.id, village_id=hazard.village_id, reported_at=hazard.recorded_at,
                respond_by=hazard.respond_by, fix_due=hazard.fix_by, last_action_at=hazard.recorded_at)
    for a in order(actions):
        d.actions += 1
        d.last_action_at = max(d.last_action_at, a.recorded_at)
        if not _apply(d, a):
            d.ignored.append(a.id)
    return d


def _acknowledge(d: Derived, a) -> None:
    if d.acknowledged_at is None:
        d.acknowledged_at = a.recorded_at
    if d.status == "reported":
        d.status = "acknowledged"


def _apply(d: Derived, a) -> bool:
    """Apply one fact; False when the rules refuse it (it stays in the timeline)."""
    kind, at = a.kind, a.recorded_at
    if kind == "reported":
        return True  # another resident reports it again: on the timeline, no new deadline
    if kind == "delisted":
        if not d.listed or d.is_open:
            return False  # lifted only after verification
        d.listed = False
        return True
    if not d.is_open:
        return False  # nothing but lifting a listing happens to a closed hazard
    if kind == "acknowledged":
        _acknowledge(d, a)
    elif kind == "assigned":
        _acknowledge(d, a)
        d.assignee_kind, d.assignee_id = a.assignee_kind, a.assignee_id
        d.assignee_name, d.assignee_role = a.assignee_name, a.assignee_role
        if d.status == "acknowledged":
            d.status = "assigned"
    elif kind == "notice_issued":
        _acknowledge(d, a)
        d.notice_no = a.notice_no
        d.fix_due = a.deadline or d.fix_due
    elif kind == "progress":
        _acknowledge(d, a)
        if d.status in ("acknowledged", "assigned"):
            d.status = "fixing"
    elif kind == "fixed":
        _acknowledge(d, a)
        d.status, d.fixed_at, d.fixed_photo_sha256 = "fixed", at, a.photo_sha256 or d.fixed_photo_sha256
        if actor_key(a):
            d.fixers.add(actor_key(a))
    elif kind == "sent_back":
        if d.status != "fixed":
            return False
        d.status, d.fixed_at, d.fixed_photo_sha256, d.fixers = "fixing", None, None, set()
        d.sent_back += 1
    elif kind == "verified":
        if d.status != "fixed" or (actor_key(a) is not None and actor_key(a) in d.fixers):
            return False  # only a fixed hazard, and never by whoever fixed it
        d.status, d.closed_at = "verified", at
    elif kind == "closed_on_spot":
        _acknowledge(d, a)
        d.status, d.fixed_at, d.closed_at = "closed", at, at
        d.fixed_photo_sha256 = a.photo_sha256
    elif kind == "listed":
        d.listed, d.listed_responsible, d.listed_due = True, a.responsible, a.deadline
        d.fix_due = a.deadline or d.fix_due
    elif kind == "referred":
        d.referred_to = a.department
    elif kind == "escalated":
        d.escalated_at = at
    else:
        return False  # a kind this version does not know (from a newer one): kept, not applied
    return True


# ---- the local derived table ----------------------------------------------------------------------

# every column of hazard_state is a field or property of Derived, but the month (the village's)
STATE_COLUMNS = [c.name for c in HazardState.__table__.columns if c.name != "month"]
CHUNK = 500


def _state_values(d: Derived) -> dict:
    return {c: getattr(d, c) for c in STATE_COLUMNS} | {"month": local_day(d.reported_at).strftime("%Y-%m")}


def refresh(hazard_ids) -> None:
    """Derive again the state of these hazards from what the database holds now, in the caller's
    transaction. Reads the tables directly (sync writes them without the ORM)."""
    ids = sorted(set(hazard_ids))
    db.session.flush()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        hazards = db.session.execute(sa.select(Hazard.__table__).where(Hazard.__table__.c.id.in_(chunk))).all()
        facts: dict[str, list] = {}
        for row in db.session.execute(sa.select(HazardAction.__table__)
                                      .where(HazardAction.__table__.c.hazard_id.in_(chunk))):
            facts.setdefault(row.hazard_id, []).append(row)
        _store([(h, facts.get(h.id, [])) for h in hazards])


def _store(pairs, existing: dict | None = None) -> None:
    if existing is None:
        existing = {s.hazard_id: s for s in db.session.scalars(
            sa.select(HazardState).where(HazardState.hazard_id.in_([h.id for h, _a in pairs])))}
    for hazard, actions in pairs:
        values = _state_values(derive(hazard, actions))
        state = existing.get(hazard.id)
        if state is None:
            state = HazardState(**values)
            db.session.add(state)
        else:
            for name, value in values.items():
                setattr(state, name, value)
        # the hazard's object in this session (or the new one itself) sees its state at once
        loaded = hazard if isinstance(hazard, Hazard) else db.session.identity_map.get(identity_key(Hazard, hazard.id))
        if loaded is not None:
            set_committed_value(loaded, "state", state)


def refresh_all() -> int:
    """Rebuild every hazard's state (``flask hazards refresh``); returns how many."""
    ids = db.session.scalars(sa.select(Hazard.id)).all()
    refresh(ids)
    return len(ids)


def on_sync_applied(table: str, ids: list[str]) -> None:
    """Sync wrote rows that came from elsewhere: refresh the hazards they concern, in the same
    transaction (registered on the sync extension's ``on_applied``)."""
    if table == Hazard.__tablename__:
        refresh(ids)
    elif table == HazardAction.__tablename__:
        hazard_ids = set()
        for start in range(0, len(ids), CHUNK):
            hazard_ids.update(db.session.scalars(sa.select(HazardAction.hazard_id).where(
                HazardAction.id.in_(ids[start:start + CHUNK]))))
        refresh(hazard_ids)


# ---- opening a hazard -----------------------------------------------------------------------------

def acting() -> Who:
    """Who is signed in: a person of the roster, township staff, or else a resident."""
    if has_request_context():
        from ..auth.security import current_person, current_staff
        person, staff = current_person(), current_staff()
        if person is not None:
            return Who("person", person.id, person.name)
        if staff is not None:
            return Who("staff", str(staff.id), staff.name)
    return Who("resident", None, None)


def _finder(source: str, reporter_name: str | None) -> Who:
    """Who found it: whoever is signed in; a resident on the public pages; else the system (a
    command, the demo)."""
    who = acting()
    if who.kind != "resident":
        return who
    return Who("resident" if source == "resident_report" else "system", None, reporter_name)


def open_hazard(*, village_id: str, category: str, source: str, location: str = "", description: str = "",
                severity: str = "minor", subject_kind: str | None = None, subject_id: str | None = None,
                found_by_kind: str | None = None, found_by_id: str | None = None,
                photo_sha256: str | None = None, reporter_name: str | None = None,
                reporter_phone: str | None = None, due_in: dt.timedelta | None = None,
                fixed_on_spot: bool = False, record_id: str | None = None) -> Hazard:
    """Add a hazard to the register in the caller's transaction (the caller commits). The hazard is
    the report: it carries the deadlines of the township's profile (``due_in``, when given, is the
    finder's own fix deadline, e.g. a pool refilled within 48 hours) and who recorded it.
    ``fixed_on_spot`` closes it at once (one fact). ``record_id`` is the id a phone made for its
    report (delivered again, it finds this hazard: ``commit_once``)."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown hazard category {category!r}")
    if source not in SOURCES:
        raise ValueError(f"unknown hazard source {source!r}")
    if severity not in SEVERITIES:
        raise ValueError(f"unknown hazard severity {severity!r}")
    now = utcnow()
    with db.session.no_autoflush:  # what the caller has added is flushed at its commit, not by our reads
        profile = deadlines_for(township_of(village_id), category, severity)
        finder = _finder(source, reporter_name)
    hazard = Hazard(id=record_id or uuid7(), village_id=village_id, category=category, source=source,
                    severity=severity, location=location[:200], description=description, subject_kind=subject_kind,
                    subject_id=subject_id, found_by_kind=found_by_kind, found_by_id=found_by_id,
                    photo_sha256=photo_sha256, reporter_name=reporter_name, reporter_phone=reporter_phone,
                    recorded_by_id=finder.id, recorded_by_name=finder.name if finder.kind != "resident" else None,
                    respond_by=now + dt.timedelta(minutes=profile.ack_minutes),
                    fix_by=now + (due_in if due_in is not None else dt.timedelta(days=profile.fix_days)),
                    recorded_at=now)
    db.session.add(hazard)
    facts = [_fact(hazard, "closed_on_spot", finder, now)] if fixed_on_spot else []
    # Not flushed: callers add their own records around this call and commit once (a form sent twice
    # must fail at their commit, not here); the state of a new hazard needs no clock value.
    _store([(hazard, facts)], existing={})
    return hazard


def _fact(hazard: Hazard, kind: str, who: Who, at: dt.datetime | None = None, action_id: str | None = None,
          **values) -> HazardAction:
    action = HazardAction(id=action_id or uuid7(), village_id=hazard.village_id, hazard_id=hazard.id, kind=kind,
                          actor_kind=who.kind, actor_id=who.id, actor_name=(who.name or None) and who.name[:40],
                          recorded_at=at or utcnow(), **values)
    db.session.add(action)
    return action


def facts_of(hazard: Hazard) -> list[HazardAction]:
    return order(db.session.scalars(sa.select(HazardAction).where(HazardAction.hazard_id == hazard.id)).all())


def standing(hazard: Hazard) -> Derived:
    """Where the hazard stands now, from its facts (the rules below ask this, not the cache)."""
    return derive(hazard, facts_of(hazard))


def _add(hazard: Hazard, kind: str, who: Who, action_id: str | None = None, **values) -> HazardAction:
    """Add a fact (``action_id``: the id the form made, so that a step sent twice is one fact) and
    refresh the hazard's state in the same transaction."""
    action = _fact(hazard, kind, who, action_id=action_id, **values)
    db.session.flush()
    refresh([hazard.id])
    return action


def _open(hazard: Hazard) -> Derived:
    d = standing(hazard)
    if not d.is_open:
        raise LoopError(_("This hazard is closed already."))
    return d


def _phrase(kind: str, phrase: str | None) -> str | None:
    if phrase and phrase not in PHRASES.get(kind, {}):
        raise LoopError(_("Choose one of the phrases offered."))
    return phrase or None


def _note(note: str | None) -> str | None:
    return (note or "").strip()[:500] or None


# ---- the steps --------------------------------------------------------------------------------------

def acknowledge(hazard: Hazard, who: Who) -> HazardAction | None:
    """The village has seen it (one tap). None when someone already has."""
    d = _open(hazard)
    if d.acknowledged_at is not None:
        return None
    return _add(hazard, "acknowledged", who)


DUTY_ORDER = ("safety_manager", "first_responsible", "committee", "grid", "volunteer", "patrol")


def role_of(person) -> str | None:
    """The duty a person is named by on residents' pages (never their name)."""
    return next((d for d in DUTY_ORDER if d in (person.duties or [])), None)


def assign(hazard: Hazard, who: Who, *, person=None, party: str | None = None) -> HazardAction:
    """To a person of the roster, or to the household or owner concerned (``party``)."""
    _open(hazard)
    if person is not None:
        if person.village_id != hazard.village_id or person.deleted or not person.active:
            raise LoopError(_("Choose a person of this village's roster."))
        return _add(hazard, "assigned", who, assignee_kind="person", assignee_id=person.id,
                    assignee_name=person.name, assignee_role=role_of(person))
    if party not in PARTIES:
        raise LoopError(_("Choose who will fix it."))
    return _add(hazard, "assigned", who, assignee_kind=party,
                assignee_id=hazard.subject_id if hazard.subject_kind == "household" else None,
                assignee_role=party)


def progress(hazard: Hazard, who: Who, *, phrase: str | None, note: str | None = None,
             photo_sha256: str | None = None, action_id: str | None = None) -> HazardAction:
    _open(hazard)
    phrase = _phrase("progress", phrase)
    if not (phrase or _note(note) or photo_sha256):
        raise LoopError(_("Choose what happened, or add a note or a photo."))
    return _add(hazard, "progress", who, action_id=action_id, phrase=phrase, note=_note(note),
                photo_sha256=photo_sha256)


def fix(hazard: Hazard, who: Who, *, phrase: str | None, note: str | None = None,
        photo_sha256: str | None = None, action_id: str | None = None) -> HazardAction:
    """Whoever fixed it says so, with an after-photo; someone else checks it."""
    d = _open(hazard)
    if d.status == "fixed":
        raise LoopError(_("This hazard is already marked as fixed; it waits to be checked."))
    return _add(hazard, "fixed", who, action_id=action_id, phrase=_phrase("fixed", phrase), note=_note(note),
                photo_sha256=photo_sha256)


def verify(hazard: Hazard, who: Who, *, phrase: str | None = None, note: str | None = None,
           photo_sha256: str | None = None, action_id: str | None = None) -> HazardAction:
    """A re-check by someone other than whoever fixed it closes the hazard."""
    d = _open(hazard)
    if d.status != "fixed":
        raise LoopError(_("Only a hazard marked as fixed can be checked."))
    if who.key is not None and who.key in d.fixers:
        raise LoopError(_("You marked this hazard as fixed: someone else must check it."))
    return _add(hazard, "verified", who, action_id=action_id, phrase=_phrase("verified", phrase), note=_note(note),
                photo_sha256=photo_sha256)


def send_back(hazard: Hazard, who: Who, *, phrase: str | None, note: str | None = None,
              photo_sha256: str | None = None, action_id: str | None = None) -> HazardAction:
    d = _open(hazard)
    if d.status != "fixed":
        raise LoopError(_("Only a hazard marked as fixed can be sent back."))
    phrase = _phrase("sent_back", phrase)
    if not (phrase or _note(note)):
        raise LoopError(_("Say why it is sent back."))
    return _add(hazard, "sent_back", who, action_id=action_id, phrase=phrase, note=_note(note),
                photo_sha256=photo_sha256)


def close_on_spot(hazard: Hazard, who: Who, *, phrase: str | None = None) -> HazardAction:
    """A minor hazard fixed where it was found: one tap, closed."""
    d = _open(hazard)
    if hazard.severity != "minor":
        raise LoopError(_("A serious hazard needs a re-check: mark it as fixed instead."))
    if d.status == "fixed":
        raise LoopError(_("This hazard is already marked as fixed; it waits to be checked."))
    return _add(hazard, "closed_on_spot", who, phrase=_phrase("closed_on_spot", phrase))


def notice_number(hazard: Hazard, issued: dt.date) -> str:
    return f"{issued.year}-{hazard.code}"


def issue_notice(hazard: Hazard, who: Who, *, days: int, today: dt.date) -> HazardAction:
    """A rectification notice (整改通知书) with its own fix deadline, printed to hand over."""
    _open(hazard)
    if not 1 <= days <= 365:
        raise LoopError(_("Choose a deadline."))
    return _add(hazard, "notice_issued", who, notice_no=notice_number(hazard, today),
                deadline=utcnow() + dt.timedelta(days=days))


def refer(hazard: Hazard, who: Who, *, department: str, note: str | None = None) -> HazardAction:
    """An owner refuses: the hazard is referred (抄告) to the competent department."""
    _open(hazard)
    if department not in DEPARTMENTS:
        raise LoopError(_("Choose a department."))
    return _add(hazard, "referred", who, department=department, note=_note(note))


def escalate(hazard: Hazard, who: Who, *, phrase: str | None, note: str | None = None,
             photo_sha256: str | None = None, action_id: str | None = None) -> HazardAction:
    """The village or the township asks for more attention than the deadlines give by themselves."""
    _open(hazard)
    return _add(hazard, "escalated", who, action_id=action_id, phrase=_phrase("escalated", phrase),
                note=_note(note), photo_sha256=photo_sha256)


def list_hazard(hazard: Hazard, who: Who, *, responsible: str, days: int, note: str | None = None) -> HazardAction:
    """Listed supervision (挂牌督办) by the township: who answers for it, and by when."""
    _open(hazard)
    responsible = (responsible or "").strip()[:40]
    if not responsible:
        raise LoopError(_("Say who answers for it."))
    if not 1 <= days <= 365:
        raise LoopError(_("Choose a deadline."))
    return _add(hazard, "listed", who, responsible=responsible, deadline=utcnow() + dt.timedelta(days=days),
                note=_note(note))


def delist(hazard: Hazard, who: Who, *, note: str | None = None) -> HazardAction:
    """Lifted (摘牌) only once the hazard is verified."""
    d = standing(hazard)
    if not d.listed:
        raise LoopError(_("This hazard is not under listed supervision."))
    if d.is_open:
        raise LoopError(_("Listed supervision is lifted only after the hazard is verified."))
    return _add(hazard, "delisted", who, note=_note(note))


def join_report(hazard: Hazard, photo_sha256: str | None = None) -> HazardAction:
    """Another resident reports the same open hazard: a fact on its timeline, no new deadline."""
    return _add(hazard, "reported", Who("resident", None, None), photo_sha256=photo_sha256)


# What each step is called in the rules' messages and on buttons
STEP_LABELS = {
    "acknowledge": _l("Acknowledge"),
    "assign": _l("Assign"),
    "fix": _l("Mark as fixed"),
    "verify": _l("Check and verify"),
    "send_back": _l("Send back"),
    "progress": _l("Add progress"),
    "on_spot": _l("Fixed on the spot"),
    "notice": _l("Rectification notice"),
    "refer": _l("Refer to a department"),
    "escalate": _l("Escalate"),
    "list": _l("List for supervision"),
    "delist": _l("Lift the listing"),
}


def next_steps(hazard: Hazard, d: Derived, *, who: Who, staff: bool, manage: bool) -> list[str]:
    """The steps this person may take now, in the order the page offers them."""
    if not d.is_open:
        return ["delist"] if staff and d.listed else []
    steps = []
    if d.status == "fixed":  # it waits for a check: nothing else to do but check it or send it back
        if who.key is None or who.key not in d.fixers:
            steps.append("verify")
        steps += ["send_back", "progress"]
    else:
        if d.acknowledged_at is None and manage:
            steps.append("acknowledge")
        steps.append("fix")
        if hazard.severity == "minor":
            steps.append("on_spot")
        if manage:
            steps += ["assign", "notice"]
        steps.append("progress")
        if manage:
            steps.append("refer")
    if staff:
        steps += ["list", "escalate"]
    return steps
