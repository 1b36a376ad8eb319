"""the hazard closed loop: actions as facts, the local derived state, deadline profiles

The hazard row is the report: existing ones get their deadlines (the default "3030", or the deadline
they had) and the facts their old status stands for, with ids made from the hazard (uuid5), clock
values made from its times and the fixed origin "migration": a kiosk and the township migrating apart
write identical rows. So that a kiosk enrolled
later receives them too, the township lists them in its change log; a kiosk queues those of hazards
it has not sent yet. Their derived state is written beside them (``flask hazards refresh`` rebuilds
it from the facts at any time).

The old status columns go: sync replicates every column of a replicated table, so a cached status
would travel and differ between sides; the state lives in the local ``hazard_state`` only. Hydrants
and pools are no longer marked "defect" in their own row: an open hazard makes them so.

Revision ID: 0030_hazard_loop
Revises: 0007_merge_features
"""
import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0030_hazard_loop"
down_revision = "0010_sync_trust"
branch_labels = None
depends_on = None

# the same as kiosk/hazards/models.py (copied: a migration must not change when the code does)
NAMESPACE = uuid.UUID("5d0b6f6e-6a2b-4c8e-9a55-3030a1c0ffee")
ORIGIN = "migration"
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
ACK = dt.timedelta(minutes=30)  # the default "3030" profile
FIX = {"serious": dt.timedelta(days=7)}
FIX_DEFAULT = dt.timedelta(days=30)


def _code(hazard_id: str) -> str:
    value, chars = uuid.UUID(hazard_id).int, []
    for _ in range(8):
        value, digit = divmod(value, len(ALPHABET))
        chars.append(ALPHABET[digit])
    return "".join(chars)


def _hlc(at: dt.datetime, counter: int) -> str:
    ms = int(at.replace(tzinfo=dt.timezone.utc).timestamp() * 1000)
    return f"{ms:013d}-{counter:04d}-{ORIGIN}"


def _zone():
    try:
        from flask import current_app
        return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))
    except RuntimeError:
        return ZoneInfo("Asia/Shanghai")


def _synced_columns() -> list[sa.Column]:
    """What every replicated table carries (sync.Synced)."""
    return [sa.Column("id", sa.String(36), nullable=False),
            sa.Column("village_id", sa.String(12), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False),
            sa.Column("hlc", sa.String(64), nullable=False),
            sa.Column("origin", sa.String(36), nullable=False),
            sa.Column("recorded_at", sa.DateTime(), nullable=False),
            sa.Column("modified_at", sa.DateTime(), nullable=False),
            sa.Column("deleted", sa.Boolean(), nullable=False)]


def _tables():
    op.create_table(
        "hazard_action",
        sa.Column("hazard_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("actor_kind", sa.String(10), nullable=False),
        sa.Column("actor_id", sa.String(36), nullable=True),
        sa.Column("actor_name", sa.String(40), nullable=True),
        sa.Column("phrase", sa.String(24), nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("photo_sha256", sa.String(64), nullable=True),
        sa.Column("assignee_kind", sa.String(12), nullable=True),
        sa.Column("assignee_id", sa.String(36), nullable=True),
        sa.Column("assignee_name", sa.String(40), nullable=True),
        sa.Column("assignee_role", sa.String(24), nullable=True),
        sa.Column("deadline", sa.DateTime(), nullable=True),
        sa.Column("department", sa.String(24), nullable=True),
        sa.Column("responsible", sa.String(40), nullable=True),
        sa.Column("notice_no", sa.String(24), nullable=True),
        *_synced_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hazard_action")))
    with op.batch_alter_table("hazard_action") as batch_op:
        batch_op.create_index(batch_op.f("ix_hazard_action_hazard_id"), ["hazard_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_hazard_action_village_id"), ["village_id"], unique=False)

    op.create_table(
        "hazard_deadline",
        sa.Column("category", sa.String(24), nullable=True),
        sa.Column("severity", sa.String(12), nullable=True),
        sa.Column("ack_minutes", sa.Integer(), nullable=False),
        sa.Column("fix_days", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(24), nullable=True),
        *_synced_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hazard_deadline")))
    with op.batch_alter_table("hazard_deadline") as batch_op:
        batch_op.create_index(batch_op.f("ix_hazard_deadline_village_id"), ["village_id"], unique=False)

    op.create_table(
        "hazard_state",
        sa.Column("hazard_id", sa.String(36), nullable=False),
        sa.Column("village_id", sa.String(12), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("reported_at", sa.DateTime(), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("respond_by", sa.DateTime(), nullable=True),
        sa.Column("fix_due", sa.DateTime(), nullable=True),
        sa.Column("next_due", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("assignee_kind", sa.String(12), nullable=True),
        sa.Column("assignee_id", sa.String(36), nullable=True),
        sa.Column("assignee_name", sa.String(40), nullable=True),
        sa.Column("assignee_role", sa.String(24), nullable=True),
        sa.Column("notice_no", sa.String(24), nullable=True),
        sa.Column("fixed_at", sa.DateTime(), nullable=True),
        sa.Column("fixed_photo_sha256", sa.String(64), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("fixed_on_time", sa.Boolean(), nullable=True),
        sa.Column("days_to_fix", sa.Float(), nullable=True),
        sa.Column("sent_back", sa.Integer(), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("listed_responsible", sa.String(40), nullable=True),
        sa.Column("listed_due", sa.DateTime(), nullable=True),
        sa.Column("referred_to", sa.String(24), nullable=True),
        sa.Column("escalated_at", sa.DateTime(), nullable=True),
        sa.Column("last_action_at", sa.DateTime(), nullable=False),
        sa.Column("actions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hazard_id", name=op.f("pk_hazard_state")))
    with op.batch_alter_table("hazard_state") as batch_op:
        for column in ("assignee_id", "is_open", "listed", "month", "next_due", "status", "village_id"):
            batch_op.create_index(batch_op.f(f"ix_hazard_state_{column}"), [column], unique=False)


def _facts(h) -> tuple[list[dict], dict]:
    """The facts an old hazard's status stands for (the hazard row itself is the report), the
    deadlines it gets, and the state they add up to."""
    reported_at = h.recorded_at
    closed_at = h.closed_at or reported_at
    deadline = h.due_at or reported_at + FIX.get(h.severity, FIX_DEFAULT)
    counter = 0

    def fact(kind, at, **values):
        nonlocal counter
        row = dict(id=str(uuid.uuid5(NAMESPACE, f"{h.id}/{kind}")), village_id=h.village_id, version=1,
                   hlc=_hlc(at, counter), origin=ORIGIN, recorded_at=at, modified_at=at, deleted=False,
                   hazard_id=h.id, kind=kind, actor_kind="system", actor_id=None, actor_name=None, phrase=None,
                   note=None, photo_sha256=None, assignee_kind=None, assignee_id=None, assignee_name=None,
                   assignee_role=None, deadline=None, department=None, responsible=None,
                   notice_no=None)
        row.update(values)
        counter += 1
        return row

    facts = []
    state = dict(status="reported", acknowledged_at=None, fixed_at=None, closed_at=None)
    if h.status in ("dispatched", "fixing"):
        facts.append(fact("acknowledged", reported_at))
        state.update(status="acknowledged", acknowledged_at=reported_at)
    elif h.status == "closed" and h.fixed_on_spot:
        facts.append(fact("closed_on_spot", closed_at, note=h.closed_note))
        state.update(status="closed", acknowledged_at=closed_at, fixed_at=closed_at, closed_at=closed_at)
    elif h.status in ("fixed", "verified", "closed"):
        # the old register closed a hazard with a note on how it was fixed: fixed, then checked
        facts.append(fact("fixed", closed_at, note=h.closed_note))
        state.update(status="fixed", acknowledged_at=closed_at, fixed_at=closed_at)
        if h.status != "fixed":
            facts.append(fact("verified", closed_at))
            state.update(status="verified", closed_at=closed_at)
    is_open = state["status"] not in ("verified", "closed")
    acknowledged = state["acknowledged_at"] is not None
    next_due = None
    if is_open and state["status"] != "fixed":
        next_due = deadline if acknowledged else min(reported_at + ACK, deadline)
    fixed_at = state["fixed_at"]
    state.update(
        hazard_id=h.id, village_id=h.village_id, is_open=is_open, reported_at=reported_at,
        month=reported_at.replace(tzinfo=dt.timezone.utc).astimezone(_zone()).strftime("%Y-%m"),
        respond_by=reported_at + ACK, fix_due=deadline, next_due=next_due, assignee_kind=None, assignee_id=None,
        assignee_name=None, assignee_role=None, notice_no=None, fixed_photo_sha256=None,
        fixed_on_time=None if fixed_at is None else fixed_at <= deadline,
        days_to_fix=None if is_open or fixed_at is None else max((fixed_at - reported_at).total_seconds(), 0) / 86400,
        sent_back=0, listed=False, listed_responsible=None, listed_due=None, referred_to=None, escalated_at=None,
        last_action_at=max([reported_at, *(f["recorded_at"] for f in facts)]), actions=len(facts))
    return facts, state


def _replicate(conn, facts: list[dict]) -> None:
    """The township lists the new facts in its change log, for kiosks enrolled later; a kiosk queues
    the facts of hazards it has not sent yet (the township cannot have made those)."""
    from sync import capture
    mode = capture.mode()
    if mode == "server":
        capture.upsert_changelog(conn, [("hazard_action", f["id"], f["village_id"]) for f in facts], None)
    elif mode == "device":
        unsent = set(conn.execute(sa.text("SELECT record_id FROM sync_outbox WHERE table_name = 'hazard'")).scalars())
        capture.upsert_outbox(conn, [("hazard_action", f["id"], f["village_id"], 0, "") for f in facts
                                     if f["hazard_id"] in unsent])


def upgrade():
    _tables()
    with op.batch_alter_table("hazard") as batch_op:
        batch_op.add_column(sa.Column("code", sa.String(8), nullable=True))
        batch_op.add_column(sa.Column("recorded_by_id", sa.String(36), nullable=True))
        batch_op.add_column(sa.Column("recorded_by_name", sa.String(40), nullable=True))
        batch_op.add_column(sa.Column("respond_by", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("fix_by", sa.DateTime(), nullable=True))

    conn = op.get_bind()
    # reflected, so that datetimes and booleans are read and written as such on both databases
    meta = sa.MetaData()
    hazard, actions, state_table = (sa.Table(name, meta, autoload_with=conn)
                                    for name in ("hazard", "hazard_action", "hazard_state"))
    rows = conn.execute(sa.select(hazard)).all()
    facts, states = [], []
    for h in rows:
        more, state = _facts(h)
        facts += more
        states.append(state)
    if rows:
        conn.execute(sa.update(hazard).where(hazard.c.id == sa.bindparam("_id"))
                     .values(code=sa.bindparam("_code"), respond_by=sa.bindparam("_respond"),
                             fix_by=sa.bindparam("_fix")),
                     [{"_id": h.id, "_code": _code(h.id), "_respond": st["respond_by"], "_fix": st["fix_due"]}
                      for h, st in zip(rows, states)])
        conn.execute(sa.insert(state_table), states)
        if facts:
            conn.execute(sa.insert(actions), facts)
            _replicate(conn, facts)
    # out of order now follows the open hazards (kiosk/hydrants/service.py, AssetState)
    for name in ("hydrant", "water_pool"):
        conn.execute(sa.text(f"UPDATE {name} SET status = 'in_service' WHERE status = 'defect'"))

    with op.batch_alter_table("hazard") as batch_op:
        batch_op.alter_column("code", existing_type=sa.String(8), nullable=False)
        batch_op.drop_index(batch_op.f("ix_hazard_status"))
        batch_op.create_index(batch_op.f("ix_hazard_code"), ["code"], unique=False)
        for column in ("closed_at", "closed_note", "due_at", "fixed_on_spot", "status"):
            batch_op.drop_column(column)


def downgrade():
    """Back to one status column, from the derived state (the facts themselves cannot be kept)."""
    with op.batch_alter_table("hazard") as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(12), nullable=False, server_default="reported"))
        batch_op.add_column(sa.Column("fixed_on_spot", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("due_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("closed_note", sa.String(500), nullable=True))
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(), nullable=True))
        batch_op.drop_index(batch_op.f("ix_hazard_code"))
        batch_op.create_index(batch_op.f("ix_hazard_status"), ["status"], unique=False)
        for column in ("code", "recorded_by_id", "recorded_by_name", "respond_by", "fix_by"):
            batch_op.drop_column(column)
    conn = op.get_bind()
    for status, column in (("status", "status"), ("due_at", "fix_due"), ("closed_at", "closed_at")):
        conn.execute(sa.text(f"UPDATE hazard SET {status} = (SELECT {column} FROM hazard_state "
                             "WHERE hazard_state.hazard_id = hazard.id) "
                             "WHERE id IN (SELECT hazard_id FROM hazard_state)"))
    conn.execute(sa.text("UPDATE hazard SET fixed_on_spot = (status = 'closed')"))
    with op.batch_alter_table("hazard") as batch_op:
        batch_op.alter_column("status", existing_type=sa.String(12), server_default=None)
        batch_op.alter_column("fixed_on_spot", existing_type=sa.Boolean(), server_default=None)

    with op.batch_alter_table("hazard_state") as batch_op:
        for column in ("assignee_id", "is_open", "listed", "month", "next_due", "status", "village_id"):
            batch_op.drop_index(batch_op.f(f"ix_hazard_state_{column}"))
    op.drop_table("hazard_state")
    with op.batch_alter_table("hazard_deadline") as batch_op:
        batch_op.drop_index(batch_op.f("ix_hazard_deadline_village_id"))
    op.drop_table("hazard_deadline")
    with op.batch_alter_table("hazard_action") as batch_op:
        batch_op.drop_index(batch_op.f("ix_hazard_action_village_id"))
        batch_op.drop_index(batch_op.f("ix_hazard_action_hazard_id"))
    op.drop_table("hazard_action")
