"""intake keys: index by time for the purge of expired keys

Keys expire after HOTLINE_INTAKE_KEY_HOURS; the hourly purge deletes the oldest in
batches by a range scan of this index, so its cost follows the rows it deletes, not the
table's size.

Revision ID: 2c344e0825d5
Revises: 3ae87f265ed0
Create Date: 2026-12-04 01:37:19.650914

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "2c344e0825d5"
down_revision = "3ae87f265ed0"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("intake_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_intake_keys_created_at"), ["created_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("intake_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intake_keys_created_at"))
