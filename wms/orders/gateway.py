"""The orders' hot-path statements: intake's reads, status changes, and allocation's lines and reservations.

Every storefront order and every allocation runs them, so each is `prebuilt` (wms/db.py says why).
They read and write Core rows, not ORM objects: a flush per order was most of intake's time.
"""
from __future__ import annotations

from sqlalchemy import Insert, Select, Update, bindparam, insert, select, update

from wms.db import prebuilt
from wms.inventory.models import Product
from wms.orders.models import Order, OrderLine, OrderTransition, Reservation

_ORDERS, _LINES, _RESERVATIONS = Order.__table__, OrderLine.__table__, Reservation.__table__
_PRODUCTS = Product.__table__


@prebuilt
def products_by_sku() -> Select:
    """Id, SKU and expiry tracking of the products with these `skus`."""
    return select(_PRODUCTS.c.id, _PRODUCTS.c.sku, _PRODUCTS.c.expiry_tracked).where(
        _PRODUCTS.c.sku.in_(bindparam("skus", expanding=True)))


@prebuilt
def received_external_ids() -> Select:
    """Those of these external `ids` already received as orders."""
    return select(_ORDERS.c.external_id).where(_ORDERS.c.external_id.in_(bindparam("ids", expanding=True)))


@prebuilt
def set_status() -> Update:
    """An order's status, by `order_id`."""
    return (update(_ORDERS).where(_ORDERS.c.id == bindparam("order_id"))
            .values(status=bindparam("status"), updated_at=bindparam("now")))


@prebuilt
def insert_transition() -> Insert:
    return insert(OrderTransition.__table__)


@prebuilt
def open_lines() -> Select:
    """The lines of these `orders` still short of stock: units missing, expiry tracking and units allocated."""
    return (
        select(_LINES.c.order_id, _LINES.c.id, _LINES.c.product_id, _LINES.c.quantity - _LINES.c.allocated,
               _PRODUCTS.c.expiry_tracked, _LINES.c.allocated)
        .join_from(_LINES, _PRODUCTS, _PRODUCTS.c.id == _LINES.c.product_id)
        .where(_LINES.c.order_id.in_(bindparam("orders", expanding=True)), _LINES.c.allocated < _LINES.c.quantity)
        .order_by(_LINES.c.id)
    )


@prebuilt
def add_allocated() -> Update:
    """`units` added to a line's allocated count, by `line_id`."""
    return (update(_LINES).where(_LINES.c.id == bindparam("line_id"))
            .values(allocated=_LINES.c.allocated + bindparam("units")))


@prebuilt
def insert_reservation() -> Insert:
    return insert(_RESERVATIONS)


@prebuilt
def add_reserved() -> Update:
    """`units` added to a reservation, by `reservation_id`."""
    return (update(_RESERVATIONS).where(_RESERVATIONS.c.id == bindparam("reservation_id"))
            .values(quantity=_RESERVATIONS.c.quantity + bindparam("units")))
