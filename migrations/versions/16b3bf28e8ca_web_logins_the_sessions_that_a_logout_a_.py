"""web logins: the sessions that a logout, a disabled user or their hours end

A session cookie carries the random key of its login here (stored as its SHA-256); the
pages take a cookie only while its login is live. Cookies from before this revision
carry no login: their users log in once more.

Revision ID: 16b3bf28e8ca
Revises: 2c344e0825d5
Create Date: 2026-12-04 01:39:15.002226

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "16b3bf28e8ca"
down_revision = "2c344e0825d5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_web_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_web_sessions_key_hash")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_user_id"))

    op.drop_table("web_sessions")
