"""What happens to a check: answering a step, finishing, and the station's readiness."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError

from ..records import uuid7
from ..extensions import db
from ..records import commit_once, utcnow

from ..hazards.service import open_hazard
from ..hazards.models import CLOSED_STATUSES, Hazard
from ..village import Person
from .checklist import Step, current_template, inventory, prompt_text, steps_for
from .models import GAUGE_ZONES, Station, StationCheck, StationCheckAnswer, StationItem

EXPIRY_WARNING_DAYS = 30
TEAM_MINIMUM = 5  # a chief plus at least five trained members (community standard, 2015)
FAULT_DUE = dt.timedelta(days=30)  # the default "3030" profile: fixed within 30 days
SERIOUS_DUE = dt.timedelta(days=7)
MAX_PRESSURE_MPA = 40.0
MAX_COUNT = 9999


class AnswerError(ValueError):
    """A translated reason why an answer cannot be saved."""


class CheckFinished(RuntimeError):
    """The check is sealed: nothing may change any more."""


def today() -> dt.date:
    return utcnow().date()


def village_station(village_code: str) -> Station | None:
    return db.session.scalar(Station.live().where(Station.village_id == village_code)
                             .order_by(Station.recorded_at).limit(1))


def open_check(station: Station) -> StationCheck | None:
    return db.session.scalar(StationCheck.live().where(
        StationCheck.station_id == station.id, StationCheck.status == "in_progress")
        .order_by(StationCheck.recorded_at.desc()).limit(1))


def start_check(station: Station, *, check_id: str | None, reason: str, person, staff=None) -> StationCheck:
    """Start a check, or give back the one already under way (a second tap or a replayed POST)."""
    if check_id:
        existing = db.session.get(StationCheck, check_id)
        if existing is not None and existing.station_id == station.id:
            return existing
    running = open_check(station)
    if running is not None:
        return running
    village_code = station.village_id
    township = current_template(village_code[:9], "township")
    own = current_template(village_code, "village")
    who = person or staff
    check = StationCheck(village_id=village_code, station_id=station.id, reason=reason,
                         township_template_id=township.id if township else None,
                         village_template_id=own.id if own else None,
                         started_by_id=person.id if person else None,
                         started_by_name=who.name if who else "")
    check.id = check_id or uuid7()
    db.session.add(check)
    return commit_once(StationCheck, check.id)


def answers_by_key(check: StationCheck) -> dict[str, StationCheckAnswer]:
    rows = db.session.scalars(StationCheckAnswer.live().where(StationCheckAnswer.check_id == check.id)).all()
    return {a.step_key: a for a in rows}


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
            raw = (form.get("count") or "").strip()
            try:
                count = int(raw)
            except ValueError:
                raise AnswerError(_("Enter how many are present as a whole number."))
            if count < 0:
                raise AnswerError(_("A count cannot be negative."))
            if count > MAX_COUNT:
                raise AnswerError(_("At most %(max)d.", max=MAX_COUNT))
        expected = step.expected
        return {"ok": expected is None or count >= expected, "count": count}
    if ctype == "pressure":
        raw = (form.get("pressure") or "").strip().replace(",", ".").replace("，", ".")
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not raw or not math.isfinite(value):
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
        if result == "ok" and seen is not None and seen < today():
            raise AnswerError(_("The inventory says this date passed on %(date)s. Mark it expired, or have the "
                                "committee correct the date in the inventory.", date=seen.isoformat()))
        return {"ok": result == "ok"}
    raise AnswerError(_("This kind of check is not known."))


def save_answer(check: StationCheck, step: Step, values: dict, person) -> StationCheckAnswer:
    """Save (or replace) the answer to one step and commit at once: nothing is lost to a power cut,
    and however often the same step is answered there is one row for it."""
    if check.is_finished:
        raise CheckFinished()
    # read everything first: loading a step's line must not flush a half-filled answer
    fields = dict(
        checklist_item_id=step.item.id, station_item_id=step.line.id if step.line is not None else None,
        position=step.position, code=step.item.code, prompt=step.item.prompt, item_title=step.title[:120],
        check_type=step.check_type, expected=step.expected, threshold=step.threshold, date_seen=step.date_seen,
        count=values.get("count"), zone=values.get("zone"), pressure_mpa=values.get("pressure_mpa"),
        ok=values["ok"], answered_by_id=person.id if person is not None else None)
    check_id, village_id = check.id, check.village_id
    for attempt in (1, 2):
        answer = db.session.scalar(StationCheckAnswer.live().where(
            StationCheckAnswer.check_id == check_id, StationCheckAnswer.step_key == step.key))
        if answer is None:
            answer = StationCheckAnswer(village_id=village_id, check_id=check_id, step_key=step.key)
            db.session.add(answer)
        for name, value in fields.items():
            setattr(answer, name, value)
        answer.answered_at = utcnow()
        try:
            db.session.commit()
            return answer
        except IntegrityError:  # the same step answered twice at the same moment: update the winner
            db.session.rollback()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


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
        if hazard is not None and not hazard.deleted and hazard.status not in CLOSED_STATUSES:
            return hazard
    return None


def finish_check(check: StationCheck, *, incomplete_ok: bool, person, staff=None) -> list[Step]:
    """Seal the check. Returns the unanswered steps and changes nothing when there are some and
    ``incomplete_ok`` is false. Faults open hazards (or join the one already open for them); counts
    correct the inventory. All in one transaction."""
    if check.is_finished:
        raise CheckFinished()
    steps = steps_for(check)
    answers = answers_by_key(check)
    unanswered = [s for s in steps if s.key not in answers]
    if unanswered and not incomplete_ok:
        return unanswered
    station = db.session.get(Station, check.station_id)
    for step in unanswered:  # an incomplete record still says what was not checked
        db.session.add(StationCheckAnswer(
            village_id=check.village_id, check_id=check.id, step_key=step.key, checklist_item_id=step.item.id,
            station_item_id=step.line.id if step.line is not None else None, position=step.position,
            code=step.item.code, prompt=step.item.prompt, item_title=step.title[:120],
            check_type=step.check_type, expected=step.expected, threshold=step.threshold,
            date_seen=step.date_seen, ok=None))
    faults = 0
    for answer in sorted(answers.values(), key=lambda a: a.position):
        line = db.session.get(StationItem, answer.station_item_id) if answer.station_item_id else None
        if answer.check_type == "count" and line is not None and answer.count is not None \
                and not line.deleted and line.quantity != answer.count:
            line.quantity = answer.count  # the inventory says what is really on the shelf
        if answer.ok is not False:
            continue
        faults += 1
        hazard = _existing_hazard(answer)
        if hazard is None:
            serious = answer.check_type == "pressure" or (answer.check_type == "count" and answer.count == 0)
            title = answer.item_title or station.name
            hazard = open_hazard(
                village_id=check.village_id, category="equipment", source="station_check",
                location=f"{station.name} · {title}" if answer.item_title else station.name,
                description=_("%(question)s: %(answer)s", question=prompt_text(answer.code, answer.prompt),
                              answer=describe(answer)),
                severity="serious" if serious else "minor", subject_kind="station_item",
                subject_id=answer.station_item_id, found_by_kind="station_check", found_by_id=check.id,
                due_in=SERIOUS_DUE if serious else FAULT_DUE)
            db.session.flush()
        answer.hazard_id = hazard.id
    who = person or staff
    check.status = "incomplete" if unanswered else "complete"
    check.finished_at = utcnow()
    check.finished_by_id = person.id if person is not None else None
    check.finished_by_name = who.name if who is not None else ""
    check.total_steps = len(steps)
    check.faults = faults
    check.unanswered = len(unanswered)
    db.session.commit()
    return []


# ---- readiness ------------------------------------------------------------------------------------

@dataclass
class Readiness:
    station: Station
    last_check: StationCheck | None
    running: StationCheck | None
    due_on: dt.date
    overdue: bool
    expiring: list[tuple[StationItem, str, dt.date, bool]] = field(default_factory=list)
    faults: list[Hazard] = field(default_factory=list)
    chief: Person | None = None
    members: list[Person] = field(default_factory=list)
    trained: int = 0

    @property
    def team_short(self) -> bool:
        return self.chief is None or self.trained < TEAM_MINIMUM

    @property
    def expired(self) -> list:
        return [e for e in self.expiring if e[3]]

    def badge(self) -> tuple[str, str]:
        if self.overdue:
            return _("Check overdue"), "bad"
        if self.faults:
            return ngettext("%(num)d fault", "%(num)d faults", len(self.faults)), "bad"
        if self.expired:
            return ngettext("%(num)d expired", "%(num)d expired", len(self.expired)), "bad"
        if self.expiring:
            return ngettext("%(num)d expiring", "%(num)d expiring", len(self.expiring)), "warn"
        if self.team_short:
            return _("Team short"), "warn"
        return _("Ready"), "ok"


def station_faults(village_code: str) -> list[Hazard]:
    return db.session.scalars(Hazard.live().where(
        Hazard.village_id == village_code, Hazard.subject_kind == "station_item",
        Hazard.status.not_in(CLOSED_STATUSES)).order_by(Hazard.recorded_at.desc())).all()


def team(station: Station) -> tuple[Person | None, list[Person]]:
    people = db.session.scalars(Person.live().where(Person.village_id == station.village_id,
                                                    Person.active.is_(True)).order_by(Person.name)).all()
    chief = next((p for p in people if p.id == station.chief_id), None)
    members = [p for p in people if "volunteer" in (p.duties or []) and p.id != station.chief_id]
    return chief, members


def readiness(station: Station) -> Readiness:
    last = db.session.scalar(StationCheck.live().where(
        StationCheck.station_id == station.id, StationCheck.status == "complete")
        .order_by(StationCheck.finished_at.desc()).limit(1))
    now = today()
    interval = dt.timedelta(days=station.check_interval_days or 30)
    due_on = (last.finished_at.date() + interval) if last else now
    overdue = last is None or now > due_on
    expiring = []
    horizon = now + dt.timedelta(days=EXPIRY_WARNING_DAYS)
    for line in inventory(station.id):
        for name, value in line.dates():
            if value <= horizon:
                expiring.append((line, name, value, value < now))
    expiring.sort(key=lambda e: e[2])
    chief, members = team(station)
    return Readiness(station=station, last_check=last, running=open_check(station), due_on=due_on,
                     overdue=overdue, expiring=expiring, faults=station_faults(station.village_id),
                     chief=chief, members=members, trained=sum(1 for p in members if p.trained))
