"""The household register: the order villages write it in, changes by hand and the CSV import.

Writes never commit: the caller commits once."""
from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from ..extensions import db
from ..forms import parse_int
from ..village.models import Household, Village

if TYPE_CHECKING:
    from .importer import Row

FIELDS = ("house_number", "head_name", "group_name", "phone", "members", "note")


def natural_key(text: str | None) -> list:
    """'第2组' before '第10组', '1组2号' before '1组10号'.

    Read after NFKC, so '２' and '²' count as 2; only runs of 0-9 become numbers (``'²'.isdigit()``
    is true but ``int('²')`` fails, docs/pitfalls.md)."""
    parts = re.split(r"([0-9]+)", unicodedata.normalize("NFKC", text or ""))
    return [int(part) if i % 2 else part for i, part in enumerate(parts)]


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
