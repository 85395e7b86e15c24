"""The transactional outbox: webhook events written in the same transaction as the change they report.

`emit` never commits. The caller's `atomic` transaction commits the change, the event and its
deliveries together, so no change is kept without its event and no event without its change, even
across a crash (CONTRACT.md, Webhooks). Delivery happens later, from the rows (wms/webhooks/delivery.py).
"""
from __future__ import annotations

import json
import secrets
import time

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from wms.api.responses import iso
from wms.db import committing, db, in_transaction, is_postgres, tx_info, utcnow
from wms.inventory import ledger, queries
from wms.inventory.models import Product
from wms.webhooks.models import (
    PENDING,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookSequence,
)

EVENT_TYPES = (
    "order.allocated",
    "order.backordered",
    "order.picked",
    "order.packed",
    "order.shipped",
    "order.cancelled",
    "shipment.tracking_updated",
    "inventory.level_changed",
    "return.received",
    "receipt.closed",
)
INVENTORY_LEVEL_CHANGED = "inventory.level_changed"

MSG_PREFIX = "msg_"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_SUBSCRIBERS = "webhooks.subscribers"


def new_msg_id() -> str:
    """A public event id: "msg_" and a ULID (48 bits of milliseconds, 80 random bits; 26 characters).

    Time first, so ids sort roughly by creation in logs and at the receiver; random enough that ids
    made in parallel by several processes never collide.
    """
    value = (int(time.time() * 1000) << 80) | secrets.randbits(80)
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return MSG_PREFIX + "".join(reversed(chars))


def emit(event_type: str, aggregate: str, data: dict) -> WebhookEvent:
    """Write one event, and a pending delivery for every active endpoint subscribed to its type.

    Must run inside an `atomic` transaction. `aggregate` names what the event is about ("order:42",
    "sku:MUG-S"); its `sequence` is one more than the aggregate's previous event's. `data` is the
    full current state of that thing, so a receiver can keep the latest even when deliveries cross;
    it must be plain JSON (times as ISO-8601 strings, money as decimal strings), else TypeError.
    """
    _check_type(event_type)
    sequence = next_sequence(aggregate)
    return _write(event_type, aggregate, sequence, data)


def next_sequence(aggregate: str) -> int:
    """Bump and return the aggregate's sequence; the row stays locked until the transaction ends.

    The lock is what orders events: a second transaction reporting on the same order or SKU waits
    here until the first commits, so its event gets both the higher sequence and the higher id.
    """
    if not in_transaction():
        raise RuntimeError("webhook events are written inside the atomic transaction of their change")
    insert = postgresql.insert if is_postgres() else sqlite.insert
    stmt = (
        insert(WebhookSequence)
        .values(aggregate=aggregate, last=1)
        .on_conflict_do_update(index_elements=[WebhookSequence.aggregate],
                               set_={"last": WebhookSequence.last + 1})
        .returning(WebhookSequence.last)
    )
    return db.session.execute(stmt).scalar_one()


def _check_type(event_type: str) -> None:
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}; the types are {', '.join(EVENT_TYPES)}")


def subscribers(event_type: str) -> list[int]:
    """Ids of the active endpoints that take `event_type`, read once per transaction."""
    cache = tx_info().setdefault(_SUBSCRIBERS, None)
    if cache is None:
        rows = db.session.execute(select(WebhookEndpoint.id, WebhookEndpoint.events)
                                  .where(WebhookEndpoint.active.is_(True)).order_by(WebhookEndpoint.id))
        cache = tx_info()[_SUBSCRIBERS] = [(r.id, frozenset(r.events)) for r in rows]
    return [endpoint_id for endpoint_id, events in cache if event_type in events]


def _write(event_type: str, aggregate: str, sequence: int, data: dict) -> WebhookEvent:
    now = utcnow()
    msg_id = new_msg_id()
    # Frozen text: each retry sends (and signs) exactly these bytes. allow_nan=False because NaN is not JSON.
    envelope = {"id": msg_id, "type": event_type, "timestamp": iso(now), "sequence": sequence, "data": data}
    body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    event = WebhookEvent(msg_id=msg_id, type=event_type, aggregate=aggregate, sequence=sequence, body=body,
                         created_at=now)
    db.session.add(event)
    db.session.flush()
    db.session.add_all(
        WebhookDelivery(endpoint_id=endpoint_id, event_id=event.id, aggregate=aggregate, status=PENDING,
                        attempts=0, next_attempt_at=now, created_at=now)
        for endpoint_id in subscribers(event_type)
    )
    return event


def _on_committing(_sender, info: dict) -> None:
    """Report every SKU whose sellable available quantity this transaction changed, with its new totals."""
    changes = ledger.available_changes(info)
    # Stock levels are state, not history: with nobody subscribed there is no one to tell, and skipping
    # keeps the sequence row lock off the stock hot path. A new subscriber starts from GET /inventory.
    if not changes or not subscribers(INVENTORY_LEVEL_CHANGED):
        return
    skus = dict(db.session.execute(select(Product.id, Product.sku).where(Product.id.in_(list(changes)))).all())
    # Sequence rows are locked in SKU order, the one order every transaction uses, so two cannot deadlock;
    # totals are read only after the locks, so a later sequence never carries older totals.
    sequences = {pid: next_sequence(f"sku:{sku}") for pid, sku in sorted(skus.items(), key=lambda kv: kv[1])}
    totals = db.session.execute(queries.inventory_query(None).where(Product.id.in_(list(sequences)))).all()
    for row in sorted(totals, key=lambda r: r.sku):
        data = {"sku": row.sku, "on_hand": int(row.on_hand), "reserved": int(row.reserved),
                "available": int(row.on_hand - row.reserved)}
        _write(INVENTORY_LEVEL_CHANGED, f"sku:{row.sku}", sequences[row.id], data)


def init_app(app) -> None:
    """Write inventory.level_changed events in every stock-changing transaction; safe to call again."""
    # blinker keeps one connection per receiver, so a second create_app in one process adds nothing.
    committing.connect(_on_committing)
