"""HTTP endpoints of webhooks: storefronts subscribe, watch their deliveries and ask for redelivery."""
from __future__ import annotations

from wms.api.pagination import page
from wms.api.registry import Routes, current_principal
from wms.serialise import iso
from wms.webhooks import services
from wms.webhooks.models import (
    DELIVERY_STATUSES,
    PENDING,
    WebhookDelivery,
    WebhookEndpoint,
)
from wms.webhooks.outbox import EVENT_TYPES

# This package's endpoints, declared below; create_app registers them (wms/wiring.py).
ROUTES = Routes()
endpoint = ROUTES.endpoint

ROLES = ("storefront", "supervisor")  # admin is implied
TIME = {"type": "string", "format": "date-time"}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
NULLABLE_TEXT = {"type": ["string", "null"]}

ENDPOINT_IN = {
    "type": "object",
    "properties": {
        "url": {"type": "string", "minLength": 1, "maxLength": 2000},
        "events": {"type": "array", "items": {"enum": list(EVENT_TYPES)}, "minItems": 1,
                   "maxItems": len(EVENT_TYPES), "uniqueItems": True},
    },
    "required": ["url", "events"],
    "additionalProperties": False,
}

ENDPOINT = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "url": {"type": "string"},
        "events": {"type": "array", "items": {"enum": list(EVENT_TYPES)}},
        "active": {"type": "boolean"}, "disabled_reason": NULLABLE_TEXT, "disabled_at": NULLABLE_TIME,
        "created_by": {"type": "string"}, "created_at": TIME,
    },
    "required": ["id", "url", "events", "active", "disabled_reason", "created_at"],
}

ENDPOINT_CREATED = {
    **ENDPOINT,
    "properties": {**ENDPOINT["properties"],
                   "secret": {"type": "string", "pattern": "^whsec_[A-Za-z0-9+/]+={0,2}$",
                              "description": "Signing secret (Standard Webhooks); shown only in this reply."}},
    "required": [*ENDPOINT["required"], "secret"],
}

DELIVERY = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "event_id": {"type": "string", "description": "The event's id: the body's id, the webhook-id header."},
        "type": {"enum": list(EVENT_TYPES)},
        "status": {"enum": list(DELIVERY_STATUSES)},
        "attempts": {"type": "integer"},
        "last_status_code": {"type": ["integer", "null"]},
        "last_error": NULLABLE_TEXT,
        "next_attempt_at": NULLABLE_TIME,
        "first_attempt_at": NULLABLE_TIME,
        "delivered_at": NULLABLE_TIME,
        "created_at": TIME,
    },
    "required": ["id", "event_id", "type", "status", "attempts", "last_status_code", "last_error",
                 "next_attempt_at", "delivered_at", "created_at"],
}


def endpoint_json(e: WebhookEndpoint) -> dict:
    return {"id": e.id, "url": e.url, "events": list(e.events), "active": e.active,
            "disabled_reason": e.disabled_reason, "disabled_at": iso(e.disabled_at), "created_by": e.created_by,
            "created_at": iso(e.created_at)}


def delivery_json(d: WebhookDelivery) -> dict:
    return {
        "id": d.id, "event_id": d.event.msg_id, "type": d.event.type, "status": d.status, "attempts": d.attempts,
        "last_status_code": d.last_status_code, "last_error": d.last_error,
        # Only a pending delivery has a next attempt; a leased one's is whenever its worker finishes.
        "next_attempt_at": iso(d.next_attempt_at) if d.status == PENDING else None,
        "first_attempt_at": iso(d.first_attempt_at), "delivered_at": iso(d.delivered_at),
        "created_at": iso(d.created_at),
    }


@endpoint("POST", "/webhooks", roles=ROLES, summary="Subscribe an endpoint to events", tag="webhooks",
          body=ENDPOINT_IN, response=ENDPOINT_CREATED, status=201)
def create_webhook(body):
    created = services.create_endpoint(body["url"], body["events"], current_principal().name)
    return {**endpoint_json(created), "secret": created.secret}


@endpoint("GET", "/webhooks", roles=ROLES, summary="List webhook endpoints", tag="webhooks",
          response=ENDPOINT, paginated=True)
def list_webhooks(query):
    return page(services.endpoints_query(), WebhookEndpoint.id, query, endpoint_json)


@endpoint("GET", "/webhooks/<int:endpoint_id>", roles=ROLES, summary="Read a webhook endpoint", tag="webhooks",
          response=ENDPOINT)
def get_webhook(endpoint_id):
    return endpoint_json(services.endpoint_by_id(endpoint_id))


@endpoint("POST", "/webhooks/<int:endpoint_id>/enable", roles=ROLES, summary="Enable a disabled webhook endpoint",
          tag="webhooks", response=ENDPOINT)
def enable_webhook(endpoint_id):
    return endpoint_json(services.enable_endpoint(endpoint_id))


@endpoint("GET", "/webhooks/<int:endpoint_id>/deliveries", roles=ROLES, summary="List an endpoint's deliveries",
          tag="webhooks", query={"status": {"enum": list(DELIVERY_STATUSES)}}, response=DELIVERY, paginated=True)
def list_deliveries(endpoint_id, query):
    services.endpoint_by_id(endpoint_id)
    return page(services.deliveries_query(endpoint_id, query.get("status")), WebhookDelivery.id, query,
                delivery_json)


@endpoint("POST", "/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver", roles=ROLES,
          summary="Deliver an event again", tag="webhooks", response=DELIVERY, status=201, errors=(409,),
          description="A new pending delivery of the same event, with the same webhook-id, whatever became "
                      "of the old one (delivered, dead or disabled). 409 while one is still on its way.")
def redeliver(endpoint_id, delivery_id):
    again = services.redeliver(endpoint_id, delivery_id)
    return delivery_json(services.delivery_with_event(again.id))
