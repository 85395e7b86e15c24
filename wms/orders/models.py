"""Tables of order intake: orders, their lines, the stock reserved for them, their history, idempotency keys."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.db import db, utcnow
from wms.inventory.models import Product, Quant


class Order(db.Model):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    ship_to: Mapped[dict] = mapped_column(JSON)
    service_level: Mapped[str] = mapped_column(String(20), default="standard")
    carrier: Mapped[str | None] = mapped_column(String(20))
    service: Mapped[str | None] = mapped_column(String(60))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    # "partial": reserve what is there and backorder the rest; "whole": reserve only when every line can be.
    allocation: Mapped[str] = mapped_column(String(10), default="partial")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    lines: Mapped[list[OrderLine]] = relationship(back_populates="order", order_by="OrderLine.id",
                                                    cascade="all, delete-orphan")


class OrderLine(db.Model):
    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    allocated: Mapped[int] = mapped_column(Integer, default=0)
    picked: Mapped[int] = mapped_column(Integer, default=0)
    shipped: Mapped[int] = mapped_column(Integer, default=0)

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship(lazy="joined", innerjoin=True)

    @property
    def sku(self) -> str:
        return self.product.sku

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("allocated >= 0 AND allocated <= quantity", name="allocated_within_quantity"),
        Index("ix_order_lines_order_id", "order_id"),
        Index("ix_order_lines_product_id", "product_id"),
    )


class Reservation(db.Model):
    """Units of one quant promised to one order line; quant.reserved is the sum of these."""

    __tablename__ = "reservations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"))
    quant_id: Mapped[int] = mapped_column(ForeignKey("quants.id"))
    quantity: Mapped[int] = mapped_column(BigInteger)

    quant: Mapped[Quant] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        UniqueConstraint("order_line_id", "quant_id", name="uq_reservations_line_quant"),
        Index("ix_reservations_quant_id", "quant_id"),
    )


class OrderTransition(db.Model):
    """Every status change of an order: when, from what, to what, by whom, and why."""

    __tablename__ = "order_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
