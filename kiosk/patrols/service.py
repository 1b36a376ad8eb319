"""Night patrols: key periods, routes and checkpoints, patrol runs, and how well the nights are
covered — for one village or for many at once.

Nothing here commits or flashes: the caller (a view, the CLI, later the phone endpoint) commits once.
"""
from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..context import Actor, from_local, local_now, local_today, to_local
from ..extensions import db
from ..hazards.models import Hazard
from ..hazards.service import open_hazard
from ..qr import public_url
from ..records import among, utcnow
from ..supervision.rates import Rate, month_end, month_key
from ..village.models import Person
from .models import (CODE_ALPHABET, CODE_LENGTH, NIGHT_ENDS, NIGHT_STARTS, KeyPeriod, PatrolCheckpoint,
                     PatrolRoute, PatrolRun, PatrolVisit)

_CODE = re.compile(f"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")


class PatrolError(ValueError):
    """A translated reason why a patrol cannot be recorded as given."""


# ---- the village's wall clock ---------------------------------------------------------------------

def on_the_night(night: dt.date, clock: dt.time) -> dt.datetime:
    """A time of the night of ``night`` on the wall clock: from noon on it is that evening, before
    noon the next morning (a patrol from 22:00 to 01:30 ends on the next day)."""
    day = night if clock >= dt.time(12, 0) else night + dt.timedelta(days=1)
    return dt.datetime.combine(day, clock)


def window(night: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The night's patrol window on the wall clock: 22:00 that evening to 06:00 the next morning."""
    return dt.datetime.combine(night, NIGHT_STARTS), dt.datetime.combine(night + dt.timedelta(days=1), NIGHT_ENDS)


def night_of(started_at: dt.datetime, ended_at: dt.datetime | None) -> dt.date | None:
    """The night whose 22:00–06:00 window a run (naive UTC) overlaps, or None for a daytime round."""
    start = to_local(started_at)
    end = to_local(ended_at) if ended_at is not None else start
    for night in (start.date() - dt.timedelta(days=1), start.date()):
        opens, closes = window(night)
        if start < closes and (end > opens or opens <= start):
            return night
    return None


def current_night(now: dt.datetime | None = None) -> dt.date:
    """The night under way, or the one coming this evening (between 06:00 and 22:00)."""
    now = now or local_now()
    return now.date() - dt.timedelta(days=1) if now.time() < NIGHT_ENDS else now.date()


# ---- key periods ----------------------------------------------------------------------------------

def declare_period(township_code: str, client_id: str, values: dict, declared_by: str) -> KeyPeriod:
    period = KeyPeriod(id=client_id, village_id=township_code, declared_by_name=declared_by, **values)
    db.session.add(period)
    return period


def change_period(period: KeyPeriod, values: dict) -> None:
    for name, value in values.items():
        setattr(period, name, value)


def withdraw_period(period: KeyPeriod) -> None:
    period.deleted = True


def key_periods(township_code: str, limit: int = 100) -> list[KeyPeriod]:
    return db.session.scalars(_KEY_PERIODS, {"township": township_code, "limit": limit}).all()


# built once (the home tile and the board ask each time): a township's key periods, latest first
_KEY_PERIODS = KeyPeriod.live().where(KeyPeriod.village_id == sa.bindparam("township")) \
    .order_by(KeyPeriod.starts_on.desc()).limit(sa.bindparam("limit"))


def _relevant(periods: list[KeyPeriod], today: dt.date) -> KeyPeriod | None:
    """The period in force (the latest-starting one, should two overlap), else the last that began,
    else the next to come."""
    started = [p for p in periods if p.starts_on <= today]
    running = [p for p in started if p.ends_on >= today - dt.timedelta(days=1)]
    if running:
        return max(running, key=lambda p: p.starts_on)
    if started:
        return max(started, key=lambda p: p.ends_on)
    coming = [p for p in periods if p.starts_on > today]
    return min(coming, key=lambda p: p.starts_on) if coming else None


def period_for(township_code: str) -> KeyPeriod | None:
    return _relevant(key_periods(township_code), local_today())


def nights_due(period: KeyPeriod, now: dt.datetime | None = None) -> list[dt.date]:
    """The period's nights whose window has opened by now (tonight counts from 22:00)."""
    now = now or local_now()
    last = min(period.ends_on, now.date() if now.time() >= NIGHT_STARTS else now.date() - dt.timedelta(days=1))
    return [period.starts_on + dt.timedelta(days=n) for n in range((last - period.starts_on).days + 1)]


@dataclass
class Coverage:
    period: KeyPeriod | None
    due: list[dt.date] = field(default_factory=list)
    patrolled: set[dt.date] = field(default_factory=set)
    tonight: dt.date | None = None

    @property
    def covered(self) -> int:
        return sum(1 for n in self.due if n in self.patrolled)

    @property
    def missed(self) -> list[dt.date]:
        return [n for n in self.due if n not in self.patrolled]

    @property
    def in_force(self) -> bool:
        return self.period is not None and self.tonight is not None and self.period.covers(self.tonight)

    @property
    def tonight_done(self) -> bool:
        return self.tonight in self.patrolled

    def badge(self) -> tuple[str, str]:
        if self.period is None:
            return _("No key period"), "info"
        if not self.due:
            return _("Key period from %(day)s", day=self.period.starts_on.strftime("%m-%d")), "info"
        tone = "ok" if self.covered == len(self.due) else ("bad" if len(self.missed) > 1 else "warn")
        return _("%(done)d of %(due)d nights", done=self.covered, due=len(self.due)), tone


def _patrolled_nights(village_codes: list[str], since: dt.date, until: dt.date) -> dict[str, set[dt.date]]:
    found: dict[str, set[dt.date]] = {}
    for code, night in db.session.execute(
            sa.select(PatrolRun.village_id, PatrolRun.night_of).distinct()
            .where(among(PatrolRun.village_id, village_codes), PatrolRun.deleted.is_(False),
                   PatrolRun.night_of >= since, PatrolRun.night_of <= until)):
        found.setdefault(code, set()).add(night)
    return found


def coverage(village_code: str) -> Coverage:
    period = period_for(village_code[:9])
    now = local_now()
    if period is None:
        return Coverage(None, tonight=current_night(now))
    patrolled = _patrolled_nights([village_code], period.starts_on, period.ends_on).get(village_code, set())
    return Coverage(period, nights_due(period, now), patrolled, current_night(now))


# ---- routes and checkpoints -----------------------------------------------------------------------

def routes(village_code: str) -> list[PatrolRoute]:
    return db.session.scalars(PatrolRoute.live().where(PatrolRoute.village_id == village_code)
                              .order_by(PatrolRoute.recorded_at)).all()


def checkpoints(route: PatrolRoute) -> list[PatrolCheckpoint]:
    return db.session.scalars(PatrolCheckpoint.live().where(PatrolCheckpoint.route_id == route.id)
                              .order_by(PatrolCheckpoint.position, PatrolCheckpoint.recorded_at)).all()


def village_checkpoints(village_code: str) -> list[PatrolCheckpoint]:
    return db.session.scalars(PatrolCheckpoint.live().where(PatrolCheckpoint.village_id == village_code)
                              .order_by(PatrolCheckpoint.route_id, PatrolCheckpoint.position)).all()


def add_route(village_code: str, client_id: str, name: str, note: str = "") -> PatrolRoute:
    route = PatrolRoute(id=client_id, village_id=village_code, name=name, note=note)
    db.session.add(route)
    return route


def remove_route(route: PatrolRoute) -> None:
    route.deleted = True
    for point in checkpoints(route):
        point.deleted = True


def new_code(rng=None) -> str:
    """A plate code no checkpoint has yet; random, so two kiosks offline do not hand out the same."""
    choice = rng.choice if rng is not None else secrets.choice
    for _attempt in range(100):
        code = "".join(choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(sa.select(PatrolCheckpoint.id).where(PatrolCheckpoint.code == code)) is None:
            return code
    raise RuntimeError("could not find a free checkpoint code")


def add_checkpoint(route: PatrolRoute, client_id: str, name: str, kind: str) -> PatrolCheckpoint:
    position = 1 + (db.session.scalar(sa.select(sa.func.max(PatrolCheckpoint.position)).where(
        PatrolCheckpoint.route_id == route.id, PatrolCheckpoint.deleted.is_(False))) or 0)
    point = PatrolCheckpoint(id=client_id, village_id=route.village_id, route_id=route.id, code=new_code(),
                             name=name, kind=kind, position=position)
    db.session.add(point)
    return point


def remove_checkpoint(point: PatrolCheckpoint) -> None:
    point.deleted = True


def plate_url(code: str) -> str:
    """Upper case throughout, so the QR symbol uses alphanumeric mode and stays small."""
    return public_url(f"N/{code}")


def parse_code(text: str | None) -> str | None:
    """The code in what a person typed or a scanner sent: ``k7m2qx`` or ``HTTPS://HOST/N/K7M2QX``."""
    if not text:
        return None
    value = re.split(r"[?#]", text.strip().upper(), maxsplit=1)[0].rstrip("/")
    if "/" in value:
        parts = value.split("/")
        if parts[-2] != "N":
            return None
        value = parts[-1]
    return value if _CODE.match(value) else None


def find_checkpoint(code: str | None) -> PatrolCheckpoint | None:
    if not code:
        return None
    return db.session.scalar(PatrolCheckpoint.live().where(PatrolCheckpoint.code == code.strip().upper()))


# ---- patrol runs ----------------------------------------------------------------------------------

def roster(village_code: str) -> list[Person]:
    """Who may be named on a run: the village's active people, patrol members and volunteers first."""
    people = db.session.scalars(Person.live().where(Person.village_id == village_code,
                                                    Person.active.is_(True)).order_by(Person.name)).all()
    return sorted(people, key=lambda p: (not ({"patrol", "volunteer"} & set(p.duties or [])), p.name))


def record_run(village_code: str, client_id: str, *, route: PatrolRoute, started_at: dt.datetime,
               ended_at: dt.datetime, patrollers: list[Person], reached: dict[str, dt.datetime],
               note: str, actor: Actor) -> PatrolRun:
    """A patrol entered at the kiosk afterwards: its times (naive UTC) and the checkpoints reached,
    ``{checkpoint id: when}``. Every checkpoint must be of the route and every patroller of the
    village's roster; the form says so first, this refuses what slipped past it."""
    if ended_at <= started_at:
        raise PatrolError(_("The patrol must end after it starts."))
    points = {p.id: p for p in checkpoints(route)}
    if route.village_id != village_code or any(cid not in points for cid in reached):
        raise PatrolError(_("Choose checkpoints of this route."))
    if any(p.village_id != village_code or p.deleted or not p.active for p in patrollers):
        raise PatrolError(_("Choose patrollers from the village's roster."))
    for when in reached.values():
        if not started_at <= when <= ended_at:
            raise PatrolError(_("A checkpoint's time must lie between the start and the end of the patrol."))
    run = PatrolRun(id=client_id, village_id=village_code, route_id=route.id, route_name=route.name,
                    started_at=started_at, ended_at=ended_at, night_of=night_of(started_at, ended_at),
                    patrollers=[{"id": p.id, "name": p.name} for p in patrollers], note=note,
                    recorded_by_id=actor.person_id, recorded_by_name=actor.name or "")
    db.session.add(run)
    for cid, when in sorted(reached.items(), key=lambda item: item[1]):
        add_visit(run, points[cid], when, method="kiosk")
    return run


def add_visit(run: PatrolRun, point: PatrolCheckpoint, reached_at: dt.datetime, method: str,
              visit_id: str | None = None) -> PatrolVisit:
    """A checkpoint reached on a run. The one way visits are written: at the kiosk afterwards
    (``kiosk``) or by a plate scanned on a phone (``scan``, see :func:`record_scan`)."""
    visit = PatrolVisit(village_id=run.village_id, run_id=run.id, checkpoint_id=point.id,
                        checkpoint_name=point.name, reached_at=reached_at, method=method)
    if visit_id is not None:
        visit.id = visit_id
    db.session.add(visit)
    return visit


def record_scan(point: PatrolCheckpoint, actor: Actor, *, run_id: str, started_at: dt.datetime, at: dt.datetime,
                visit_id: str | None = None) -> PatrolVisit:
    """A plate scanned on the spot by a patroller's phone, on the run the phone started (its id and
    start are the phone's: the scans of one round reach the township one by one, maybe days later,
    and must meet in one run). The first scan delivered starts the run on the plate's route. A plate
    scanned twice on one run keeps its first time. Raises PatrolError when the run is another
    route's or another person's."""
    run = db.session.get(PatrolRun, run_id)
    if run is None:
        route = db.session.get(PatrolRoute, point.route_id)
        run = PatrolRun(id=run_id, village_id=point.village_id, route_id=point.route_id,
                        route_name=route.name if route else "", started_at=min(started_at, at),
                        night_of=night_of(min(started_at, at), None),
                        patrollers=[{"id": actor.person_id, "name": actor.name}] if actor.person_id else [],
                        recorded_by_id=actor.person_id, recorded_by_name=actor.name or "")
        db.session.add(run)
        db.session.flush()
    elif run.deleted or run.route_id != point.route_id or run.recorded_by_id != actor.person_id:
        raise PatrolError(_("Choose checkpoints of this route."))
    existing = db.session.scalar(PatrolVisit.live().where(PatrolVisit.run_id == run.id,
                                                          PatrolVisit.checkpoint_id == point.id))
    return existing or add_visit(run, point, at, method="scan", visit_id=visit_id)


def finish_run(run: PatrolRun, at: dt.datetime | None = None) -> None:
    """End a run under way (scanned on a phone); its night is counted from both ends."""
    run.ended_at = max(at or utcnow(), run.started_at)
    run.night_of = night_of(run.started_at, run.ended_at)


def visits(run: PatrolRun) -> list[PatrolVisit]:
    return db.session.scalars(PatrolVisit.live().where(PatrolVisit.run_id == run.id)
                              .order_by(PatrolVisit.reached_at)).all()


def findings(run: PatrolRun) -> list[Hazard]:
    return db.session.scalars(Hazard.live().where(Hazard.found_by_kind == "patrol_run",
                                                  Hazard.found_by_id == run.id)
                              .order_by(Hazard.recorded_at)).all()


def report_finding(run: PatrolRun, *, category: str, point: PatrolCheckpoint | None, description: str,
                   severity: str, fixed_on_spot: bool, photo_sha256: str | None, record_id: str | None = None) -> Hazard:
    """Something the patrol found: it goes into the hazard register with the patrol as its source,
    with the deadlines of the township's profile ("3030"). ``record_id`` is the form's client id: the
    hazard's id, to which a photo from a phone is bound."""
    return open_hazard(
        record_id=record_id,
        village_id=run.village_id, category=category, source="patrol",
        location=point.name if point is not None else run.route_name, description=description,
        severity=severity, subject_kind="patrol_checkpoint" if point is not None else None,
        subject_id=point.id if point is not None else None, found_by_kind="patrol_run", found_by_id=run.id,
        photo_sha256=photo_sha256, reporter_name=run.recorded_by_name or None, fixed_on_spot=fixed_on_spot)


def recent_runs(village_code: str, limit: int = 50) -> list[PatrolRun]:
    return db.session.scalars(PatrolRun.live().where(PatrolRun.village_id == village_code)
                              .order_by(PatrolRun.started_at.desc()).limit(limit)).all()


def runs_since(village_code: str, since: dt.datetime, limit: int = 20) -> list[PatrolRun]:
    """Runs that started after ``since`` (naive UTC), newest first: what answers a warning."""
    return db.session.scalars(PatrolRun.live().where(PatrolRun.village_id == village_code,
                                                     PatrolRun.started_at >= since)
                              .order_by(PatrolRun.started_at.desc()).limit(limit)).all()


def last_visits(points: list[PatrolCheckpoint]) -> dict[str, dt.datetime]:
    if not points:
        return {}
    return dict(db.session.execute(
        sa.select(PatrolVisit.checkpoint_id, sa.func.max(PatrolVisit.reached_at))
        .where(PatrolVisit.checkpoint_id.in_([p.id for p in points]), PatrolVisit.deleted.is_(False))
        .group_by(PatrolVisit.checkpoint_id)).all())


# ---- the monthly log ------------------------------------------------------------------------------

@dataclass
class LogLine:
    run: PatrolRun
    visits: list[PatrolVisit]
    total: int
    findings: list[Hazard]


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return first, following


def monthly_log(village_code: str, year: int, month: int) -> list[LogLine]:
    """Every run whose start falls in the month on the village's calendar, oldest first, with what
    it reached and found. Four queries, however many runs."""
    first, following = month_bounds(year, month)
    runs = db.session.scalars(PatrolRun.live().where(
        PatrolRun.village_id == village_code, PatrolRun.started_at >= from_local(dt.datetime.combine(first, dt.time())),
        PatrolRun.started_at < from_local(dt.datetime.combine(following, dt.time())))
        .order_by(PatrolRun.started_at)).all()
    ids = [r.id for r in runs]
    reached: dict[str, list[PatrolVisit]] = {}
    found: dict[str, list[Hazard]] = {}
    totals: dict[str, int] = {}
    if ids:
        for v in db.session.scalars(PatrolVisit.live().where(PatrolVisit.run_id.in_(ids))
                                    .order_by(PatrolVisit.reached_at)):
            reached.setdefault(v.run_id, []).append(v)
        for h in db.session.scalars(Hazard.live().where(Hazard.found_by_kind == "patrol_run",
                                                        Hazard.found_by_id.in_(ids))):
            found.setdefault(h.found_by_id, []).append(h)
        totals = dict(db.session.execute(
            sa.select(PatrolCheckpoint.route_id, sa.func.count()).where(
                PatrolCheckpoint.route_id.in_({r.route_id for r in runs}), PatrolCheckpoint.deleted.is_(False))
            .group_by(PatrolCheckpoint.route_id)).all())
    return [LogLine(r, reached.get(r.id, []), totals.get(r.route_id, 0), found.get(r.id, [])) for r in runs]


# ---- many villages at once (the township's overview) ----------------------------------------------

SUMMARY_FIGURES = {
    "key_period": _l("Key period"),
    "nights_due": _l("Nights due so far"),
    "nights_patrolled": _l("Nights patrolled"),
    "runs_this_month": _l("Patrols this month"),
    "findings_this_month": _l("Patrol findings this month"),
}


def village_summaries(village_codes: list[str]) -> dict[str, dict]:
    """Per village: the township's key period that matters now (its name), the nights due in it so
    far and those patrolled, the patrols and their findings this month. Four queries, however many
    villages."""
    codes = sorted(set(village_codes))
    if not codes:
        return {}
    now = local_now()
    townships = sorted({c[:9] for c in codes})
    periods: dict[str, list[KeyPeriod]] = {}
    for period in db.session.scalars(KeyPeriod.live().where(KeyPeriod.village_id.in_(townships))):
        periods.setdefault(period.village_id, []).append(period)
    chosen = {t: _relevant(periods.get(t, []), now.date()) for t in townships}
    spans = [p for p in chosen.values() if p is not None]
    nights: dict[str, set[dt.date]] = {}
    if spans:
        nights = _patrolled_nights(codes, min(p.starts_on for p in spans), max(p.ends_on for p in spans))
    month_start = from_local(dt.datetime.combine(now.date().replace(day=1), dt.time()))
    runs = dict(db.session.execute(
        sa.select(PatrolRun.village_id, sa.func.count()).where(
            among(PatrolRun.village_id, codes), PatrolRun.deleted.is_(False), PatrolRun.started_at >= month_start)
        .group_by(PatrolRun.village_id)).all())
    found = dict(db.session.execute(
        sa.select(Hazard.village_id, sa.func.count()).where(
            among(Hazard.village_id, codes), Hazard.deleted.is_(False), Hazard.source == "patrol",
            Hazard.recorded_at >= month_start)
        .group_by(Hazard.village_id)).all())
    summaries = {}
    for code in codes:
        period = chosen[code[:9]]
        due = nights_due(period, now) if period is not None else []
        patrolled = nights.get(code, set())
        summaries[code] = {"key_period": period.name if period is not None else None,
                           "nights_due": len(due), "nights_patrolled": sum(1 for n in due if n in patrolled),
                           "runs_this_month": runs.get(code, 0), "findings_this_month": found.get(code, 0)}
    return summaries


# ---- expected vs done, for the township's reporting rates -----------------------------------------

NIGHT_RULE = _l("Every night of the township's key periods patrolled (22:00–06:00), counted in the month of "
                "its evening once its window has opened; a patrol counts for its own night, so a night "
                "patrolled is patrolled on time.")


def night_rates(village_codes: list[str], months: list[str]) -> dict:
    """Key-period nights due, patrolled and on time per village and month, in two queries for any
    number of villages. A night is due in every village of the township that declared the period
    (one due night even where two periods overlap); it is done when some run counts for it."""
    codes = sorted(set(village_codes))
    months = sorted(months)
    if not codes or not months:
        return {}
    first = dt.date(int(months[0][:4]), int(months[0][5:7]), 1)
    now = local_now()
    opened = now.date() if now.time() >= NIGHT_STARTS else now.date() - dt.timedelta(days=1)
    last = min(month_end(months[-1]), opened)
    due: dict[str, set[dt.date]] = {}
    for period in db.session.scalars(KeyPeriod.live().where(
            KeyPeriod.village_id.in_(sorted({c[:9] for c in codes})),
            KeyPeriod.starts_on <= last, KeyPeriod.ends_on >= first)):
        start, end = max(period.starts_on, first), min(period.ends_on, last)
        due.setdefault(period.village_id, set()).update(
            start + dt.timedelta(days=n) for n in range((end - start).days + 1))
    patrolled = _patrolled_nights(codes, first, last) if due else {}
    out: dict[str, dict] = {}
    for code in codes:
        rates = out.setdefault(code, {m: Rate() for m in months})
        walked = patrolled.get(code, set())
        for night in due.get(code[:9], ()):
            month = month_key(night)
            if month in rates:  # the months asked about need not follow each other
                done = int(night in walked)
                rates[month] = rates[month] + Rate(1, done, done)
    return out
