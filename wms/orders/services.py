"""Order use cases, one transaction each: intake with allocation, cancellation, backorder release."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from wms.db import atomic, db, row_by_id, utcnow
from wms.errors import Conflict, NotFound
from wms.inventory import ledger
from wms.inventory.services import product_by_sku
from wms.orders import allocation, domain, events
from wms.orders.models import Order, OrderLine, OrderTransition


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
        events.status_changed(order)


def start_picking(order_ids: list[int], actor: str, note: str | None = None) -> None:
    """allocated -> picking for the orders a wave releases; the caller holds their row locks.

    Picking tells the storefront nothing (events.STATUS_EVENTS), so a wave of 10,000 orders is one
    UPDATE and one INSERT of their history rather than a `transition` each.
    """
    domain.check_transition("allocated", "picking")
    if "picking" in events.STATUS_EVENTS:  # then every order needs its event: the slow way
        for order in db.session.scalars(select(Order).where(Order.id.in_(order_ids))):
            transition(order, "picking", actor, note)
        return
    now = utcnow()
    for start in range(0, len(order_ids), 500):
        db.session.execute(update(Order).where(Order.id.in_(order_ids[start:start + 500]),
                                               Order.status == "allocated").values(status="picking", updated_at=now))
    db.session.execute(insert(OrderTransition), [
        {"order_id": oid, "from_status": "allocated", "to_status": "picking", "actor": actor, "note": note, "at": now}
        for oid in order_ids])


def _settle(order: Order, actor: str, note: str | None = None) -> None:
    """After (re)allocation: allocated when every line is covered, else backordered."""
    complete = all(line.allocated == line.quantity for line in order.lines)
    target = "allocated" if complete else "backordered"
    if target != order.status:
        transition(order, target, actor, note)


@atomic
def create_order(data: dict, actor: str) -> Order:
    """Take an order from the storefront and promise it what stock there is."""
    domain.check_ship_to(data["ship_to"])
    if db.session.scalar(select(Order.id).where(Order.external_id == data["external_id"])) is not None:
        raise Conflict(f"order {data['external_id']!r} was already received", code="duplicate_order",
                       details={"external_id": data["external_id"]})
    merged: dict[int, int] = {}
    products = {}
    for line in data["lines"]:
        product = product_by_sku(line["sku"])
        products[product.id] = product
        merged[product.id] = merged.get(product.id, 0) + line["quantity"]
    order = Order(
        external_id=data["external_id"], status="received", ship_to=data["ship_to"],
        service_level=data.get("service_level", "standard"), carrier=data.get("carrier"),
        service=data.get("service"), priority=data.get("priority", 0),
        allocation=data.get("allocation", current_app.config.get("WMS_ALLOCATION", "partial")),
        created_by=actor, created_at=utcnow(), updated_at=utcnow(),
        lines=[OrderLine(product_id=pid, quantity=qty, allocated=0, picked=0, shipped=0)
               for pid, qty in merged.items()],
    )
    db.session.add(order)
    try:
        db.session.flush()
    except IntegrityError:
        # Another request took this external_id between our check and insert.
        raise Conflict(f"order {data['external_id']!r} was already received", code="duplicate_order",
                       details={"external_id": data["external_id"]}) from None
    db.session.add(OrderTransition(order_id=order.id, from_status=None, to_status="received", actor=actor))
    allocation.allocate(order)
    _settle(order, actor)
    return order


@atomic
def cancel_order(order_id: int, actor: str, reason: str | None = None) -> Order:
    order = get_order(order_id, lock=True)
    if order.status == "cancelled":
        return order  # cancelling twice is harmless for a storefront that retries
    domain.check_cancellable(order.status)
    allocation.release(order)
    transition(order, "cancelled", actor, reason)
    return order


@atomic
def reallocate(order_id: int, actor: str) -> Order:
    """Try again to cover a backordered order (or one sent to exception) from stock on hand now."""
    order = get_order(order_id, lock=True)
    if order.status not in ("received", "backordered", "exception"):
        raise Conflict(f"an order that is {order.status} is not waiting for stock", code="invalid_transition")
    allocation.allocate(order)
    _settle(order, actor, "re-allocated")
    return order


@atomic
def allocate_orders(order_ids: list[int], actor: str) -> int:
    """Allocate a batch of received or backordered orders in one transaction; returns how many were served."""
    served = 0
    for order_id in sorted(order_ids):  # a fixed order of order-row locks across concurrent batches
        order = get_order(order_id, lock=True)
        if order.status in ("received", "backordered"):
            allocation.allocate(order)
            _settle(order, actor)
            served += 1
    return served


def serve_backorders(product_ids: list[int], actor: str, limit: int) -> int:
    """Inside the current transaction: allocate waiting orders for products whose stock went up."""
    served = 0
    for order_id in allocation.waiting_orders(product_ids, limit):
        order = get_order(order_id, lock=True)
        if order.status not in ("received", "backordered"):
            continue  # it changed while we waited for its lock
        if allocation.allocate(order):
            served += 1
            _settle(order, actor, "stock arrived")
    return served


@atomic
def serve_all_backorders(limit: int = 500) -> int:
    """The scheduled sweep: every product with waiting orders gets another try."""
    product_ids = list(db.session.scalars(
        select(OrderLine.product_id).join(Order, Order.id == OrderLine.order_id)
        .where(Order.status == "backordered", OrderLine.allocated < OrderLine.quantity).distinct()
    ))
    return serve_backorders(product_ids, "scheduler", limit) if product_ids else 0


def _on_stock_arrived(_sender, product_ids: list[int], increased: list[int] = (), actor=None, **_):
    if increased:
        serve_backorders(list(increased), actor.name if actor else "system", allocation.BACKORDERS_PER_ARRIVAL)


def init_app(app) -> None:
    ledger.stock_changed.connect(_on_stock_arrived, weak=False)
