"""linkage with other hotlines: source_hotline, transferred_to, transferred_ref, and one
case per (reference, sending hotline) of the cases transferred in

Revision ID: 545f01ce9be9
Revises: 64183594d6e0
Create Date: 2026-12-01 18:30:48.848449

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '545f01ce9be9'
down_revision = '64183594d6e0'
branch_labels = None
depends_on = None

TRANSFER_WITH_REF = "channel = 'transfer' AND external_ref <> ''"


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_hotline', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('transferred_to', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('transferred_ref', sa.String(length=64), server_default='', nullable=False))
    _refuse_existing_duplicates()
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(
            'uq_cases_transfer_ref',
            ['external_ref', 'source_hotline'],
            unique=True,
            sqlite_where=sa.text(TRANSFER_WITH_REF),
            postgresql_where=sa.text(TRANSFER_WITH_REF),
        )


def _refuse_existing_duplicates():
    """Transfers stored twice before this check existed: name them rather than fail on the
    index (an operator decides which to keep, e.g. mark one a duplicate and change its
    reference)."""
    rows = op.get_bind().execute(sa.text(
        "SELECT external_ref, COUNT(*) FROM cases WHERE " + TRANSFER_WITH_REF
        + " GROUP BY external_ref HAVING COUNT(*) > 1 LIMIT 20"
    )).all()
    if rows:
        refs = ", ".join(ref for ref, _ in rows)
        raise RuntimeError(f"cases transferred in more than once with reference(s) {refs}")


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('uq_cases_transfer_ref')
        batch_op.drop_column('transferred_ref')
        batch_op.drop_column('transferred_to')
        batch_op.drop_column('source_hotline')
