"""open311 api keys

Revision ID: 76119a1b0fa4
Revises: c68ac2c50472
Create Date: 2026-12-01 18:32:06.927821

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '76119a1b0fa4'
down_revision = 'c68ac2c50472'
branch_labels = None
depends_on = None


def upgrade():
    # The api_keys that administrators issue to Open311 client systems: only the key's
    # SHA-256 is stored (looked up by it, so unique), revoked keys are kept for the record.
    op.create_table('open311_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_name', sa.String(length=100), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open311_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_open311_keys_key_hash'))
    )
    op.create_index(op.f('ix_open311_keys_client_name'), 'open311_keys', ['client_name'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_open311_keys_client_name'), table_name='open311_keys')
    op.drop_table('open311_keys')
