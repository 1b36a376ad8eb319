"""Publicity and training: recording an activity (with attendance for a training or a drill, which
makes the people who came trained), the yearly plan against what was done, what a loudspeaker can
read, and the figures of many villages at once. Nothing here commits or flashes."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..context import Actor, local_day, local_today
from ..extensions import db
from ..home.tips import safety_tips
from ..organisation.service import mark_trained
from ..pacts.models import DoorVisit
from ..pacts.queries import clauses_of, current_pact
from ..village.models import Person, Village
from .models import ATTENDED_KINDS, KINDS, Activity, Attendance, PlannedActivity
from ..records import among

MAX_PLANNED = 99


class ActivityError(ValueError):
    """A translated reason why an activity cannot be recorded as given."""


def roster(village_code: str) -> list[Person]:
    """The village's active people, volunteers first (they are the ones trained and drilled)."""
    people = db.session.scalars(Person.live().where(Person.village_id == village_code,
                                                    Person.active.is_(True)).order_by(Person.name)).all()
    return sorted(people, key=lambda p: ("volunteer" not in (p.duties or []), p.name))


def record_activity(village_code: str, client_id: str, *, kind: str, held_on: dt.date, ends_on: dt.date | None,
                    place: str, topic: str, organisers: list[Person], reached: int | None,
                    attendees: list[Person], note: str, photos: list[str], actor: Actor) -> Activity:
    """An activity of the village. A training or a drill takes its attendance from the roster and
    marks those who came as trained; another kind has no attendance."""
    if kind not in KINDS:
        raise ActivityError(_("Choose the kind of activity."))
    if ends_on is not None and ends_on < held_on:
        raise ActivityError(_("The last day cannot come before the first."))
    if any(p.village_id != village_code or p.deleted or not p.active for p in [*organisers, *attendees]):
        raise ActivityError(_("Only people on the village's roster can be named."))
    if attendees and kind not in ATTENDED_KINDS:
        raise ActivityError(_("Only a training or a drill takes attendance."))
    activity = Activity(id=client_id, village_id=village_code, kind=kind, held_on=held_on,
                        ends_on=ends_on if ends_on != held_on else None, place=place, topic=topic,
                        organisers=[{"id": p.id, "name": p.name} for p in organisers],
                        reached=reached if reached is not None else (len(attendees) or None), note=note,
                        photos_sha256=photos, recorded_by_id=actor.person_id, recorded_by_name=actor.name or "")
    db.session.add(activity)
    for person in attendees:
        db.session.add(Attendance(village_id=village_code, activity_id=activity.id, person_id=person.id,
                                  person_name=person.name))
    mark_trained(attendees)
    return activity


def attendance(activity: Activity) -> list[Attendance]:
    return db.session.scalars(Attendance.live().where(Attendance.activity_id == activity.id)
                              .order_by(Attendance.person_name)).all()


def door_visits(activity: Activity) -> list[DoorVisit]:
    """The door-to-door visits of a campaign: those recorded on its days."""
    if activity.kind != "door_to_door":
        return []
    return db.session.scalars(DoorVisit.live().where(
        DoorVisit.village_id == activity.village_id, DoorVisit.visited_on >= activity.held_on,
        DoorVisit.visited_on <= activity.last_day).order_by(DoorVisit.visited_on)).all()


def visits_on(village_code: str, first: dt.date, last: dt.date) -> int:
    """How many door-to-door visits were recorded on these days (a campaign's households reached)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(DoorVisit).where(
        DoorVisit.village_id == village_code, DoorVisit.deleted.is_(False),
        DoorVisit.visited_on >= first, DoorVisit.visited_on <= last))


def recent(village_code: str, kind: str | None = None, limit: int = 100) -> list[Activity]:
    query = Activity.live().where(Activity.village_id == village_code)
    if kind:
        query = query.where(Activity.kind == kind)
    return db.session.scalars(query.order_by(Activity.held_on.desc(), Activity.recorded_at.desc()).limit(limit)).all()


def since(village_code: str, since_at: dt.datetime, kinds: tuple[str, ...], limit: int = 20) -> list[Activity]:
    """Activities of these kinds held since a moment (naive UTC): what answers a warning."""
    return db.session.scalars(Activity.live().where(
        Activity.village_id == village_code, Activity.kind.in_(kinds),
        Activity.held_on >= local_day(since_at)).order_by(Activity.held_on.desc()).limit(limit)).all()


def in_month(village_code: str, year: int, month: int) -> list[Activity]:
    first = dt.date(year, month, 1)
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return db.session.scalars(Activity.live().where(
        Activity.village_id == village_code, Activity.held_on >= first, Activity.held_on < following)
        .order_by(Activity.held_on, Activity.recorded_at)).all()


# ---- the yearly plan ------------------------------------------------------------------------------

@dataclass
class PlanCell:
    planned: int
    done: int
    # the month has begun: what is not done yet is behind the plan
    begun: bool = True

    @property
    def tone(self) -> str:
        if not self.planned:
            return "ok" if self.done else "none"
        if self.done >= self.planned:
            return "ok"
        if not self.begun:
            return "none"
        return "bad" if self.done == 0 else "warn"


def plan(village_code: str, year: int) -> dict[str, dict[int, PlanCell]]:
    """``{kind: {month: PlanCell(planned, done)}}`` for the year. Two queries."""
    planned = {(row.kind, row.month): row.planned for row in db.session.scalars(PlannedActivity.live().where(
        PlannedActivity.village_id == village_code, PlannedActivity.year == year))}
    done = {(kind, int(month)): count for kind, month, count in db.session.execute(
        sa.select(Activity.kind, sa.extract("month", Activity.held_on), sa.func.count()).where(
            Activity.village_id == village_code, Activity.deleted.is_(False),
            Activity.held_on >= dt.date(year, 1, 1), Activity.held_on < dt.date(year + 1, 1, 1))
        .group_by(Activity.kind, sa.extract("month", Activity.held_on)))}
    today = local_today()
    return {kind: {m: PlanCell(planned.get((kind, m), 0), done.get((kind, m), 0), dt.date(year, m, 1) <= today)
                   for m in range(1, 13)} for kind in KINDS}


def set_planned(village_code: str, year: int, month: int, counts: dict[str, int]) -> None:
    """How many of each kind the village plans in a month (0 plans none)."""
    rows = {row.kind: row for row in db.session.scalars(PlannedActivity.live().where(
        PlannedActivity.village_id == village_code, PlannedActivity.year == year, PlannedActivity.month == month))}
    for kind, count in counts.items():
        if kind not in KINDS:
            continue
        count = max(0, min(int(count), MAX_PLANNED))
        row = rows.get(kind)
        if row is None:
            if count:
                db.session.add(PlannedActivity(village_id=village_code, year=year, month=month, kind=kind,
                                               planned=count))
        elif row.planned != count:
            row.planned = count


# ---- what the loudspeaker reads -------------------------------------------------------------------

@dataclass(frozen=True)
class Readable:
    source: str  # warning | pact | tip
    ident: str
    title: str
    text: str


def pact_readable(village: Village) -> Readable | None:
    """The published pact, clause by clause, in Mandarin."""
    pact = current_pact(village)
    if pact is None:
        return None
    with force_locale("zh_Hans"):
        lines = [pact.title + "。"] + [_("Article %(n)d: %(text)s", n=n, text=c.text)
                                       for n, c in enumerate(clauses_of(pact), start=1)]
    return Readable("pact", pact.id, pact.title, "\n".join(lines))


def tip_readables() -> list[Readable]:
    """The notice board's safety tips, always in Mandarin (the loudspeaker speaks Mandarin)."""
    with force_locale("zh_Hans"):
        return [Readable("tip", str(n), title, f"{title}。\n{body}") for n, (title, body) in enumerate(safety_tips())]


def warning_text(warning) -> str:
    with force_locale("zh_Hans"):
        return _("Notice from the township fire-safety station: %(title)s.", title=warning.title) + "\n" + warning.body


# ---- many villages at once (the township's overview) ----------------------------------------------

SUMMARY_FIGURES = {
    "this_month": _l("Publicity activities this month"),
    "planned_this_year": _l("Planned this year"),
    "done_this_year": _l("Done this year"),
    "drills_this_year": _l("Trainings and drills this year"),
    "reached_this_year": _l("People reached this year"),
}


def held_this_month(village_code: str) -> int:
    """The village's activities this month, as its summary's ``this_month`` counts them: one count."""
    today = local_today()
    return db.session.scalar(_THIS_MONTH, {"village": village_code, "start": today.replace(day=1),
                                           "end": dt.date(today.year + 1, 1, 1)})


_THIS_MONTH = sa.select(sa.func.count()).select_from(Activity).where(
    Activity.village_id == sa.bindparam("village"), Activity.deleted.is_(False),
    Activity.held_on >= sa.bindparam("start", type_=sa.Date), Activity.held_on < sa.bindparam("end", type_=sa.Date))


def village_summaries(village_codes: list[str]) -> dict[str, dict]:
    """Per village: activities this month, planned and done this year, trainings and drills this
    year and the people reached. Two queries, however many villages."""
    codes = sorted(set(village_codes))
    if not codes:
        return {}
    today = local_today()
    year_start, month_start = dt.date(today.year, 1, 1), today.replace(day=1)
    rows = db.session.execute(sa.select(
        Activity.village_id, sa.func.count(),
        sa.func.count().filter(Activity.held_on >= month_start),
        sa.func.count().filter(Activity.kind.in_(ATTENDED_KINDS)),
        sa.func.coalesce(sa.func.sum(Activity.reached), 0))
        .where(among(Activity.village_id, codes), Activity.deleted.is_(False), Activity.held_on >= year_start,
               Activity.held_on < dt.date(today.year + 1, 1, 1))
        .group_by(Activity.village_id)).all()
    planned = dict(db.session.execute(sa.select(PlannedActivity.village_id, sa.func.sum(PlannedActivity.planned))
                                      .where(among(PlannedActivity.village_id, codes), PlannedActivity.deleted.is_(False),
                                             PlannedActivity.year == today.year)
                                      .group_by(PlannedActivity.village_id)).all())
    found = {code: {"this_month": 0, "planned_this_year": int(planned.get(code) or 0), "done_this_year": 0,
                    "drills_this_year": 0, "reached_this_year": 0} for code in codes}
    for code, year_count, month_count, drills, reached in rows:
        found[code].update(this_month=month_count, done_this_year=year_count, drills_this_year=drills,
                           reached_this_year=int(reached or 0))
    return found

