"""pauses of the reply clock

Revision ID: 0af4cda992b5
Revises: e86eea585afe
Create Date: 2026-11-23 13:46:32.470374

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0af4cda992b5'
down_revision = 'e86eea585afe'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_pauses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('clock_round', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('paused_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resumed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resumed_by', sa.String(length=16), nullable=False),
    sa.Column('due_before', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_after', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_pauses_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_pauses'))
    )
    with op.batch_alter_table('case_pauses', schema=None) as batch_op:
        batch_op.create_index('ix_case_pauses_case_id_round', ['case_id', 'clock_round'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paused_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('pause_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_pause_until'), ['pause_until'], unique=False)



def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_pause_until'))
        batch_op.drop_column('pause_until')
        batch_op.drop_column('paused_at')

    with op.batch_alter_table('case_pauses', schema=None) as batch_op:
        batch_op.drop_index('ix_case_pauses_case_id_round')

    op.drop_table('case_pauses')
