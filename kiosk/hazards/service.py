"""The hazard register's writes and the questions other screens ask of it.

Other features open hazards through :func:`open_hazard` in their own transaction; the closed loop
(dispatch, deadlines, escalation) will grow here without changing their calls. Nothing here commits.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ..context import local_today, village_zone
from ..extensions import db
from ..records import utcnow
from .models import CATEGORIES, CLOSED_STATUSES, SOURCES, Hazard


def open_hazard(*, village_id: str, category: str, source: str, location: str = "", description: str = "",
                severity: str = "minor", subject_kind: str | None = None, subject_id: str | None = None,
                found_by_kind: str | None = None, found_by_id: str | None = None,
                photo_sha256: str | None = None, reporter_name: str | None = None,
                reporter_phone: str | None = None, due_in: dt.timedelta | None = None,
                fixed_on_spot: bool = False) -> Hazard:
    """Add a hazard to the register in the caller's transaction (the caller commits)."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown hazard category {category!r}")
    if source not in SOURCES:
        raise ValueError(f"unknown hazard source {source!r}")
    hazard = Hazard(village_id=village_id, category=category, source=source, severity=severity,
                    location=location[:200], description=description, subject_kind=subject_kind,
                    subject_id=subject_id, found_by_kind=found_by_kind, found_by_id=found_by_id,
                    photo_sha256=photo_sha256, reporter_name=reporter_name, reporter_phone=reporter_phone,
                    due_at=utcnow() + due_in if due_in else None,
                    status="closed" if fixed_on_spot else "reported", fixed_on_spot=fixed_on_spot,
                    closed_at=utcnow() if fixed_on_spot else None)
    db.session.add(hazard)
    return hazard


def open_hazards_for(subject_kind: str, subject_id: str) -> list[Hazard]:
    return db.session.scalars(Hazard.live().where(
        Hazard.subject_kind == subject_kind, Hazard.subject_id == subject_id,
        Hazard.status.not_in(CLOSED_STATUSES)).order_by(Hazard.recorded_at.desc())).all()


def close_hazard(hazard: Hazard, note: str) -> None:
    """The committee says how the hazard was fixed and closes it."""
    hazard.status = "closed"
    hazard.closed_at = utcnow()
    hazard.closed_note = note


def register(village_code: str, show: str = "open", limit: int = 500) -> list[Hazard]:
    """The village's register, newest first: ``open``, ``closed`` or ``all``."""
    query = Hazard.live().where(Hazard.village_id == village_code)
    if show == "open":
        query = query.where(Hazard.status.not_in(CLOSED_STATUSES))
    elif show == "closed":
        query = query.where(Hazard.status.in_(CLOSED_STATUSES))
    return db.session.scalars(query.order_by(Hazard.recorded_at.desc()).limit(limit)).all()


def count_open(village_code: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Hazard).where(
        Hazard.village_id == village_code, Hazard.deleted.is_(False),
        Hazard.status.not_in(CLOSED_STATUSES)))


def _month_start_utc() -> dt.datetime:
    """Midnight of the 1st of this month on the village's wall clock, as the naive UTC that
    ``recorded_at`` holds."""
    first = dt.datetime.combine(local_today().replace(day=1), dt.time(), tzinfo=village_zone())
    return first.astimezone(dt.timezone.utc).replace(tzinfo=None)


def village_summaries(village_codes: list[str]) -> dict[str, dict]:
    """Per village: hazards open, open past their deadline, opened this month, and the age in days
    of the oldest open one (None when none is open). One query for all the villages."""
    if not village_codes:
        return {}
    now = utcnow()
    is_open = Hazard.status.not_in(CLOSED_STATUSES)
    rows = db.session.execute(
        sa.select(Hazard.village_id,
                  sa.func.count().filter(is_open),
                  sa.func.count().filter(is_open, Hazard.due_at < now),
                  sa.func.count().filter(Hazard.recorded_at >= _month_start_utc()),
                  sa.func.min(sa.case((is_open, Hazard.recorded_at))))
        .where(Hazard.village_id.in_(village_codes), Hazard.deleted.is_(False))
        .group_by(Hazard.village_id)).all()
    summaries = {code: {"open": 0, "overdue": 0, "opened_this_month": 0, "oldest_open_days": None}
                 for code in village_codes}
    for code, open_, overdue, this_month, oldest in rows:
        summaries[code] = {"open": open_, "overdue": overdue, "opened_this_month": this_month,
                           "oldest_open_days": (now - oldest).days if oldest is not None else None}
    return summaries
