"""Township warnings (预警/提示), the villages' read receipts and their answers.

A warning is written once at the township station and scoped to the township (its 9-digit code),
so replication carries it to every kiosk of the township; ``targets`` decides which of them show
it. The station may correct it (a new revision of the same row) or withdraw it (it leaves the
kiosks' boards and banners, and stays in their lists as withdrawn). A receipt and an answer (what
the village did about it) are facts of one village (its 12-digit code) that travel back.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from ..records import SyncedRecord

# DOMAIN.md, mechanism 4: monthly, weekly in special periods, immediately for important matters
KINDS = {
    "immediate": _l("Immediate warning"),
    "weekly": _l("Weekly warning (special period)"),
    "monthly": _l("Monthly warning"),
}
# shown first on the kiosk and the notice board
KIND_ORDER = {"immediate": 0, "weekly": 1, "monthly": 2}


class Warning(SyncedRecord):  # noqa: A001  (the domain's word; shadows the builtin only in this package)
    """A warning from the township fire-safety management station to its villages."""

    __tablename__ = "warning"

    kind: Mapped[str] = mapped_column(sa.String(12))
    title: Mapped[str] = mapped_column(sa.String(80))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    # last day (township local date) it is in force; None: until withdrawn
    valid_until: Mapped[dt.date | None] = mapped_column(sa.Date)
    # every village of the township, including villages added later; otherwise only ``targets``
    to_all: Mapped[bool] = mapped_column(default=True)
    # 12-digit village codes when not ``to_all``
    targets: Mapped[list] = mapped_column(sa.JSON, default=list)
    issued_by_name: Mapped[str] = mapped_column(sa.String(40), default="")
    # township server time when it was issued (a label: shown, never used to order replication)
    issued_at: Mapped[dt.datetime] = mapped_column()
    # 1 as issued; each correction by the station adds one
    revision: Mapped[int] = mapped_column(default=1)
    corrected_at: Mapped[dt.datetime | None] = mapped_column()
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column()
    withdrawn_reason: Mapped[str] = mapped_column(sa.String(200), default="")

    @staticmethod
    def __sync_audience__(row) -> list[str] | None:
        """The villages sync delivers this warning to (None: every village of the township)."""
        return None if row["to_all"] else list(row["targets"] or [])

    @property
    def township_code(self) -> str:
        return self.village_id

    @property
    def kind_label(self):
        return KINDS.get(self.kind, self.kind)

    @property
    def is_immediate(self) -> bool:
        return self.kind == "immediate"

    def is_for(self, village_code: str) -> bool:
        if village_code[:9] != self.village_id:
            return False
        return self.to_all or village_code in (self.targets or [])

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def in_force(self, today: dt.date) -> bool:
        return not self.deleted and not self.is_withdrawn and (self.valid_until is None or self.valid_until >= today)


class WarningReceipt(SyncedRecord):
    """A village committee member has read a warning (append-only; one per warning and village)."""

    __tablename__ = "warning_receipt"
    __sync_kind__ = "fact"

    # no foreign key: replication may apply rows of different tables in any order
    warning_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    person_id: Mapped[str] = mapped_column(sa.String(36))
    person_name: Mapped[str] = mapped_column(sa.String(40))
    # kiosk time of the tap (a label; the kiosk clock may be wrong after a power cut)
    acknowledged_at: Mapped[dt.datetime] = mapped_column()


# what a village did about a warning (DOMAIN.md, duties 2 and mechanisms 3, 6)
ACTIONS = {
    "broadcast": _l("Broadcast to the village"),
    "patrol": _l("Patrolled"),
    "door_to_door": _l("Went door to door"),
    "inspection": _l("Inspected"),
}


class WarningAnswer(SyncedRecord):
    """What a village did about a warning: preset actions, the records they made (a patrol run, an
    activity, visits: ``links``), a note and photos. A village may answer more than once (an
    append-only fact each time)."""

    __tablename__ = "warning_answer"
    __sync_kind__ = "fact"
    warning_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    # ACTIONS keys
    actions: Mapped[list] = mapped_column(sa.JSON, default=list)
    # [{"kind": "patrol_run" | "activity" | "door_visits", "id": ..., "label": what it was then}]
    links: Mapped[list] = mapped_column(sa.JSON, default=list)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    photos_sha256: Mapped[list] = mapped_column(sa.JSON, default=list)
    person_id: Mapped[str] = mapped_column(sa.String(36))
    person_name: Mapped[str] = mapped_column(sa.String(40))
    # kiosk time of the answer (a label)
    answered_at: Mapped[dt.datetime] = mapped_column()

    def action_labels(self) -> list[str]:
        return [str(ACTIONS[a]) for a in self.actions or [] if a in ACTIONS]


def receipt_id(warning_id: str, village_code: str) -> str:
    """The one id a receipt of this warning by this village can have, on any device.

    A replayed POST, a double tap or a second kiosk of the same village make the same id, so the
    receipt can never exist twice. It keeps the UUID v7 shape: the warning's time-ordered prefix,
    then bits from a hash of (warning, village).
    """
    prefix = uuid.UUID(warning_id).int >> 80  # the warning's 48-bit timestamp
    digest = int.from_bytes(hashlib.sha256(f"{warning_id}|{village_code}".encode()).digest()[:10], "big")
    rand_a = digest >> 68 & 0xFFF
    rand_b = digest & ((1 << 62) - 1)
    value = prefix << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return str(uuid.UUID(int=value))
