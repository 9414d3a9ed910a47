"""acceptance deadline: cases' accept_due_at and flag, policies' accept_minutes

Revision ID: e86eea585afe
Revises: f4d351e07058
Create Date: 2026-11-23 13:40:36.638240

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e86eea585afe'
down_revision = 'f4d351e07058'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accept_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('accept_overdue', sa.Boolean(), server_default='0', nullable=False))
        batch_op.create_index(batch_op.f('ix_cases_accept_due_at'), ['accept_due_at'], unique=False)

    with op.batch_alter_table('deadline_policies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accept_minutes', sa.Integer(), nullable=True))
    # The emergency default (seeded as a row) is accepted within 30 minutes, as built in.
    op.execute(
        "UPDATE deadline_policies SET accept_minutes = 30 WHERE priority = 'emergency' "
        "AND channel IS NULL AND category_id IS NULL AND accept_minutes IS NULL"
    )



def downgrade():
    with op.batch_alter_table('deadline_policies', schema=None) as batch_op:
        batch_op.drop_column('accept_minutes')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_accept_due_at'))
        batch_op.drop_column('accept_overdue')
        batch_op.drop_column('accept_due_at')

