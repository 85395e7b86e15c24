"""Webhook use cases, one transaction each: subscribing an endpoint, redelivering, re-enabling."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from wms.db import db, row_by_id, utcnow
from wms.errors import Conflict, Invalid, NotFound
from wms.unit_of_work import atomic
from wms.webhooks import signing
from wms.webhooks.models import (
    PENDING,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    unfinished,
)
from wms.webhooks.outbox import EVENT_TYPES, open_queues


def check_url(url: str) -> str:
    """An absolute http(s) URL with a host; anything else could never receive a webhook."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises for a port that is not a number in range
    except ValueError as exc:
        raise Invalid(f"url is not a valid URL: {exc}", code="invalid_url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid("url must be an absolute http:// or https:// URL with a host", code="invalid_url",
                      details={"url": url})
    if any(ch.isspace() for ch in url) or port == 0:
        raise Invalid("url must not contain spaces or port 0", code="invalid_url", details={"url": url})
    return url


@atomic
def create_endpoint(url: str, events: list[str], created_by: str) -> WebhookEndpoint:
    """Subscribe `url` to `events`; the new endpoint carries its freshly made signing secret."""
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown:
        raise Invalid(f"unknown event {unknown[0]!r}", code="unknown_event",
                      details={"unknown": unknown, "events": list(EVENT_TYPES)})
    if not events:
        raise Invalid("subscribe to at least one event", code="validation_error")
    endpoint = WebhookEndpoint(url=check_url(url), events=sorted(set(events), key=EVENT_TYPES.index),
                               secret=signing.new_secret(), active=True, created_by=created_by,
                               created_at=utcnow())
    db.session.add(endpoint)
    db.session.flush()
    return endpoint


def endpoint_by_id(endpoint_id: int) -> WebhookEndpoint:
    return row_by_id(WebhookEndpoint, endpoint_id, NotFound(f"no webhook endpoint {endpoint_id}",
                                                            code="unknown_webhook", details={"id": endpoint_id}))


@atomic
def enable_endpoint(endpoint_id: int) -> WebhookEndpoint:
    """Send to a disabled endpoint again (new events only; redeliver what it missed one by one)."""
    endpoint = endpoint_by_id(endpoint_id)
    endpoint.active, endpoint.disabled_reason, endpoint.disabled_at = True, None, None
    return endpoint


@atomic
def redeliver(endpoint_id: int, delivery_id: int, now: datetime | None = None) -> WebhookDelivery:
    """A new pending delivery of the same event (same webhook-id), whatever became of the old one."""
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
    now = now or utcnow()
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
