"""co-handling: assisting departments' opinions

Revision ID: 99bb62cf35b6
Revises: 0af4cda992b5
Create Date: 2026-11-23 13:52:04.871483

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '99bb62cf35b6'
down_revision = '0af4cda992b5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_assists', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opinion', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('opinion_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('opinion_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_case_assists_opinion_by_id_users'), 'users', ['opinion_by_id'], ['id'])



def downgrade():
    with op.batch_alter_table('case_assists', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_case_assists_opinion_by_id_users'), type_='foreignkey')
        batch_op.drop_column('opinion_at')
        batch_op.drop_column('opinion_by_id')
        batch_op.drop_column('opinion')

