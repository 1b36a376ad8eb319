"""sessions with a server-side identity, sign-in throttles and staff's known addresses

Staff lockouts move from staff_user into throttle: they are counted per address and user name,
whether or not the user exists.

Revision ID: 0031_sessions_and_throttles
Revises: 0030_hazard_loop
"""
from alembic import op
import sqlalchemy as sa


revision = "0031_sessions_and_throttles"
down_revision = "0030_hazard_loop"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sign_in_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("boot_id", sa.String(length=36), nullable=False),
        sa.Column("seen", sa.Float(), nullable=False),
        sa.Column("stamp", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_sign_in_session_person_id_person"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["staff_id"], ["staff_user.id"], name=op.f("fk_sign_in_session_staff_id_staff_user"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_session")),
    )
    with op.batch_alter_table("sign_in_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_session_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sign_in_session_staff_id"), ["staff_id"], unique=False)
    op.create_table(
        "throttle",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("touched_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_throttle")),
    )
    with op.batch_alter_table("throttle", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_throttle_touched_at"), ["touched_at"], unique=False)
    op.create_table(
        "staff_known_address",
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("address_key", sa.String(length=64), nullable=False),
        sa.Column("last_ok_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff_user.id"],
                                name=op.f("fk_staff_known_address_staff_id_staff_user"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("staff_id", "address_key", name=op.f("pk_staff_known_address")),
    )
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.drop_column("failed_attempts")
        batch_op.drop_column("locked_until")


def downgrade():
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("failed_attempts", sa.Integer(), nullable=False, server_default="0"))
    op.drop_table("staff_known_address")
    with op.batch_alter_table("throttle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_throttle_touched_at"))
    op.drop_table("throttle")
    with op.batch_alter_table("sign_in_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_session_staff_id"))
        batch_op.drop_index(batch_op.f("ix_sign_in_session_person_id"))
    op.drop_table("sign_in_session")
