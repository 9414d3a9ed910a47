"""audit log (安全审计): who changed the setup, what and when

Every row added, changed or removed in users, API tokens, departments, categories,
routing rules, deadline policies, the calendar, SMS templates and Open311 keys, written
in the change's own transaction (app/audit.py); listed newest first (by id).

Revision ID: 3308f75ca7e5
Revises: 16b3bf28e8ca
Create Date: 2026-12-04 02:15:24.240845

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "3308f75ca7e5"
down_revision = "16b3bf28e8ca"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_audit_log_actor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )


def downgrade():
    op.drop_table("audit_log")
