"""HTTP endpoints of the storefront's order intake."""
from __future__ import annotations

from sqlalchemy import select

from wms import config
from wms.api.pagination import page
from wms.api.registry import Routes
from wms.orders import schemas as s
from wms.orders import services
from wms.orders.domain import (
    ORDER_WRITERS,
    STATUSES,
    AllocateOrder,
    CancelOrder,
    PlaceOrder,
)
from wms.orders.models import Order
from wms.pipeline import as_given

# This package's endpoints, declared below; create_app registers them (wms/wiring.py).
ROUTES = Routes()
endpoint = ROUTES.endpoint

ORDER_READERS = ("storefront", "supervisor", "picker", "packer", "receiver")


@endpoint("POST", "/orders", roles=ORDER_WRITERS, summary="Receive an order from the storefront", tag="orders",
          body=s.ORDER_IN, response=s.ORDER, status=201, errors=(404, 409), idempotent=True,
          description="Send an Idempotency-Key header: a retry with the same key and body gets the first reply.")
def create_order(body, send):
    # Intake answers the state of the order it just wrote, shaped as s.order_json shapes an order.
    return send(PlaceOrder(body, send.caller.name, body.get("allocation", config.settings().allocation)), as_given)


@endpoint("GET", "/orders/<int:order_id>", roles=ORDER_READERS, summary="Read an order", tag="orders",
          response=s.ORDER)
def get_order(order_id):
    return s.order_json(services.get_order(order_id))


@endpoint("GET", "/orders", roles=ORDER_READERS, summary="List orders", tag="orders",
          query={"external_id": {"type": "string", "minLength": 1, "maxLength": 100},
                 "status": {"enum": list(STATUSES)}},
          response=s.ORDER, paginated=True)
def list_orders(query):
    stmt = select(Order)
    if "external_id" in query:
        stmt = stmt.where(Order.external_id == query["external_id"])
    if "status" in query:
        stmt = stmt.where(Order.status == query["status"])
    return page(stmt, Order.id, query, s.order_json)


@endpoint("POST", "/orders/<int:order_id>/cancel", roles=ORDER_WRITERS, summary="Cancel an order",
          tag="orders", body=s.CANCEL_IN, response=s.ORDER, errors=(404, 409))
def cancel_order(order_id, body, send):
    return send(CancelOrder(order_id, send.caller.name, body.get("reason")), s.order_json)


@endpoint("POST", "/orders/<int:order_id>/allocate", roles=("supervisor",),
          summary="Try again to allocate a waiting order", tag="orders", body={"type": "object", "additionalProperties": False}, response=s.ORDER,
          errors=(404, 409))
def reallocate(order_id, body, send):
    return send(AllocateOrder(order_id, send.caller.name), s.order_json)
