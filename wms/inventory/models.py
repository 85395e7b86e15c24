"""Tables of the stock core: products, locations (bins and virtual places), quants, the move ledger."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.db import db, utcnow

# Location types a client may create, and the virtual ones wms keeps so that every stock change
# is a move between two places and each SKU's quants sum to zero.
PHYSICAL_TYPES = ("storage", "pick_face", "receiving", "packing", "shipping", "staging")
VIRTUAL_TYPES = ("supplier", "customer", "inventory_loss", "scrap")
# Stock that orders may be promised from: put away, not on a dock or a cart.
SELLABLE_TYPES = ("storage", "pick_face")

# The virtual locations every warehouse has, by code.
SUPPLIER, CUSTOMER, INVENTORY_LOSS, SCRAP = "VIRTUAL-SUPPLIER", "VIRTUAL-CUSTOMER", "VIRTUAL-LOSS", "VIRTUAL-SCRAP"
VIRTUAL_LOCATIONS = {SUPPLIER: "supplier", CUSTOMER: "customer", INVENTORY_LOSS: "inventory_loss", SCRAP: "scrap"}
# Where stock lands when a receipt names no location.
DEFAULT_RECEIVING = "RECV-01"


class Product(db.Model):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The GTIN as the client gave it (8, 12, 13 or 14 digits), which is what the product answers with.
    # Its unique constraint is older than gtin14's and implied by it; dropping it would rebuild the table on SQLite.
    gtin: Mapped[str | None] = mapped_column(String(14), unique=True)
    # The same GTIN as a GTIN-14: scans of any length are matched on it, and it makes a GTIN unique whatever
    # the length it was given in (a GTIN-13 and its GTIN-14 with a leading zero are one GTIN).
    gtin14: Mapped[str | None] = mapped_column(String(14), unique=True, index=True)
    weight_g: Mapped[int] = mapped_column(Integer)
    length_mm: Mapped[int | None] = mapped_column(Integer)
    width_mm: Mapped[int | None] = mapped_column(Integer)
    height_mm: Mapped[int | None] = mapped_column(Integer)
    lot_tracked: Mapped[bool] = mapped_column(Boolean, default=False)
    expiry_tracked: Mapped[bool] = mapped_column(Boolean, default=False)
    serial_tracked: Mapped[bool] = mapped_column(Boolean, default=False)
    hs_code: Mapped[str | None] = mapped_column(String(16))
    country_of_origin: Mapped[str | None] = mapped_column(String(2))
    unit_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    currency: Mapped[str | None] = mapped_column(String(3))
    # A fixed bin putaway sends this product to first (receiving's putaway rules).
    home_location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    home_location: Mapped[Location | None] = relationship(foreign_keys=[home_location_id])


class Location(db.Model):
    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(20))
    zone: Mapped[str | None] = mapped_column(String(32))
    aisle: Mapped[int | None] = mapped_column(Integer)
    bay: Mapped[int | None] = mapped_column(Integer)
    level: Mapped[int | None] = mapped_column(Integer)
    x_m: Mapped[float | None] = mapped_column(Float)
    y_m: Mapped[float | None] = mapped_column(Float)
    virtual: Mapped[bool] = mapped_column(Boolean, default=False)
    sellable: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the bin can carry; None = no limit known. Putaway fills a bin only up to these.
    max_weight_g: Mapped[int | None] = mapped_column(BigInteger)
    max_volume_cm3: Mapped[int | None] = mapped_column(BigInteger)
    # Lot-tracked products never share a bin with another lot or expiry date unless the bin allows it.
    allow_mixed_lots: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_locations_type", "type"),)


class Quant(db.Model):
    """What one place holds of one SKU and lot: the move ledger summed, kept in the move's transaction."""

    __tablename__ = "quants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    # "" for untracked stock: NULL would make every no-lot row distinct to the unique constraint.
    lot: Mapped[str] = mapped_column(String(64), default="")
    expiry: Mapped[date | None] = mapped_column(Date)
    on_hand: Mapped[int] = mapped_column(BigInteger, default=0)
    reserved: Mapped[int] = mapped_column(BigInteger, default=0)
    # When the stock now here first arrived (reset when the place was emptied): allocation's FIFO order.
    in_date: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Copied from the location so the database itself can refuse negative stock at real places.
    virtual: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    product: Mapped[Product] = relationship(lazy="joined", innerjoin=True)
    location: Mapped[Location] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        UniqueConstraint("product_id", "location_id", "lot", name="uq_quants_product_location_lot"),
        Index("ix_quants_location_id", "location_id"),
        CheckConstraint("virtual OR on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0 AND (virtual OR reserved <= on_hand)", name="reserved_within_on_hand"),
    )

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class Move(db.Model):
    """One line of the append-only ledger: never updated, never deleted."""

    __tablename__ = "moves"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    from_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    to_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    lot: Mapped[str] = mapped_column(String(64), default="")
    quantity: Mapped[int] = mapped_column(BigInteger)
    # What kind of work made it: move, putaway, receipt, adjustment, pick, ship, return, scrap...
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(200))
    reference: Mapped[str | None] = mapped_column(String(100))
    actor: Mapped[str] = mapped_column(String(100))
    device: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    product: Mapped[Product] = relationship(lazy="joined", innerjoin=True)
    from_location: Mapped[Location] = relationship(foreign_keys=[from_location_id], lazy="joined", innerjoin=True)
    to_location: Mapped[Location] = relationship(foreign_keys=[to_location_id], lazy="joined", innerjoin=True)

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("from_location_id <> to_location_id", name="distinct_locations"),
        Index("ix_moves_product_id", "product_id", "id"),
        Index("ix_moves_from_location_id", "from_location_id", "id"),
        Index("ix_moves_to_location_id", "to_location_id", "id"),
    )


class Layout(db.Model):
    """The generated floor: the parameters asked for and the geometry every route is measured on."""

    __tablename__ = "layouts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    params: Mapped[dict] = mapped_column(JSON)
    geometry: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
