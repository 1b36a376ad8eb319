"""township supervision: staff scope (township or county), the villages' reports and the township's
answers (replicated facts), the evaluation rubric and score adjustments (township-local)

Revision ID: 0060_supervision
Revises: 0056_warning_answers
"""
import sqlalchemy as sa
from alembic import op

revision = "0060_supervision"
down_revision = "0056_warning_answers"
branch_labels = None
depends_on = None


def _synced():
    return [
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("village_id", sa.String(length=12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("hlc", sa.String(length=64), nullable=False),
        sa.Column("origin", sa.String(length=36), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("modified_at", sa.DateTime(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
    ]


def upgrade():
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scope", sa.String(length=8), server_default="township", nullable=False))

    op.create_table(
        "report_submission",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("submitted_by_id", sa.String(length=36), nullable=True),
        sa.Column("submitted_by_name", sa.String(length=40), nullable=True),
        *_synced(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_submission")),
    )
    with op.batch_alter_table("report_submission", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_submission_village_id"), ["village_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_submission_period"), ["period"], unique=False)

    op.create_table(
        "report_review",
        sa.Column("submission_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=False),
        sa.Column("staff_name", sa.String(length=40), nullable=True),
        *_synced(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_review")),
    )
    with op.batch_alter_table("report_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_review_village_id"), ["village_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_review_submission_id"), ["submission_id"], unique=False)

    op.create_table(
        "evaluation_rubric",
        sa.Column("township_code", sa.String(length=9), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("changed_by", sa.String(length=40), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("township_code", name=op.f("pk_evaluation_rubric")),
    )
    op.create_table(
        "score_adjustment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_code", sa.String(length=12), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("staff_name", sa.String(length=40), nullable=False),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_adjustment")),
    )
    with op.batch_alter_table("score_adjustment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_score_adjustment_village_code"), ["village_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_score_adjustment_month"), ["month"], unique=False)


def downgrade():
    with op.batch_alter_table("score_adjustment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_score_adjustment_month"))
        batch_op.drop_index(batch_op.f("ix_score_adjustment_village_code"))
    op.drop_table("score_adjustment")
    op.drop_table("evaluation_rubric")
    with op.batch_alter_table("report_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_review_submission_id"))
        batch_op.drop_index(batch_op.f("ix_report_review_village_id"))
    op.drop_table("report_review")
    with op.batch_alter_table("report_submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_submission_period"))
        batch_op.drop_index(batch_op.f("ix_report_submission_village_id"))
    op.drop_table("report_submission")
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.drop_column("scope")
