"""Issuing, correcting and withdrawing warnings, acknowledging and answering them, and who has read
and answered what. Nothing here commits or flashes: the caller commits once."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import g, has_request_context

from ..context import local_today
from ..extensions import db
from ..records import among, utcnow
from ..village.models import Person, Village
from .models import ACTIONS, KIND_ORDER, Warning, WarningAnswer, WarningReceipt, receipt_id


def _in_force(today=None):
    """Warning.in_force in SQL: not withdrawn, and valid until today (or the parameter ``today``) or later."""
    return sa.and_(Warning.withdrawn_at.is_(None),
                   sa.or_(Warning.valid_until.is_(None), Warning.valid_until >= (today if today is not None
                                                                                 else local_today())))


def _read_by(village: Village | sa.BindParameter):
    """Whether the village (or the village parameter) has acknowledged a warning: one pass over its
    receipts, not a lookup per warning (which SQLite would answer from the village's receipts, each time)."""
    code = village if isinstance(village, sa.BindParameter) else village.code
    return Warning.id.in_(sa.select(WarningReceipt.warning_id).where(WarningReceipt.village_id == code,
                                                                     WarningReceipt.deleted.is_(False)))


# built once, with parameters (every page's banner asks; building them cost more than SQLite's answer):
# the township's warnings in force, and of them those the village has not acknowledged, newest first
_TODAY = sa.bindparam("today", type_=sa.Date)
_IN_FORCE = Warning.live().where(Warning.village_id == sa.bindparam("township"), _in_force(_TODAY)) \
    .order_by(Warning.issued_at.desc())
_WAITING = _IN_FORCE.where(~_read_by(sa.bindparam("village")))


def ranked_ids(village: Village) -> list[str]:
    """The ids of the warnings addressed to a village, in list order: in force and not yet
    acknowledged first (immediate before weekly before monthly), then in force and acknowledged,
    then the expired ones; newest first within each. Ordered by the database; only the targets of
    warnings sent to some villages are read: five years of warnings are ranked without loading them."""
    in_force, read = _in_force(), _read_by(village)
    kind = sa.case(*[(Warning.kind == k, n) for k, n in KIND_ORDER.items()], else_=9)
    rows = db.session.execute(
        sa.select(Warning.id, sa.case((Warning.to_all.is_(False), Warning.targets)))
        .where(Warning.village_id == village.township_code, Warning.deleted.is_(False))
        .order_by(sa.case((in_force, 0), else_=1), sa.case((read, 1), else_=0), sa.case((read, 0), else_=kind),
                  Warning.issued_at.desc())).all()
    return [rid for rid, targets in rows if targets is None or village.code in targets]


def _with_receipts(village: Village, warnings: list[Warning]) -> list[tuple[Warning, WarningReceipt | None]]:
    if not warnings:
        return []
    receipts = {r.warning_id: r for r in db.session.scalars(
        WarningReceipt.live().where(WarningReceipt.village_id == village.code,
                                    WarningReceipt.warning_id.in_([w.id for w in warnings])))}
    return [(w, receipts.get(w.id)) for w in warnings]


def warnings_for(village: Village, limit: int = 300, offset: int = 0,
                 ids: list[str] | None = None) -> list[tuple[Warning, WarningReceipt | None]]:
    """The warnings addressed to a village, each with the village's receipt (or None), in list order
    (``ranked_ids``, or the ``ids`` of it a caller has already); ``offset`` and ``limit`` make one
    page of them."""
    ids = (ranked_ids(village) if ids is None else ids)[offset:offset + limit]
    if not ids:
        return []
    by_id = {w.id: w for w in db.session.scalars(sa.select(Warning).where(Warning.id.in_(ids)))}
    return _with_receipts(village, [by_id[i] for i in ids])


def in_force_for(village: Village) -> list[tuple[Warning, WarningReceipt | None]]:
    """The warnings in force addressed to a village, with its receipts, in list order."""
    if has_request_context() and g.get("warnings_in_force", (None,))[0] == village.code:
        return g.warnings_in_force[1]
    found = db.session.scalars(_IN_FORCE, {"township": village.township_code, "today": local_today()}).all()
    items = _with_receipts(village, [w for w in found if w.is_for(village.code)])
    items = sorted(items, key=lambda item: (1, 0) if item[1] else (0, KIND_ORDER.get(item[0].kind, 9)))
    if has_request_context():  # the board asks twice: its urgent slides and the others
        g.warnings_in_force = (village.code, items)
    return items


def waiting(village: Village) -> list[Warning]:
    """Warnings in force that nobody of the village has acknowledged yet, immediate before weekly
    before monthly, newest first. One query on the township's warnings in force (five years of
    acknowledged warnings stay unread), once a request: every page's banner asks, and the home
    tile's badge."""
    if has_request_context() and g.get("warnings_waiting", (None,))[0] == village.code:
        return g.warnings_waiting[1]
    if has_request_context() and g.get("warnings_in_force", (None,))[0] == village.code:
        # the board read those in force with their receipts already: the unacknowledged ones, in
        # the same order (in_force_for ranks them by kind, newest first within a kind)
        mine = [w for w, receipt in g.warnings_in_force[1] if receipt is None]
        g.warnings_waiting = (village.code, mine)
        return mine
    found = db.session.scalars(_WAITING, {"township": village.township_code, "today": local_today(),
                                          "village": village.code}).all()
    mine = sorted((w for w in found if w.is_for(village.code)), key=lambda w: KIND_ORDER.get(w.kind, 9))
    if has_request_context():
        g.warnings_waiting = (village.code, mine)
    return mine


def pending_immediate(village: Village) -> list[Warning]:
    """Immediate warnings in force that nobody of the village has acknowledged yet."""
    return [w for w in waiting(village) if w.is_immediate]


def receipt_of(warning: Warning, village: Village) -> WarningReceipt | None:
    return db.session.get(WarningReceipt, receipt_id(warning.id, village.code))


def acknowledge(warning: Warning, village: Village, person: Person) -> WarningReceipt:
    """The village's receipt of the warning, made now unless it exists. Its id follows from
    (warning, village), so a replay, a double tap or a second kiosk can only ever make the same one:
    commit with ``commit_once(WarningReceipt, receipt.id)``."""
    receipt = receipt_of(warning, village)
    if receipt is None:
        receipt = WarningReceipt(id=receipt_id(warning.id, village.code), village_id=village.code,
                                 warning_id=warning.id, person_id=person.id, person_name=person.name,
                                 acknowledged_at=utcnow())
        db.session.add(receipt)
        if has_request_context():  # what is waiting (and in force, with receipts) is asked again after this receipt
            g.pop("warnings_waiting", None)
            g.pop("warnings_in_force", None)
    return receipt


def issue_warning(*, warning_id: str, township_code: str, kind: str, title: str, body: str,
                  valid_until: dt.date | None, villages: list[str] | None, issued_by: str) -> Warning:
    """A warning from the township station; ``villages`` None sends it to every village of the
    township, including villages added later. The id is the form's ``client_id``."""
    warning = Warning(id=warning_id, village_id=township_code, kind=kind, title=title, body=body,
                      valid_until=valid_until, to_all=villages is None, targets=list(villages or []),
                      issued_by_name=issued_by, issued_at=utcnow())
    db.session.add(warning)
    return warning


def correct_warning(warning: Warning, *, kind: str, title: str, body: str, valid_until: dt.date | None) -> None:
    """The station corrects what it wrote: a new revision the kiosks receive at their next sync."""
    warning.kind, warning.title, warning.body, warning.valid_until = kind, title, body, valid_until
    warning.revision = (warning.revision or 1) + 1
    warning.corrected_at = utcnow()


def withdraw_warning(warning: Warning, reason: str) -> None:
    """The station withdraws a warning: it leaves the kiosks' boards and banners and is no longer
    in force; the villages still see that it was withdrawn, and why."""
    if warning.withdrawn_at is None:
        warning.withdrawn_at = utcnow()
        warning.withdrawn_reason = reason


def answer(warning: Warning, village: Village, person: Person, client_id: str, *, actions: list[str],
           links: list[dict], note: str, photos: list[str]) -> WarningAnswer:
    """What the village did about a warning. Answering is also reading it: the receipt comes too."""
    acknowledge(warning, village, person)
    row = WarningAnswer(id=client_id, village_id=village.code, warning_id=warning.id,
                        actions=[a for a in ACTIONS if a in actions], links=links, note=note, photos_sha256=photos,
                        person_id=person.id, person_name=person.name, answered_at=utcnow())
    db.session.add(row)
    return row


def answers_of(warning: Warning, village_code: str) -> list[WarningAnswer]:
    return db.session.scalars(WarningAnswer.live().where(WarningAnswer.warning_id == warning.id,
                                                         WarningAnswer.village_id == village_code)
                              .order_by(WarningAnswer.answered_at)).all()


def answer_table(warnings: list[Warning]) -> dict[str, dict[str, list[WarningAnswer]]]:
    """``{warning id: {village code: [answers, oldest first]}}``, in one query."""
    table: dict[str, dict[str, list[WarningAnswer]]] = {}
    if not warnings:
        return table
    for row in db.session.scalars(WarningAnswer.live().where(WarningAnswer.warning_id.in_([w.id for w in warnings]))
                                  .order_by(WarningAnswer.answered_at)):
        table.setdefault(row.warning_id, {}).setdefault(row.village_id, []).append(row)
    return table


def village_record(township_code: str, village_code: str, limit: int = 60) -> list[tuple]:
    """One village's dealings with the township's warnings, newest first:
    ``[(warning, receipt or None, [answers])]`` over the warnings addressed to it."""
    warnings = [w for w in township_warnings(township_code, limit) if w.is_for(village_code)]
    if not warnings:
        return []
    ids = [w.id for w in warnings]
    receipts = {r.warning_id: r for r in db.session.scalars(WarningReceipt.live().where(
        WarningReceipt.village_id == village_code, WarningReceipt.warning_id.in_(ids)))}
    answers = answer_table(warnings)
    return [(w, receipts.get(w.id), answers.get(w.id, {}).get(village_code, [])) for w in warnings]


def township_warnings(township_code: str, limit: int = 100) -> list[Warning]:
    return db.session.scalars(Warning.live().where(Warning.village_id == township_code)
                              .order_by(Warning.issued_at.desc()).limit(limit)).all()


def receipt_table(warnings: list[Warning], villages: list[Village]) -> dict[str, list[tuple]]:
    """For each warning: [(village code, village or None, receipt or None)] over its target villages."""
    if not warnings:
        return {}
    by_code = {v.code: v for v in villages}
    receipts: dict[str, dict[str, WarningReceipt]] = {}
    for r in db.session.scalars(WarningReceipt.live().where(
            WarningReceipt.warning_id.in_([w.id for w in warnings]))):
        receipts.setdefault(r.warning_id, {})[r.village_id] = r
    table = {}
    for w in warnings:
        codes = [v.code for v in villages] if w.to_all else list(w.targets or [])
        got = receipts.get(w.id, {})
        rows = [(code, by_code.get(code), got.get(code)) for code in codes if w.is_for(code)]
        # who has not read it comes first: that is what the station acts on
        rows.sort(key=lambda row: (row[2] is not None, row[0]))
        table[w.id] = rows
    return table


def unread_count(township_code: str, villages: list[Village]) -> int:
    """Village receipts still missing for the township's warnings in force."""
    today = local_today()
    in_force = [w for w in township_warnings(township_code) if w.in_force(today)]
    table = receipt_table(in_force, villages)
    return sum(1 for rows in table.values() for _code, _v, r in rows if r is None)


def village_summaries(village_codes: list[str]) -> dict[str, dict]:
    """Per village: warnings in force that it has not acknowledged, and those it has not answered
    (said what it did). Three queries for all the villages (their townships' warnings in force, then
    the receipts, then the answers)."""
    if not village_codes:
        return {}
    today = local_today()
    townships = sorted({code[:9] for code in village_codes})
    warnings = db.session.scalars(Warning.live().where(
        Warning.village_id.in_(townships), Warning.withdrawn_at.is_(None),
        sa.or_(Warning.valid_until.is_(None), Warning.valid_until >= today))).all()
    read, answered = set(), set()
    if warnings:
        ids = [w.id for w in warnings]
        read = set(db.session.execute(sa.select(WarningReceipt.warning_id, WarningReceipt.village_id).where(
            WarningReceipt.deleted.is_(False), among(WarningReceipt.village_id, village_codes),
            WarningReceipt.warning_id.in_(ids))).tuples())
        answered = set(db.session.execute(sa.select(WarningAnswer.warning_id, WarningAnswer.village_id).distinct()
                                          .where(WarningAnswer.deleted.is_(False),
                                                 among(WarningAnswer.village_id, village_codes),
                                                 WarningAnswer.warning_id.in_(ids))).tuples())
    return {code: {"unacknowledged": sum(1 for w in warnings if w.is_for(code) and (w.id, code) not in read),
                   "unanswered": sum(1 for w in warnings if w.is_for(code) and (w.id, code) not in answered)}
            for code in village_codes}
