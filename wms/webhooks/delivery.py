"""Draining the outbox: claim due deliveries, send them signed, record what each endpoint answered.

One round is three steps:
1. claim, one transaction: due deliveries are locked (FOR UPDATE SKIP LOCKED on PostgreSQL, so
   workers never take the same one), marked `delivering` with a lease, and committed before
   anything is sent;
2. send, no transaction: each endpoint's deliveries go out over a few keep-alive connections
   (lanes) in parallel; all events of one aggregate keep to one lane, in event order;
3. record, one transaction: `retry.decide` turns each answer into delivered, retry, dead or disable.
A worker that dies between 2 and 3 leaves its leases to expire; the next worker then sends again
with the same webhook-id. That is at-least-once delivery; receivers deduplicate by webhook-id.

Events of one aggregate reach an endpoint in the order they happened: a delivery is not claimed
while an earlier one (lower event id) for the same endpoint and aggregate is pending or delivering.
"""
from __future__ import annotations

import logging
import math
import os
import random
import secrets
import socket
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select, tuple_, update
from sqlalchemy.orm import aliased

from wms.db import atomic, db, is_postgres, utcnow
from wms.webhooks import retry
from wms.webhooks.courier import Claimed, Courier, Outcome, Report, answer_text
from wms.webhooks.models import (
    DEAD,
    DELIVERED,
    DELIVERING,
    DISABLED,
    PENDING,
    UNFINISHED,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

log = logging.getLogger(__name__)

BATCH = 100  # deliveries looked at per round
MAX_ENDPOINTS = 16  # endpoints served in one round
# Connections (and threads) per endpoint. Sending one after another would cap an endpoint at one
# delivery per round trip, a few dozen a second to a storefront across the internet.
LANES = 4
PER_LANE = 10  # deliveries sent one after another over one connection in a round; bounds the lease
# Beyond the worst case of the sends themselves (connect + answer, each up to the timeout), the time
# to commit the claim before and the outcome after.
LEASE_MARGIN = timedelta(seconds=5)

Clock = Callable[[], datetime]
_rng = random.Random()
D = WebhookDelivery


def settings() -> tuple[float, timedelta]:
    """The request timeout in seconds and the age after which a delivery is dead-lettered."""
    cfg = current_app.config
    return float(cfg["WMS_WEBHOOK_TIMEOUT_SECONDS"]), timedelta(hours=float(cfg["WMS_WEBHOOK_MAX_AGE_HOURS"]))


def deliver_due(courier: Courier, *, now: Clock = utcnow, limit: int = BATCH, rng: retry.Rng = _rng) -> Report:
    """Run one round: claim up to `limit` due deliveries, send them, record the outcomes."""
    timeout, max_age = settings()
    worker = f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"
    claimed = claim(_utc(now()), timeout, worker, limit)
    if not claimed:
        return Report()
    outcomes, failure = courier.send_batch(claimed, timeout, lambda: _utc(now()))
    report = record(outcomes, worker, _utc(now()), max_age, rng)
    report.claimed = len(claimed)
    if failure is not None:
        # What was sent is recorded above; the rest keep their leases and go again once those expire.
        raise failure
    return report


def drain(courier: Courier, *, now: Clock = utcnow, budget_s: float = 1.5, limit: int = BATCH) -> Report:
    """Run rounds until nothing is due or `budget_s` of wall time has passed (the job's tick)."""
    total = Report()
    started = time.monotonic()
    while True:
        report = deliver_due(courier, now=now, limit=limit)
        total.add(report)
        if report.claimed == 0 or time.monotonic() - started > budget_s:
            return total


@atomic
def claim(now: datetime, timeout: float, worker: str, limit: int = BATCH) -> list[Claimed]:
    """Lock due deliveries that nothing earlier holds back, lease them to `worker`, and commit."""
    due = or_(and_(D.status == PENDING, D.next_attempt_at <= now),
              and_(D.status == DELIVERING, D.lease_until <= now))  # a lease whose worker died
    earlier = aliased(D)
    # Skipped here already, so that a long queue behind one failing event cannot fill the LIMIT and
    # starve everything else: rows behind an earlier event that waits for its retry or is being sent.
    # Rows behind an earlier one that is due too may come along; _first_in_line checks those.
    waiting_behind = (
        select(earlier.id)
        .where(earlier.endpoint_id == D.endpoint_id, earlier.aggregate == D.aggregate,
               earlier.event_id < D.event_id,
               or_(and_(earlier.status == PENDING, earlier.next_attempt_at > now),
                   and_(earlier.status == DELIVERING, earlier.lease_until > now)))
        .exists()
    )
    stmt = (
        select(D.id, D.endpoint_id, D.aggregate, D.event_id)
        .join(WebhookEndpoint, WebhookEndpoint.id == D.endpoint_id)
        .where(WebhookEndpoint.active.is_(True), due, ~waiting_behind)
        .order_by(D.next_attempt_at, D.id)
        .limit(limit)
    )
    if is_postgres():
        stmt = stmt.with_for_update(of=D, skip_locked=True)
    plan = _plan(_first_in_line(db.session.execute(stmt).all()))
    if not plan:
        return []
    longest_lane = max(Counter((row.endpoint_id, lane) for row, lane in plan.items()).values())
    # A lane's deliveries go one after another, each taking at most connect + answer time.
    lease_until = now + timedelta(seconds=2 * timeout * longest_lane) + LEASE_MARGIN
    ids = [row.id for row in plan]
    lane_of = {row.id: lane for row, lane in plan.items()}
    db.session.execute(update(D).where(D.id.in_(ids)).values(status=DELIVERING, lease_until=lease_until,
                                                             claimed_by=worker),
                       execution_options={"synchronize_session": False})
    details = db.session.execute(
        select(D.id, D.endpoint_id, D.aggregate, D.event_id, WebhookEndpoint.url, WebhookEndpoint.secret,
               WebhookEvent.msg_id, WebhookEvent.body)
        .join(WebhookEndpoint, WebhookEndpoint.id == D.endpoint_id)
        .join(WebhookEvent, WebhookEvent.id == D.event_id)
        .where(D.id.in_(ids))
        .order_by(D.event_id, D.id)
    )
    return [Claimed(r.id, r.endpoint_id, r.url, r.secret, r.msg_id, r.aggregate, r.event_id,
                    r.body.encode("utf-8"), lane_of[r.id]) for r in details]


def _first_in_line(rows: list) -> list:
    """The locked rows that no other unfinished, earlier delivery to the same endpoint and aggregate precedes.

    Earlier ones that another worker holds (skipped by SKIP LOCKED), that are not due yet, or that
    fell beyond the LIMIT all count, so a later event never overtakes an earlier one. Returned in
    event order.
    """
    if not rows:
        return rows
    pairs = sorted({(r.endpoint_id, r.aggregate) for r in rows})
    earliest_unfinished = (
        select(D.endpoint_id, D.aggregate, func.min(D.event_id))
        .where(tuple_(D.endpoint_id, D.aggregate).in_(pairs), D.status.in_(UNFINISHED),
               D.id.not_in([r.id for r in rows]))
        .group_by(D.endpoint_id, D.aggregate)
    )
    held_back = {(endpoint_id, aggregate): first
                 for endpoint_id, aggregate, first in db.session.execute(earliest_unfinished)}
    return sorted((r for r in rows if r.event_id < held_back.get((r.endpoint_id, r.aggregate), math.inf)),
                  key=lambda r: (r.event_id, r.id))


def _plan(ready: list) -> dict:
    """Assign each aggregate's run of deliveries to one of its endpoint's lanes: {row: lane}.

    A run stays in one lane, so it is sent in order over one connection; runs spread over the
    least-loaded lanes. What does not fit (more endpoints, or more per lane, than a round takes)
    stays pending for the next round; only the tail of a run is ever cut, never its head.
    """
    runs: dict[tuple[int, str], list] = {}
    for row in ready:
        runs.setdefault((row.endpoint_id, row.aggregate), []).append(row)
    loads: dict[int, list[int]] = {}
    plan = {}
    for (endpoint_id, _aggregate), run in runs.items():
        if endpoint_id not in loads:
            if len(loads) >= MAX_ENDPOINTS:
                continue
            loads[endpoint_id] = [0] * LANES
        lanes = loads[endpoint_id]
        lane = min(range(LANES), key=lanes.__getitem__)
        take = run[:PER_LANE - lanes[lane]]
        lanes[lane] += len(take)
        plan.update((row, lane) for row in take)
    return plan


@atomic
def record(outcomes: list[Outcome], worker: str, now: datetime, max_age: timedelta, rng: retry.Rng) -> Report:
    """Store each outcome on its delivery, if `worker` still holds that delivery's lease."""
    report = Report()
    stmt = select(D).where(D.id.in_([o.claimed.delivery_id for o in outcomes]), D.status == DELIVERING,
                           D.claimed_by == worker)
    if is_postgres():
        stmt = stmt.with_for_update(of=D)
    held = {d.id: d for d in db.session.scalars(stmt)}
    lost = [o for o in outcomes if o.claimed.delivery_id not in held]
    for o in lost:
        # Its lease ran out and another worker took it over (that worker's outcome is the one kept), or
        # its endpoint was disabled meanwhile.
        log.warning("webhook delivery %d: no longer leased to this worker; outcome not recorded",
                    o.claimed.delivery_id)
    report.lost = len(lost)
    pause_until: dict[int, datetime] = {}  # endpoint id -> when its unsent deliveries are next due
    gone: dict[int, str] = {}  # endpoint id -> why it is disabled
    for o in outcomes:
        d = held.get(o.claimed.delivery_id)
        if d is None or o.answer is None:
            continue
        d.lease_until = d.claimed_by = None
        d.attempts += 1
        d.first_attempt_at = d.first_attempt_at or o.sent_at
        d.last_status_code = o.answer.status_code
        # Age counts from when the delivery was made, not from its first try: a delivery held back
        # behind an earlier one of the same order still expires WMS_WEBHOOK_MAX_AGE_HOURS after its event.
        decision = retry.decide(o.answer.status_code, o.answer.retry_after, d.attempts, d.created_at, now,
                                max_age, rng)
        if decision.action == "delivered":
            d.status, d.delivered_at, d.last_error = DELIVERED, now, None
            report.delivered += 1
        elif decision.action == "retry":
            d.status, d.next_attempt_at = PENDING, decision.retry_at
            d.last_error = f"{answer_text(o.answer)}; next try at {decision.retry_at:%Y-%m-%d %H:%M:%S}Z"[:500]
            if o.answer.stalls_endpoint:
                pause_until[d.endpoint_id] = max(pause_until.get(d.endpoint_id, now), decision.retry_at)
            report.retrying += 1
        elif decision.action == "dead_letter":
            d.status, d.last_error = DEAD, decision.reason[:500]
            report.dead += 1
        else:
            d.status, d.last_error = DISABLED, decision.reason[:500]
            gone[d.endpoint_id] = decision.reason
            report.disabled += 1
    for o in outcomes:
        d = held.get(o.claimed.delivery_id)
        if d is None or o.answer is not None:
            continue
        # Not sent: due again when the endpoint's pause (if it asked for one, or was down) is over.
        d.lease_until = d.claimed_by = None
        d.status = PENDING
        d.next_attempt_at = max(_utc(d.next_attempt_at), pause_until.get(d.endpoint_id, now))
        d.last_error = o.note[:500]
        report.released += 1
    for endpoint_id, reason in gone.items():
        report.disabled += disable_endpoint(endpoint_id, reason, now)
    return report


def disable_endpoint(endpoint_id: int, reason: str, now: datetime) -> int:
    """Stop sending to an endpoint: it is marked inactive and its unfinished deliveries disabled."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    endpoint.active, endpoint.disabled_reason, endpoint.disabled_at = False, reason[:300], now
    db.session.flush()
    result = db.session.execute(
        update(D).where(D.endpoint_id == endpoint_id, D.status.in_(UNFINISHED))
        .values(status=DISABLED, lease_until=None, claimed_by=None,
                last_error=f"endpoint disabled: {reason}"[:500]),
        execution_options={"synchronize_session": "fetch"})
    return result.rowcount


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; every time this module stores or compares is UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
