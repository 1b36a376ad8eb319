"""merge the feature branches: hydrants, station, pacts, sync, warnings

Each feature was written as a branch from the foundation; from here on the history is one line again,
so `flask db upgrade` needs no `heads`.

Revision ID: 0007_merge_features
Revises: 0002_hydrants, 0003_station, 0004_pacts, 0005_sync, 0006_warnings
"""

revision = "0007_merge_features"
down_revision = ("0002_hydrants", "0003_station", "0004_pacts", "0005_sync", "0006_warnings")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
