"""sync: the township's change log numbered per scope (a village, a township), not county-wide

Revision ID: 0051_changelog_scopes
Revises: 0050_list_indexes

Pushes from different villages no longer wait for one counter, and a pull reads its own scopes'
numbers along the (village_id, seq) index (sync.cursor). Existing rows are renumbered in their
order; each scope's counter starts where its rows end. Kiosks holding a cursor of the old numbering
pull their scopes again from the beginning, once.
"""
from alembic import op
import sqlalchemy as sa


revision = "0051_changelog_scopes"
down_revision = "0050_list_indexes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sync_changelog", schema=None) as batch_op:
        batch_op.drop_constraint("uq_sync_changelog_seq", type_="unique")
        batch_op.drop_index("ix_sync_changelog_village_seq")
    op.execute("""
        UPDATE sync_changelog SET seq = numbered.n
        FROM (SELECT table_name, record_id, row_number() OVER (PARTITION BY village_id ORDER BY seq) AS n
              FROM sync_changelog) AS numbered
        WHERE sync_changelog.table_name = numbered.table_name AND sync_changelog.record_id = numbered.record_id
    """)
    with op.batch_alter_table("sync_changelog", schema=None) as batch_op:
        batch_op.create_index("ix_sync_changelog_village_seq", ["village_id", "seq"], unique=True)
    # the renumbered rows decide every scope's counter (one a newer program may have left is stale)
    op.execute("DELETE FROM sync_counter WHERE name = 'changelog' OR name LIKE 'log:%'")
    op.execute("""
        INSERT INTO sync_counter (name, value)
        SELECT 'log:' || village_id, max(seq) FROM sync_changelog GROUP BY village_id
    """)


def downgrade():
    # one county-wide numbering again, in the order the changes were received
    with op.batch_alter_table("sync_changelog", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_changelog_village_seq")
    op.execute("""
        UPDATE sync_changelog SET seq = numbered.n
        FROM (SELECT table_name, record_id,
                     row_number() OVER (ORDER BY received_at, village_id, seq) AS n FROM sync_changelog) AS numbered
        WHERE sync_changelog.table_name = numbered.table_name AND sync_changelog.record_id = numbered.record_id
    """)
    with op.batch_alter_table("sync_changelog", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_sync_changelog_seq", ["seq"])
        batch_op.create_index("ix_sync_changelog_village_seq", ["village_id", "seq"], unique=False)
    op.execute("DELETE FROM sync_counter WHERE name LIKE 'log:%'")
    op.execute("INSERT INTO sync_counter (name, value) SELECT 'changelog', coalesce(max(seq), 0) FROM sync_changelog")
