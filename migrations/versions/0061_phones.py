"""volunteers' phones: enrolment tokens and phone credentials (township-local, never replicated)

Revision ID: 0061_phones
Revises: 0060_supervision
"""
from alembic import op
import sqlalchemy as sa


revision = "0061_phones"
down_revision = "0060_supervision"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "phone_enrolment",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("village_id", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_phone_enrolment_person_id_person"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_enrolment")),
    )
    with op.batch_alter_table("phone_enrolment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_phone_enrolment_person_id"), ["person_id"], unique=False)
    op.create_table(
        "phone_credential",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("village_id", sa.String(length=12), nullable=False),
        sa.Column("device", sa.String(length=120), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_phone_credential_person_id_person"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_credential")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_phone_credential_token_hash")),
    )
    with op.batch_alter_table("phone_credential", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_phone_credential_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_phone_credential_village_id"), ["village_id"], unique=False)


def downgrade():
    with op.batch_alter_table("phone_credential", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phone_credential_village_id"))
        batch_op.drop_index(batch_op.f("ix_phone_credential_person_id"))
    op.drop_table("phone_credential")
    with op.batch_alter_table("phone_enrolment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phone_enrolment_person_id"))
    op.drop_table("phone_enrolment")
