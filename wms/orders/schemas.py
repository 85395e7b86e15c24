"""JSON Schemas of the order endpoints."""
from __future__ import annotations

import pycountry

from wms.inventory.schemas import CODE, NULLABLE_TEXT, TIME
from wms.orders.domain import STATUSES
from wms.serialise import iso

# Neither "@" nor white space, the same characters in Python's and in ECMA-262 regular expressions:
# their `\s` differ (Python's has \x1c-\x1f and \x85, ECMA's \ufeff), so both are named.
_NOT_AT_OR_SPACE = "[^@\\s\\x1c-\\x1f\\x85\\ufeff]"

LINE_TEXT = {"type": "string", "minLength": 1, "maxLength": 100}

# Countries whose addresses must name their state; pycountry knows every state of each.
STATE_REQUIRED = ("US", "CA", "AU")


def _state_rule(country: str) -> dict:
    """If the country is this one, the state is required and must be one of its ISO 3166-2 subdivisions."""
    states = sorted(s.code.removeprefix(f"{country}-") for s in pycountry.subdivisions.get(country_code=country))
    return {
        "if": {"properties": {"country": {"const": country}}, "required": ["country"]},
        "then": {"required": ["state"], "properties": {"state": {
            "enum": states, "description": f"ISO 3166-2 code of a subdivision of {country}, without '{country}-'"}}},
    }


ADDRESS = {
    "type": "object",
    "properties": {
        "name": LINE_TEXT,
        "company": LINE_TEXT,
        "street1": LINE_TEXT,
        "street2": LINE_TEXT,
        "city": {"type": "string", "minLength": 1, "maxLength": 60},
        "state": {"type": "string", "minLength": 1, "maxLength": 3, "pattern": "^[A-Z0-9]{1,3}$"},
        "postal_code": {"type": "string", "minLength": 1, "maxLength": 12, "pattern": "^[A-Za-z0-9 -]+$"},
        "country": {"type": "string", "enum": sorted(c.alpha_2 for c in pycountry.countries),
                    "description": "ISO 3166-1 alpha-2 country code"},
        "phone": {"type": "string", "minLength": 3, "maxLength": 30, "pattern": "^[0-9+() .-]+$"},
        "email": {"type": "string", "maxLength": 254, "pattern": f"^{_NOT_AT_OR_SPACE}+@{_NOT_AT_OR_SPACE}+\\.{_NOT_AT_OR_SPACE}+$"},
    },
    "required": ["name", "street1", "city", "postal_code", "country"],
    "allOf": [_state_rule(country) for country in STATE_REQUIRED],
    "additionalProperties": False,
}

ORDER_IN = {
    "type": "object",
    "properties": {
        "external_id": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[\\x21-\\x7e]+$"},
        "ship_to": ADDRESS,
        "lines": {
            "type": "array", "minItems": 1, "maxItems": 500,
            "items": {
                "type": "object",
                "properties": {"sku": CODE, "quantity": {"type": "integer", "minimum": 1, "maximum": 100_000}},
                "required": ["sku", "quantity"],
                "additionalProperties": False,
            },
        },
        "service_level": {"enum": ["standard", "express", "overnight"]},
        "carrier": {"enum": ["fedex", "ups", "dhl"]},
        "service": {"type": "string", "minLength": 1, "maxLength": 60},
        "priority": {"type": "integer", "minimum": -1000, "maximum": 1000},
        "allocation": {"enum": ["partial", "whole"]},
    },
    "required": ["external_id", "ship_to", "lines"],
    "additionalProperties": False,
}

ORDER = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "external_id": {"type": "string"},
        "status": {"enum": list(STATUSES)},
        "ship_to": {"type": "object"},
        "service_level": {"type": "string"},
        "carrier": NULLABLE_TEXT,
        "service": NULLABLE_TEXT,
        "priority": {"type": "integer"},
        "allocation": {"enum": ["partial", "whole"]},
        "lines": {"type": "array", "items": {
            "type": "object",
            "properties": {"sku": {"type": "string"}, "quantity": {"type": "integer"},
                           "allocated": {"type": "integer"}, "picked": {"type": "integer"},
                           "shipped": {"type": "integer"}},
            "required": ["sku", "quantity", "allocated"],
        }},
        "created_at": TIME,
        "updated_at": TIME,
    },
    "required": ["id", "external_id", "status", "lines"],
}

CANCEL_IN = {
    "type": "object",
    "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 200}},
    "additionalProperties": False,
}


def order_json(order, lines=None) -> dict:
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
