"""the county's overview: indexes its summaries read by (deleted hazards, hazards by kind of subject and by source)

Revision ID: 0077_overview_speed
Revises: 0073_photo_tokens
"""
import sqlalchemy as sa
from alembic import op


revision = "0077_overview_speed"
down_revision = "0073_photo_tokens"
branch_labels = None
depends_on = None


def upgrade():
    # the open hazards of 500 villages are twenty thousand: the overview keeps out the deleted ones
    # (a handful) rather than looking each open one up
    op.create_index("ix_hazard_deleted", "hazard", ["id"], postgresql_where=sa.text("deleted"),
                    sqlite_where=sa.text("deleted"))
    # hydrants' and the station's hazards by their kind of subject, and the hazards patrols found
    # since a night began: each read the whole register before
    op.create_index("ix_hazard_subject", "hazard", ["subject_kind", "subject_id"])
    op.create_index("ix_hazard_source", "hazard", ["source", "recorded_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ANALYZE hazard")


def downgrade():
    op.drop_index("ix_hazard_source", table_name="hazard")
    op.drop_index("ix_hazard_subject", table_name="hazard")
    op.drop_index("ix_hazard_deleted", table_name="hazard")
