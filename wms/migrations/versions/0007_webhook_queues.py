"""webhook queues: deliveries claimed per (endpoint, aggregate) queue, leases renewed by their worker

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 23:50:00

Delivery used to claim deliveries by their own due time, so a long line of due events behind a
failed one could fill a round and stop all delivery. Workers now claim queues (one per endpoint and
aggregate), each due when its head is; leases move from deliveries to queues and are renewed while
their worker lives. The unfinished-deliveries index is partial, so a queue's history is never read.
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

UNFINISHED = "status IN ('pending', 'delivering')"


def upgrade() -> None:
    op.create_table('webhook_queues',
    sa.Column('endpoint_id', sa.Integer(), nullable=False),
    sa.Column('aggregate', sa.String(length=100), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoints.id'], name=op.f('fk_webhook_queues_endpoint_id_webhook_endpoints')),
    sa.PrimaryKeyConstraint('endpoint_id', 'aggregate', name=op.f('pk_webhook_queues'))
    )
    op.create_index('ix_webhook_queues_due', 'webhook_queues', ['next_attempt_at'], unique=False)
    # A delivery a worker held when this upgrade ran is sent again (at least once, same webhook-id).
    op.execute("UPDATE webhook_deliveries SET status = 'pending' WHERE status = 'delivering'")
    # Each queue with unfinished deliveries is due when its head (its lowest event) is.
    op.execute(
        "INSERT INTO webhook_queues (endpoint_id, aggregate, next_attempt_at) "
        "SELECT d.endpoint_id, d.aggregate, min(d.next_attempt_at) FROM webhook_deliveries d "
        f"WHERE d.{UNFINISHED} AND d.event_id = (SELECT min(h.event_id) FROM webhook_deliveries h "
        f"WHERE h.endpoint_id = d.endpoint_id AND h.aggregate = d.aggregate AND h.{UNFINISHED}) "
        "GROUP BY d.endpoint_id, d.aggregate")
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_deliveries_due')
        batch_op.drop_index('ix_webhook_deliveries_chain')
        batch_op.drop_column('lease_until')
        batch_op.drop_column('claimed_by')
    op.create_index('ix_webhook_deliveries_unfinished', 'webhook_deliveries', ['endpoint_id', 'aggregate', 'event_id'],
                    unique=False, sqlite_where=sa.text(UNFINISHED), postgresql_where=sa.text(UNFINISHED))


def downgrade() -> None:
    op.drop_index('ix_webhook_deliveries_unfinished', table_name='webhook_deliveries')
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_webhook_deliveries_chain', ['endpoint_id', 'aggregate', 'event_id'], unique=False)
        batch_op.create_index('ix_webhook_deliveries_due', ['status', 'next_attempt_at'], unique=False)
    op.drop_index('ix_webhook_queues_due', table_name='webhook_queues')
    op.drop_table('webhook_queues')
