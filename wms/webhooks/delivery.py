"""Draining the outbox: claim due queues, send their deliveries signed, record what each endpoint answered.

Deliveries wait in queues, one per endpoint and aggregate (an order, a SKU): a queue's events are sent
one after another in event order, and ordering holds per queue, never across queues. One round is
three steps:
1. claim, one transaction: due queues are locked (FOR UPDATE SKIP LOCKED on PostgreSQL, so workers
   never take the same one), leased to this worker, and their first few unfinished deliveries marked
   `delivering`; committed before anything is sent;
2. send, no transaction: each endpoint's queues go out over a few keep-alive connections (lanes) in
   parallel, each queue's run in one lane, in event order. Meanwhile the worker renews its leases
   every few seconds, however long the sends take;
3. record, one transaction: `retry.decide` turns each answer into delivered, retry, dead or disable,
   and each queue becomes due again at once, at its head's retry, or idle when nothing is left.
A worker that dies stops renewing, so within about LEASE its queues are due again and the next worker
sends their deliveries again with the same webhook-id. That is at-least-once delivery; receivers
deduplicate by webhook-id.
"""
from __future__ import annotations

import logging
import os
import random
import secrets
import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Self

from flask import current_app
from sqlalchemy import exists, select, tuple_, update

from wms.config import Settings
from wms.db import db, is_postgres, utcnow
from wms.unit_of_work import atomic
from wms.webhooks import gateway, retry
from wms.webhooks.courier import Claimed, Courier, Outcome, Report, answer_text
from wms.webhooks.models import (
    DEAD,
    DELIVERED,
    DELIVERING,
    DISABLED,
    PENDING,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookQueue,
    unfinished,
)

log = logging.getLogger(__name__)

BATCH = 100  # queues looked at per round
MAX_ENDPOINTS = 16  # endpoints served in one round
# Connections (and threads) per endpoint. Sending one after another would cap an endpoint at one
# delivery per round trip, a few dozen a second to a storefront across the internet.
LANES = 4
# Deliveries sent one after another over one connection in a round (and the most of one queue's run).
# No longer bounded by the lease, which is renewed: a round of 4 x 25 sends to a local receiver
# delivered 826-884/s in `python -m wms.bench.webhooks`, against 614-741/s at 4 x 10.
PER_LANE = 25
# How long a claim holds without renewal. The sending worker renews it every RENEW_S seconds, so a
# slow endpoint never loses its lease, while a killed worker's queues are due again within LEASE
# (plus one tick of the delivery job) rather than after its sends' worst case.
LEASE = timedelta(seconds=20)
RENEW_S = 5.0

Clock = Callable[[], datetime]
_rng = random.Random()
D = WebhookDelivery
Q = WebhookQueue


def deliver_due(courier: Courier, settings: Settings, *, now: Clock = utcnow, limit: int = BATCH,
                rng: retry.Rng = _rng) -> Report:
    """Run one round: claim up to `limit` due queues, send their runs, record the outcomes.

    `settings` give each request's timeout and the age after which a delivery is dead-lettered.
    """
    timeout = settings.webhook_timeout_seconds
    max_age = timedelta(hours=settings.webhook_max_age_hours)
    worker = f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"
    claimed = claim(_utc(now()), worker, limit)
    if not claimed:
        return Report()
    with _Renewing(current_app._get_current_object(), worker, now):
        outcomes, failure = courier.send_batch(claimed, timeout, lambda: _utc(now()))
    report = record(outcomes, worker, _utc(now()), max_age, rng)
    report.claimed = len(claimed)
    if failure is not None:
        # What was sent is recorded above; the rest keep their leases and go again once those expire.
        raise failure
    return report


def drain(courier: Courier, settings: Settings, *, now: Clock = utcnow, budget_s: float = 1.5,
          limit: int = BATCH) -> Report:
    """Run rounds until nothing is due or `budget_s` of wall time has passed (the job's tick)."""
    total = Report()
    started = time.monotonic()
    while True:
        report = deliver_due(courier, settings, now=now, limit=limit)
        total.add(report)
        if report.claimed == 0 or time.monotonic() - started > budget_s:
            return total


@atomic
def claim(now: datetime, worker: str, limit: int = BATCH) -> list[Claimed]:
    """Lease due queues to `worker`, mark the head run of each `delivering`, commit; returns what to send."""
    stmt = (select(Q.endpoint_id, Q.aggregate)
            .join(WebhookEndpoint, WebhookEndpoint.id == Q.endpoint_id)
            .where(WebhookEndpoint.active.is_(True), Q.next_attempt_at <= now)
            .order_by(Q.next_attempt_at, Q.endpoint_id, Q.aggregate)
            .limit(limit))
    if is_postgres():
        stmt = stmt.with_for_update(of=Q, skip_locked=True)
    queues = [tuple(row) for row in db.session.execute(stmt)]
    if not queues:
        return []
    # Earliest due first, so that what a round cannot take is what waited least.
    position = {key: i for i, key in enumerate(queues)}
    runs = sorted(_runs(queues), key=lambda r: (position[(r.endpoint_id, r.aggregate)], r.event_id))
    # A due queue with nothing unfinished (its last delivery was dead-lettered or redelivered elsewhere)
    # goes idle; the next event written to it makes it due again.
    idle = set(queues) - {(r.endpoint_id, r.aggregate) for r in runs}
    if idle:
        _hand_back([{"e": e, "a": a, "next": None} for e, a in idle])
    plan = _plan(runs)
    if not plan:
        return []
    ids = [row.id for row in plan]
    lane_of = {row.id: lane for row, lane in plan.items()}
    leased = sorted({(row.endpoint_id, row.aggregate) for row in plan})
    db.session.execute(update(Q).where(tuple_(Q.endpoint_id, Q.aggregate).in_(leased))
                       .values(next_attempt_at=now + LEASE, claimed_by=worker),
                       execution_options={"synchronize_session": False})
    db.session.execute(update(D).where(D.id.in_(ids)).values(status=DELIVERING),
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


def _runs(queues: list[tuple[int, str]]) -> list:
    """The first PER_LANE unfinished deliveries of each queue, read through the partial index of unfinished ones.

    PER_LANE rows a queue however long its backlog: on PostgreSQL one statement with a LATERAL
    subquery; SQLite has no LATERAL, and there one query a queue costs tens of microseconds in-process.
    """
    if is_postgres():
        return db.session.execute(gateway.queue_runs_lateral(PER_LANE), {"queues": queues}).all()
    run = gateway.queue_run(PER_LANE)
    return [row for endpoint_id, aggregate in queues
            for row in db.session.execute(run, {"endpoint_id": endpoint_id, "aggregate": aggregate})]


def _hand_back(rows: list[dict]) -> None:
    """Free queues, each due at its `next` time (None: idle), in key order (the order writers lock them in)."""
    db.session.execute(gateway.hand_back(), sorted(rows, key=lambda r: (r["e"], r["a"])))


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
    """Store each outcome on its delivery, if `worker` still holds its queue; then set each queue's next time."""
    report = Report()
    keys = sorted({(o.claimed.endpoint_id, o.claimed.aggregate) for o in outcomes})
    mine = select(Q.endpoint_id, Q.aggregate).where(tuple_(Q.endpoint_id, Q.aggregate).in_(keys),
                                                    Q.claimed_by == worker).order_by(Q.endpoint_id, Q.aggregate)
    if is_postgres():
        mine = mine.with_for_update()
    held_queues = {tuple(row) for row in db.session.execute(mine)}
    stmt = select(D).where(D.id.in_([o.claimed.delivery_id for o in outcomes
                                     if (o.claimed.endpoint_id, o.claimed.aggregate) in held_queues]),
                           D.status == DELIVERING)
    if is_postgres():
        stmt = stmt.with_for_update(of=D)
    held = {d.id: d for d in db.session.scalars(stmt)}
    lost = [o for o in outcomes if o.claimed.delivery_id not in held]
    for o in lost:
        # Its lease ran out and another worker took its queue over (that worker's outcome is the one
        # kept), or its endpoint was disabled meanwhile.
        log.warning("webhook delivery %d: no longer leased to this worker; outcome not recorded",
                    o.claimed.delivery_id)
    report.lost = len(lost)
    pause_until: dict[int, datetime] = {}  # endpoint id -> when its unsent deliveries are next due
    retry_at: dict[tuple[int, str], datetime] = {}  # queue -> when its failed head is tried again
    gone: dict[int, str] = {}  # endpoint id -> why it is disabled
    for o in outcomes:
        d = held.get(o.claimed.delivery_id)
        if d is None or o.answer is None:
            continue
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
            retry_at[(d.endpoint_id, d.aggregate)] = decision.retry_at
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
    unsent: set[tuple[int, str]] = set()
    for o in outcomes:
        d = held.get(o.claimed.delivery_id)
        if d is None or o.answer is not None:
            continue
        # Not sent: due again when the endpoint's pause (if it asked for one, or was down) is over.
        d.status = PENDING
        d.next_attempt_at = max(_utc(d.next_attempt_at), pause_until.get(d.endpoint_id, now))
        d.last_error = o.note[:500]
        unsent.add((d.endpoint_id, d.aggregate))
        report.released += 1
    db.session.flush()
    _release(held_queues, retry_at, {key: pause_until.get(key[0], now) for key in unsent}, now)
    for endpoint_id, reason in gone.items():
        report.disabled += disable_endpoint(endpoint_id, reason, now)
    return report


def _release(queues: set[tuple[int, str]], retry_at: dict, paused: dict, now: datetime) -> None:
    """Hand queues back: due at their head's retry or the endpoint's pause, at once if more waits, else idle."""
    if not queues:
        return
    waiting = exists().where(D.endpoint_id == Q.endpoint_id, D.aggregate == Q.aggregate, unfinished(D.status))
    more = {(e, a) for e, a, left in db.session.execute(
        select(Q.endpoint_id, Q.aggregate, waiting).where(tuple_(Q.endpoint_id, Q.aggregate).in_(sorted(queues))))
        if left}
    rows = []
    for key in queues:
        times = [t for t in (retry_at.get(key), paused.get(key)) if t is not None]
        rows.append({"e": key[0], "a": key[1], "next": max(times) if times else (now if key in more else None)})
    _hand_back(rows)


def renew(worker: str, until: datetime) -> int:
    """Extend the leases of the queues `worker` holds to `until`; the count of queues still held."""
    return atomic(lambda: db.session.execute(
        update(Q).where(Q.claimed_by == worker).values(next_attempt_at=until),
        execution_options={"synchronize_session": False}).rowcount)()


class _Renewing:
    """While a round sends, renew its leases every RENEW_S seconds from a thread of its own."""

    def __init__(self, app, worker: str, now: Clock):
        self.app, self.worker, self.now = app, worker, now
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="webhook-lease", daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()  # a renewal under way finishes before the outcome is recorded

    def _run(self) -> None:
        while not self._stop.wait(RENEW_S):
            try:
                with self.app.app_context():
                    renew(self.worker, _utc(self.now()) + LEASE)
            except Exception:
                log.exception("webhook worker %s: renewing its leases failed", self.worker)


def disable_endpoint(endpoint_id: int, reason: str, now: datetime) -> int:
    """Stop sending to an endpoint: it is marked inactive, its queues idle, its unfinished deliveries disabled."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    endpoint.active, endpoint.disabled_reason, endpoint.disabled_at = False, reason[:300], now
    db.session.flush()
    # Queues before deliveries, the order `record` locks them in.
    db.session.execute(update(Q).where(Q.endpoint_id == endpoint_id).values(next_attempt_at=None, claimed_by=None),
                       execution_options={"synchronize_session": False})
    result = db.session.execute(
        update(D).where(D.endpoint_id == endpoint_id, unfinished(D.status))
        .values(status=DISABLED, last_error=f"endpoint disabled: {reason}"[:500]),
        execution_options={"synchronize_session": "fetch"})
    return result.rowcount


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; every time this module stores or compares is UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
