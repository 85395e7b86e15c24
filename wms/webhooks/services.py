"""Webhook handlers and lookups: subscribing an endpoint, re-enabling it, redelivering an event."""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from wms.db import db, row_by_id, utcnow
from wms.errors import Conflict, NotFound
from wms.webhooks import signing
from wms.webhooks.domain import (
    EnableEndpoint,
    Redeliver,
    Subscribe,
    check_events,
    check_url,
)
from wms.webhooks.models import (
    PENDING,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    unfinished,
)
from wms.webhooks.outbox import open_queues


def subscribe(command: Subscribe) -> WebhookEndpoint:
    """Handler: subscribe a URL to event types; the new endpoint carries its freshly made signing secret."""
    events = check_events(command.events)
    endpoint = WebhookEndpoint(url=check_url(command.url), events=events, secret=signing.new_secret(), active=True,
                               created_by=command.actor, created_at=utcnow())
    db.session.add(endpoint)
    db.session.flush()
    return endpoint


def endpoint_by_id(endpoint_id: int) -> WebhookEndpoint:
    return row_by_id(WebhookEndpoint, endpoint_id, NotFound(f"no webhook endpoint {endpoint_id}",
                                                            code="unknown_webhook", details={"id": endpoint_id}))


def enable_endpoint(command: EnableEndpoint) -> WebhookEndpoint:
    """Handler: send to a disabled endpoint again (new events only; redeliver what it missed one by one)."""
    endpoint = endpoint_by_id(command.endpoint_id)
    endpoint.active, endpoint.disabled_reason, endpoint.disabled_at = True, None, None
    return endpoint


def redeliver(command: Redeliver) -> WebhookDelivery:
    """Handler: a new pending delivery of the same event (same webhook-id), whatever became of the old one."""
    endpoint_id, delivery_id = command.endpoint_id, command.delivery_id
    # The endpoint's row lock makes two redeliveries at once take turns, so the second sees the first.
    endpoint = db.session.get(WebhookEndpoint, endpoint_id, with_for_update=True)
    if endpoint is None:
        raise NotFound(f"no webhook endpoint {endpoint_id}", code="unknown_webhook", details={"id": endpoint_id})
    old = db.session.scalar(select(WebhookDelivery).where(WebhookDelivery.id == delivery_id,
                                                          WebhookDelivery.endpoint_id == endpoint_id))
    if old is None:
        raise NotFound(f"no delivery {delivery_id} to webhook endpoint {endpoint_id}", code="unknown_delivery",
                       details={"delivery_id": delivery_id})
    if not endpoint.active:
        raise Conflict("the endpoint is disabled; enable it before redelivering", code="endpoint_disabled",
                       details={"reason": endpoint.disabled_reason})
    # One delivery of an event on its way is enough; a second would only send the same thing twice.
    live = db.session.scalar(select(WebhookDelivery.id).where(
        WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.aggregate == old.aggregate,
        WebhookDelivery.event_id == old.event_id, unfinished(WebhookDelivery.status)))
    if live is not None:
        raise Conflict(f"delivery {live} of this event is still on its way", code="delivery_in_progress",
                       details={"delivery_id": live})
    now = utcnow()
    again = WebhookDelivery(endpoint_id=endpoint_id, event_id=old.event_id, aggregate=old.aggregate,
                            status=PENDING, attempts=0, next_attempt_at=now, created_at=now)
    db.session.add(again)
    db.session.flush()
    open_queues({(endpoint_id, old.aggregate)}, now)
    return again


def deliveries_query(endpoint_id: int, status: str | None = None) -> Select:
    """An endpoint's deliveries with the public id and type of their events, for paging by id."""
    stmt = (select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
            .options(joinedload(WebhookDelivery.event).load_only(WebhookEvent.msg_id, WebhookEvent.type)))
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    return stmt


def delivery_with_event(delivery_id: int) -> WebhookDelivery:
    return db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).options(
        joinedload(WebhookDelivery.event).load_only(WebhookEvent.msg_id, WebhookEvent.type))).one()


def endpoints_query() -> Select:
    return select(WebhookEndpoint)
