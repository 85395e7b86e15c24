"""JSON Schemas of the picking endpoints."""
from __future__ import annotations

from wms.inventory.schemas import COUNT, QTY, TIME

ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
SCAN_TEXT = {"type": "string", "minLength": 1, "maxLength": 200}

WAVE_IN = {
    "type": "object",
    "properties": {
        "max_orders": {"type": "integer", "minimum": 1, "maximum": 100_000},
        "max_picklists": {"type": "integer", "minimum": 1, "maximum": 10_000},
        "cart_capacity": {"type": "integer", "minimum": 1, "maximum": 60},
        "carrier": {"enum": ["fedex", "ups", "dhl"]},
        "cutoff": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"},
    },
    "additionalProperties": False,
}

TASK = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "seq": {"type": "integer"},
        "location": {"type": "string"},
        "sku": {"type": "string"},
        "quantity": {"type": "integer"},
        "lot": {"type": ["string", "null"]},
        "order_id": {"type": "integer"},
        "tote": {"type": "integer"},
        "status": {"enum": ["open", "picked", "short"]},
        "picked": {"type": "integer"},
        "short": {"type": "integer"},
    },
    "required": ["id", "seq", "location", "sku", "quantity", "lot", "order_id", "tote", "status"],
}

TOTE = {
    "type": "object",
    "properties": {"tote": {"type": "integer"}, "order_id": {"type": "integer"}},
    "required": ["tote", "order_id"],
}

LIST_STATUS = {"enum": ["open", "done"]}

PICKLIST = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "wave_id": {"type": "integer"},
        "status": LIST_STATUS,
        "route_length_m": {"type": "number"},
        "totes": {"type": "array", "items": TOTE},
        "tasks": {"type": "array", "items": TASK},
        "created_at": TIME,
        "completed_at": {"type": ["string", "null"], "format": "date-time"},
    },
    "required": ["id", "status", "route_length_m", "tasks"],
}

PICKLIST_SUMMARY = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "wave_id": {"type": "integer"},
        "status": LIST_STATUS,
        "route_length_m": {"type": "number"},
        "totes": {"type": "array", "items": TOTE},
        "task_count": {"type": "integer"},
        "url": {"type": "string"},
    },
    "required": ["id", "status", "route_length_m", "totes", "task_count"],
}

WAVE = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "cart_capacity": {"type": "integer"},
        "params": {"type": "object"},
        "created_by": {"type": "string"},
        "created_at": TIME,
        "orders": {"type": "integer"},
        "route_length_m": {"type": "number"},
        "picklists": {"type": "array", "items": PICKLIST_SUMMARY},
    },
    "required": ["id", "picklists"],
}

CONFIRM_IN = {
    "type": "object",
    "properties": {"location_barcode": SCAN_TEXT, "item_barcode": SCAN_TEXT, "quantity": QTY},
    "required": ["location_barcode", "item_barcode", "quantity"],
    "additionalProperties": False,
}

SHORT_IN = {
    "type": "object",
    "properties": {"task_id": ID, "quantity_found": COUNT},
    "required": ["task_id", "quantity_found"],
    "additionalProperties": False,
}

OUTCOME = {
    "type": "object",
    "properties": {
        "picklist": {"type": "object", "properties": {"id": {"type": "integer"}, "status": LIST_STATUS,
                                                      "route_length_m": {"type": "number"}}},
        "task": TASK,
        "next": {"oneOf": [TASK, {"type": "null"}]},
        "added": {"type": "array", "items": TASK},
        "order": {"type": "object", "properties": {"id": {"type": "integer"}, "status": {"type": "string"}}},
    },
    "required": ["picklist", "task", "next", "order"],
}
