"""users: a password an administrator set is changed at the next login

A new user's password from the user list, and a reset one, are known to the
administrator who typed them: the user changes it before any other page. Users that
exist keep their passwords as they are (false).

Revision ID: 002bead1d5b0
Revises: 3308f75ca7e5
Create Date: 2026-12-04 02:43:53.660209

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "002bead1d5b0"
down_revision = "3308f75ca7e5"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "password_change_required",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
            )
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("password_change_required")
