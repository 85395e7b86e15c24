"""Webhook rules in plain Python: the event types there are, what a subscription may name, and the commands."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from wms.command import Command
from wms.errors import Invalid

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

SUBSCRIBERS = ("storefront", "supervisor")  # admin is implied


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


def check_events(events: tuple[str, ...]) -> list[str]:
    """The event types a subscription takes, each once, in the order EVENT_TYPES lists them."""
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown:
        raise Invalid(f"unknown event {unknown[0]!r}", code="unknown_event",
                      details={"unknown": unknown, "events": list(EVENT_TYPES)})
    if not events:
        raise Invalid("subscribe to at least one event", code="validation_error")
    return sorted(set(events), key=EVENT_TYPES.index)


# --- commands (their handlers are listed in wms/wiring.py) -------------------------------------------


@dataclass(frozen=True)
class Subscribe(Command):
    """Send the events of these types to a storefront's URL, signed with a secret made for it."""

    ROLES = SUBSCRIBERS

    url: str
    events: tuple[str, ...]
    actor: str


@dataclass(frozen=True)
class EnableEndpoint(Command):
    """Send to a disabled endpoint again: new events only (what it missed is redelivered one by one)."""

    ROLES = SUBSCRIBERS

    endpoint_id: int


@dataclass(frozen=True)
class Redeliver(Command):
    """Deliver an event to an endpoint again, with the same webhook-id, whatever became of the first delivery."""

    ROLES = SUBSCRIBERS

    endpoint_id: int
    delivery_id: int
