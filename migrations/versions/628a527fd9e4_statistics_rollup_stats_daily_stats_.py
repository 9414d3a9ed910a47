"""statistics rollup: stats_daily, stats_deltas; indexes for overdue and department figures

The rollup starts empty: `hotline stats-rebuild` fills it from the cases stored
(`hotline init` does so by itself when it finds cases and an empty rollup).

Revision ID: 628a527fd9e4
Revises: 76119a1b0fa4
Create Date: 2026-12-01 18:32:02.155716

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "628a527fd9e4"
down_revision = "76119a1b0fa4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stats_daily",
        sa.Column("dim", sa.String(length=12), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("dept", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("received", sa.Integer(), server_default="0", nullable=False),
        sa.Column("closed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("replied", sa.Integer(), server_default="0", nullable=False),
        sa.Column("replied_on_time", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reply_seconds", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("returns", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rated", sa.Integer(), server_default="0", nullable=False),
        sa.Column("satisfied", sa.Integer(), server_default="0", nullable=False),
        sa.Column("transferred_out", sa.Integer(), server_default="0", nullable=False),
        *[sa.Column(f"h{i}", sa.Integer(), server_default="0", nullable=False) for i in range(22)],
        sa.PrimaryKeyConstraint("dim", "day", "dept", "key", name=op.f("pk_stats_daily")),
    )
    op.create_table(
        "stats_deltas",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("district", sa.String(length=50), nullable=False),
        sa.Column("received", sa.Integer(), server_default="0", nullable=False),
        sa.Column("closed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("replied", sa.Integer(), server_default="0", nullable=False),
        sa.Column("replied_on_time", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reply_seconds", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("returns", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rated", sa.Integer(), server_default="0", nullable=False),
        sa.Column("satisfied", sa.Integer(), server_default="0", nullable=False),
        sa.Column("transferred_out", sa.Integer(), server_default="0", nullable=False),
        sa.Column("bucket", sa.Integer(), server_default="-1", nullable=False),
        sa.Column("bucket_n", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_deltas")),
    )
    with op.batch_alter_table("stats_deltas", schema=None) as batch_op:
        batch_op.create_index("ix_stats_deltas_day", ["day"], unique=False)

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cases_department_id_created_at", ["department_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_cases_status_due_at", ["status", "due_at"], unique=False)


def downgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_status_due_at")
        batch_op.drop_index("ix_cases_department_id_created_at")

    with op.batch_alter_table("stats_deltas", schema=None) as batch_op:
        batch_op.drop_index("ix_stats_deltas_day")

    op.drop_table("stats_deltas")
    op.drop_table("stats_daily")
