"""What the storefront hears about an order: the full current state, written to the outbox with the change."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import bindparam, select

from wms.api.responses import iso
from wms.db import db
from wms.inventory.models import Product
from wms.orders.models import Order, OrderLine

_O, _L, _P = Order.__table__, OrderLine.__table__, Product.__table__
_ORDERS_BY_ID = select(_O).where(_O.c.id.in_(bindparam("ids", expanding=True)))
_LINES_OF = (select(_L.c.order_id, _P.c.sku, _L.c.quantity, _L.c.allocated, _L.c.picked, _L.c.shipped)
             .join_from(_L, _P, _P.c.id == _L.c.product_id)
             .where(_L.c.order_id.in_(bindparam("ids", expanding=True))).order_by(_L.c.id))

# Statuses whose arrival the storefront is told about, and the event type for each.
STATUS_EVENTS = {
    "allocated": "order.allocated",
    "backordered": "order.backordered",
    "picked": "order.picked",
    "packed": "order.packed",
    "cancelled": "order.cancelled",
}


def order_state(order, lines=None) -> dict:
    """An order as the API and webhooks show it.

    `order` is an Order or any row with its columns; `lines` are rows with `sku`, `quantity`,
    `allocated`, `picked` and `shipped` (default: the Order's own lines).
    """
    return {
        "id": order.id,
        "external_id": order.external_id,
        "status": order.status,
        "ship_to": order.ship_to,
        "service_level": order.service_level,
        "carrier": order.carrier,
        "service": order.service,
        "priority": order.priority,
        "allocation": order.allocation,
        "lines": [{"sku": line.sku, "quantity": line.quantity, "allocated": line.allocated,
                   "picked": line.picked, "shipped": line.shipped}
                  for line in (order.lines if lines is None else lines)],
        "created_at": iso(order.created_at),
        "updated_at": iso(order.updated_at),
    }


def order_states(order_ids: Sequence[int]) -> dict[int, dict]:
    """The states of many orders, read in two Core queries per chunk (ORM loading would cost more than the rest)."""
    from wms.orders.allocation import chunks

    states = {}
    for part in chunks(list(order_ids)):
        lines = defaultdict(list)
        for line in db.session.execute(_LINES_OF, {"ids": part}):
            lines[line.order_id].append(line)
        for order in db.session.execute(_ORDERS_BY_ID, {"ids": part}):
            states[order.id] = order_state(order, lines[order.id])
    return states


def status_changed(order: Order) -> None:
    event_type = STATUS_EVENTS.get(order.status)
    if event_type is None:
        return
    from wms.webhooks import outbox

    outbox.emit(event_type, f"order:{order.id}", event_data(order_state(order)))


def statuses_changed(status: str, states: Sequence[dict], *, first: bool = False) -> None:
    """The events of many orders that reached `status`, from their states; `first` for orders just received."""
    event_type = STATUS_EVENTS.get(status)
    if event_type is None or not states:
        return
    from wms.webhooks import outbox

    outbox.emit_many(event_type, [(f"order:{state['id']}", event_data(state)) for state in states], first=first)


def event_data(state: dict) -> dict:
    """An order event's `data`: the order's state, led by `order_id`."""
    return {"order_id": state["id"], **state}
