"""What every request works in: the village, the person acting, and the village's day.

One place for each question a view asks before it acts:
- :func:`current_village` — the kiosk's own village; on the township server, the village a staff
  member chose (only one of their own township);
- :func:`village_or_404` and :func:`record_or_404` — the same, or a 404 that never reveals another
  village's records;
- :func:`acting_person` — who is doing this (a person of the roster at the kiosk, or township staff);
- :func:`local_today` / :func:`local_now` — the village's calendar (Asia/Shanghai), never UTC's:
  before 08:00 in China, UTC is still on yesterday; :func:`to_local` / :func:`from_local` turn a
  stored moment into wall-clock time and back.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import abort, current_app, g, request, session

from .extensions import db
from .records import utcnow


def current_village():
    from .auth.security import current_staff
    from .village.models import Village
    if "village" in g:
        return g.village
    township = current_app.config["KIOSK_ROLE"] == "township"
    if township:
        code = session.get("village_code")
    else:
        from . import registry
        enrolled = registry.get().enrolled_village
        # after enrolment the kiosk serves the village it was enrolled for, whatever VILLAGE_CODE says
        code = (enrolled() if enrolled else None) or current_app.config.get("VILLAGE_CODE")
    village = db.session.get(Village, code) if code else None
    if village is not None and township:
        staff = current_staff()
        if staff is None or not staff.oversees(village.township_code):
            village = None
    g.village = village
    return village


def village_or_404():
    """The current village, or 404 (a township server where staff have not chosen one)."""
    village = current_village()
    if village is None:
        abort(404)
    return village


def record_or_404(model, record_id: str, **match):
    """A live record of the current village, or 404: ids of other villages never resolve.

    ``match`` narrows it further (``record_or_404(StationCheck, id, station_id=station.id)``)."""
    village = village_or_404()
    record = db.session.get(model, record_id) if record_id and len(record_id) <= 36 else None
    if record is None or record.deleted or record.village_id != village.code:
        abort(404)
    if any(getattr(record, k) != v for k, v in match.items()):
        abort(404)
    return record


@dataclass(frozen=True)
class Actor:
    """Who is acting: a person of the village roster (``person_id`` set) or township staff."""

    person_id: str | None
    name: str | None
    kind: str  # person | staff | anonymous

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"


def acting_person() -> Actor:
    from .auth.security import current_person, current_staff
    person = current_person()
    if person is not None:
        return Actor(person.id, person.name, "person")
    staff = current_staff()
    if staff is not None:
        return Actor(None, staff.name, "staff")
    return Actor(None, None, "anonymous")


def village_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))


def local_now() -> dt.datetime:
    """Now on the village's wall clock (naive, local time)."""
    return utcnow().replace(tzinfo=dt.timezone.utc).astimezone(village_zone()).replace(tzinfo=None)


def local_today() -> dt.date:
    """Today in the village's time zone."""
    return local_now().date()


def asked_month() -> dt.date:
    """The first day of the month a monthly log asks for (``?month=2026-11``), this month otherwise."""
    try:
        return dt.datetime.strptime(request.args.get("month", ""), "%Y-%m").date()
    except ValueError:
        return local_today().replace(day=1)


def local_day(moment: dt.datetime) -> dt.date:
    """The village's calendar day of a stored moment (naive UTC): a check finished at 23:00 in the
    village is that day's check, though UTC already says the next."""
    return moment.replace(tzinfo=dt.timezone.utc).astimezone(village_zone()).date()


def to_local(moment: dt.datetime) -> dt.datetime:
    """A stored moment (naive UTC) on the village's wall clock (naive, local)."""
    return moment.replace(tzinfo=dt.timezone.utc).astimezone(village_zone()).replace(tzinfo=None)


def from_local(local: dt.datetime) -> dt.datetime:
    """A moment people give on the village's wall clock (22:30 last night) as the naive UTC that
    records hold."""
    return local.replace(tzinfo=village_zone()).astimezone(dt.timezone.utc).replace(tzinfo=None)


def init_app(app) -> None:
    app.jinja_env.globals.update(current_village=current_village, local_today=local_today)
