"""Household register from a spreadsheet: CSV as Excel in China writes it (GBK, or UTF-8 with a
BOM) or plain UTF-8. Everything is checked first; one bad row and nothing is imported."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from ..forms import parse_int
from ..validators import PHONE, normalise_phone
from .service import group_name

MAX_BYTES = 400 * 1024  # the preview carries the file in a form field (Werkzeug keeps 500 KB)
MAX_ROWS = 3000

# accepted column headings -> field
HEADINGS = {
    "house_number": ("门牌号", "门牌", "户号", "house number", "house_number", "house"),
    "head_name": ("户主", "户主姓名", "姓名", "head", "head of household", "head_name", "name"),
    "group_name": ("组", "小组", "村民小组", "组别", "group", "group_name"),
    "phone": ("电话", "联系电话", "手机", "手机号", "phone", "telephone"),
    "members": ("人口", "人数", "家庭人口", "members"),
    "note": ("备注", "note", "notes"),
}


class ImportError_(ValueError):
    """The file as a whole cannot be read (translated)."""


@dataclass
class Row:
    line: int                     # the line in the file, as a spreadsheet numbers it
    values: dict
    errors: list[str] = field(default_factory=list)
    action: str = "add"           # add | update | same


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ImportError_(_("The file is too large (at most %(kb)d KB).", kb=MAX_BYTES // 1024))
    if not data.strip():
        raise ImportError_(_("The file is empty."))
    for encoding in ("utf-8-sig", "gb18030"):  # gb18030 reads everything GBK writes
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportError_(_("The file could not be read. Save it from Excel as CSV (UTF-8 or GBK)."))


def parse(text: str) -> list[Row]:
    """Rows with their values normalised and their problems listed. Raises ImportError_."""
    first = text.lstrip().split("\n", 1)[0]
    delimiter = max((",", "\t", ";", "，"), key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        lines = [r for r in reader]
    except csv.Error:
        raise ImportError_(_("The file is not a CSV table."))
    while lines and not any(c.strip() for c in lines[0]):
        lines.pop(0)
    if not lines:
        raise ImportError_(_("The file is empty."))
    header = [h.strip().lower() for h in lines[0]]
    columns = {}
    for name, options in HEADINGS.items():
        for i, heading in enumerate(header):
            if heading in options:
                columns[name] = i
                break
    missing = [label for name, label in (("house_number", _("house number (门牌号)")),
                                         ("head_name", _("head of household (户主)"))) if name not in columns]
    if missing:
        raise ImportError_(_("The first row must name the columns; missing: %(cols)s.", cols="、".join(missing)))
    rows = []
    for line_no, cells in enumerate(lines[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        values = {name: (cells[i].strip() if i < len(cells) else "") for name, i in columns.items()}
        rows.append(_check(Row(line_no, values)))
        if len(rows) > MAX_ROWS:
            raise ImportError_(_("At most %(n)d households per file.", n=MAX_ROWS))
    if not rows:
        raise ImportError_(_("The file has a heading but no households."))
    seen = {}
    for row in rows:
        number = row.values.get("house_number")
        if number and number in seen:
            row.errors.append(_("House number %(number)s is also on line %(line)d.", number=number, line=seen[number]))
        elif number:
            seen[number] = row.line
    return rows


def _check(row: Row) -> Row:
    v = row.values
    v["house_number"] = re.sub(r"\s+", "", v.get("house_number", ""))
    v["head_name"] = v.get("head_name", "").strip()
    v["group_name"] = group_name(v.get("group_name", ""))
    if not v["house_number"]:
        row.errors.append(_("The house number is missing."))
    elif len(v["house_number"]) > 20:
        row.errors.append(_("The house number is longer than %(n)d characters.", n=20))
    if not v["head_name"]:
        row.errors.append(_("The head of household is missing."))
    elif len(v["head_name"]) > 20:
        row.errors.append(_("The name is longer than %(n)d characters.", n=20))
    if len(v["group_name"]) > 20:
        row.errors.append(_("The group is longer than %(n)d characters.", n=20))
    phone = normalise_phone(v.get("phone", ""))
    v["phone"] = phone
    if phone and not PHONE.match(phone):
        row.errors.append(_("%(phone)s is not a phone number.", phone=phone))
    members = v.get("members", "").strip()
    try:
        number = parse_int(members)
    except ValueError:
        number = 0
    if number is not None and not 1 <= number <= 50:
        row.errors.append(_("The number of people must be a whole number from 1 to 50."))
        v["members"] = members
    else:
        v["members"] = number
    v["note"] = v.get("note", "").strip()
    if len(v["note"]) > 200:
        row.errors.append(_("The note is longer than %(n)d characters.", n=200))
    return row
