"""Keyset pagination: `?limit=&cursor=` where the cursor is the last id seen, made opaque."""
from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Select

from wms.db import db
from wms.errors import Invalid

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

QUERY = {
    "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    "cursor": {"type": "string", "maxLength": 40, "pattern": "^[A-Za-z0-9_-]+$"},
}


def page_schema(item: dict) -> dict:
    return {
        "type": "object",
        "properties": {"items": {"type": "array", "items": item}, "next_cursor": {"type": ["string", "null"]}},
        "required": ["items", "next_cursor"],
        "additionalProperties": False,
    }


def encode(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = raw.partition(":")
        last_id = int(value)
        if prefix != "id" or not 0 <= last_id < 2**62:
            raise ValueError
        return last_id
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise Invalid("the cursor is not one this server gave out", code="invalid_cursor") from None


def page(stmt: Select, id_column: Any, query: dict, render: Callable[[Any], dict], *, entities: bool = True) -> dict:
    """Run `stmt` one page at a time in id order and render each row (entities, or plain rows with an id)."""
    limit = query.get("limit", DEFAULT_LIMIT)
    if query.get("cursor"):
        stmt = stmt.where(id_column > decode(query["cursor"]))
    stmt = stmt.order_by(id_column).limit(limit + 1)
    rows: Sequence = db.session.scalars(stmt).unique().all() if entities else db.session.execute(stmt).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [render(r) for r in rows], "next_cursor": encode(rows[-1].id) if more else None}
