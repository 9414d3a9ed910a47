"""cases: latitude and longitude (位置) from Open311 and the API

Both nullable (most cases have an address only); SQLite adds them in place (ALTER TABLE
ADD COLUMN), without copying the table.

Revision ID: 4ca85c7fb3fb
Revises: 628a527fd9e4
Create Date: 2026-12-03 06:32:22.004219

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "4ca85c7fb3fb"
down_revision = "628a527fd9e4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("latitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("longitude", sa.Float(), nullable=True))


def downgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("longitude")
        batch_op.drop_column("latitude")
