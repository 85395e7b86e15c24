"""What the storefront hears about an order: the full current state, written to the outbox with the change."""
from __future__ import annotations

from wms.api.responses import iso
from wms.orders.models import Order

# Statuses whose arrival the storefront is told about, and the event type for each.
STATUS_EVENTS = {
    "allocated": "order.allocated",
    "backordered": "order.backordered",
    "picked": "order.picked",
    "packed": "order.packed",
    "cancelled": "order.cancelled",
}


def order_state(order: Order) -> dict:
    """An order as the API and webhooks show it."""
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
        "lines": [{"sku": line.product.sku, "quantity": line.quantity, "allocated": line.allocated,
                   "picked": line.picked, "shipped": line.shipped} for line in order.lines],
        "created_at": iso(order.created_at),
        "updated_at": iso(order.updated_at),
    }


def status_changed(order: Order) -> None:
    event_type = STATUS_EVENTS.get(order.status)
    if event_type is None:
        return
    from wms.webhooks import outbox

    outbox.emit(event_type, f"order:{order.id}", {"order_id": order.id, **order_state(order)})
