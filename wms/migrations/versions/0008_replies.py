"""replies: one reply store for Idempotency-Keys and scan_ids

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08 02:40:00

Storefront replies (idempotency_keys) and scanner replies (scan_replies) were two tables behind two
code paths; every keyed write now goes through one pipeline and one store. Finished replies are
copied, so a retry sent across the upgrade still gets its first reply; claims of requests that were
running (state 'running', written by versions before group commit) are dropped: their work either
committed with a 'done' row or never happened.
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('scope', sa.String(length=100), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_replies')),
    sa.UniqueConstraint('kind', 'scope', 'key', name='uq_replies_kind_scope_key')
    )
    op.create_index(op.f('ix_replies_created_at'), 'replies', ['created_at'], unique=False)
    op.execute(
        "INSERT INTO replies (kind, scope, key, request_hash, status_code, body, actor, created_at) "
        "SELECT 'idempotency', scope, key, request_hash, status_code, body, scope, created_at "
        "FROM idempotency_keys WHERE state = 'done'")
    op.execute(
        "INSERT INTO replies (kind, scope, key, request_hash, status_code, body, actor, created_at) "
        "SELECT 'scan', '', scan_id, request_hash, status_code, body, actor, created_at FROM scan_replies")
    op.drop_table('idempotency_keys')
    with op.batch_alter_table('scan_replies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scan_replies_created_at'))
    op.drop_table('scan_replies')


def downgrade() -> None:
    op.create_table('scan_replies',
    sa.Column('scan_id', sa.String(length=100), nullable=False),
    sa.Column('endpoint', sa.String(length=200), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('scan_id', name=op.f('pk_scan_replies'))
    )
    op.create_index(op.f('ix_scan_replies_created_at'), 'scan_replies', ['created_at'], unique=False)
    op.create_table('idempotency_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=100), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_keys')),
    sa.UniqueConstraint('scope', 'key', name='uq_idempotency_keys_scope_key')
    )
    op.execute(
        "INSERT INTO idempotency_keys (scope, key, request_hash, state, status_code, body, created_at, updated_at) "
        "SELECT scope, key, request_hash, 'done', status_code, body, created_at, created_at "
        "FROM replies WHERE kind = 'idempotency'")
    # A scan reply kept no endpoint of its own in the one store; its request hash still tells scans apart.
    op.execute(
        "INSERT INTO scan_replies (scan_id, endpoint, request_hash, status_code, body, actor, created_at) "
        "SELECT key, '', request_hash, status_code, body, actor, created_at FROM replies WHERE kind = 'scan'")
    op.drop_index(op.f('ix_replies_created_at'), table_name='replies')
    op.drop_table('replies')
