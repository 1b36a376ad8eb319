"""Townships and villages: the reference list of Pingyang's townships and the villages added to it."""
from __future__ import annotations

from ..extensions import db
from .models import Township, Village
from .reference import COUNTY_CODE, PINGYANG_TOWNSHIPS


class VillageError(ValueError):
    """Why a village cannot be added (said to the technician at the command line)."""


def seed_townships() -> int:
    """Add any Pingyang township that is missing (the caller commits). Safe to run again."""
    added = 0
    for code, name, klass in PINGYANG_TOWNSHIPS:
        if db.session.get(Township, code) is None:
            db.session.add(Township(code=code, name=name, county_code=COUNTY_CODE, station_class=klass))
            added += 1
    return added


def add_village(code: str, name: str, kind: str = "village") -> Village:
    """A village of a seeded township (the caller commits)."""
    if len(code) != 12 or not code.isdigit():
        raise VillageError("a village code has 12 digits")
    if db.session.get(Township, code[:9]) is None:
        raise VillageError(f"unknown township {code[:9]}; run `flask village seed` first")
    if db.session.get(Village, code) is not None:
        raise VillageError(f"village {code} exists")
    village = Village(code=code, name=name, township_code=code[:9], kind=kind)
    db.session.add(village)
    return village


def villages_of(township_code: str) -> list[Village]:
    return db.session.scalars(db.select(Village).where(Village.township_code == township_code)
                              .order_by(Village.code)).all()
