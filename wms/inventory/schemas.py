"""JSON Schemas of the inventory endpoints: what the OpenAPI document publishes and requests are checked against."""
from __future__ import annotations

from wms.inventory.models import PHYSICAL_TYPES, VIRTUAL_TYPES
from wms.serialise import iso, iso_date

# Bounds keep every value inside what every database column holds.
QTY = {"type": "integer", "minimum": 1, "maximum": 1_000_000_000}
COUNT = {"type": "integer", "minimum": 0, "maximum": 1_000_000_000}
SMALL = {"type": "integer", "minimum": 0, "maximum": 10_000_000}
CODE = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9][A-Za-z0-9._/-]*$"}
LOT = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[\\x21-\\x7e]+$"}
TEXT = {"type": "string", "minLength": 1, "maxLength": 200}
METRES = {"type": "number", "minimum": -100_000, "maximum": 100_000}
NULLABLE_TEXT = {"type": ["string", "null"]}
TIME = {"type": "string", "format": "date-time"}

PRODUCT_IN = {
    "type": "object",
    "properties": {
        "sku": CODE,
        "name": TEXT,
        "gtin": {"type": "string", "pattern": "^([0-9]{8}|[0-9]{12,14})$",
                 "description": "GTIN-8, -12, -13 or -14, answered as given; scans match it by value, and "
                                "one that differs only by leading zeros is the same GTIN (409 gtin_exists)."},
        "weight_g": SMALL,
        "length_mm": SMALL,
        "width_mm": SMALL,
        "height_mm": SMALL,
        "lot_tracked": {"type": "boolean"},
        "expiry_tracked": {"type": "boolean"},
        "serial_tracked": {"type": "boolean"},
        "hs_code": {"type": "string", "pattern": "^[0-9]{6,10}$"},
        "country_of_origin": {"type": "string", "pattern": "^[A-Z]{2}$"},
        "unit_value": {"type": "string", "pattern": "^[0-9]{1,10}(\\.[0-9]{1,4})?$"},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "home_location": CODE,
    },
    "required": ["sku", "name", "weight_g"],
    "additionalProperties": False,
}

PRODUCT = {
    "type": "object",
    "properties": {
        "sku": {"type": "string"}, "name": {"type": "string"}, "gtin": NULLABLE_TEXT,
        "weight_g": {"type": "integer"}, "length_mm": {"type": ["integer", "null"]},
        "width_mm": {"type": ["integer", "null"]}, "height_mm": {"type": ["integer", "null"]},
        "lot_tracked": {"type": "boolean"}, "expiry_tracked": {"type": "boolean"},
        "serial_tracked": {"type": "boolean"}, "hs_code": NULLABLE_TEXT, "country_of_origin": NULLABLE_TEXT,
        "unit_value": NULLABLE_TEXT, "currency": NULLABLE_TEXT, "home_location": NULLABLE_TEXT,
        "created_at": TIME,
    },
    "required": ["sku", "name", "weight_g", "lot_tracked", "expiry_tracked"],
}

LOCATION_IN = {
    "type": "object",
    "properties": {
        "code": CODE,
        "type": {"enum": list(PHYSICAL_TYPES)},
        "zone": {"type": "string", "minLength": 1, "maxLength": 32},
        "aisle": SMALL,
        "bay": SMALL,
        "level": SMALL,
        "x_m": METRES,
        "y_m": METRES,
        "max_weight_g": {"type": "integer", "minimum": 1, "maximum": 1_000_000_000},
        "max_volume_cm3": {"type": "integer", "minimum": 1, "maximum": 1_000_000_000},
        "allow_mixed_lots": {"type": "boolean"},
    },
    "required": ["code", "type"],
    "additionalProperties": False,
}

LOCATION = {
    "type": "object",
    "properties": {
        "code": {"type": "string"}, "type": {"enum": list(PHYSICAL_TYPES + VIRTUAL_TYPES)},
        "zone": NULLABLE_TEXT, "aisle": {"type": ["integer", "null"]}, "bay": {"type": ["integer", "null"]},
        "level": {"type": ["integer", "null"]}, "x_m": {"type": ["number", "null"]},
        "y_m": {"type": ["number", "null"]}, "virtual": {"type": "boolean"}, "sellable": {"type": "boolean"},
        "max_weight_g": {"type": ["integer", "null"]}, "max_volume_cm3": {"type": ["integer", "null"]},
        "allow_mixed_lots": {"type": "boolean"},
    },
    "required": ["code", "type", "virtual", "sellable"],
}

LAYOUT_IN = {
    "type": "object",
    "properties": {
        "aisles": {"type": "integer", "minimum": 1, "maximum": 99},
        "bays_per_aisle": {"type": "integer", "minimum": 1, "maximum": 49},
        "levels": {"type": "integer", "minimum": 1, "maximum": 9},
        "bay_width_m": {"type": "number", "exclusiveMinimum": 0, "maximum": 10},
        "aisle_width_m": {"type": "number", "exclusiveMinimum": 0, "maximum": 20},
        "cross_aisles": {"type": "integer", "minimum": 0, "maximum": 10},
        "pick_face_levels": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 9},
                             "uniqueItems": True, "maxItems": 9},
    },
    "required": ["aisles", "bays_per_aisle", "levels", "bay_width_m", "aisle_width_m"],
    "additionalProperties": False,
}

GEOMETRY = {
    "type": "object",
    "properties": {
        "aisles": {"type": "array", "items": {
            "type": "object",
            "properties": {"index": {"type": "integer"}, "x_m": {"type": "number"},
                           "y_start_m": {"type": "number"}, "y_end_m": {"type": "number"}},
            "required": ["index", "x_m", "y_start_m", "y_end_m"],
        }},
        "cross_aisles_y_m": {"type": "array", "items": {"type": "number"}},
        "depot": {"type": "object", "properties": {"x_m": {"type": "number"}, "y_m": {"type": "number"}},
                  "required": ["x_m", "y_m"]},
    },
    "required": ["aisles", "cross_aisles_y_m", "depot"],
}

LAYOUT = {**GEOMETRY, "properties": {**GEOMETRY["properties"], "id": {"type": "integer"},
                                     "locations_created": {"type": "integer"}}}

STOCK = {
    "type": "object",
    "properties": {
        "sku": {"type": "string"}, "location": {"type": "string"}, "lot": NULLABLE_TEXT,
        "expiry": {"type": ["string", "null"], "format": "date"}, "on_hand": {"type": "integer"},
        "reserved": {"type": "integer"}, "available": {"type": "integer"},
    },
    "required": ["sku", "location", "on_hand", "reserved", "available"],
}

INVENTORY = {
    "type": "object",
    "properties": {"sku": {"type": "string"}, "on_hand": {"type": "integer"}, "reserved": {"type": "integer"},
                   "available": {"type": "integer"}},
    "required": ["sku", "on_hand", "reserved", "available"],
}

MOVE_IN = {
    "type": "object",
    "properties": {"sku": CODE, "from_location": CODE, "to_location": CODE, "quantity": QTY, "lot": LOT},
    "required": ["sku", "from_location", "to_location", "quantity"],
    "additionalProperties": False,
}

MOVE = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "sku": {"type": "string"}, "from_location": {"type": "string"},
        "to_location": {"type": "string"}, "quantity": {"type": "integer"}, "lot": NULLABLE_TEXT,
        "kind": {"type": "string"}, "reason": NULLABLE_TEXT, "reference": NULLABLE_TEXT,
        "user": {"type": "string"}, "device": NULLABLE_TEXT, "created_at": TIME,
    },
    "required": ["id", "sku", "from_location", "to_location", "quantity", "kind", "user", "created_at"],
}

ADJUSTMENT_IN = {
    "type": "object",
    "properties": {
        "sku": CODE, "location": CODE, "counted": COUNT,
        "delta": {"type": "integer", "minimum": -1_000_000_000, "maximum": 1_000_000_000, "not": {"const": 0}},
        "lot": LOT, "reason": TEXT,
    },
    "required": ["sku", "location", "reason"],
    "oneOf": [{"required": ["counted"], "not": {"required": ["delta"]}},
              {"required": ["delta"], "not": {"required": ["counted"]}}],
    "additionalProperties": False,
}

NO_CHANGE = {
    "type": "object",
    "properties": {"adjusted": {"const": False}, "sku": {"type": "string"}, "location": {"type": "string"},
                   "on_hand": {"type": "integer"}},
    "required": ["adjusted", "sku", "location", "on_hand"],
}

WAREHOUSE = {
    "type": "object",
    "properties": {"code": {"type": "string"}, "name": {"type": "string"}, "address": {"type": "object"}},
    "required": ["code", "name", "address"],
}


# --- resources as the API shows them -----------------------------------------------------------------


def product_json(p) -> dict:
    return {
        "sku": p.sku, "name": p.name, "gtin": p.gtin, "weight_g": p.weight_g, "length_mm": p.length_mm,
        "width_mm": p.width_mm, "height_mm": p.height_mm, "lot_tracked": p.lot_tracked,
        "expiry_tracked": p.expiry_tracked, "serial_tracked": p.serial_tracked, "hs_code": p.hs_code,
        "country_of_origin": p.country_of_origin,
        "unit_value": None if p.unit_value is None else format(p.unit_value.normalize(), "f"),
        "currency": p.currency, "home_location": p.home_location.code if p.home_location else None,
        "created_at": iso(p.created_at),
    }


def location_json(loc) -> dict:
    return {
        "code": loc.code, "type": loc.type, "zone": loc.zone, "aisle": loc.aisle, "bay": loc.bay,
        "level": loc.level, "x_m": loc.x_m, "y_m": loc.y_m, "virtual": loc.virtual, "sellable": loc.sellable,
        "max_weight_g": loc.max_weight_g, "max_volume_cm3": loc.max_volume_cm3,
        "allow_mixed_lots": bool(loc.allow_mixed_lots),
    }


def stock_json(q) -> dict:
    return {
        "sku": q.product.sku, "location": q.location.code, "lot": q.lot or None, "expiry": iso_date(q.expiry),
        "on_hand": q.on_hand, "reserved": q.reserved, "available": q.on_hand - q.reserved,
    }


def move_json(m) -> dict:
    """A move: a ledger row, or a move as just booked (ledger.Booked)."""
    return {
        "id": m.id, "sku": m.product.sku, "from_location": m.from_location.code, "to_location": m.to_location.code,
        "quantity": m.quantity, "lot": m.lot or None, "kind": m.kind, "reason": m.reason, "reference": m.reference,
        "user": m.actor, "device": m.device, "created_at": iso(m.created_at),
    }
