"""The household register: the order villages write it in."""
from __future__ import annotations

import re
import unicodedata

from ..extensions import db
from ..forms import parse_int
from ..village.models import Household, Village


def natural_key(text: str | None) -> list:
    """'第2组' before '第10组', '1组2号' before '1组10号'.

    Read after NFKC, so '２' and '²' count as 2; only runs of 0-9 become numbers (``'²'.isdigit()``
    is true but ``int('²')`` fails, PITFALLS.md)."""
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
