"""The township's default checklist and how a check turns templates and inventory into steps.

The default items are written from DOMAIN.md's routine check items. Each has a stable ``code`` so
that the screen shows it in the reader's language; the stored ``prompt`` (Chinese, as issued) is
what a village's own items carry instead.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..records import utcnow

from .models import CATALOGUE, ChecklistItem, ChecklistTemplate, StationCheck, StationItem

# kind "*" applies to every inventory line: walking along the shelves, the count comes first
# (code, prompt, check type, kind, threshold MPa, date field)
DEFAULT_ITEMS = [
    ("count", _l("All present and in their place"), "count", "*", None, None),
    ("ext_gauge", _l("Pressure gauge needle in the green zone"), "gauge", "extinguisher", None, None),
    ("ext_body", _l("Safety pin and seal intact; hose and nozzle not cracked or blocked; no rust or dents"),
     "ok_fault", "extinguisher", None, None),
    ("ext_date", _l("Within its service date"), "date", "extinguisher", None, "expires_on"),
    ("hose_state", _l("No tears, blackening or mould; couplings fit; re-rolled on new fold lines"),
     "ok_fault", "hose", None, None),
    ("light_charged", _l("Charged; lights up at full brightness"), "ok_fault", "searchlight", None, None),
    ("pump_start", _l("Starts; enough fuel; suction hose and strainer in place"), "ok_fault", "pump", None, None),
    ("moto_start", _l("Starts; tyres inflated; fuel tank at least half full"), "ok_fault", "motorcycle",
     None, None),
    ("suit_state", _l("Clean, dry and undamaged; reflective strips intact"), "ok_fault", "turnout_suit",
     None, None),
    ("hood_date", _l("Within its expiry date; packaging sealed"), "date", "escape_hood", None, "expires_on"),
    ("ba_pressure", _l("Standby cylinder pressure (at least 20 MPa)"), "pressure", "breathing_apparatus",
     20.0, None),
    ("ba_leak", _l("Leak test: pressure drops no more than 2 MPa in one minute"), "ok_fault",
     "breathing_apparatus", None, None),
    ("ba_whistle", _l("Low-air whistle sounds at 5 ± 0.5 MPa"), "ok_fault", "breathing_apparatus", None, None),
    ("ba_test", _l("Cylinder test date still valid"), "date", "breathing_apparatus", None, "test_due_on"),
    ("rope_state", _l("No cuts, fraying or burns"), "ok_fault", "rescue_rope", None, None),
    ("ladder_state", _l("Rungs, locks and pulley rope sound"), "ok_fault", "ladder", None, None),
    ("radio_charged", _l("Charged; talks to the duty phone on the village channel"), "ok_fault", "radio",
     None, None),
]
DEFAULT_PROMPTS = {code: prompt for code, prompt, *_rest in DEFAULT_ITEMS}
DEFAULT_TITLE = _l("Micro fire station monthly check")


def prompt_text(code: str | None, stored: str) -> str:
    """A default item in the reader's language; a village's own item as the village wrote it."""
    if code and code in DEFAULT_PROMPTS:
        return str(DEFAULT_PROMPTS[code])
    return stored


def current_template(scope_code: str, scope: str) -> ChecklistTemplate | None:
    return db.session.scalar(ChecklistTemplate.live().where(
        ChecklistTemplate.village_id == scope_code, ChecklistTemplate.scope == scope)
        .order_by(ChecklistTemplate.edition.desc()).limit(1))


def _default_rows() -> list[tuple]:
    with force_locale("zh_Hans"):  # issued in Chinese, whatever language the caller uses
        return [(code, str(prompt), ctype, kind, thr, field)
                for code, prompt, ctype, kind, thr, field in DEFAULT_ITEMS]


def seed_township_template(township_code: str) -> ChecklistTemplate | None:
    """Issue the default checklist for a township, as a new edition when the defaults changed.

    Returns the new edition, or None when the current one already matches. The caller commits.
    """
    rows = _default_rows()
    current = current_template(township_code, "township")
    if current is not None:
        have = [(i.code, i.prompt, i.check_type, i.kind, i.threshold, i.date_field) for i in current.items]
        if have == rows:
            return None
    return issue_township_edition(township_code, rows)


def issue_township_edition(township_code: str, rows: list[tuple]) -> ChecklistTemplate:
    """A new edition of the township's checklist, ``rows`` (code, prompt, check type, kind, threshold,
    date field) in order. Checks under way keep the edition they started with; the next check of
    every village of the township asks this one's items. The caller commits."""
    current = current_template(township_code, "township")
    with force_locale("zh_Hans"):
        title = current.title if current is not None and current.title else str(DEFAULT_TITLE)
    template = ChecklistTemplate(village_id=township_code, scope="township", title=title,
                                 edition=(current.edition + 1) if current else 1,
                                 supersedes_id=current.id if current else None, issued_at=utcnow())
    db.session.add(template)
    db.session.flush()
    for position, (code, prompt, ctype, kind, thr, field) in enumerate(rows, start=1):
        db.session.add(ChecklistItem(village_id=township_code, template_id=template.id, position=position,
                                     code=code, prompt=prompt, check_type=ctype, kind=kind, threshold=thr,
                                     date_field=field))
    db.session.flush()
    db.session.expire(template, ["items"])
    return template


def new_village_edition(village_code: str, add: ChecklistItem | None = None,
                        drop_id: str | None = None) -> ChecklistTemplate:
    """A village's next edition: the current items, plus ``add`` and/or minus ``drop_id``."""
    current = current_template(village_code, "village")
    template = ChecklistTemplate(village_id=village_code, scope="village",
                                 title="", edition=(current.edition + 1) if current else 1,
                                 supersedes_id=current.id if current else None, issued_at=utcnow())
    db.session.add(template)
    db.session.flush()
    kept = [i for i in (current.items if current else []) if i.id != drop_id]
    if add is not None:
        kept.append(add)
    for position, item in enumerate(kept, start=1):
        db.session.add(ChecklistItem(village_id=village_code, template_id=template.id, position=position,
                                     code=item.code, prompt=item.prompt, check_type=item.check_type,
                                     kind=item.kind, threshold=item.threshold, date_field=item.date_field))
    db.session.flush()
    db.session.expire(template, ["items"])
    return template


# ---- steps ----------------------------------------------------------------------------------------

@dataclass
class Step:
    key: str
    position: int
    item: ChecklistItem
    line: StationItem | None

    @property
    def check_type(self) -> str:
        return self.item.check_type

    @property
    def prompt(self) -> str:
        return prompt_text(self.item.code, self.item.prompt)

    @property
    def title(self) -> str:
        return self.line.title if self.line is not None else ""

    @property
    def expected(self) -> int | None:
        return self.line.quantity if (self.check_type == "count" and self.line is not None) else None

    @property
    def threshold(self) -> float | None:
        return self.item.threshold if self.check_type == "pressure" else None

    @property
    def date_seen(self) -> dt.date | None:
        if self.check_type == "date" and self.line is not None and self.item.date_field:
            return getattr(self.line, self.item.date_field, None)
        return None


_KIND_ORDER = {kind: n for n, kind in enumerate(CATALOGUE)}
_GROUP_ORDER = {"fire_fighting": 0, "protection": 1, "forcible_entry": 2, "communication": 3}


def inventory(station_id: str) -> list[StationItem]:
    lines = db.session.scalars(StationItem.live().where(StationItem.station_id == station_id)).all()
    return sorted(lines, key=lambda i: (_GROUP_ORDER.get(i.group, 9), _KIND_ORDER.get(i.kind, 99),
                                        i.spec or "", i.id))


def step_key(item: ChecklistItem, line: StationItem | None) -> str:
    return f"{item.id}.{line.id if line is not None else 'station'}"


def check_items(check: StationCheck) -> list[ChecklistItem]:
    items = []
    for template_id in (check.township_template_id, check.village_template_id):
        if template_id:
            template = db.session.get(ChecklistTemplate, template_id)
            if template is not None:
                items.extend(template.items)
    return items


def steps_for(check: StationCheck) -> list[Step]:
    """The steps of a check: shelf by shelf (inventory order), each line's checks in checklist order,
    then the checks of the station as a whole. A date step without a date on record is skipped."""
    items = check_items(check)
    steps: list[Step] = []
    lines = inventory(check.station_id)
    if check.partial:  # after use: only the lines that were used, and nothing of the station as a whole
        lines = [line for line in lines if line.id in set(check.item_ids or [])]
        items = [item for item in items if item.kind]
    for line in lines:
        for item in items:
            if item.kind not in ("*", line.kind):
                continue
            if item.check_type == "date" and getattr(line, item.date_field or "", None) is None:
                continue
            steps.append(Step(step_key(item, line), 0, item, line))
    for item in items:
        if not item.kind:
            steps.append(Step(step_key(item, None), 0, item, None))
    for n, step in enumerate(steps, start=1):
        step.position = n
    return steps
