"""summaries at county scale: each hydrant's and pool's checks per month and its latest check (local,
derived from the checks, never replicated); a hydrant's and a pool's checks indexed in time order;
the open hazards of a village indexed

Revision ID: 0070_summaries
Revises: 0061_phones
"""
from alembic import op
import sqlalchemy as sa


revision = "0070_summaries"
down_revision = "0061_phones"
branch_labels = None
depends_on = None

# the village's month of a check: villages are on Asia/Shanghai time (UTC+8, no daylight saving), the
# zone kiosk.supervision.rates.local_month and kiosk.context.local_day use
MONTH = {"postgresql": "to_char({} + interval '480 minutes', 'YYYY-MM')",
         "sqlite": "strftime('%Y-%m', {}, '+480 minutes')"}


def upgrade():
    op.create_table(
        "water_check_month",
        sa.Column("asset_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("village_id", sa.String(length=12), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("asset_id", "kind", "month", name=op.f("pk_water_check_month")),
    )
    op.create_table(
        "water_check_latest",
        sa.Column("asset_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("village_id", sa.String(length=12), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("asset_id", "kind", name=op.f("pk_water_check_latest")),
    )
    with op.batch_alter_table("hydrant_inspection", schema=None) as batch_op:
        batch_op.drop_index("ix_hydrant_inspection_hydrant_id")
        batch_op.create_index("ix_hydrant_inspection_hydrant_id_recorded_at", ["hydrant_id", "recorded_at"],
                              unique=False)
    with op.batch_alter_table("water_pool_check", schema=None) as batch_op:
        batch_op.drop_index("ix_water_pool_check_pool_id")
        batch_op.create_index("ix_water_pool_check_pool_id_recorded_at", ["pool_id", "recorded_at"], unique=False)
    with op.batch_alter_table("hazard_state", schema=None) as batch_op:
        batch_op.create_index("ix_hazard_state_village_id_is_open", ["village_id", "is_open"], unique=False)

    month = MONTH[op.get_bind().dialect.name]
    op.execute(f"""
        INSERT INTO water_check_month (asset_id, kind, month, village_id, last_at)
        SELECT hydrant_id, 'hydrant', {month.format('recorded_at')}, max(village_id), max(recorded_at)
        FROM hydrant_inspection WHERE deleted = false GROUP BY hydrant_id, {month.format('recorded_at')}""")
    op.execute(f"""
        INSERT INTO water_check_month (asset_id, kind, month, village_id, last_at)
        SELECT pool_id, check_kind, {month.format('recorded_at')}, max(village_id), max(recorded_at)
        FROM water_pool_check WHERE deleted = false GROUP BY pool_id, check_kind, {month.format('recorded_at')}""")
    op.execute("""
        INSERT INTO water_check_latest (asset_id, kind, village_id, last_at)
        SELECT asset_id, kind, max(village_id), max(last_at) FROM water_check_month GROUP BY asset_id, kind""")
    with op.batch_alter_table("water_check_month", schema=None) as batch_op:
        batch_op.create_index("ix_water_check_month_village_id_kind_month", ["village_id", "kind", "month"],
                              unique=False)
    with op.batch_alter_table("water_check_latest", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_water_check_latest_village_id"), ["village_id"], unique=False)


def downgrade():
    with op.batch_alter_table("hazard_state", schema=None) as batch_op:
        batch_op.drop_index("ix_hazard_state_village_id_is_open")
    with op.batch_alter_table("water_pool_check", schema=None) as batch_op:
        batch_op.drop_index("ix_water_pool_check_pool_id_recorded_at")
        batch_op.create_index("ix_water_pool_check_pool_id", ["pool_id"], unique=False)
    with op.batch_alter_table("hydrant_inspection", schema=None) as batch_op:
        batch_op.drop_index("ix_hydrant_inspection_hydrant_id_recorded_at")
        batch_op.create_index("ix_hydrant_inspection_hydrant_id", ["hydrant_id"], unique=False)
    with op.batch_alter_table("water_check_latest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_water_check_latest_village_id"))
    op.drop_table("water_check_latest")
    with op.batch_alter_table("water_check_month", schema=None) as batch_op:
        batch_op.drop_index("ix_water_check_month_village_id_kind_month")
    op.drop_table("water_check_month")
