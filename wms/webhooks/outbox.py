"""The transactional outbox: webhook events written in the same transaction as the change they report.

`emit` never commits. The caller's `atomic` transaction commits the change, the event and its
deliveries together, so no change is kept without its event and no event without its change, even
across a crash (CONTRACT.md, Webhooks). Delivery happens later, from the rows (wms/webhooks/delivery.py).
"""
from __future__ import annotations

import json
import secrets
import time
from collections.abc import Sequence
from itertools import groupby

from sqlalchemy import insert, select

from wms.db import db, dialect, insert_returning_ids, utcnow
from wms.inventory import queries
from wms.inventory.domain import LevelsChanged, net_levels
from wms.inventory.models import Product
from wms.orders.domain import OrderStatusChanged
from wms.orders.queries import order_states
from wms.receiving.domain import ReceiptClosed
from wms.serialise import iso
from wms.unit_of_work import active, scratch
from wms.webhooks import gateway
from wms.webhooks.domain import EVENT_TYPES
from wms.webhooks.models import (
    PENDING,
    WebhookEvent,
    WebhookSequence,
)

INVENTORY_LEVEL_CHANGED = "inventory.level_changed"
RECEIPT_CLOSED = "receipt.closed"

MSG_PREFIX = "msg_"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_SUBSCRIBERS = "webhooks.subscribers"
# Aggregates per IN list, below every backend's limit of bound parameters.
_CHUNK = 5_000
_SEQUENCES = WebhookSequence.__table__


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


def emit(event_type: str, aggregate: str, data: dict) -> str:
    """Write one event, and a pending delivery for every active endpoint subscribed to its type.

    Must run inside an `atomic` transaction. `aggregate` names what the event is about ("order:42",
    "sku:MUG-S"); its `sequence` is one more than the aggregate's previous event's. `data` is the
    full current state of that thing, so a receiver can keep the latest even when deliveries cross;
    it must be plain JSON (times as ISO-8601 strings, money as decimal strings), else TypeError.
    Returns the event's public id (its webhook-id).
    """
    return emit_many(event_type, [(aggregate, data)])[0]


def emit_many(event_type: str, items: Sequence[tuple[str, dict]], *, first: bool = False) -> list[str]:
    """`emit` for many (aggregate, data) pairs, in a few statements whatever their number.

    `first` says that the aggregates are new (an order just received) and distinct: each event is its
    aggregate's first, numbered 1, and the sequence rows are written rather than read and bumped.
    """
    _check_type(event_type)
    if not items:
        return []
    aggregates = [aggregate for aggregate, _ in items]
    if first:
        if not active():
            raise RuntimeError("webhook events are written inside the atomic transaction of their change")
        db.session.execute(insert(_SEQUENCES), [{"aggregate": aggregate, "last": 1} for aggregate in aggregates])
        return _write(event_type, items, [1] * len(items))
    return _write(event_type, items, next_sequences(aggregates))


def next_sequence(aggregate: str) -> int:
    """Bump and return the aggregate's sequence; the row stays locked until the transaction ends.

    The lock is what orders events: a second transaction reporting on the same order or SKU waits
    here until the first commits, so its event gets both the higher sequence and the higher id.
    """
    if not active():
        raise RuntimeError("webhook events are written inside the atomic transaction of their change")
    return db.session.execute(gateway.bump_sequence(dialect()), {"aggregate": aggregate}).scalar_one()


def next_sequences(aggregates: Sequence[str]) -> list[int]:
    """`next_sequence` for each of many aggregates (repeats allowed), their rows locked in name order."""
    if len(aggregates) == 1:
        return [next_sequence(aggregates[0])]
    if not active():
        raise RuntimeError("webhook events are written inside the atomic transaction of their change")
    names = sorted(set(aggregates))
    dialect_insert = dialect().insert
    last: dict[str, int] = {}
    for start in range(0, len(names), _CHUNK):
        part = names[start:start + _CHUNK]
        db.session.execute(dialect_insert(_SEQUENCES).on_conflict_do_nothing(),
                           [{"aggregate": name, "last": 0} for name in part])
        last.update((name, n) for name, n in db.session.execute(
            select(_SEQUENCES.c.aggregate, _SEQUENCES.c.last).where(_SEQUENCES.c.aggregate.in_(part))
            .order_by(_SEQUENCES.c.aggregate).with_for_update()))
    out = []
    for name in aggregates:
        last[name] += 1
        out.append(last[name])
    db.session.execute(gateway.set_last(), [{"name": name, "last": last[name]} for name in names])
    return out


def _check_type(event_type: str) -> None:
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}; the types are {', '.join(EVENT_TYPES)}")


def subscribers(event_type: str) -> list[int]:
    """Ids of the active endpoints that take `event_type`, read once per transaction."""
    cache = scratch().setdefault(_SUBSCRIBERS, None)
    if cache is None:
        cache = scratch()[_SUBSCRIBERS] = [(r.id, frozenset(r.events))
                                           for r in db.session.execute(gateway.active_endpoints())]
    return [endpoint_id for endpoint_id, events in cache if event_type in events]


def _write(event_type: str, items: Sequence[tuple[str, dict]], sequences: Sequence[int]) -> list[str]:
    """Insert the events (Core statements: an ORM flush per event cost more than the rest of an order's intake)."""
    now = utcnow()
    rows = [_event_row(event_type, aggregate, seq, data, now) for (aggregate, data), seq in zip(items, sequences)]
    endpoints = subscribers(event_type)
    if not endpoints:
        db.session.execute(gateway.insert_event(), rows)
    else:
        ids = insert_returning_ids(WebhookEvent, rows, key=("msg_id",))
        db.session.execute(gateway.insert_delivery(), [
            {"endpoint_id": endpoint_id, "event_id": event_id, "aggregate": row["aggregate"], "status": PENDING,
             "attempts": 0, "next_attempt_at": now, "created_at": now}
            for row, event_id in zip(rows, ids) for endpoint_id in endpoints])
        open_queues({(endpoint_id, row["aggregate"]) for row in rows for endpoint_id in endpoints}, now)
    return [row["msg_id"] for row in rows]


def open_queues(queues: set[tuple[int, str]], now) -> None:
    """Make sure each (endpoint id, aggregate) queue exists and is due, unless it already waits or is held.

    Called in the transaction that adds deliveries to them. Queue rows are locked in key order, the
    one order every writer uses; writers of one aggregate already take turns on its sequence row.
    """
    db.session.execute(gateway.open_queue(dialect()),
                       [{"endpoint_id": e, "aggregate": a, "now": now} for e, a in sorted(queues)])


def _event_row(event_type: str, aggregate: str, sequence: int, data: dict, now) -> dict:
    msg_id = new_msg_id()
    # Frozen text: each retry sends (and signs) exactly these bytes. allow_nan=False because NaN is not JSON.
    envelope = {"id": msg_id, "type": event_type, "timestamp": iso(now), "sequence": sequence, "data": data}
    body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return {"msg_id": msg_id, "type": event_type, "aggregate": aggregate, "sequence": sequence, "body": body,
            "created_at": now}


# Order statuses whose arrival the storefront is told about, and the event type for each.
STATUS_EVENTS = {
    "allocated": "order.allocated",
    "backordered": "order.backordered",
    "picked": "order.picked",
    "packed": "order.packed",
    "cancelled": "order.cancelled",
}


def publish_order_statuses(changes: list[OrderStatusChanged]) -> None:
    """Event handler: each order's new status that the storefront hears of, with the order's current state.

    Written in the order the changes happened, runs of one status together, so each order's events
    get their sequence numbers in the order of its changes.
    """
    told = [c for c in changes if c.status in STATUS_EVENTS]
    unread = [c.order_id for c in told if c.state is None]
    states = order_states(unread) if unread else {}
    for (status, first), run in groupby(told, key=lambda c: (c.status, c.first)):
        items = [(f"order:{c.order_id}", {"order_id": c.order_id, **(c.state or states[c.order_id])}) for c in run]
        emit_many(STATUS_EVENTS[status], items, first=first)


def publish_receipts_closed(closings: list[ReceiptClosed]) -> None:
    """Event handler: `receipt.closed` with what the supplier sent short, over or unasked."""
    for closing in closings:
        emit(RECEIPT_CLOSED, f"receipt:{closing.receipt_id}", {"receipt_id": closing.receipt_id, **closing.state})


def publish_levels(changes: list[LevelsChanged]) -> None:
    """Event handler: every SKU whose sellable on_hand or reserved this transaction changed, with its new totals.

    Listed last in the event table, so it runs once per transaction, after everything else that
    moves stock or reservations (backorders served, say) has run.
    """
    net = net_levels(changes)
    # Stock levels are state, not history: with nobody subscribed there is no one to tell, and skipping
    # keeps the sequence row lock off the stock hot path. A new subscriber starts from GET /inventory.
    if not net or not subscribers(INVENTORY_LEVEL_CHANGED):
        return
    skus = dict(db.session.execute(select(Product.id, Product.sku).where(Product.id.in_(list(net)))).all())
    # Sequence rows are locked in SKU order, the one order every transaction uses, so two cannot deadlock;
    # totals are read only after the locks, so a later sequence never carries older totals.
    sequences = {pid: next_sequence(f"sku:{sku}") for pid, sku in sorted(skus.items(), key=lambda kv: kv[1])}
    totals = db.session.execute(queries.inventory_query(None).where(Product.id.in_(list(sequences)))).all()
    rows = sorted(totals, key=lambda r: r.sku)
    _write(INVENTORY_LEVEL_CHANGED, [(f"sku:{row.sku}", {
        "sku": row.sku, "on_hand": int(row.on_hand), "reserved": int(row.reserved),
        "available": int(row.on_hand - row.reserved)}) for row in rows], [sequences[row.id] for row in rows])
