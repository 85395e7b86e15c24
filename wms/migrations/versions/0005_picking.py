"""picking: waves, pick lists, totes (one order each per list), pick tasks

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 13:38:36

pick_tasks (pick_list_id, seq) is indexed but not unique: a short pick inserts a task mid-route
and renumbers the tasks after it.
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('waves',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cart_capacity', sa.Integer(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waves'))
    )
    op.create_table('pick_lists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('wave_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('route_length_m', sa.Float(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['wave_id'], ['waves.id'], name=op.f('fk_pick_lists_wave_id_waves')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pick_lists'))
    )
    with op.batch_alter_table('pick_lists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pick_lists_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_pick_lists_wave_id'), ['wave_id'], unique=False)

    op.create_table('totes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pick_list_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_totes_order_id_orders')),
    sa.ForeignKeyConstraint(['pick_list_id'], ['pick_lists.id'], name=op.f('fk_totes_pick_list_id_pick_lists')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_totes')),
    sa.UniqueConstraint('pick_list_id', 'order_id', name='uq_totes_pick_list_order'),
    sa.UniqueConstraint('pick_list_id', 'slot', name='uq_totes_pick_list_slot')
    )
    with op.batch_alter_table('totes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_totes_order_id'), ['order_id'], unique=False)

    op.create_table('pick_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pick_list_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=False),
    sa.Column('tote_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('lot', sa.String(length=64), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('picked', sa.BigInteger(), nullable=False),
    sa.Column('short', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('done_by', sa.String(length=100), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('picked >= 0 AND short >= 0 AND picked + short <= quantity', name=op.f('ck_pick_tasks_done_within_quantity')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_pick_tasks_quantity_positive')),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_pick_tasks_location_id_locations')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_pick_tasks_order_id_orders')),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_lines.id'], name=op.f('fk_pick_tasks_order_line_id_order_lines')),
    sa.ForeignKeyConstraint(['pick_list_id'], ['pick_lists.id'], name=op.f('fk_pick_tasks_pick_list_id_pick_lists')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_pick_tasks_product_id_products')),
    sa.ForeignKeyConstraint(['tote_id'], ['totes.id'], name=op.f('fk_pick_tasks_tote_id_totes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pick_tasks'))
    )
    with op.batch_alter_table('pick_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pick_tasks_order_line_id'), ['order_line_id'], unique=False)
        batch_op.create_index('ix_pick_tasks_order_status', ['order_id', 'status'], unique=False)
        batch_op.create_index('ix_pick_tasks_pick_list_seq', ['pick_list_id', 'seq'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('pick_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_pick_tasks_pick_list_seq')
        batch_op.drop_index('ix_pick_tasks_order_status')
        batch_op.drop_index(batch_op.f('ix_pick_tasks_order_line_id'))

    op.drop_table('pick_tasks')
    with op.batch_alter_table('totes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_totes_order_id'))

    op.drop_table('totes')
    with op.batch_alter_table('pick_lists', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pick_lists_wave_id'))
        batch_op.drop_index(batch_op.f('ix_pick_lists_status'))

    op.drop_table('pick_lists')
    op.drop_table('waves')
