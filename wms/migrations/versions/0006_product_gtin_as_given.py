"""products: the GTIN kept as given, beside the GTIN-14 that scans match and uniqueness is judged on

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 23:40:00

A product answers its GTIN as it was given (CONTRACT.md), so `gtin` now holds those 8, 12, 13 or 14
digits and the new `gtin14` the GTIN-14 they stand for. Until now `gtin` held only the GTIN-14, so for
existing products what was given is not known any more: both columns get that GTIN-14.
`uq_products_gtin` stays: gtin14's uniqueness implies it, and dropping it would rebuild the products
table on SQLite, which every stock table refers to.
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('products', sa.Column('gtin14', sa.String(length=14), nullable=True))
    op.execute("UPDATE products SET gtin14 = gtin WHERE gtin IS NOT NULL")
    op.create_index('ix_products_gtin14', 'products', ['gtin14'], unique=True)


def downgrade() -> None:
    # Back to one column holding the GTIN-14, which is what earlier versions match scans against.
    op.execute("UPDATE products SET gtin = gtin14 WHERE gtin14 IS NOT NULL")
    op.drop_index('ix_products_gtin14', table_name='products')
    # Not in batch mode: that rebuilds the table on SQLite, and dropping products trips every foreign key to it.
    # SQLite (3.35+) drops an unindexed column in place.
    op.drop_column('products', 'gtin14')
