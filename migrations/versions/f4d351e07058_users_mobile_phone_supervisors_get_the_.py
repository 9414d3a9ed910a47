"""users: mobile phone (supervisors get the texts of seriously overdue cases)

Revision ID: f4d351e07058
Revises: 5c3572449eb4
Create Date: 2026-11-23 13:12:21.692683

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f4d351e07058'
down_revision = '5c3572449eb4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=20), nullable=True))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('phone')

