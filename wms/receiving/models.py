"""Tables of receiving: receipts (PO or ASN) and their lines, serial numbers, putaway work, SSCC numbering."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.db import db, utcnow
from wms.inventory.models import Location, Product

OPEN, CLOSED = "open", "closed"


class Receipt(db.Model):
    """A purchase order or advance ship notice: what a supplier says is coming, and what came."""

    __tablename__ = "receipts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(100), index=True)
    supplier: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default=OPEN)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_by: Mapped[str | None] = mapped_column(String(100))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    lines: Mapped[list[ReceiptLine]] = relationship(back_populates="receipt", order_by="ReceiptLine.id",
                                                      cascade="all, delete-orphan")


class ReceiptLine(db.Model):
    """One expected line (an ASN line may name the pallet's SSCC, lot and expiry), or one that just turned up."""

    __tablename__ = "receipt_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipts.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    expected: Mapped[int] = mapped_column(BigInteger)
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    sscc: Mapped[str | None] = mapped_column(String(18))
    lot: Mapped[str | None] = mapped_column(String(64))
    expiry: Mapped[date | None] = mapped_column(Date)
    # Not on the PO/ASN: the product arrived anyway and was received (expected is 0).
    unexpected: Mapped[bool] = mapped_column(Boolean, default=False)

    receipt: Mapped[Receipt] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        CheckConstraint("expected >= 0 AND received >= 0", name="counts_not_negative"),
        Index("ix_receipt_lines_receipt_id", "receipt_id"),
        Index("ix_receipt_lines_sscc", "sscc"),
    )


class ReceivedSerial(db.Model):
    """A serial number received for a serial-tracked product; a serial arrives once per product."""

    __tablename__ = "received_serials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    serial: Mapped[str] = mapped_column(String(64))
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipts.id"), index=True)
    lot: Mapped[str | None] = mapped_column(String(64))
    received_by: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("product_id", "serial", name="uq_received_serials_product_serial"),)


class PutawayTask(db.Model):
    """Stock a receipt left on a dock (or staging) that still has to go into a bin."""

    __tablename__ = "putaway_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipts.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    lot: Mapped[str] = mapped_column(String(64), default="")
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    put_away: Mapped[int] = mapped_column(BigInteger, default=0)

    product: Mapped[Product] = relationship(lazy="joined", innerjoin=True)
    location: Mapped[Location] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        UniqueConstraint("receipt_id", "product_id", "lot", "location_id", name="uq_putaway_tasks_stock"),
        CheckConstraint("put_away >= 0 AND put_away <= received", name="put_away_within_received"),
        Index("ix_putaway_tasks_product_location", "product_id", "location_id"),
    )


class PutawayHold(db.Model):
    """An empty bin suggested to one receiver for one receipt, kept from others until it expires.

    One row per bin (the primary key), so two receivers asking at once cannot both be given it.
    """

    __tablename__ = "putaway_holds"

    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipts.id"))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class SsccSequence(db.Model):
    """The last serial reference used under a GS1 company prefix: bumped under its row lock, never reused."""

    __tablename__ = "sscc_sequences"

    company_prefix: Mapped[str] = mapped_column(String(12), primary_key=True)
    last: Mapped[int] = mapped_column(BigInteger)


class IssuedSscc(db.Model):
    """An SSCC this warehouse gave to a carton or pallet; its label can be printed again."""

    __tablename__ = "issued_ssccs"

    sscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    issued_by: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
