"""The fire pact (防火公约): township templates, the village's versions and clauses, household
pledges and door-to-door visits."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..records import SyncedRecord

# draft -> adopted (villagers' meeting) -> published (posted, pledges open) -> superseded
STATUSES = {
    "draft": _l("Draft"),
    "adopted": _l("Adopted"),
    "published": _l("Published"),
    "superseded": _l("Superseded"),
}
STATUS_TONES = {"draft": "warn", "adopted": "info", "published": "ok", "superseded": "info"}
MAX_CLAUSES = 40

# What a clause is about: shown next to the (Chinese) clause text, so that an English screen
# still says what each clause covers.
TOPICS = {
    "responsibility": _l("Household responsibility"),
    "call_119": _l("Calling 119"),
    "passages": _l("Passages and stairways"),
    "equipment": _l("Fire equipment"),
    "dangerous_goods": _l("Flammable and explosive goods"),
    "fireworks": _l("Fireworks"),
    "outdoor_fire": _l("Outdoor fire and graves"),
    "escape": _l("Burglar bars and escape"),
    "smoking": _l("Smoking"),
    "wiring": _l("Wiring and electricity"),
    "gas": _l("Gas cylinders"),
    "ebike": _l("E-bikes"),
    "home_kit": _l("Extinguisher and smoke alarm"),
    "three_clear": _l("Three clear, three off"),
    "village": _l("Village rule"),
}

# what a door-to-door visit talks about (入户宣传内容)
VISIT_TOPICS = {
    "ebike": _l("E-bike charging"),
    "wiring": _l("Wiring and electricity"),
    "gas": _l("Gas and LPG"),
    "escape_items": _l("Escape items (rope, smoke hood, torch)"),
    "extinguisher": _l("Extinguisher at home"),
    "smoke_alarm": _l("Smoke alarm"),
    "passages": _l("Clear passages"),
    "open_flame": _l("Open flame and outdoor burning"),
    "pact": _l("The fire pact"),
    "elderly": _l("Care for elderly living alone"),
}

PLEDGE_METHODS = {
    "signature": _l("Signed on the kiosk"),
    "confirmed": _l("Confirmed on their behalf"),
    "withdrawn": _l("Withdrawn (recorded by mistake)"),
}
# methods that count as a pledge; a "withdrawn" fact points (corrects_id) at the pledge it cancels
PLEDGING_METHODS = ("signature", "confirmed")


class PactTemplate(SyncedRecord):
    """A model pact issued by the township; ``village_id`` holds the township's 9-digit code.

    Issued in immutable editions: a change is a new edition (``edition`` + 1, ``supersedes_id`` the
    one before), which villages are offered for their next draft; what they adopted stays theirs."""

    __tablename__ = "pact_template"
    name: Mapped[str] = mapped_column(sa.String(80))
    issued_on: Mapped[dt.date | None] = mapped_column()
    # [{"topic": key of TOPICS, "text": the clause in Chinese, "lineage": the clause's id across
    # editions (absent in a first edition: see service.template_lineage)}, ...] in order
    clauses: Mapped[list] = mapped_column(sa.JSON, default=list)
    edition: Mapped[int] = mapped_column(default=1, server_default="1")
    supersedes_id: Mapped[str | None] = mapped_column(sa.String(36))


class Pact(SyncedRecord):
    """One version of the village's fire pact."""

    __tablename__ = "pact"
    number: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(sa.String(80))
    status: Mapped[str] = mapped_column(sa.String(12), default="draft", index=True)
    template_id: Mapped[str | None] = mapped_column(sa.String(36))
    # the version this draft was made from, the default for "what changed"
    based_on_id: Mapped[str | None] = mapped_column(sa.String(36))
    meeting_date: Mapped[dt.date | None] = mapped_column()
    attendance: Mapped[int | None] = mapped_column()
    presided_by: Mapped[str | None] = mapped_column(sa.String(40))
    adopted_at: Mapped[dt.datetime | None] = mapped_column()
    published_at: Mapped[dt.datetime | None] = mapped_column()
    superseded_at: Mapped[dt.datetime | None] = mapped_column()

    clauses: Mapped[list["PactClause"]] = relationship(
        primaryjoin="and_(PactClause.pact_id == Pact.id, PactClause.deleted.is_(False))",
        order_by="PactClause.position", viewonly=True)

    @property
    def status_label(self):
        return STATUSES.get(self.status, self.status)

    @property
    def status_tone(self) -> str:
        return STATUS_TONES.get(self.status, "info")

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"


class PactClause(SyncedRecord):
    """A clause of one pact version. ``lineage`` follows a clause from version to version, so
    that the diff can tell a changed clause from a removed one and a new one."""

    __tablename__ = "pact_clause"
    pact_id: Mapped[str] = mapped_column(sa.ForeignKey("pact.id"), index=True)
    lineage: Mapped[str] = mapped_column(sa.String(36))
    position: Mapped[int] = mapped_column(default=0)
    topic: Mapped[str | None] = mapped_column(sa.String(24))
    text: Mapped[str] = mapped_column(sa.Text)

    @property
    def topic_label(self):
        return TOPICS.get(self.topic or "", None)


class Pledge(SyncedRecord):
    """A household's pledge to keep one pact version (an append-only fact; its id is made in the
    page before it is submitted, so a replayed submission finds it instead of adding another)."""

    __tablename__ = "pledge"
    __sync_kind__ = "fact"
    pact_id: Mapped[str] = mapped_column(sa.ForeignKey("pact.id"), index=True)
    household_id: Mapped[str] = mapped_column(sa.ForeignKey("household.id"), index=True)
    method: Mapped[str] = mapped_column(sa.String(12))
    # compact vector signature (see kiosk.pacts.signature), or None when confirmed for them
    signature: Mapped[str | None] = mapped_column(sa.Text)
    # who signed (the head or another member of the household)
    signer_name: Mapped[str | None] = mapped_column(sa.String(40))
    # who confirmed for a resident who cannot sign (name, relation or post)
    confirmed_by: Mapped[str | None] = mapped_column(sa.String(60))
    # the organisation member signed in at the kiosk, if anyone was
    recorded_by_id: Mapped[str | None] = mapped_column(sa.String(36))
    # a correction is a new fact pointing at the pledge it corrects
    corrects_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)

    @property
    def method_label(self):
        return PLEDGE_METHODS.get(self.method, self.method)


class DoorVisit(SyncedRecord):
    """A door-to-door visit (敲门入户) to one household: an append-only fact."""

    __tablename__ = "door_visit"
    __sync_kind__ = "fact"
    household_id: Mapped[str] = mapped_column(sa.ForeignKey("household.id"), index=True)
    visited_on: Mapped[dt.date] = mapped_column()
    visitors: Mapped[str] = mapped_column(sa.String(120))
    topics: Mapped[list] = mapped_column(sa.JSON, default=list)
    note: Mapped[str | None] = mapped_column(sa.String(500))
    hazards_found: Mapped[int] = mapped_column(default=0)
    recorded_by_id: Mapped[str | None] = mapped_column(sa.String(36))

    def topic_labels(self) -> list[str]:
        return [str(VISIT_TOPICS[t]) for t in (self.topics or []) if t in VISIT_TOPICS]
