"""Every change to a township's draft of its next edition, and the issue itself.

Two kinds of template: the model pact ("pact", clauses of kiosk.pacts) and the station's checklist
("checklist", items of kiosk.station). A draft starts from the edition in force, its items are
added, edited, moved and dropped, and issuing it makes the next edition — a new row the villages
receive with their next sync. Nothing already in a village changes: a pact it adopted stays its
own (the new edition is offered for its next draft), a check under way keeps the edition it began
with. Never commits: the caller commits once.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..pacts import service as pacts
from ..pacts.models import MAX_CLAUSES
from ..records import utcnow
from ..station import checklist
from .models import TemplateDraft

MAX_CHECKLIST_ITEMS = 60


class DraftRefused(ValueError):
    """Why the draft cannot change this way (translated)."""


@dataclass(frozen=True)
class Kind:
    key: str
    label: object
    max_items: int
    current: Callable[[str], object]          # township code -> the edition in force, or None
    items_of: Callable[[object], list[dict]]  # an edition -> its items, as a draft holds them
    issue: Callable[[str, list[dict]], object]


def _checklist_items(edition) -> list[dict]:
    return [{"code": i.code, "prompt": i.prompt, "check_type": i.check_type, "kind": i.kind,
             "threshold": i.threshold, "date_field": i.date_field} for i in edition.items]


def _issue_checklist(township_code: str, items: list[dict]):
    return checklist.issue_township_edition(township_code, [
        (i.get("code"), i["prompt"], i["check_type"], i.get("kind"), i.get("threshold"), i.get("date_field"))
        for i in items])


KINDS = {
    "pact": Kind("pact", _l("Model fire pact"), MAX_CLAUSES, pacts.current_template, pacts.template_clauses,
                 pacts.issue_template),
    "checklist": Kind("checklist", _l("Station checklist"), MAX_CHECKLIST_ITEMS,
                      lambda code: checklist.current_template(code, "township"), _checklist_items,
                      _issue_checklist),
}


def draft_of(township_code: str, kind: Kind) -> TemplateDraft | None:
    return db.session.scalar(db.select(TemplateDraft).where(TemplateDraft.township_code == township_code,
                                                            TemplateDraft.kind == kind.key))


def start_draft(township_code: str, kind: Kind, staff) -> TemplateDraft:
    """The next edition, begun as a copy of the one in force (or empty); the draft already being
    prepared when there is one (pressed twice)."""
    draft = draft_of(township_code, kind)
    if draft is not None:
        return draft
    current = kind.current(township_code)
    items = [dict(item, key=uuid.uuid4().hex) for item in (kind.items_of(current) if current else [])]
    draft = TemplateDraft(township_code=township_code, kind=kind.key, based_on_id=current.id if current else None,
                          items=items, changed_by=staff.name, changed_at=utcnow())
    db.session.add(draft)
    return draft


def item(draft: TemplateDraft, key: str) -> dict | None:
    return next((i for i in draft.items or [] if i.get("key") == key), None)


def _save(draft: TemplateDraft, items: list[dict], staff) -> None:
    draft.items = items  # a new list: the JSON column sees the change
    draft.changed_by, draft.changed_at = staff.name, utcnow()


def _item_values(kind: Kind, values: dict, was: dict | None) -> dict:
    if kind.key == "pact":
        return {"topic": values["topic"], "text": values["text"]}
    ctype = values["check_type"]
    out = {"prompt": values["prompt"], "check_type": ctype, "kind": values.get("kind") or None,
           "threshold": values.get("threshold") if ctype == "pressure" else None,
           "date_field": values.get("date_field") if ctype == "date" else None,
           # a default item keeps its code (shown in the reader's language) only while its wording is the issued one
           "code": was.get("code") if was and was.get("prompt") == values["prompt"] else None}
    return out


def add_item(draft: TemplateDraft, kind: Kind, values: dict, staff) -> dict:
    items = list(draft.items or [])
    if len(items) >= kind.max_items:
        raise DraftRefused(_("An edition holds at most %(n)d items.", n=kind.max_items))
    key = uuid.uuid4().hex
    new = _item_values(kind, values, None) | {"key": key}
    if kind.key == "pact":
        new["lineage"] = str(uuid.UUID(key))  # a clause new in this edition begins its own lineage
    items.append(new)
    _save(draft, items, staff)
    return new


def edit_item(draft: TemplateDraft, kind: Kind, key: str, values: dict, staff) -> None:
    items = [dict(i, **_item_values(kind, values, i)) if i.get("key") == key else i for i in draft.items or []]
    _save(draft, items, staff)


def move_item(draft: TemplateDraft, key: str, to: int, staff) -> None:
    """To a position, not "one up": a replayed move leaves the order as it is."""
    moving = item(draft, key)
    items = [i for i in draft.items or [] if i.get("key") != key]
    items.insert(min(max(to, 0), len(items)), moving)
    _save(draft, items, staff)


def drop_item(draft: TemplateDraft, key: str, staff) -> None:
    _save(draft, [i for i in draft.items or [] if i.get("key") != key], staff)


def issue(draft: TemplateDraft, kind: Kind):
    """The draft becomes the township's next edition; the draft is done with."""
    if not draft.items:
        raise DraftRefused(_("An edition with no items cannot be issued. Add at least one."))
    items = [{k: v for k, v in i.items() if k != "key"} for i in draft.items]
    edition = kind.issue(draft.township_code, items)
    db.session.delete(draft)  # a local working paper, not a replicated record
    return edition


def discard(draft: TemplateDraft) -> None:
    db.session.delete(draft)
