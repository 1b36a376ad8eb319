"""Writes to the hazard register that other features make: open a hazard in the caller's transaction,
and the open hazards about one subject (a hydrant, a pool, a station's equipment)."""
from __future__ import annotations

import datetime as dt

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
