"""SMS: status callbacks, inbound texts, opt-outs, templates, sender pace

Revision ID: 97e4e3c6cd74
Revises: 5b3382e466b2
Create Date: 2026-11-23 12:30:51.868640

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '97e4e3c6cd74'
down_revision = '5b3382e466b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sms_opt_outs',
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('keyword', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('phone', name=op.f('pk_sms_opt_outs'))
    )
    op.create_table('sms_sender_pace',
    sa.Column('sender', sa.String(length=32), nullable=False),
    sa.Column('next_slot_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sender', name=op.f('pk_sms_sender_pace'))
    )
    op.create_table('sms_status_callbacks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_sid', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error_code', sa.String(length=16), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_status_callbacks'))
    )
    with op.batch_alter_table('sms_status_callbacks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sms_status_callbacks_provider_sid'), ['provider_sid'], unique=False)

    op.create_table('sms_templates',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_sms_templates'))
    )
    op.create_table('inbound_sms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_sid', sa.String(length=64), nullable=False),
    sa.Column('from_phone', sa.String(length=20), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_inbound_sms_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_sms')),
    sa.UniqueConstraint('message_sid', name=op.f('uq_inbound_sms_message_sid'))
    )
    with op.batch_alter_table('inbound_sms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_sms_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_sms_from_phone'), ['from_phone'], unique=False)



def downgrade():
    with op.batch_alter_table('inbound_sms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_sms_from_phone'))
        batch_op.drop_index(batch_op.f('ix_inbound_sms_case_id'))

    op.drop_table('inbound_sms')
    op.drop_table('sms_templates')
    with op.batch_alter_table('sms_status_callbacks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sms_status_callbacks_provider_sid'))

    op.drop_table('sms_status_callbacks')
    op.drop_table('sms_sender_pace')
    op.drop_table('sms_opt_outs')
