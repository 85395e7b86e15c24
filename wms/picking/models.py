"""Tables of picking: waves, pick lists (one cart each), totes (one order each), pick tasks."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.db import db, utcnow
from wms.inventory.models import Location, Product

# Pick list statuses: released and not finished, or every task picked or shorted.
OPEN, DONE = "open", "done"
# Task statuses (CONTRACT.md): still to do, picked in full, or closed short.
TASK_OPEN, TASK_PICKED, TASK_SHORT = "open", "picked", "short"


class Wave(db.Model):
    """One release of orders to the floor: what was asked for and who asked."""

    __tablename__ = "waves"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cart_capacity: Mapped[int] = mapped_column(Integer)
    # The filters and limits the wave was released with (max_orders, carrier, cutoff...).
    params: Mapped[dict] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    pick_lists: Mapped[list[PickList]] = relationship(back_populates="wave", order_by="PickList.id")


class PickList(db.Model):
    """One cart's work: its totes and its tasks in walking order, and the length of that walk."""

    __tablename__ = "pick_lists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=OPEN, index=True)
    # The closed walk depot -> task bins in seq order -> depot on the layout, in metres.
    route_length_m: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    wave: Mapped[Wave] = relationship(back_populates="pick_lists")
    totes: Mapped[list[Tote]] = relationship(back_populates="pick_list", order_by="Tote.slot")
    tasks: Mapped[list[PickTask]] = relationship(back_populates="pick_list", order_by="PickTask.seq")


class Tote(db.Model):
    """The tote on a cart that one order is picked into, whole: numbered by its slot on the cart."""

    __tablename__ = "totes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pick_list_id: Mapped[int] = mapped_column(ForeignKey("pick_lists.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    slot: Mapped[int] = mapped_column(Integer)

    pick_list: Mapped[PickList] = relationship(back_populates="totes")

    __table_args__ = (
        UniqueConstraint("pick_list_id", "slot", name="uq_totes_pick_list_slot"),
        UniqueConstraint("pick_list_id", "order_id", name="uq_totes_pick_list_order"),
    )


class PickTask(db.Model):
    """Take `quantity` of one SKU (and lot) from one bin into one order's tote, as that line's reservation says."""

    __tablename__ = "pick_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pick_list_id: Mapped[int] = mapped_column(ForeignKey("pick_lists.id"))
    seq: Mapped[int] = mapped_column(Integer)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), index=True)
    tote_id: Mapped[int] = mapped_column(ForeignKey("totes.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    lot: Mapped[str] = mapped_column(String(64), default="")  # "" for untracked stock, as on quants
    quantity: Mapped[int] = mapped_column(BigInteger)
    picked: Mapped[int] = mapped_column(BigInteger, default=0)
    # Units the picker did not find; they went to inventory loss and were re-allocated if possible.
    short: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(10), default=TASK_OPEN)
    done_by: Mapped[str | None] = mapped_column(String(100))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    pick_list: Mapped[PickList] = relationship(back_populates="tasks")
    tote: Mapped[Tote] = relationship(lazy="joined", innerjoin=True)
    product: Mapped[Product] = relationship(lazy="joined", innerjoin=True)
    location: Mapped[Location] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        # Not unique: a short pick inserts a task mid-route and renumbers the ones after it.
        Index("ix_pick_tasks_pick_list_seq", "pick_list_id", "seq"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("picked >= 0 AND short >= 0 AND picked + short <= quantity", name="done_within_quantity"),
        Index("ix_pick_tasks_order_status", "order_id", "status"),
    )
