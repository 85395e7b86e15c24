"""Reading orders: many orders' states at once, and orders' side of the stock (reservations add up)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import BigInteger, bindparam, cast, func, select

from wms.db import chunks, db, prebuilt
from wms.inventory.models import Location, Product, Quant
from wms.inventory.queries import LedgerProblem
from wms.orders.models import Order, OrderLine, Reservation
from wms.orders.schemas import order_json

_O, _L, _P = Order.__table__, OrderLine.__table__, Product.__table__


@prebuilt
def _orders_by_id():
    return select(_O).where(_O.c.id.in_(bindparam("ids", expanding=True)))


@prebuilt
def _lines_of():
    return (select(_L.c.order_id, _P.c.sku, _L.c.quantity, _L.c.allocated, _L.c.picked, _L.c.shipped)
            .join_from(_L, _P, _P.c.id == _L.c.product_id)
            .where(_L.c.order_id.in_(bindparam("ids", expanding=True))).order_by(_L.c.id))


def order_states(order_ids: Sequence[int]) -> dict[int, dict]:
    """The states of many orders, read in two Core queries per chunk (ORM loading would cost more than the rest)."""
    states = {}
    for part in chunks(list(order_ids)):
        lines = defaultdict(list)
        for line in db.session.execute(_lines_of(), {"ids": part}):
            lines[line.order_id].append(line)
        for order in db.session.execute(_orders_by_id(), {"ids": part}):
            states[order.id] = order_json(order, lines[order.id])
    return states


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
