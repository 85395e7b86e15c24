"""receiving: receipts and lines (ASN), received serials, putaway tasks and holds, SSCC numbering;
bin capacity and lot mixing on locations, home bins on products

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 13:30:00

putaway_holds has one row per bin (its primary key), which is what keeps two receivers from being
sent to the same empty bin; sscc_sequences is the row-locked counter SSCC serial references come from.
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('issued_ssccs',
    sa.Column('sscc', sa.String(length=18), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('issued_by', sa.String(length=100), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sscc', name=op.f('pk_issued_ssccs'))
    )
    op.create_table('receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('supplier', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_by', sa.String(length=100), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipts'))
    )
    with op.batch_alter_table('receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipts_reference'), ['reference'], unique=False)

    op.create_table('sscc_sequences',
    sa.Column('company_prefix', sa.String(length=12), nullable=False),
    sa.Column('last', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('company_prefix', name=op.f('pk_sscc_sequences'))
    )
    op.create_table('putaway_holds',
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('holder', sa.String(length=100), nullable=False),
    sa.Column('receipt_id', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_putaway_holds_location_id_locations')),
    sa.ForeignKeyConstraint(['receipt_id'], ['receipts.id'], name=op.f('fk_putaway_holds_receipt_id_receipts')),
    sa.PrimaryKeyConstraint('location_id', name=op.f('pk_putaway_holds'))
    )
    with op.batch_alter_table('putaway_holds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_putaway_holds_expires_at'), ['expires_at'], unique=False)

    op.create_table('putaway_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('receipt_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('lot', sa.String(length=64), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('received', sa.BigInteger(), nullable=False),
    sa.Column('put_away', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('put_away >= 0 AND put_away <= received', name=op.f('ck_putaway_tasks_put_away_within_received')),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_putaway_tasks_location_id_locations')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_putaway_tasks_product_id_products')),
    sa.ForeignKeyConstraint(['receipt_id'], ['receipts.id'], name=op.f('fk_putaway_tasks_receipt_id_receipts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_putaway_tasks')),
    sa.UniqueConstraint('receipt_id', 'product_id', 'lot', 'location_id', name='uq_putaway_tasks_stock')
    )
    with op.batch_alter_table('putaway_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_putaway_tasks_product_location', ['product_id', 'location_id'], unique=False)

    op.create_table('receipt_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('receipt_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('expected', sa.BigInteger(), nullable=False),
    sa.Column('received', sa.BigInteger(), nullable=False),
    sa.Column('sscc', sa.String(length=18), nullable=True),
    sa.Column('lot', sa.String(length=64), nullable=True),
    sa.Column('expiry', sa.Date(), nullable=True),
    sa.Column('unexpected', sa.Boolean(), nullable=False),
    sa.CheckConstraint('expected >= 0 AND received >= 0', name=op.f('ck_receipt_lines_counts_not_negative')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_receipt_lines_product_id_products')),
    sa.ForeignKeyConstraint(['receipt_id'], ['receipts.id'], name=op.f('fk_receipt_lines_receipt_id_receipts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipt_lines'))
    )
    with op.batch_alter_table('receipt_lines', schema=None) as batch_op:
        batch_op.create_index('ix_receipt_lines_receipt_id', ['receipt_id'], unique=False)
        batch_op.create_index('ix_receipt_lines_sscc', ['sscc'], unique=False)

    op.create_table('received_serials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.String(length=64), nullable=False),
    sa.Column('receipt_id', sa.Integer(), nullable=False),
    sa.Column('lot', sa.String(length=64), nullable=True),
    sa.Column('received_by', sa.String(length=100), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_received_serials_product_id_products')),
    sa.ForeignKeyConstraint(['receipt_id'], ['receipts.id'], name=op.f('fk_received_serials_receipt_id_receipts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_received_serials')),
    sa.UniqueConstraint('product_id', 'serial', name='uq_received_serials_product_serial')
    )
    with op.batch_alter_table('received_serials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_received_serials_receipt_id'), ['receipt_id'], unique=False)

    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_weight_g', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('max_volume_cm3', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('allow_mixed_lots', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('home_location_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_products_home_location_id_locations'), 'locations', ['home_location_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_products_home_location_id_locations'), type_='foreignkey')
        batch_op.drop_column('home_location_id')

    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.drop_column('allow_mixed_lots')
        batch_op.drop_column('max_volume_cm3')
        batch_op.drop_column('max_weight_g')

    with op.batch_alter_table('received_serials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_received_serials_receipt_id'))

    op.drop_table('received_serials')
    with op.batch_alter_table('receipt_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_receipt_lines_sscc')
        batch_op.drop_index('ix_receipt_lines_receipt_id')

    op.drop_table('receipt_lines')
    with op.batch_alter_table('putaway_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_putaway_tasks_product_location')

    op.drop_table('putaway_tasks')
    with op.batch_alter_table('putaway_holds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_putaway_holds_expires_at'))

    op.drop_table('putaway_holds')
    op.drop_table('sscc_sequences')
    with op.batch_alter_table('receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receipts_reference'))

    op.drop_table('receipts')
    op.drop_table('issued_ssccs')
