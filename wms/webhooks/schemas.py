"""JSON Schemas of webhook requests and replies, and the functions that shape endpoints and deliveries as JSON."""
from __future__ import annotations

from wms.serialise import iso
from wms.webhooks.domain import EVENT_TYPES
from wms.webhooks.models import (
    DELIVERY_STATUSES,
    PENDING,
    WebhookDelivery,
    WebhookEndpoint,
)

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
