"""inbound deliveries, to answer each once

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inbound_deliveries',
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('delivery_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'delivery_id')
    )
    with op.batch_alter_table('inbound_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_deliveries_created_at'), ['created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('inbound_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_deliveries_created_at'))

    op.drop_table('inbound_deliveries')
