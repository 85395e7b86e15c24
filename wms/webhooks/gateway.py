"""The webhooks' hot-path statements: the outbox's sequences, events, deliveries and queues, and delivery's runs.

Every order, scan and delivery round runs them, so each is `prebuilt` (wms/db.py says why). Queue rows
are written by the outbox (`open_queue`) and by delivery (`hand_back`), both in key order.
"""
from __future__ import annotations

from types import ModuleType

from sqlalchemy import (
    Insert,
    Select,
    Update,
    bindparam,
    func,
    insert,
    select,
    true,
    tuple_,
    update,
)

from wms.db import prebuilt
from wms.webhooks.models import (
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookQueue,
    WebhookSequence,
    unfinished,
)

_SEQUENCES, _QUEUES, _ENDPOINTS = WebhookSequence.__table__, WebhookQueue.__table__, WebhookEndpoint.__table__
D, Q = WebhookDelivery, WebhookQueue


@prebuilt
def set_last() -> Update:
    """An aggregate's last sequence number, by `name`."""
    return update(_SEQUENCES).where(_SEQUENCES.c.aggregate == bindparam("name")).values(last=bindparam("last"))


@prebuilt
def bump_sequence(backend: ModuleType) -> Insert:
    """The `aggregate`'s sequence made (at 1) or bumped, answering its new number; the row stays locked."""
    return (backend.insert(_SEQUENCES).values(aggregate=bindparam("aggregate"), last=1)
            .on_conflict_do_update(index_elements=[_SEQUENCES.c.aggregate], set_={"last": _SEQUENCES.c.last + 1})
            .returning(_SEQUENCES.c.last))


@prebuilt
def insert_event() -> Insert:
    return insert(WebhookEvent.__table__)


@prebuilt
def insert_delivery() -> Insert:
    return insert(WebhookDelivery.__table__)


@prebuilt
def open_queue(backend: ModuleType) -> Insert:
    """The (`endpoint_id`, `aggregate`) queue made due `now`, or made due `now` when it exists idle."""
    # A queue with nothing unfinished becomes due now; one waiting for its head's retry, or held by a
    # worker, keeps its time: a new event joins the back of the line and changes nothing ahead of it.
    stmt = backend.insert(_QUEUES).values(endpoint_id=bindparam("endpoint_id"), aggregate=bindparam("aggregate"),
                                          next_attempt_at=bindparam("now"))
    return stmt.on_conflict_do_update(
        index_elements=[_QUEUES.c.endpoint_id, _QUEUES.c.aggregate],
        set_={"next_attempt_at": func.coalesce(_QUEUES.c.next_attempt_at, stmt.excluded.next_attempt_at)})


@prebuilt
def active_endpoints() -> Select:
    """Id and subscribed event types of each active endpoint."""
    return select(_ENDPOINTS.c.id, _ENDPOINTS.c.events).where(_ENDPOINTS.c.active.is_(True)).order_by(_ENDPOINTS.c.id)


@prebuilt
def queue_run(per_lane: int) -> Select:
    """The first `per_lane` unfinished deliveries of the (`endpoint_id`, `aggregate`) queue, in event order."""
    return (select(D.endpoint_id, D.aggregate, D.id, D.event_id)
            .where(D.endpoint_id == bindparam("endpoint_id"), D.aggregate == bindparam("aggregate"),
                   unfinished(D.status))
            .order_by(D.event_id).limit(per_lane))


@prebuilt
def queue_runs_lateral(per_lane: int) -> Select:
    """`queue_run` for each of many (endpoint id, aggregate) `queues` at once, with a LATERAL subquery."""
    queued = select(Q.endpoint_id, Q.aggregate).where(
        tuple_(Q.endpoint_id, Q.aggregate).in_(bindparam("queues", expanding=True))).subquery("q")
    run = (select(D.id, D.event_id)
           .where(D.endpoint_id == queued.c.endpoint_id, D.aggregate == queued.c.aggregate, unfinished(D.status))
           .order_by(D.event_id).limit(per_lane).lateral("run"))
    return select(queued.c.endpoint_id, queued.c.aggregate, run.c.id, run.c.event_id).join(run, true())


@prebuilt
def hand_back() -> Update:
    """A queue (`e`, `a`) freed, due at `next` (None: idle)."""
    return (update(_QUEUES).where(_QUEUES.c.endpoint_id == bindparam("e"), _QUEUES.c.aggregate == bindparam("a"))
            .values(next_attempt_at=bindparam("next"), claimed_by=None))
