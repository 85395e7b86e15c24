"""JSON Schemas of the picking endpoints, and waves, pick lists and tasks as the API shows them."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from wms.inventory.schemas import COUNT, QTY, TIME
from wms.serialise import iso

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


# --- resources as the API shows them -----------------------------------------------------------------


def task_json(t) -> dict:
    return {"id": t.id, "seq": t.seq, "location": t.location.code, "sku": t.product.sku, "quantity": t.quantity,
            "lot": t.lot or None, "order_id": t.order_id, "tote": t.tote.slot, "status": t.status,
            "picked": t.picked, "short": t.short}


def totes_json(totes) -> list[dict]:
    return [{"tote": t.slot, "order_id": t.order_id} for t in totes]


def pick_list_json(pick_list, tasks) -> dict:
    """A pick list with its `tasks` (in walking order)."""
    return {"id": pick_list.id, "wave_id": pick_list.wave_id, "status": pick_list.status,
            "route_length_m": round(pick_list.route_length_m, 3), "totes": totes_json(pick_list.totes),
            "tasks": [task_json(t) for t in tasks],
            "created_at": iso(pick_list.created_at), "completed_at": iso(pick_list.completed_at)}


def pick_list_summary_json(pick_list, totes, task_count: int, url: str) -> dict:
    """A pick list without its tasks: its `totes`, how many tasks it has, and the `url` to read it at."""
    return {"id": pick_list.id, "wave_id": pick_list.wave_id, "status": pick_list.status,
            "route_length_m": round(pick_list.route_length_m, 3), "totes": totes_json(totes),
            "task_count": task_count, "url": url}


def wave_json(wave, totes_of: Mapping[int, Sequence], task_count_of: Mapping[int, int],
              url_of: Callable[[int], str]) -> dict:
    """A wave with a summary of each pick list: `totes_of` and `task_count_of` map pick list ids to theirs."""
    lists = wave.pick_lists
    return {
        "id": wave.id, "cart_capacity": wave.cart_capacity, "params": wave.params, "created_by": wave.created_by,
        "created_at": iso(wave.created_at), "orders": sum(len(v) for v in totes_of.values()),
        "route_length_m": round(sum(pl.route_length_m for pl in lists), 3),
        "picklists": [pick_list_summary_json(pl, totes_of.get(pl.id, []), task_count_of.get(pl.id, 0), url_of(pl.id))
                      for pl in lists],
    }


def outcome_json(o) -> dict:
    """A confirmed or shorted pick (picking.confirm.Outcome): the task, the next one, the list and the order."""
    return {"picklist": {"id": o.pick_list.id, "status": o.pick_list.status,
                         "route_length_m": round(o.pick_list.route_length_m, 3)},
            "task": task_json(o.task), "next": task_json(o.next_task) if o.next_task else None,
            "added": [task_json(t) for t in o.added], "order": {"id": o.order.id, "status": o.order.status}}
