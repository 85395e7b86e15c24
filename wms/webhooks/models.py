"""Tables of webhook delivery: storefront endpoints, the event outbox, deliveries, per-aggregate sequences."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from wms.db import db, utcnow

# Delivery states. pending: waiting its turn in its queue; delivering: a worker holds its queue;
# delivered: a 2xx came back; dead: retried past WMS_WEBHOOK_MAX_AGE_HOURS; disabled: its endpoint was.
PENDING, DELIVERING, DELIVERED, DEAD, DISABLED = "pending", "delivering", "delivered", "dead", "disabled"
DELIVERY_STATUSES = (PENDING, DELIVERING, DELIVERED, DEAD, DISABLED)
# States that hold back later events of the same aggregate to the same endpoint.
UNFINISHED = (PENDING, DELIVERING)
_UNFINISHED_SQL = f"status IN ({', '.join(repr(state) for state in UNFINISHED)})"  # the partial index's WHERE


def unfinished(status: ColumnElement[str]) -> ColumnElement[bool]:
    """`status IN ('pending', 'delivering')`, the values written out as in the partial index's own WHERE.

    With bound parameters instead, neither SQLite nor a prepared PostgreSQL plan can tell that the
    index covers the query, and a queue's head is then looked for among all its delivered events.
    """
    return status.in_([literal_column(f"'{state}'") for state in UNFINISHED])


class WebhookEndpoint(db.Model):
    """A storefront URL that receives the event types it subscribed to."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list] = mapped_column(JSON)
    # Kept as given (not hashed): every delivery is signed with it. Shown to the client once.
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(300))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebhookEvent(db.Model):
    """One event in the outbox, written in the transaction of the change it reports; never changed after."""

    __tablename__ = "webhook_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The public id ("msg_" + 26 characters): the body's "id" and the webhook-id header of every attempt.
    msg_id: Mapped[str] = mapped_column(String(30), unique=True)
    type: Mapped[str] = mapped_column(String(40))
    aggregate: Mapped[str] = mapped_column(String(100))  # "order:42", "sku:MUG-S"
    sequence: Mapped[int] = mapped_column(Integer)
    # The exact JSON text sent and signed, frozen at write time so every retry carries the same bytes.
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebhookDelivery(db.Model):
    """One event on its way to one endpoint; a redelivery is another row for the same event."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("webhook_events.id"))
    # The event's aggregate, copied here so the "earlier event still on its way?" check is one index probe.
    aggregate: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    first_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When this delivery is tried (again); a later event of its queue also waits for its queue's head.
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    endpoint: Mapped[WebhookEndpoint] = relationship(lazy="raise")
    event: Mapped[WebhookEvent] = relationship(lazy="raise")

    __table_args__ = (
        # A queue's unfinished deliveries in event order: its head and the run sent behind it. Partial, so
        # that an order's or a SKU's long history of delivered events is never read again.
        Index("ix_webhook_deliveries_unfinished", "endpoint_id", "aggregate", "event_id",
              sqlite_where=text(_UNFINISHED_SQL), postgresql_where=text(_UNFINISHED_SQL)),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),
    )


class WebhookQueue(db.Model):
    """The deliveries of one aggregate (an order, a SKU) to one endpoint, sent one after another in event order.

    Workers claim queues, not deliveries, so ordering holds per queue and never across queues: a queue
    whose head waits for its retry holds back only its own later events. `next_attempt_at` is when the
    queue is next due: its head's retry, the end of a worker's lease while one holds it (renewed while
    that worker lives), or None when nothing in it is unfinished. The claim reads only due queues, so a
    backlog behind a failing head costs nothing until that head is due again.
    """

    __tablename__ = "webhook_queues"

    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"), primary_key=True)
    aggregate: Mapped[str] = mapped_column(String(100), primary_key=True)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(100))  # the worker round holding (or last holding) it

    __table_args__ = (Index("ix_webhook_queues_due", "next_attempt_at"),)


class WebhookSequence(db.Model):
    """The last `sequence` given to an aggregate's events; bumped under its row lock by each new event."""

    __tablename__ = "webhook_sequences"

    aggregate: Mapped[str] = mapped_column(String(100), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)
