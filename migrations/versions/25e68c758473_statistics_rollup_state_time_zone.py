"""statistics rollup state: the time zone its days were cut in

Starts empty: the first fold records the zone the scheduler runs in (the rollup kept
so far is taken to be in it); after that a different HOTLINE_TIMEZONE makes the
scheduler rebuild the rollup.

Revision ID: 25e68c758473
Revises: 4ca85c7fb3fb
Create Date: 2026-12-03 06:40:11.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "25e68c758473"
down_revision = "4ca85c7fb3fb"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stats_rollup_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("rebuilt_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_rollup_state")),
    )


def downgrade():
    op.drop_table("stats_rollup_state")
