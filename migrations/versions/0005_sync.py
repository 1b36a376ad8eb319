"""sync: outbox, change log, devices, enrolment codes, blobs, conflicts

Revision ID: 0005_sync
Revises: 0001_foundation
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0005_sync"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sync_blob_queue',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('direction', sa.String(length=4), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('sha256', 'direction', name=op.f('pk_sync_blob_queue'))
    )

    op.create_table('sync_blob_wanted',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('sha256', 'device_id', name=op.f('pk_sync_blob_wanted'))
    )

    op.create_table('sync_changelog',
    sa.Column('table_name', sa.String(length=64), nullable=False),
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('village_id', sa.String(length=12), nullable=False),
    sa.Column('source_device', sa.String(length=36), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('table_name', 'record_id', name=op.f('pk_sync_changelog')),
    sa.UniqueConstraint('seq', name=op.f('uq_sync_changelog_seq'))
    )

    with op.batch_alter_table('sync_changelog', schema=None) as batch_op:
        batch_op.create_index('ix_sync_changelog_village_seq', ['village_id', 'seq'], unique=False)

    op.create_table('sync_conflict',
    sa.Column('table_name', sa.String(length=64), nullable=False),
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('winner', sa.JSON(), nullable=False),
    sa.Column('loser', sa.JSON(), nullable=False),
    sa.Column('loser_device', sa.String(length=36), nullable=True),
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
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_conflict'))
    )

    with op.batch_alter_table('sync_conflict', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_conflict_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_conflict_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_conflict_village_id'), ['village_id'], unique=False)

    op.create_table('sync_counter',
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_sync_counter'))
    )

    op.create_table('sync_device',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('village_id', sa.String(length=12), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(), nullable=False),
    sa.Column('enrolled_by', sa.String(length=40), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_by', sa.String(length=40), nullable=True),
    sa.Column('app_version', sa.String(length=20), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(), nullable=True),
    sa.Column('last_push_at', sa.DateTime(), nullable=True),
    sa.Column('last_device_time', sa.DateTime(), nullable=True),
    sa.Column('clock_offset_s', sa.Float(), nullable=True),
    sa.Column('push_hw', sa.BigInteger(), nullable=False),
    sa.Column('push_confirmed', sa.BigInteger(), nullable=False),
    sa.Column('pending_up', sa.Integer(), nullable=False),
    sa.Column('pull_cursor', sa.BigInteger(), nullable=False),
    sa.Column('regressions', sa.Integer(), nullable=False),
    sa.Column('recent_requests', sa.JSON(), nullable=True),
    sa.Column('last_regression_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_device'))
    )

    with op.batch_alter_table('sync_device', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_device_village_id'), ['village_id'], unique=False)

    op.create_table('sync_enrolment_code',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=True),
    sa.Column('village_id', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=40), nullable=True),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('device_id', sa.String(length=36), nullable=True),
    sa.Column('request_key', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_enrolment_code')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_sync_enrolment_code_code_hash')),
    sa.UniqueConstraint('request_key', name=op.f('uq_sync_enrolment_code_request_key'))
    )

    op.create_table('sync_outbox',
    sa.Column('table_name', sa.String(length=64), nullable=False),
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('village_id', sa.String(length=12), nullable=False),
    sa.Column('base_version', sa.Integer(), nullable=False),
    sa.Column('base_hlc', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('table_name', 'record_id', name=op.f('pk_sync_outbox')),
    sa.UniqueConstraint('seq', name=op.f('uq_sync_outbox_seq'))
    )

    op.create_table('sync_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('server_url', sa.String(length=300), nullable=True),
    sa.Column('device_id', sa.String(length=36), nullable=True),
    sa.Column('token', sa.String(length=100), nullable=True),
    sa.Column('village_code', sa.String(length=12), nullable=True),
    sa.Column('township_code', sa.String(length=9), nullable=True),
    sa.Column('enrolled_at', sa.DateTime(), nullable=True),
    sa.Column('push_acked', sa.BigInteger(), nullable=False),
    sa.Column('pull_cursor', sa.BigInteger(), nullable=False),
    sa.Column('last_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('last_success_at', sa.DateTime(), nullable=True),
    sa.Column('last_success_server_at', sa.DateTime(), nullable=True),
    sa.Column('offline_since', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=40), nullable=True),
    sa.Column('last_error_detail', sa.String(length=500), nullable=True),
    sa.Column('clock_offset_s', sa.Float(), nullable=True),
    sa.Column('resyncs', sa.Integer(), nullable=False),
    sa.Column('full_pull', sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_state'))
    )

    counters = sa.table("sync_counter", sa.column("name", sa.String), sa.column("value", sa.BigInteger))
    op.bulk_insert(counters, [{"name": "outbox", "value": 0}, {"name": "changelog", "value": 0}])


def downgrade():
    op.drop_table('sync_state')

    op.drop_table('sync_outbox')

    op.drop_table('sync_enrolment_code')

    with op.batch_alter_table('sync_device', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_device_village_id'))

    op.drop_table('sync_device')

    op.drop_table('sync_counter')

    with op.batch_alter_table('sync_conflict', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_conflict_village_id'))
        batch_op.drop_index(batch_op.f('ix_sync_conflict_status'))
        batch_op.drop_index(batch_op.f('ix_sync_conflict_record_id'))

    op.drop_table('sync_conflict')

    with op.batch_alter_table('sync_changelog', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_changelog_village_seq')

    op.drop_table('sync_changelog')

    op.drop_table('sync_blob_wanted')

    op.drop_table('sync_blob_queue')
