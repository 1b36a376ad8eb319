"""indexes the kiosk's badges and lists read by: an asset's latest inspection or check, a village's open hazards

Revision ID: 0074_kiosk_speed
Revises: 0070_summaries
"""
from alembic import op


revision = "0074_kiosk_speed"
down_revision = "0070_summaries"
branch_labels = None
depends_on = None


def upgrade():
    # the hydrants' states (home badge, list, plot) read each asset's newest record from its own
    # entries, not all five years of a village's records grouped
    op.create_index("ix_hydrant_inspection_latest", "hydrant_inspection",
                    ["hydrant_id", "deleted", "recorded_at", "id"])
    op.create_index("ix_water_pool_check_latest", "water_pool_check",
                    ["pool_id", "deleted", "check_kind", "recorded_at", "id"])
    # a boolean index over half the rows: SQLite, which keeps no statistics on a kiosk, took it over an
    # asset's own hazards (by subject); a village's open hazards by deadline serve the register instead
    op.drop_index("ix_hazard_state_is_open", table_name="hazard_state")
    # and by deadline, which also serves the township's count of a village's open hazards (0070's)
    op.drop_index("ix_hazard_state_village_id_is_open", table_name="hazard_state")
    op.create_index("ix_hazard_state_open", "hazard_state", ["village_id", "is_open", "next_due"])
    # the register's counts join every state to its hazard for "not deleted": answered from the index
    op.create_index("ix_hazard_live", "hazard", ["id", "deleted"])
    if op.get_bind().dialect.name == "postgresql":
        # 0070's derived tables were filled without statistics: the planner would guess their size
        op.execute("ANALYZE water_check_month")
        op.execute("ANALYZE water_check_latest")


def downgrade():
    op.drop_index("ix_hazard_live", table_name="hazard")
    op.drop_index("ix_hazard_state_open", table_name="hazard_state")
    op.create_index("ix_hazard_state_village_id_is_open", "hazard_state", ["village_id", "is_open"])
    op.create_index("ix_hazard_state_is_open", "hazard_state", ["is_open"])
    op.drop_index("ix_water_pool_check_latest", table_name="water_pool_check")
    op.drop_index("ix_hydrant_inspection_latest", table_name="hydrant_inspection")
