"""Recording a fire incident, the check of the equipment it used, and the incidents of a village or
of many villages at once. Nothing here commits or flashes: the caller commits once."""
from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..context import Actor, from_local, local_day, local_today
from ..extensions import db
from ..records import among, uuid7
from ..station.checklist import inventory
from ..station.models import StationCheck, StationItem
from ..station.service import start_after_use_check, village_station
from ..village.models import Person
from .models import BRIGADE_GOAL_MINUTES, STATION_GOAL_MINUTES, Incident

MAX_RESPONSE = dt.timedelta(hours=12)


class IncidentError(ValueError):
    """A translated reason why an incident cannot be recorded as given."""


def roster(village_code: str) -> list[Person]:
    """Who may be named as having gone: the village's active people, the station's volunteers first."""
    people = db.session.scalars(Person.live().where(Person.village_id == village_code,
                                                    Person.active.is_(True)).order_by(Person.name)).all()
    return sorted(people, key=lambda p: ("volunteer" not in (p.duties or []), p.name))


def equipment(village_code: str) -> list[StationItem]:
    """The station's inventory lines, the ones a call-out may have used."""
    station = village_station(village_code)
    return inventory(station.id) if station is not None else []


def arrival(alarm_local: dt.datetime, clock: dt.time | None) -> dt.datetime | None:
    """An arrival time of day after an alarm (wall clock): the same day, or the next when the clock
    has gone past midnight (alarm 23:58, on the scene 00:04)."""
    if clock is None:
        return None
    moment = dt.datetime.combine(alarm_local.date(), clock)
    if moment < alarm_local and alarm_local - moment > MAX_RESPONSE:
        moment += dt.timedelta(days=1)
    return moment


def record_incident(village_code: str, client_id: str, *, alarm_at: dt.datetime, place: str, burned: str,
                    responders: list[Person], station_arrived_at: dt.datetime | None,
                    brigade_arrived_at: dt.datetime | None, equipment_ids: list[str], handed_to: str | None,
                    handed_to_name: str, casualties: str, note: str, photos: list[str],
                    actor: Actor) -> Incident:
    """A fire the village helped fight (times as naive UTC). Equipment used opens a check of just
    those lines at the station (:func:`kiosk.station.service.start_after_use_check`)."""
    for arrived in (station_arrived_at, brigade_arrived_at):
        if arrived is not None and not alarm_at <= arrived <= alarm_at + MAX_RESPONSE:
            raise IncidentError(_("Arrival on the scene must come after the alarm (within 12 hours)."))
    if any(p.village_id != village_code or p.deleted for p in responders):
        raise IncidentError(_("Choose who went from the village's roster."))
    lines = {line.id: line for line in equipment(village_code)}
    if any(i not in lines for i in equipment_ids):
        raise IncidentError(_("Choose equipment of the village's station."))
    incident = Incident(id=client_id, village_id=village_code, alarm_at=alarm_at, place=place, burned=burned,
                        responders=[{"id": p.id, "name": p.name} for p in responders],
                        station_arrived_at=station_arrived_at, brigade_arrived_at=brigade_arrived_at,
                        equipment=[{"id": i, "title": lines[i].title} for i in equipment_ids],
                        handed_to=handed_to, handed_to_name=handed_to_name, casualties=casualties, note=note,
                        photos_sha256=photos, recorded_by_id=actor.person_id, recorded_by_name=actor.name or "")
    db.session.add(incident)
    if equipment_ids:
        station = village_station(village_code)
        check = start_after_use_check(station, client_id=uuid7(), item_ids=equipment_ids, actor=actor)
        incident.station_check_id = check.id
    return incident


def post_use_check(incident: Incident) -> StationCheck | None:
    if not incident.station_check_id:
        return None
    check = db.session.get(StationCheck, incident.station_check_id)
    return check if check is not None and not check.deleted else None


def recent(village_code: str, limit: int = 50) -> list[Incident]:
    return db.session.scalars(Incident.live().where(Incident.village_id == village_code)
                              .order_by(Incident.alarm_at.desc()).limit(limit)).all()


def _month_range(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    first = dt.date(year, month, 1)
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return from_local(dt.datetime.combine(first, dt.time())), from_local(dt.datetime.combine(following, dt.time()))


def in_month(village_codes: list[str], year: int, month: int) -> list[Incident]:
    """The month's incidents of these villages (their alarms on the village calendar), oldest first."""
    start, end = _month_range(year, month)
    return db.session.scalars(Incident.live().where(among(Incident.village_id, village_codes),
                                                    Incident.alarm_at >= start, Incident.alarm_at < end)
                              .order_by(Incident.alarm_at)).all()


@dataclass
class Goal:
    """How a response time stands against its "1-3-5" goal."""
    minutes: float | None
    goal: int

    @property
    def met(self) -> bool | None:
        return None if self.minutes is None else self.minutes <= self.goal

    @property
    def tone(self) -> str:
        return "info" if self.met is None else ("ok" if self.met else "bad")


def goals(incident: Incident) -> tuple[Goal, Goal]:
    return Goal(incident.station_minutes, STATION_GOAL_MINUTES), Goal(incident.brigade_minutes, BRIGADE_GOAL_MINUTES)


# ---- many villages at once (the township's overview) ----------------------------------------------

SUMMARY_FIGURES = {
    "this_month": _l("Fires this month"),
    "this_year": _l("Fires this year"),
    "station_minutes": _l("Micro station on the scene, median minutes this year"),
    "last_alarm": _l("Last fire"),
}


def fires_this_month(village_code: str) -> int:
    """The village's fires this month, as its summary's ``this_month`` counts them: one count."""
    today = local_today()
    month_start, _end = _month_range(today.year, today.month)
    return db.session.scalar(_THIS_MONTH, {"village": village_code, "start": month_start})


_THIS_MONTH = sa.select(sa.func.count()).select_from(Incident).where(
    Incident.village_id == sa.bindparam("village"), Incident.deleted.is_(False),
    Incident.alarm_at >= sa.bindparam("start", type_=sa.DateTime))


def village_summaries(village_codes: list[str]) -> dict[str, dict]:
    """Per village: fires this month and this year, the median minutes from the alarm to the micro
    station on the scene this year, and the village's day of the last alarm. Two queries for all
    the villages (a year of fires is a handful of rows each)."""
    codes = sorted(set(village_codes))
    if not codes:
        return {}
    today = local_today()
    year_start, _end = _month_range(today.year, 1)
    month_start, _end = _month_range(today.year, today.month)
    rows = db.session.execute(sa.select(Incident.village_id, Incident.alarm_at, Incident.station_arrived_at).where(
        among(Incident.village_id, codes), Incident.deleted.is_(False), Incident.alarm_at >= year_start)).all()
    last = dict(db.session.execute(sa.select(Incident.village_id, sa.func.max(Incident.alarm_at)).where(
        among(Incident.village_id, codes), Incident.deleted.is_(False)).group_by(Incident.village_id)).all())
    found = {code: {"this_month": 0, "this_year": 0, "station_minutes": None, "last_alarm": None} for code in codes}
    minutes: dict[str, list[float]] = {}
    for code, alarm, arrived in rows:
        found[code]["this_year"] += 1
        found[code]["this_month"] += alarm >= month_start
        if arrived is not None:
            minutes.setdefault(code, []).append((arrived - alarm).total_seconds() / 60)
    for code in codes:
        if minutes.get(code):
            found[code]["station_minutes"] = round(statistics.median(minutes[code]), 1)
        if last.get(code):
            found[code]["last_alarm"] = local_day(last[code])
    return found
