"""A state machine over delivery with a simulated clock: a receiver fails random attempts across many keys
and endpoints. Always: a round that claims nothing leaves no queue head due, every due head is tried in
the next round (no key waits behind another key's failure), and no event is sent before the one ahead
of it in its key arrived. In the end every event arrives exactly once, in order per key and endpoint."""
from __future__ import annotations

import itertools
import json
import random
import threading
from collections import defaultdict

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select, update

from tests.integration.webhooks.conftest import SimClock, emit_events, next_due
from wms import config
from wms.db import db
from wms.pipeline import pipeline_of
from wms.unit_of_work import atomic
from wms.webhooks import delivery
from wms.webhooks.courier import Answer, Courier
from wms.webhooks.domain import Subscribe
from wms.webhooks.models import UNFINISHED, WebhookDelivery, WebhookEndpoint

KEYS = 4  # per endpoint at most LANES queues, so each due queue has a lane of its own every round
ENDPOINTS = 2
# Rounds here take at most this many queues (every queue of an example fits), so a line longer than a
# round takes is cheap to build: 15 events or more, where the default round takes 100.
LIMIT = KEYS * ENDPOINTS + 2
MAX_FAILURES = 2  # per delivery, so none is retried past WMS_WEBHOOK_MAX_AGE_HOURS and dead-lettered
_examples = itertools.count()


class FlakyReceiver(Courier):
    """Stands for the storefronts: answers 500 to a share of attempts, decided by what is sent, not when."""

    def __init__(self, seed: int, share: float, endpoints: dict[int, int]):
        super().__init__()
        self.seed, self.share, self.endpoints = seed, share, endpoints
        self.lock = threading.Lock()
        self.log: list[tuple[int, str, int, bool]] = []  # (endpoint index, key, sequence, accepted)
        self.failed: dict[tuple, int] = defaultdict(int)

    def send(self, c, timeout):
        sequence = json.loads(c.body)["sequence"]
        where = (self.endpoints[c.endpoint_id], c.aggregate.rsplit("-", 1)[-1], sequence)
        with self.lock:
            # Same steps, same answers: the draw depends on the delivery and its attempt, not on thread timing.
            attempt = sum(1 for e in self.log if e[:3] == where)
            fails = (self.failed[where] < MAX_FAILURES
                     and random.Random(f"{self.seed}:{where}:{attempt}").random() < self.share)
            self.failed[where] += fails
            self.log.append((*where, not fails))
        return Answer(500, None, "flaky") if fails else Answer(204)


def _due_heads(app, now, endpoints) -> set[tuple[int, str]]:
    """(endpoint id, aggregate) of each queue whose head (its lowest unfinished event) is due at `now`."""
    with app.app_context():
        rows = db.session.execute(
            select(WebhookDelivery.endpoint_id, WebhookDelivery.aggregate, WebhookDelivery.event_id,
                   WebhookDelivery.next_attempt_at)
            .where(WebhookDelivery.status.in_(UNFINISHED), WebhookDelivery.endpoint_id.in_(endpoints))
            .order_by(WebhookDelivery.endpoint_id, WebhookDelivery.aggregate, WebhookDelivery.event_id)).all()
        db.session.rollback()
    heads = {}
    for r in rows:
        heads.setdefault((r.endpoint_id, r.aggregate), r)
    return {key for key, head in heads.items() if delivery._utc(head.next_attempt_at) <= now}


def test_keys_never_wait_behind_each_other_and_arrive_in_order(any_app):
    app = any_app

    class Delivery(RuleBasedStateMachine):
        @initialize(seed=st.integers(0, 2**32), share=st.sampled_from([0.0, 0.2, 0.5]))
        def subscribe(self, seed, share):
            # Each example has its own endpoints and keys; an earlier (failed, shrinking) example's are switched off.
            self.tag = f"x{next(_examples)}"
            with app.app_context():
                atomic(lambda: db.session.execute(update(WebhookEndpoint).values(active=False)))()
                ids = [pipeline_of(app).handle(Subscribe(f"https://shop{i}.example/hooks", ("order.picked",), "test")).id
                       for i in range(ENDPOINTS)]
            self.endpoints = {endpoint_id: i for i, endpoint_id in enumerate(ids)}
            self.clock = SimClock()
            self.receiver = FlakyReceiver(seed, share, self.endpoints)
            self.written: dict[str, int] = defaultdict(int)  # key -> events written

        @rule(keys=st.lists(st.integers(0, KEYS - 1), min_size=1, max_size=6))
        def write(self, keys):
            emit_events(app, [("order.picked", f"order:{self.tag}-{k}", {"key": k}) for k in keys])
            for k in keys:
                self.written[str(k)] += 1

        @rule(key=st.integers(0, KEYS - 1), count=st.integers(LIMIT + 5, 4 * LIMIT))
        def burst(self, key, count):
            """A long line for one key (a SKU in a busy hour): more than one round takes, behind any failure."""
            self.write([key] * count)

        @rule(seconds=st.sampled_from([0, 1, 6, 90, 400, 2000, 8000]))
        def wait(self, seconds):
            self.clock.advance(seconds=seconds)

        @rule()
        def round(self):
            due = _due_heads(app, self.clock.now, list(self.endpoints))
            before = len(self.receiver.log)
            with app.app_context():
                report = delivery.deliver_due(self.receiver, config.settings(), now=self.clock, limit=LIMIT)
            tried = {(e, k) for e, k, *_ in self.receiver.log[before:]}
            due_tried = {(self.endpoints[e], a.rsplit("-", 1)[-1]) for e, a in due}
            assert due_tried <= tried, f"due queues left waiting: {sorted(due_tried - tried)}"
            if report.claimed == 0:
                assert not due, f"nothing claimed while {len(due)} queue heads are due"

        @invariant()
        def in_order(self):
            if not hasattr(self, "receiver"):
                return
            arrived: dict[tuple, int] = defaultdict(int)  # (endpoint, key) -> last sequence accepted
            for endpoint, key, sequence, accepted in self.receiver.log:
                assert sequence == arrived[(endpoint, key)] + 1, (
                    f"endpoint {endpoint} key {key}: sequence {sequence} sent after {arrived[(endpoint, key)]}")
                if accepted:
                    arrived[(endpoint, key)] = sequence

        def teardown(self):
            if not hasattr(self, "receiver"):
                return
            for _ in range(5000):
                with app.app_context():
                    claimed = delivery.deliver_due(self.receiver, config.settings(), now=self.clock, limit=LIMIT).claimed
                if claimed:
                    continue
                if not self.unfinished():
                    break
                due = next_due(app, self.clock.now)
                assert due is not None, "deliveries unfinished, yet no queue is ever due again"
                self.clock.to(due)
            assert self.unfinished() == 0
            accepted = defaultdict(list)
            for endpoint, key, sequence, ok in self.receiver.log:
                if ok:
                    accepted[(endpoint, key)].append(sequence)
            assert accepted == {(e, k): list(range(1, n + 1)) for e in range(ENDPOINTS)
                                for k, n in self.written.items()}
            with app.app_context():
                assert db.session.scalar(select(func.count()).select_from(WebhookDelivery).where(
                    WebhookDelivery.endpoint_id.in_(list(self.endpoints)), WebhookDelivery.status != "delivered")) == 0
                db.session.rollback()
            self.receiver.close()

        def unfinished(self) -> int:
            with app.app_context():
                count = db.session.scalar(select(func.count()).select_from(WebhookDelivery).where(
                    WebhookDelivery.endpoint_id.in_(list(self.endpoints)), WebhookDelivery.status.in_(UNFINISHED)))
                db.session.rollback()
            return count

    run_state_machine_as_test(Delivery, settings=settings(
        max_examples=15, stateful_step_count=15, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
