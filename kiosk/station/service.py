"""What happens at the station: the committee keeps the station, its inventory and the village's own
checklist items; a volunteer answers a check step by step and finishes it (faults open hazards,
counts correct the inventory); and how ready the station is, for one village or for many at once.

Nothing here commits or flashes: the caller (a view, the CLI) commits once. A check is still saved
answer by answer, because the view commits each answer as it is given.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ..context import Actor, local_day, local_today
from ..extensions import db
from ..forms import parse_int, parse_number
from ..hazards.models import Hazard, HazardState
from ..hazards.service import open_hazard
from ..records import among, utcnow, uuid7
from ..supervision.rates import rates_of
from ..village import Person
from .checklist import Step, current_template, inventory, new_village_edition, prompt_text, steps_for
from .models import (GAUGE_ZONES, REASONS, ChecklistItem, ChecklistTemplate, Station, StationCheck,
                     StationCheckAnswer, StationItem)

EXPIRY_WARNING_DAYS = 30
TEAM_MINIMUM = 5  # a chief plus at least five trained members (community standard, 2015)
MAX_PRESSURE_MPA = 40.0
MAX_COUNT = 9999


class AnswerError(ValueError):
    """A translated reason why an answer cannot be saved."""


class CheckFinished(RuntimeError):
    """The check is sealed: nothing may change any more."""


# ---- the station, its inventory and the village's checklist ---------------------------------------

def village_station(village_code: str) -> Station | None:
    return db.session.scalar(Station.live().where(Station.village_id == village_code)
                             .order_by(Station.recorded_at).limit(1))


def save_station(village_code: str, station: Station | None, details: dict) -> Station:
    """Set up the village's station (``station`` None) or change its details."""
    if station is None:
        station = Station(village_id=village_code)
        db.session.add(station)
    for name, value in details.items():
        setattr(station, name, value)
    return station


def add_item(station: Station, details: dict) -> StationItem:
    line = StationItem(village_id=station.village_id, station_id=station.id, **details)
    db.session.add(line)
    return line


def change_item(line: StationItem, details: dict) -> None:
    for name, value in details.items():
        setattr(line, name, value)


def remove_item(line: StationItem) -> None:
    line.deleted = True


def add_checklist_item(village_code: str, *, prompt: str, check_type: str, kind: str | None,
                       threshold: float | None, date_field: str | None) -> ChecklistItem:
    """Add an item of the village's own, in a new edition: checks under way keep theirs."""
    item = ChecklistItem(code=None, prompt=prompt, check_type=check_type, kind=kind,
                         threshold=threshold if check_type == "pressure" else None,
                         date_field=date_field if check_type == "date" else None)
    new_village_edition(village_code, add=item)
    return item


def own_checklist_item(village_code: str, item_id: str) -> ChecklistItem | None:
    """One of the items the village added to its checklist (the township's are not the village's to drop)."""
    own = current_template(village_code, "village")
    return next((i for i in own.items if i.id == item_id), None) if own is not None else None


def remove_checklist_item(village_code: str, item_id: str) -> bool:
    """Drop one of the village's own items, in a new edition. False when it is not one of them."""
    if own_checklist_item(village_code, item_id) is None:
        return False
    new_village_edition(village_code, drop_id=item_id)
    return True


# ---- a check --------------------------------------------------------------------------------------

def open_check(station: Station) -> StationCheck | None:
    return db.session.scalar(StationCheck.live().where(
        StationCheck.station_id == station.id, StationCheck.status == "in_progress")
        .order_by(StationCheck.recorded_at.desc()).limit(1))


def start_check(station: Station, *, client_id: str, reason: str, actor: Actor) -> StationCheck:
    """Start a check, or give back the one already under way (a second tap or a replayed POST).

    The new check carries the form's ``client_id``: commit it with ``commit_once``."""
    existing = db.session.get(StationCheck, client_id)
    if existing is not None and not existing.deleted and existing.station_id == station.id:
        return existing
    running = open_check(station)
    if running is not None:
        return running
    village_code = station.village_id
    township = current_template(village_code[:9], "township")
    own = current_template(village_code, "village")
    check = StationCheck(id=client_id if existing is None else uuid7(), village_id=village_code,
                         station_id=station.id, reason=reason,
                         township_template_id=township.id if township else None,
                         village_template_id=own.id if own else None,
                         started_by_id=actor.person_id, started_by_name=actor.name or "")
    db.session.add(check)
    return check


def start_after_use_check(station: Station, *, client_id: str, item_ids: list[str], actor: Actor) -> StationCheck:
    """A check of the inventory lines used at a fire call-out (``item_ids``), started by the record
    of the call-out. Like :func:`start_check`, a check already under way is given back instead: it
    covers those lines too. Commit it with ``commit_once``."""
    existing = db.session.get(StationCheck, client_id)
    if existing is not None and not existing.deleted and existing.station_id == station.id:
        return existing
    running = open_check(station)
    if running is not None:
        return running
    check = start_check(station, client_id=client_id, reason="after_callout", actor=actor)
    check.partial = True
    check.item_ids = [line.id for line in inventory(station.id) if line.id in set(item_ids)]
    return check


def answers_by_key(check: StationCheck) -> dict[str, StationCheckAnswer]:
    rows = db.session.scalars(StationCheckAnswer.live().where(StationCheckAnswer.check_id == check.id)).all()
    return {a.step_key: a for a in rows}


def progress(steps: list[Step], answers: dict) -> dict:
    answered = [s for s in steps if s.key in answers]
    return {"answered": len(answered), "total": len(steps),
            "faults": sum(1 for s in answered if answers[s.key].ok is False)}


def next_step(steps: list[Step], answers: dict, after: Step | None = None) -> Step | None:
    """The first step not yet answered after ``after``, going round to the start; None when all are."""
    start = steps.index(after) + 1 if after is not None else 0
    for step in steps[start:] + steps[:start]:
        if step.key not in answers:
            return step
    return None


def find_step(steps: list[Step], key: str) -> Step | None:
    return next((s for s in steps if s.key == key), None)


def parse_answer(step: Step, form) -> dict:
    """Turn the posted fields of one step into answer values, or raise AnswerError."""
    ctype = step.check_type
    if ctype == "ok_fault":
        result = form.get("result")
        if result not in ("ok", "fault"):
            raise AnswerError(_("Tap In order or Fault."))
        return {"ok": result == "ok"}
    if ctype == "gauge":
        zone = form.get("zone")
        if zone not in GAUGE_ZONES:
            raise AnswerError(_("Tap the zone the gauge needle points to."))
        return {"ok": zone == "green", "zone": zone}
    if ctype == "count":
        if form.get("result") == "all" and step.expected is not None:
            count = step.expected
        else:
            try:
                count = parse_int(form.get("count"))
            except ValueError:
                count = None
            if count is None:
                raise AnswerError(_("Enter how many are present as a whole number."))
            if count < 0:
                raise AnswerError(_("A count cannot be negative."))
            if count > MAX_COUNT:
                raise AnswerError(_("At most %(max)d.", max=MAX_COUNT))
        expected = step.expected
        return {"ok": expected is None or count >= expected, "count": count}
    if ctype == "pressure":
        try:
            value = parse_number(form.get("pressure"))
        except ValueError:
            value = None
        if value is None:
            raise AnswerError(_("Enter the pressure as a number of MPa, for example 28.5."))
        if not 0 <= value <= MAX_PRESSURE_MPA:
            raise AnswerError(_("A cylinder reads between 0 and %(max)d MPa. Read the gauge again.",
                                max=int(MAX_PRESSURE_MPA)))
        value = round(value, 1)
        threshold = step.threshold
        return {"ok": threshold is None or value >= threshold, "pressure_mpa": value}
    if ctype == "date":
        result = form.get("result")
        if result not in ("ok", "fault"):
            raise AnswerError(_("Tap Still valid or Expired."))
        seen = step.date_seen
        if result == "ok" and seen is not None and seen < local_today():
            raise AnswerError(_("The inventory says this date passed on %(date)s. Mark it expired, or have the "
                                "committee correct the date in the inventory.", date=seen.isoformat()))
        return {"ok": result == "ok"}
    raise AnswerError(_("This kind of check is not known."))


def _question(step: Step) -> dict:
    """What a step asks, as it is asked now: every answer keeps its own copy."""
    return dict(checklist_item_id=step.item.id, station_item_id=step.line.id if step.line is not None else None,
                position=step.position, code=step.item.code, prompt=step.item.prompt,
                item_title=step.title[:120], check_type=step.check_type, expected=step.expected,
                threshold=step.threshold, date_seen=step.date_seen)


def answer_row(check: StationCheck, step: Step, **answer) -> StationCheckAnswer:
    """A new answer row for one step of ``check`` (also the demo's way of writing past checks)."""
    return StationCheckAnswer(village_id=check.village_id, check_id=check.id, step_key=step.key,
                              **_question(step), **answer)


def save_answer(check: StationCheck, step: Step, values: dict, actor: Actor) -> StationCheckAnswer:
    """Save (or replace) the answer to one step: however often the same step is answered there is
    one row for it. The view commits at once, so that a power cut loses nothing."""
    if check.is_finished:
        raise CheckFinished()
    answer = dict(count=values.get("count"), zone=values.get("zone"), pressure_mpa=values.get("pressure_mpa"),
                  ok=values["ok"], answered_by_id=actor.person_id, answered_at=utcnow())
    row = db.session.scalar(StationCheckAnswer.live().where(
        StationCheckAnswer.check_id == check.id, StationCheckAnswer.step_key == step.key))
    if row is None:
        # built whole, after every read: a query must never autoflush a half-filled answer
        row = answer_row(check, step, **answer)
        db.session.add(row)
    else:
        for name, value in {**_question(step), **answer}.items():
            setattr(row, name, value)
    return row


def describe(answer: StationCheckAnswer) -> str:
    """The answer in words, for the record and the hazard register."""
    if answer.ok is None:
        return _("Not answered")
    if answer.check_type == "count":
        if answer.expected is not None and answer.count is not None and answer.count < answer.expected:
            return _("%(count)d of %(expected)d present, %(missing)d missing", count=answer.count,
                     expected=answer.expected, missing=answer.expected - answer.count)
        if answer.expected is not None:
            return _("%(count)d of %(expected)d present", count=answer.count, expected=answer.expected)
        return _("%(count)d present", count=answer.count)
    if answer.check_type == "gauge":
        return str(GAUGE_ZONES.get(answer.zone, answer.zone))
    if answer.check_type == "pressure":
        if answer.threshold is not None:
            return _("%(value)s MPa (at least %(threshold)s)", value=f"{answer.pressure_mpa:g}",
                     threshold=f"{answer.threshold:g}")
        return _("%(value)s MPa", value=f"{answer.pressure_mpa:g}")
    if answer.check_type == "date":
        if answer.date_seen:
            return (_("Valid until %(date)s", date=answer.date_seen.isoformat()) if answer.ok
                    else _("Expired (%(date)s)", date=answer.date_seen.isoformat()))
        return _("Still valid") if answer.ok else _("Expired")
    return _("In order") if answer.ok else _("Fault")


def _existing_hazard(answer: StationCheckAnswer) -> Hazard | None:
    """An open hazard a previous check already opened for the same question on the same line."""
    earlier = db.session.scalars(StationCheckAnswer.live().where(
        StationCheckAnswer.station_item_id.is_(None) if answer.station_item_id is None
        else StationCheckAnswer.station_item_id == answer.station_item_id,
        StationCheckAnswer.village_id == answer.village_id,
        StationCheckAnswer.prompt == answer.prompt, StationCheckAnswer.hazard_id.is_not(None),
        StationCheckAnswer.id != answer.id)).all()
    for row in earlier:
        hazard = db.session.get(Hazard, row.hazard_id)
        if hazard is not None and not hazard.deleted and hazard.is_open:
            return hazard
    return None


def _report_fault(check: StationCheck, station: Station, answer: StationCheckAnswer) -> Hazard:
    serious = answer.check_type == "pressure" or (answer.check_type == "count" and answer.count == 0)
    hazard = open_hazard(
        village_id=check.village_id, category="equipment", source="station_check",
        location=f"{station.name} · {answer.item_title}" if answer.item_title else station.name,
        description=_("%(question)s: %(answer)s", question=prompt_text(answer.code, answer.prompt),
                      answer=describe(answer)),
        severity="serious" if serious else "minor", subject_kind="station_item",
        subject_id=answer.station_item_id, found_by_kind="station_check", found_by_id=check.id)
    db.session.flush()  # the answer keeps the hazard's id
    return hazard


def finish_check(check: StationCheck, *, incomplete_ok: bool, actor: Actor) -> list[Step]:
    """Seal the check. Returns the unanswered steps and changes nothing when there are some and
    ``incomplete_ok`` is false. Faults open hazards (or join the one already open for them); counts
    correct the inventory. The caller commits it all as one transaction."""
    if check.is_finished:
        raise CheckFinished()
    steps = steps_for(check)
    answers = answers_by_key(check)
    unanswered = [s for s in steps if s.key not in answers]
    if unanswered and not incomplete_ok:
        return unanswered
    station = db.session.get(Station, check.station_id)
    for step in unanswered:  # an incomplete record still says what was not checked
        db.session.add(answer_row(check, step, ok=None))
    faults = 0
    for answer in sorted(answers.values(), key=lambda a: a.position):
        line = db.session.get(StationItem, answer.station_item_id) if answer.station_item_id else None
        if answer.check_type == "count" and line is not None and answer.count is not None \
                and not line.deleted and line.quantity != answer.count:
            line.quantity = answer.count  # the inventory says what is really on the shelf
        if answer.ok is not False:
            continue
        faults += 1
        answer.hazard_id = (_existing_hazard(answer) or _report_fault(check, station, answer)).id
    check.status = "incomplete" if unanswered else "complete"
    check.finished_at = utcnow()
    check.finished_by_id = actor.person_id
    check.finished_by_name = actor.name or ""
    check.total_steps = len(steps)
    check.faults = faults
    check.unanswered = len(unanswered)
    return []


def planned_check(station: Station) -> StationCheck:
    """A check as it would start now (not stored): the editions in force, from which ``steps_for``
    gives its steps. A phone keeps them to answer a check where there is no signal."""
    township = current_template(station.village_id[:9], "township")
    own = current_template(station.village_id, "village")
    return StationCheck(village_id=station.village_id, station_id=station.id, partial=False, item_ids=[],
                        township_template_id=township.id if township else None,
                        village_template_id=own.id if own else None)


def _edition(template_id: str | None, scope_code: str, scope: str) -> str | None:
    """The id of an edition of this scope's checklist, or None; raises AnswerError for anything else."""
    if not template_id:
        return None
    template = db.session.get(ChecklistTemplate, template_id) if len(template_id) <= 36 else None
    if template is None or template.deleted or template.scope != scope or template.village_id != scope_code:
        raise AnswerError(_("This check was answered on a checklist the station does not have."))
    return template.id


def record_whole_check(station: Station, *, client_id: str, reason: str, township_template_id: str | None,
                       village_template_id: str | None, answers: dict, actor: Actor) -> StationCheck:
    """A check answered step by step away from the kiosk (a phone with no signal) and delivered
    whole: the same check, answers and hazards as the kiosk's, on the editions the phone asked
    from. ``answers`` maps step keys to the fields a step's buttons post (``parse_answer``). A step
    the phone did not know (a line added to the inventory since) stays unanswered and the check
    is incomplete; an answer about a line removed since is about nothing the station has and is
    left out. Raises AnswerError when an answer cannot be read. The caller commits once."""
    check = StationCheck(id=client_id, village_id=station.village_id, station_id=station.id, status="in_progress",
                         reason=reason if reason in REASONS else "monthly",
                         township_template_id=_edition(township_template_id, station.village_id[:9], "township"),
                         village_template_id=_edition(village_template_id, station.village_id, "village"),
                         started_by_id=actor.person_id, started_by_name=actor.name or "")
    steps = steps_for(check)
    values = [(step, parse_answer(step, answers[step.key])) for step in steps if step.key in answers]
    db.session.add(check)
    for step, answer in values:
        save_answer(check, step, answer, actor)
    finish_check(check, incomplete_ok=True, actor=actor)
    return check


def recent_checks(station: Station, limit: int = 200) -> list[StationCheck]:
    return db.session.scalars(StationCheck.live().where(StationCheck.station_id == station.id)
                              .order_by(StationCheck.recorded_at.desc()).limit(limit)).all()


def item_history(line: StationItem) -> tuple[list, list[Hazard]]:
    """What the finished checks found on one inventory line, newest first, and its hazards."""
    rows = db.session.execute(
        sa.select(StationCheckAnswer, StationCheck)
        .join(StationCheck, StationCheck.id == StationCheckAnswer.check_id)
        .where(StationCheckAnswer.station_item_id == line.id, StationCheckAnswer.deleted.is_(False),
               StationCheck.status != "in_progress")
        .order_by(StationCheck.finished_at.desc(), StationCheckAnswer.position).limit(300)).all()
    hazards = db.session.scalars(Hazard.live().where(Hazard.subject_kind == "station_item",
                                                     Hazard.subject_id == line.id)
                                 .order_by(Hazard.recorded_at.desc())).all()
    return rows, hazards


# ---- readiness ------------------------------------------------------------------------------------
# One ladder for the home tile and the township's summary: the first rung that holds is the state.

STATES = ("overdue", "faults", "expired", "expiring", "team_short", "ready")
# the rungs as the township's overview names them (a village without a station: not_set_up)
STATE_LABELS = {"overdue": _l("Check overdue"), "faults": _l("Faults"), "expired": _l("Expired"),
                "expiring": _l("Expiring"), "team_short": _l("Team short"), "ready": _l("Ready"),
                "not_set_up": _l("Not set up")}


def readiness_state(*, overdue: bool, faults: int, expired: int, expiring: int, team_short: bool) -> str:
    if overdue:
        return "overdue"
    if faults:
        return "faults"
    if expired:
        return "expired"
    if expiring:
        return "expiring"
    if team_short:
        return "team_short"
    return "ready"


def _due(last_finished_at: dt.datetime | None, interval_days: int | None, today: dt.date) -> tuple[dt.date, bool]:
    """(due on, overdue): the next routine check falls ``interval_days`` after the village's day of
    the last complete one; a station never checked is due today and overdue."""
    if last_finished_at is None:
        return today, True
    due_on = local_day(last_finished_at) + dt.timedelta(days=interval_days or 30)
    return due_on, today > due_on


def _team(people, chief_id: str | None) -> tuple[bool, list]:
    """(a chief on the roster, the members): the roster's active volunteer firefighters besides the
    chief. ``people`` are the village's active people (rows or Person objects)."""
    has_chief = any(p.id == chief_id for p in people)
    members = [p for p in people if "volunteer" in (p.duties or []) and p.id != chief_id]
    return has_chief, members


@dataclass
class Readiness:
    station: Station
    last_check: StationCheck | None
    running: StationCheck | None
    due_on: dt.date
    overdue: bool
    # (line, date field, date, expired): every date that passed or passes within 30 days
    expiring: list[tuple[StationItem, str, dt.date, bool]] = field(default_factory=list)
    faults: list[Hazard] = field(default_factory=list)
    chief: Person | None = None
    members: list[Person] = field(default_factory=list)
    trained: int = 0

    @property
    def team_short(self) -> bool:
        return _team_short(self.chief is not None, self.trained)

    @property
    def expired(self) -> list:
        return [e for e in self.expiring if e[3]]

    @property
    def state(self) -> str:
        return readiness_state(overdue=self.overdue, faults=len(self.faults), expired=len(self.expired),
                               expiring=len(self.expiring), team_short=self.team_short)

    def badge(self) -> tuple[str, str]:
        return _badge(self.state, faults=len(self.faults), expired=len(self.expired), expiring=len(self.expiring))


def _badge(state: str, *, faults: int, expired: int, expiring: int) -> tuple[str, str]:
    if state == "overdue":
        return _("Check overdue"), "bad"
    if state == "faults":
        return ngettext("%(num)d fault", "%(num)d faults", faults), "bad"
    if state == "expired":
        return ngettext("%(num)d expired", "%(num)d expired", expired), "bad"
    if state == "expiring":
        return ngettext("%(num)d expiring", "%(num)d expiring", expiring), "warn"
    if state == "team_short":
        return _("Team short"), "warn"
    return _("Ready"), "ok"


def _open_faults() -> tuple:
    """Conditions on Hazard joined with its state (``_with_state``): open hazards on the station's
    equipment. A station item is out of order until its last hazard is verified."""
    return (Hazard.deleted.is_(False), Hazard.subject_kind == "station_item", HazardState.is_open.is_(True))


def _with_state(query):
    return query.join(HazardState, HazardState.hazard_id == Hazard.id)


def _team_short(has_chief: bool, trained: int) -> bool:
    return not has_chief or trained < TEAM_MINIMUM


def team(station: Station) -> tuple[Person | None, list[Person]]:
    people = db.session.scalars(Person.live().where(Person.village_id == station.village_id,
                                                    Person.active.is_(True)).order_by(Person.name)).all()
    _has_chief, members = _team(people, station.chief_id)
    return next((p for p in people if p.id == station.chief_id), None), members


def readiness(station: Station) -> Readiness:
    last = db.session.scalar(StationCheck.live().where(
        StationCheck.station_id == station.id, StationCheck.status == "complete", StationCheck.partial.is_(False))
        .order_by(StationCheck.finished_at.desc()).limit(1))
    today = local_today()
    due_on, overdue = _due(last.finished_at if last else None, station.check_interval_days, today)
    horizon = today + dt.timedelta(days=EXPIRY_WARNING_DAYS)
    expiring = sorted(((line, name, value, value < today) for line in inventory(station.id)
                       for name, value in line.dates() if value <= horizon), key=lambda e: e[2])
    chief, members = team(station)
    faults = db.session.scalars(_with_state(sa.select(Hazard)).where(*_open_faults(),
                                                                     Hazard.village_id == station.village_id)
                                .order_by(Hazard.recorded_at.desc())).all()
    return Readiness(station=station, last_check=last, running=open_check(station), due_on=due_on,
                     overdue=overdue, expiring=expiring, faults=faults, chief=chief, members=members,
                     trained=sum(1 for p in members if p.trained))


def _dates(within) -> sa.ScalarSelect:
    """How many dates (DATE_FIELDS) of the station's lines ``within`` says yes to, in SQL."""
    return sa.select(sa.func.coalesce(sa.func.sum(
        sum(sa.case((within(column), 1), else_=0) for column in (StationItem.expires_on, StationItem.test_due_on))
    ), 0)).where(StationItem.station_id == Station.id, StationItem.deleted.is_(False)).scalar_subquery()


# the badge's one statement, built once: the village's first station, its last complete check, the
# village's open faults and how many of the station's dates pass within 30 days and have passed
_BADGE = sa.select(
    Station.chief_id, Station.check_interval_days,
    sa.select(sa.func.max(StationCheck.finished_at))
    .where(StationCheck.station_id == Station.id, StationCheck.deleted.is_(False),
           StationCheck.status == "complete", StationCheck.partial.is_(False)).scalar_subquery(),
    _with_state(sa.select(sa.func.count()).select_from(Hazard))
    .where(*_open_faults(), Hazard.village_id == Station.village_id).scalar_subquery(),
    _dates(lambda day: day <= sa.bindparam("horizon", type_=sa.Date)),
    _dates(lambda day: day < sa.bindparam("today", type_=sa.Date)),
).where(Station.village_id == sa.bindparam("village"), Station.deleted.is_(False)) \
    .order_by(Station.recorded_at).limit(1)


def badge(village_code: str) -> tuple[str, str]:
    """The home tile's badge: how ready the village's station is, as ``readiness`` would say, from
    one statement of counts; the team is read only when everything before it on the ladder is fine."""
    today = local_today()
    row = db.session.execute(_BADGE, {"village": village_code, "today": today,
                                      "horizon": today + dt.timedelta(days=EXPIRY_WARNING_DAYS)}).first()
    if row is None:
        return _("Not set up"), "info"
    chief_id, interval_days, finished_at, faults, expiring, expired = row
    _due_on, overdue = _due(finished_at, interval_days, today)
    team_short = False
    if not (overdue or faults or expiring):
        people = db.session.execute(sa.select(Person.id, Person.duties, Person.trained)
                                    .where(Person.village_id == village_code, Person.deleted.is_(False),
                                           Person.active.is_(True))).all()
        has_chief, members = _team(people, chief_id)
        team_short = _team_short(has_chief, sum(1 for p in members if p.trained))
    state = readiness_state(overdue=overdue, faults=faults, expired=expired, expiring=expiring, team_short=team_short)
    return _badge(state, faults=faults, expired=expired, expiring=expiring)


# ---- many villages at once (the township's overview) ----------------------------------------------

SUMMARY_FIGURES = {
    "state": _l("Readiness"),
    "last_check": _l("Last complete check"),
    "open_faults": _l("Open faults"),
    "trained": _l("Trained members"),
}


def village_summaries(village_codes: list[str]) -> dict[str, dict]:
    """For each village: ``state`` (a rung of :data:`STATES`, or ``not_set_up``), ``last_check`` (the
    village's day of the last complete check, or None), ``open_faults`` and ``trained`` (trained
    members besides the chief). Five queries, however many villages."""
    codes = sorted(set(village_codes))
    if not codes:
        return {}
    today = local_today()
    horizon = today + dt.timedelta(days=EXPIRY_WARNING_DAYS)
    stations: dict[str, Station] = {}
    for station in db.session.scalars(Station.live().where(among(Station.village_id, codes))
                                      .order_by(Station.recorded_at)):
        stations.setdefault(station.village_id, station)  # the first set up, as village_station()
    station_ids = [s.id for s in stations.values()]
    last = dict(db.session.execute(
        sa.select(StationCheck.station_id, sa.func.max(StationCheck.finished_at))
        .where(StationCheck.station_id.in_(station_ids), StationCheck.deleted.is_(False),
               StationCheck.status == "complete", StationCheck.partial.is_(False))
        .group_by(StationCheck.station_id)).all())
    dates: dict[str, list[dt.date]] = {}
    for station_id, *values in db.session.execute(
            sa.select(StationItem.station_id, StationItem.expires_on, StationItem.test_due_on)
            .where(StationItem.station_id.in_(station_ids), StationItem.deleted.is_(False),
                   sa.or_(StationItem.expires_on <= horizon, StationItem.test_due_on <= horizon))):
        dates.setdefault(station_id, []).extend(v for v in values if v is not None and v <= horizon)
    faults = dict(db.session.execute(
        _with_state(sa.select(Hazard.village_id, sa.func.count()))
        .where(*_open_faults(), among(Hazard.village_id, codes))
        .group_by(Hazard.village_id)).all())
    people: dict[str, list] = {}
    for row in db.session.execute(sa.select(Person.village_id, Person.id, Person.duties, Person.trained)
                                  .where(among(Person.village_id, codes), Person.deleted.is_(False),
                                         Person.active.is_(True))):
        people.setdefault(row.village_id, []).append(row)

    found = {}
    for code in codes:
        station = stations.get(code)
        has_chief, members = _team(people.get(code, []), station.chief_id if station else None)
        trained = sum(1 for p in members if p.trained)
        figures = {"last_check": None, "open_faults": faults.get(code, 0), "trained": trained}
        if station is None:
            found[code] = {"state": "not_set_up", **figures}
            continue
        finished = last.get(station.id)
        _due_on, overdue = _due(finished, station.check_interval_days, today)
        soon = dates.get(station.id, [])
        found[code] = {
            "state": readiness_state(overdue=overdue, faults=figures["open_faults"],
                                     expired=sum(1 for d in soon if d < today), expiring=len(soon),
                                     team_short=_team_short(has_chief, trained)),
            **figures, "last_check": local_day(finished) if finished else None}
    return found


# ---- expected vs done, for the township's reporting rates -----------------------------------------

CHECK_RULE = _l("The station's routine check once in each check interval (30 days unless the village sets "
                "another, counted in months), from its last complete check.")


def check_rates(village_codes: list[str], months: list[str]) -> dict:
    """Routine checks of each village's station expected, done (complete) and on time per month, in two
    queries for any number of villages (kiosk.supervision.rates' rule)."""
    codes = sorted(set(village_codes))
    if not codes or not months:
        return {}
    stations: dict[str, tuple] = {}
    for station_id, village, registered, days in db.session.execute(
            sa.select(Station.id, Station.village_id, Station.recorded_at, Station.check_interval_days)
            .where(among(Station.village_id, codes), Station.deleted.is_(False)).order_by(Station.recorded_at)):
        # the first set up, as village_station()
        stations.setdefault(village, (station_id, village, registered, max(1, round((days or 30) / 30))))
    things = list(stations.values())
    where = [StationCheck.station_id.in_([t[0] for t in things]), StationCheck.deleted.is_(False),
             StationCheck.status == "complete"]
    return rates_of(things, StationCheck.station_id, StationCheck.finished_at, where, months,
                    max((t[3] for t in things), default=1))
