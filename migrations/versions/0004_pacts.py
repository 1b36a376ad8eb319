"""fire pact: township templates, versions and clauses, household pledges, door-to-door visits

Revision ID: 0004_pacts
Revises: 0001_foundation
Create Date: 2026-11-28 20:27:01.736552

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_pacts'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pact',
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=80), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('template_id', sa.String(length=36), nullable=True),
    sa.Column('based_on_id', sa.String(length=36), nullable=True),
    sa.Column('meeting_date', sa.Date(), nullable=True),
    sa.Column('attendance', sa.Integer(), nullable=True),
    sa.Column('presided_by', sa.String(length=40), nullable=True),
    sa.Column('adopted_at', sa.DateTime(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('superseded_at', sa.DateTime(), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('village_id', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('hlc', sa.String(length=64), nullable=False),
    sa.Column('origin', sa.String(length=36), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('modified_at', sa.DateTime(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pact'))
    )
    with op.batch_alter_table('pact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pact_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_pact_village_id'), ['village_id'], unique=False)

    op.create_table('pact_template',
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('clauses', sa.JSON(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('village_id', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('hlc', sa.String(length=64), nullable=False),
    sa.Column('origin', sa.String(length=36), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('modified_at', sa.DateTime(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pact_template'))
    )
    with op.batch_alter_table('pact_template', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pact_template_village_id'), ['village_id'], unique=False)


    op.create_table('door_visit',
    sa.Column('household_id', sa.String(length=36), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('visitors', sa.String(length=120), nullable=False),
    sa.Column('topics', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('hazards_found', sa.Integer(), nullable=False),
    sa.Column('recorded_by_id', sa.String(length=36), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('village_id', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('hlc', sa.String(length=64), nullable=False),
    sa.Column('origin', sa.String(length=36), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('modified_at', sa.DateTime(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_door_visit_household_id_household')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_door_visit'))
    )
    with op.batch_alter_table('door_visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_door_visit_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_door_visit_village_id'), ['village_id'], unique=False)

    op.create_table('pact_clause',
    sa.Column('pact_id', sa.String(length=36), nullable=False),
    sa.Column('lineage', sa.String(length=36), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=24), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('village_id', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('hlc', sa.String(length=64), nullable=False),
    sa.Column('origin', sa.String(length=36), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('modified_at', sa.DateTime(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['pact_id'], ['pact.id'], name=op.f('fk_pact_clause_pact_id_pact')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pact_clause'))
    )
    with op.batch_alter_table('pact_clause', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pact_clause_pact_id'), ['pact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pact_clause_village_id'), ['village_id'], unique=False)

    op.create_table('pledge',
    sa.Column('pact_id', sa.String(length=36), nullable=False),
    sa.Column('household_id', sa.String(length=36), nullable=False),
    sa.Column('method', sa.String(length=12), nullable=False),
    sa.Column('signature', sa.Text(), nullable=True),
    sa.Column('signer_name', sa.String(length=40), nullable=True),
    sa.Column('confirmed_by', sa.String(length=60), nullable=True),
    sa.Column('recorded_by_id', sa.String(length=36), nullable=True),
    sa.Column('corrects_id', sa.String(length=36), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('village_id', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('hlc', sa.String(length=64), nullable=False),
    sa.Column('origin', sa.String(length=36), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('modified_at', sa.DateTime(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_pledge_household_id_household')),
    sa.ForeignKeyConstraint(['pact_id'], ['pact.id'], name=op.f('fk_pledge_pact_id_pact')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge'))
    )
    with op.batch_alter_table('pledge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pledge_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledge_pact_id'), ['pact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledge_village_id'), ['village_id'], unique=False)



def downgrade():
    with op.batch_alter_table('pledge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pledge_village_id'))
        batch_op.drop_index(batch_op.f('ix_pledge_pact_id'))
        batch_op.drop_index(batch_op.f('ix_pledge_household_id'))
    op.drop_table('pledge')
    with op.batch_alter_table('pact_clause', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pact_clause_village_id'))
        batch_op.drop_index(batch_op.f('ix_pact_clause_pact_id'))
    op.drop_table('pact_clause')
    with op.batch_alter_table('door_visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_door_visit_village_id'))
        batch_op.drop_index(batch_op.f('ix_door_visit_household_id'))
    op.drop_table('door_visit')
    with op.batch_alter_table('pact_template', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pact_template_village_id'))
    op.drop_table('pact_template')
    with op.batch_alter_table('pact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pact_village_id'))
        batch_op.drop_index(batch_op.f('ix_pact_status'))
    op.drop_table('pact')
