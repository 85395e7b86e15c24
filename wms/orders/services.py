"""Order handlers: intake with allocation, cancellation, re-allocation, backorders served."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select

from wms.db import chunks, db, expire_loaded, row_by_id, utcnow
from wms.errors import Conflict, NotFound, WmsError
from wms.inventory.domain import StockArrived
from wms.orders import allocation, domain, gateway
from wms.orders.domain import (
    AllocateOrder,
    AllocateWaitingOrders,
    CancelOrder,
    OrderStatusChanged,
    PlaceOrder,
    ServeBackorders,
)
from wms.orders.intake import receive_orders
from wms.orders.models import Order, OrderLine, OrderTransition
from wms.pipeline import batch_form, one_of
from wms.unit_of_work import record


def get_order(order_id: int, *, lock: bool = False) -> Order:
    return row_by_id(Order, order_id, NotFound(f"no order {order_id}", code="unknown_order",
                                               details={"order_id": order_id}), lock=lock)


def transition(order: Order, new: str, actor: str, note: str | None = None) -> None:
    """Move an order to a new status, record it, and tell the storefront when it wants to know."""
    domain.check_transition(order.status, new)
    old = order.status
    order.status = new
    order.updated_at = utcnow()
    db.session.add(OrderTransition(order_id=order.id, from_status=old, to_status=new, actor=actor, note=note))
    if new != old:
        record(OrderStatusChanged(order.id, new))


def transition_many(orders: Sequence[tuple[int, str]], new: str, actor: str, note: str | None = None) -> None:
    """`transition` for many (order id, current status) pairs whose rows the caller holds, in a few statements."""
    for _, old in orders:
        domain.check_transition(old, new)
    if not orders:
        return
    now = utcnow()
    db.session.execute(gateway.set_status(),
                       [{"order_id": order_id, "status": new, "now": now} for order_id, _ in orders])
    db.session.execute(gateway.insert_transition(), [
        {"order_id": order_id, "from_status": old, "to_status": new, "actor": actor, "note": note, "at": now}
        for order_id, old in orders])
    expire_loaded(Order)
    for order_id, old in orders:
        if old != new:
            record(OrderStatusChanged(order_id, new))


def start_picking(order_ids: list[int], actor: str, note: str | None = None) -> None:
    """allocated -> picking for the orders a wave releases; the caller holds their row locks."""
    transition_many([(order_id, "allocated") for order_id in order_ids], "picking", actor, note)


def settle(needs: Sequence[allocation.Need], planned: allocation.Plan, statuses: dict[int, str], actor: str,
           note: str | None = None) -> None:
    """After (re)allocation: each order becomes allocated when every open line is covered, else backordered.

    `statuses` holds each order's status before.
    """
    moving: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for need in needs:
        status = planned.status(need)
        if status != statuses[need.order_id]:
            moving[status].append((need.order_id, statuses[need.order_id]))
    for status, orders in moving.items():
        transition_many(orders, status, actor, note)


def place_order(command: PlaceOrder) -> dict:
    """Handler: take an order from the storefront and promise it what stock there is; answers its state."""
    return one_of(place_orders, command)


@batch_form(place_order)
def place_orders(commands: Sequence[PlaceOrder]) -> list[dict | WmsError]:
    """Many orders in a few statements, allocated in their order; a refused one (its error in its place) writes nothing."""
    return receive_orders(commands)


def cancel_order(command: CancelOrder) -> Order:
    """Handler: cancel an order and release its reservations; cancelling twice changes nothing."""
    order = get_order(command.order_id, lock=True)
    if order.status == "cancelled":
        return order  # cancelling twice is harmless for a storefront that retries
    domain.check_cancellable(order.status)
    allocation.release([order.id])
    transition(order, "cancelled", command.actor, command.reason)
    return order


def _lock_waiting(order_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """Lock those of the orders still waiting for stock, in ascending id order: id -> (status, allocation)."""
    found = {}
    for part in chunks(sorted(order_ids)):
        found.update({row.id: (row.status, row.allocation) for row in db.session.execute(
            select(Order.id, Order.status, Order.allocation)
            .where(Order.id.in_(part), Order.status.in_(("received", "backordered")))
            .order_by(Order.id).with_for_update())})
    return found


def _allocate_waiting(order_ids: Sequence[int], actor: str, note: str | None = None, *,
                      only_served: bool = False) -> list[int]:
    """Allocate those of the orders (in the order given) still waiting; returns the ids of those settled.

    With `only_served`, orders that got nothing keep their status (and hear nothing) and are not counted.
    """
    waiting = _lock_waiting(order_ids)
    needs = allocation.needs_of([(order_id, waiting[order_id][1]) for order_id in order_ids if order_id in waiting])
    planned = allocation.allocate(needs)
    if only_served:
        reserved = planned.reserved
        needs = [need for need in needs if any(reserved.get(line.line_id) for line in need.lines)]
    settle(needs, planned, {order_id: status for order_id, (status, _) in waiting.items()}, actor, note)
    return [need.order_id for need in needs]


def reallocate(command: AllocateOrder) -> Order:
    """Handler: try again to cover a backordered order (or one sent to exception) from stock on hand now."""
    order = get_order(command.order_id, lock=True)
    if order.status not in ("received", "backordered", "exception"):
        raise Conflict(f"an order that is {order.status} is not waiting for stock", code="invalid_transition")
    needs = allocation.needs_of([(order.id, order.allocation)])
    settle(needs, allocation.allocate(needs), {order.id: order.status}, command.actor, "re-allocated")
    return get_order(command.order_id)


def allocate_waiting(command: AllocateWaitingOrders) -> int:
    """Handler: allocate those of the orders still received or backordered; returns how many were waiting."""
    return len(_allocate_waiting(sorted(command.order_ids), command.actor))


def serve_backorders(product_ids: list[int], actor: str, limit: int) -> int:
    """Inside the current transaction: allocate waiting orders for products whose stock went up."""
    waiting = allocation.waiting_orders(product_ids, limit)
    return len(_allocate_waiting(waiting, actor, "stock arrived", only_served=True)) if waiting else 0


def serve_all_backorders(command: ServeBackorders) -> int:
    """Handler, the scheduled sweep: every product with waiting orders gets another try; returns the orders served."""
    product_ids = list(db.session.scalars(
        select(OrderLine.product_id).join(Order, Order.id == OrderLine.order_id)
        .where(Order.status == "backordered", OrderLine.allocated < OrderLine.quantity).distinct()
    ))
    return serve_backorders(product_ids, "scheduler", command.limit) if product_ids else 0


def serve_arrivals(arrivals: list[StockArrived]) -> None:
    """Event handler: orders waiting for products whose stock went up are served, in the same transaction.

    At most BACKORDERS_PER_ARRIVAL orders per arrival, so a large receipt never makes one scan's
    transaction huge; the scheduled sweep serves the rest.
    """
    product_ids = sorted({p for arrival in arrivals for p in arrival.product_ids})
    serve_backorders(product_ids, arrivals[0].actor, allocation.BACKORDERS_PER_ARRIVAL * len(arrivals))
