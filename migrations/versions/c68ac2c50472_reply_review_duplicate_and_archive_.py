"""reply review (回复审核): cases.reply_approved_at and reworked_at; indexes for the review
and callback queues, possible duplicates (address + category) and bulk archiving; history
by action and time (returns and reworks per department)

Replies already waiting for their callback when this runs count as released.

Revision ID: c68ac2c50472
Revises: 545f01ce9be9
Create Date: 2026-12-01 18:29:39.648494

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c68ac2c50472'
down_revision = '545f01ce9be9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index('ix_case_events_action_created_at', ['action', 'created_at'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_approved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reworked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_cases_address_category_id_created_at', ['address', 'category_id', 'created_at'], unique=False)
        batch_op.create_index('ix_cases_status_closed_at', ['status', 'closed_at'], unique=False)
        batch_op.create_index('ix_cases_status_reply_approved_at', ['status', 'reply_approved_at', 'replied_at'], unique=False)

    # replies that were already with the caller stay on the callback list
    op.execute("UPDATE cases SET reply_approved_at = replied_at WHERE status = 'replied'")


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_status_reply_approved_at')
        batch_op.drop_index('ix_cases_status_closed_at')
        batch_op.drop_index('ix_cases_address_category_id_created_at')
        batch_op.drop_column('reworked_at')
        batch_op.drop_column('reply_approved_at')

    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index('ix_case_events_action_created_at')

