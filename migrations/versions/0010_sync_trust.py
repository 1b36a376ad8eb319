"""sync: held rows, version stamps, base values, declared columns, enrolment rate limit

Revision ID: 0010_sync_trust
Revises: 0007_merge_features
"""
from alembic import op
import sqlalchemy as sa


revision = "0010_sync_trust"
down_revision = "0007_merge_features"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sync_held',
    sa.Column('table_name', sa.String(length=64), nullable=False),
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('reason', sa.String(length=24), nullable=False),
    sa.Column('detail', sa.String(length=500), nullable=False),
    sa.Column('device_id', sa.String(length=36), nullable=True),
    sa.Column('row', sa.JSON(), nullable=False),
    sa.Column('base', sa.JSON(), nullable=True),
    sa.Column('clash_id', sa.String(length=36), nullable=True),
    sa.Column('clash_columns', sa.JSON(), nullable=False),
    sa.Column('stored_version', sa.Integer(), nullable=False),
    sa.Column('detected_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('resolution', sa.String(length=12), nullable=True),
    sa.Column('settled_by', sa.String(length=40), nullable=True),
    sa.Column('settled_at', sa.DateTime(), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('village_id', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('hlc', sa.String(length=64), nullable=False),
    sa.Column('origin', sa.String(length=36), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('modified_at', sa.DateTime(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_held'))
    )
    with op.batch_alter_table('sync_held', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_held_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_held_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_held_village_id'), ['village_id'], unique=False)

    op.create_table('sync_enrol_attempt',
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('window_start', sa.DateTime(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('address', name=op.f('pk_sync_enrol_attempt'))
    )

    with op.batch_alter_table('sync_changelog', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stamps', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('sync_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('base_values', sa.JSON(), nullable=True))
    with op.batch_alter_table('sync_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('schema_hash', sa.String(length=64), nullable=True))
    with op.batch_alter_table('sync_device', schema=None) as batch_op:
        batch_op.add_column(sa.Column('schema', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('schema_hash', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('sync_device', schema=None) as batch_op:
        batch_op.drop_column('schema_hash')
        batch_op.drop_column('schema')
    with op.batch_alter_table('sync_state', schema=None) as batch_op:
        batch_op.drop_column('schema_hash')
    with op.batch_alter_table('sync_outbox', schema=None) as batch_op:
        batch_op.drop_column('base_values')
    with op.batch_alter_table('sync_changelog', schema=None) as batch_op:
        batch_op.drop_column('stamps')
    op.drop_table('sync_enrol_attempt')
    with op.batch_alter_table('sync_held', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_held_village_id'))
        batch_op.drop_index(batch_op.f('ix_sync_held_status'))
        batch_op.drop_index(batch_op.f('ix_sync_held_record_id'))
    op.drop_table('sync_held')
