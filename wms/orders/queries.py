"""Reading orders' side of the stock: reservations must add up to what quants say is reserved."""
from __future__ import annotations

from sqlalchemy import BigInteger, cast, func, select

from wms.db import db
from wms.inventory.models import Location, Product, Quant
from wms.inventory.queries import LedgerProblem
from wms.orders.models import OrderLine, Reservation


def check_reservations() -> list[LedgerProblem]:
    """Each quant's reserved count equals its reservations; each line's allocated equals its reservations."""
    per_quant = (select(Reservation.quant_id, cast(func.sum(Reservation.quantity), BigInteger).label("total"))
                 .group_by(Reservation.quant_id).subquery())
    rows = db.session.execute(
        select(Product.sku, Location.code, Quant.lot, Quant.reserved, func.coalesce(per_quant.c.total, 0))
        .join(Product, Product.id == Quant.product_id).join(Location, Location.id == Quant.location_id)
        .outerjoin(per_quant, per_quant.c.quant_id == Quant.id)
        .where(Quant.reserved != func.coalesce(per_quant.c.total, 0))
    ).all()
    problems = [LedgerProblem("reservation_mismatch", sku, code, lot, f"quant reserved {reserved} but "
                              f"order reservations sum to {total}") for sku, code, lot, reserved, total in rows]
    per_line = (select(Reservation.order_line_id, cast(func.sum(Reservation.quantity), BigInteger).label("total"))
                .group_by(Reservation.order_line_id).subquery())
    lines = db.session.execute(
        select(OrderLine.order_id, Product.sku, OrderLine.allocated, func.coalesce(per_line.c.total, 0))
        .join(Product, Product.id == OrderLine.product_id)
        .outerjoin(per_line, per_line.c.order_line_id == OrderLine.id)
        .where(OrderLine.allocated != func.coalesce(per_line.c.total, 0), OrderLine.picked == 0)
    ).all()
    problems += [LedgerProblem("allocation_mismatch", sku, f"order {order_id}", "", f"line allocated {allocated} "
                               f"but reservations sum to {total}") for order_id, sku, allocated, total in lines]
    return problems
