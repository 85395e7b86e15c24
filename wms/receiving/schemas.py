"""JSON Schemas of the receiving, putaway and inbound label endpoints."""
from __future__ import annotations

from wms.inventory.schemas import CODE, LOT, MOVE_IN, NULLABLE_TEXT, QTY, TIME
from wms.serialise import iso, iso_date

DATE = {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
SSCC = {"type": "string", "pattern": "^[0-9]{18}$"}
# GS1 AI (21) holds at most 20 characters; a serial typed from a label is held to the same.
SERIAL = {**LOT, "maxLength": 20}

RECEIPT_LINE_IN = {
    "type": "object",
    "properties": {"sku": CODE, "quantity": QTY, "sscc": SSCC, "lot": LOT, "expiry": DATE},
    "required": ["sku", "quantity"],
    "additionalProperties": False,
}

RECEIPT_IN = {
    "type": "object",
    "properties": {
        "reference": {"type": "string", "minLength": 1, "maxLength": 100},
        "supplier": {"type": "string", "minLength": 1, "maxLength": 200},
        "lines": {"type": "array", "items": RECEIPT_LINE_IN, "minItems": 1, "maxItems": 1000},
    },
    "required": ["reference", "lines"],
    "additionalProperties": False,
}

RECEIPT_LINE = {
    "type": "object",
    "properties": {
        "sku": {"type": "string"}, "expected": {"type": "integer"}, "received": {"type": "integer"},
        "sscc": NULLABLE_TEXT, "lot": NULLABLE_TEXT, "expiry": NULLABLE_DATE, "unexpected": {"type": "boolean"},
    },
    "required": ["sku", "expected", "received", "unexpected"],
}

RECEIPT = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "reference": {"type": "string"}, "supplier": NULLABLE_TEXT,
        "status": {"enum": ["open", "closed"]}, "lines": {"type": "array", "items": RECEIPT_LINE},
        "created_by": {"type": "string"}, "created_at": TIME, "closed_at": {"type": ["string", "null"]},
    },
    "required": ["id", "reference", "status", "lines"],
}

SCAN_IN = {
    "type": "object",
    "properties": {
        "barcode": {"type": "string", "minLength": 1, "maxLength": 200},
        "quantity": QTY,
        "location": CODE,
        # What the carton says when its barcode does not carry it (typed by the receiver).
        "lot": {**LOT, "maxLength": 20},
        "expiry": DATE,
        "serial": SERIAL,
    },
    "required": ["barcode"],
    "additionalProperties": False,
}

LINE_TOTAL = {
    "type": "object",
    "properties": {"sku": {"type": "string"}, "expected": {"type": "integer"}, "received": {"type": "integer"}},
    "required": ["sku", "expected", "received"],
}

SCAN_ITEM = {
    "type": "object",
    "properties": {
        "sku": {"type": "string"}, "quantity": {"type": "integer"}, "lot": NULLABLE_TEXT,
        "expiry": NULLABLE_DATE, "serial": NULLABLE_TEXT, "line": LINE_TOTAL,
    },
    "required": ["sku", "quantity", "line"],
}

SCAN = {
    "type": "object",
    "properties": {
        "receipt_id": {"type": "integer"}, **SCAN_ITEM["properties"], "location": {"type": "string"},
        "sscc": NULLABLE_TEXT, "items": {"type": "array", "items": SCAN_ITEM},
    },
    "required": ["receipt_id", "sku", "quantity", "line", "location", "items"],
}

DISCREPANCY = {
    "type": "object",
    "properties": {"sku": {"type": "string"}, "expected": {"type": "integer"}, "received": {"type": "integer"},
                   "kind": {"enum": ["short", "over", "unexpected"]}},
    "required": ["sku", "expected", "received", "kind"],
}

CLOSED = {
    "type": "object",
    "properties": {"receipt_id": {"type": "integer"}, "reference": {"type": "string"},
                   "status": {"const": "closed"}, "discrepancies": {"type": "array", "items": DISCREPANCY}},
    "required": ["receipt_id", "status", "discrepancies"],
}

SUGGESTION = {
    "type": "object",
    "properties": {
        "sku": {"type": "string"}, "lot": NULLABLE_TEXT, "quantity": {"type": "integer"},
        "from_location": {"type": "string"}, "to_location": NULLABLE_TEXT,
        "rule": {"enum": ["home", "consolidate", "empty", "none"]}, "held_until": {"type": ["string", "null"]},
    },
    "required": ["sku", "quantity", "from_location", "to_location", "rule"],
}

PUTAWAY_IN = MOVE_IN  # a putaway is a move the receiver is told where to make

SSCC_IN = {
    "type": "object",
    "properties": {"kind": {"enum": ["carton", "pallet"]}, "count": {"type": "integer", "minimum": 1,
                                                                     "maximum": 100}},
    "required": ["kind"],
    "additionalProperties": False,
}

SSCC_OUT = {
    "type": "object",
    "properties": {"items": {"type": "array", "items": {
        "type": "object",
        "properties": {"sscc": {"type": "string"}, "kind": {"enum": ["carton", "pallet"]},
                       "label_url": {"type": "string"}},
        "required": ["sscc", "label_url"],
    }}},
    "required": ["items"],
}


def receipt_json(receipt) -> dict:
    return {
        "id": receipt.id,
        "reference": receipt.reference,
        "supplier": receipt.supplier,
        "status": receipt.status,
        "lines": [{"sku": line.product.sku, "expected": line.expected, "received": line.received,
                   "sscc": line.sscc, "lot": line.lot, "expiry": iso_date(line.expiry),
                   "unexpected": line.unexpected} for line in receipt.lines],
        "created_by": receipt.created_by,
        "created_at": iso(receipt.created_at),
        "closed_at": iso(receipt.closed_at),
    }


def discrepancy_json(d) -> dict:
    return {"sku": d.sku, "expected": d.expected, "received": d.received, "kind": d.kind}
