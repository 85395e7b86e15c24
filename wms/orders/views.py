"""HTTP endpoints of the storefront's order intake."""
from __future__ import annotations

from sqlalchemy import select

from wms.api import endpoint
from wms.api.pagination import page
from wms.api.registry import current_principal
from wms.orders import schemas as s
from wms.orders import services
from wms.orders.domain import STATUSES
from wms.orders.models import Order

ORDER_WRITERS = ("storefront", "supervisor")
ORDER_READERS = ("storefront", "supervisor", "picker", "packer", "receiver")


@endpoint("POST", "/orders", roles=ORDER_WRITERS, summary="Receive an order from the storefront", tag="orders",
          body=s.ORDER_IN, response=s.ORDER, status=201, errors=(404, 409), idempotent=True,
          description="Send an Idempotency-Key header: a retry with the same key and body gets the first reply.")
def create_orders(bodies):
    return services.create_orders(bodies, current_principal().name)


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
def cancel_order(order_id, body):
    return s.order_json(services.cancel_order(order_id, current_principal().name, body.get("reason")))


@endpoint("POST", "/orders/<int:order_id>/allocate", roles=("supervisor",),
          summary="Try again to allocate a waiting order", tag="orders", body={"type": "object", "additionalProperties": False}, response=s.ORDER,
          errors=(404, 409))
def reallocate(order_id, body):
    return s.order_json(services.reallocate(order_id, current_principal().name))
