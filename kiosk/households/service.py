"""The household register: the order villages write it in, changes by hand and the CSV import.

Writes never commit: the caller commits once."""
from __future__ import annotations

import functools
import re
import unicodedata
from typing import TYPE_CHECKING

import sqlalchemy as sa

from ..extensions import db
from ..forms import parse_int
from ..village.models import Household, Village

if TYPE_CHECKING:
    from .importer import Row

FIELDS = ("house_number", "head_name", "group_name", "phone", "members", "note")


@functools.lru_cache(maxsize=8192)
def natural_key(text: str | None) -> tuple:
    """'第2组' before '第10组', '1组2号' before '1组10号'.

    Read after NFKC, so '２' and '²' count as 2; only runs of 0-9 become numbers (``'²'.isdigit()``
    is true but ``int('²')`` fails, docs/pitfalls.md). Remembered: every list of households sorts by
    it, and a village's house numbers are the same from one page to the next."""
    parts = re.split(r"([0-9]+)", unicodedata.normalize("NFKC", text or ""))
    return tuple(int(part) if i % 2 else part for i, part in enumerate(parts))


def group_name(value: str | None) -> str:
    """'3' (or '３', '③') is written '第3组', as the register writes groups; anything else as typed."""
    value = (value or "").strip()
    try:
        number = parse_int(value)
    except ValueError:
        return value
    return f"第{number}组" if number is not None and number > 0 else value


def register(village: Village) -> list[Household]:
    """The village's households, group by group, in house-number order."""
    rows = db.session.scalars(Household.live().where(Household.village_id == village.code)).all()
    return sorted(rows, key=lambda h: (natural_key(h.group_name), natural_key(h.house_number)))


def find(village: Village, q: str = "", group: str = "") -> list[str]:
    """The ids of the households whose head, house number or phone holds ``q``, of ``group`` (or any),
    in register order. Plain columns, not records: a page of the register loads only its own rows."""
    rows = db.session.execute(sa.select(Household.id, Household.group_name, Household.house_number,
                                        Household.head_name, Household.phone)
                              .where(Household.village_id == village.code, Household.deleted.is_(False))).all()
    found = [r for r in rows if (not group or r.group_name == group)
             and (not q or q in r.head_name or q in r.house_number or q in (r.phone or ""))]
    found.sort(key=lambda r: (natural_key(r.group_name), natural_key(r.house_number)))
    return [r.id for r in found]


def households(ids: list[str]) -> list[Household]:
    """These households, in this order."""
    by_id = {h.id: h for h in db.session.scalars(sa.select(Household).where(Household.id.in_(ids)))} if ids else {}
    return [by_id[i] for i in ids if i in by_id]


def group_names(village: Village) -> list[str]:
    """The village's groups, in order."""
    names = db.session.scalars(sa.select(Household.group_name).distinct().where(
        Household.village_id == village.code, Household.deleted.is_(False), Household.group_name.is_not(None),
        Household.group_name != "")).all()
    return sorted(names, key=natural_key)


def count(village: Village) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Household).where(
        Household.village_id == village.code, Household.deleted.is_(False))) or 0


def holder_of(village: Village, house_number: str) -> Household | None:
    """The household that has this house number in the register, if any."""
    return db.session.scalar(Household.live().where(Household.village_id == village.code,
                                                    Household.house_number == house_number).limit(1))


def add(village: Village, client_id: str, values: dict) -> Household:
    household = Household(id=client_id, village_id=village.code)
    change(household, values)
    db.session.add(household)
    return household


def change(household: Household, values: dict) -> None:
    household.house_number = values["house_number"]
    household.head_name = values["head_name"]
    household.group_name = values["group_name"] or None
    household.phone = values["phone"] or None
    household.members = values["members"]
    household.note = values["note"] or None


def remove(household: Household) -> None:
    household.deleted = True  # a tombstone: pledges and visits keep pointing at it, and the removal syncs


# ---- CSV import ---------------------------------------------------------------------------------

def plan_import(village: Village, rows: list[Row]) -> dict[str, int]:
    """Compare the file with the register: which rows add, which change, which are the same."""
    existing = {h.house_number: h for h in register(village)}
    counts = {"add": 0, "update": 0, "same": 0}
    for row in rows:
        current = existing.get(row.values["house_number"])
        if current is None:
            row.action = "add"
        else:
            # an empty cell leaves what the register has; it does not erase it
            changed = any(_incoming(row, name) is not None and _incoming(row, name) != getattr(current, name)
                          for name in FIELDS[1:])
            row.action = "update" if changed else "same"
        counts[row.action] += 1
    return counts


def apply_import(village: Village, rows: list[Row]) -> None:
    """Add and update what :func:`plan_import` decided; rows that match the register stay as they are,
    so that the same file imported twice changes nothing the second time."""
    existing = {h.house_number: h for h in register(village)}
    for row in rows:
        if row.action == "same":
            continue
        household = existing.get(row.values["house_number"]) or Household(village_id=village.code)
        for name in FIELDS:
            value = _incoming(row, name)
            if name == "house_number" or value is not None or row.action == "add":
                setattr(household, name, value)
        db.session.add(household)


def _incoming(row: Row, name: str):
    value = row.values.get(name)
    return value if value not in ("", None) else None
