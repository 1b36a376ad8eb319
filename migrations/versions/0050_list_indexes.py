"""indexes the kiosk's lists and badges read by: a pledge's withdrawal

Revision ID: 0050_list_indexes
Revises: 0031_sessions_and_throttles
"""
from alembic import op


revision = "0050_list_indexes"
down_revision = "0031_sessions_and_throttles"
branch_labels = None
depends_on = None


def upgrade():
    # progress and the door-to-door list ask of every pledge whether a withdrawal points at it
    op.create_index("ix_pledge_corrects_id", "pledge", ["corrects_id"])


def downgrade():
    op.drop_index("ix_pledge_corrects_id", table_name="pledge")
