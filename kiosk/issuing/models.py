"""The township's drafts of its next editions (local to the township server: kiosks only ever see
the editions issued, kiosk.pacts' PactTemplate and kiosk.station's ChecklistTemplate)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..records import utcnow


class TemplateDraft(db.Model):
    """The next edition of a township's template being prepared by its staff: one per township and
    kind ("pact", "checklist"); its items are what the edition will hold, each with a ``key`` the
    screens name it by while positions change."""

    __tablename__ = "township_template_draft"
    __table_args__ = (sa.UniqueConstraint("township_code", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    township_code: Mapped[str] = mapped_column(sa.String(9))
    kind: Mapped[str] = mapped_column(sa.String(12))
    # the edition it was started from (None: the first)
    based_on_id: Mapped[str | None] = mapped_column(sa.String(36))
    items: Mapped[list] = mapped_column(sa.JSON, default=list)
    changed_by: Mapped[str] = mapped_column(sa.String(40), default="")
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
