"""intake keys (重复提交保护): a registration sent again under its key registers nothing

The key (the API's Idempotency-Key header, the intake form's hidden key) and the case it
registered, unique per owner; written in the registration's transaction.

Revision ID: 3ae87f265ed0
Revises: 25e68c758473
Create Date: 2026-12-03 14:27:50.917310

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "3ae87f265ed0"
down_revision = "25e68c758473"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "intake_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_intake_keys_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_keys")),
        sa.UniqueConstraint("owner", "key", name=op.f("uq_intake_keys_owner")),
    )


def downgrade():
    op.drop_table("intake_keys")
