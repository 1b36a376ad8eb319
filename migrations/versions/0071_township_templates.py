"""township templates on screens: the pact template's editions, the township's drafts of its next
editions (township-local, never replicated)

Revision ID: 0071_township_templates
Revises: 0074_kiosk_speed
"""
from alembic import op
import sqlalchemy as sa


revision = "0071_township_templates"
down_revision = "0074_kiosk_speed"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("pact_template", schema=None) as batch_op:
        # templates issued before this revision were each a first edition
        batch_op.add_column(sa.Column("edition", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("supersedes_id", sa.String(length=36), nullable=True))
    op.create_table(
        "township_template_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("township_code", sa.String(length=9), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("based_on_id", sa.String(length=36), nullable=True),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("changed_by", sa.String(length=40), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_township_template_draft")),
        sa.UniqueConstraint("township_code", "kind", name=op.f("uq_township_template_draft_township_code")),
    )


def downgrade():
    op.drop_table("township_template_draft")
    with op.batch_alter_table("pact_template", schema=None) as batch_op:
        batch_op.drop_column("supersedes_id")
        batch_op.drop_column("edition")
