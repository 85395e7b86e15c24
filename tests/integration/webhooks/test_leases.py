"""Leases on queues: renewed while their worker sends, however long that takes; lapsed soon after it dies."""
from __future__ import annotations

import threading

from sqlalchemy import select

from tests.conftest import configure
from tests.integration.webhooks.conftest import emit_events
from wms import config
from wms.db import db
from wms.webhooks import delivery
from wms.webhooks.courier import Courier
from wms.webhooks.models import WebhookQueue


def _lease(app):
    with app.app_context():
        until = db.session.scalars(select(WebhookQueue.next_attempt_at)).one()
        db.session.rollback()
    return delivery._utc(until)


def test_a_worker_sending_longer_than_the_lease_keeps_its_queue(hooked, receiver, clock, monkeypatch):
    app, _ = hooked
    monkeypatch.setattr(delivery, "RENEW_S", 0.05)
    configure(app, WMS_WEBHOOK_TIMEOUT_SECONDS=30)  # the held answer must not time out at the sender
    (msg_id,) = emit_events(app, [("order.packed", "order:5", {"order_id": 5})])
    receiver.script = ["hold"]
    reports = []

    def slow_worker():
        courier = Courier()
        with app.app_context():
            reports.append(delivery.deliver_due(courier, config.settings(), now=clock))
        courier.close()

    sender = threading.Thread(target=slow_worker)
    sender.start()
    try:
        assert receiver.holding.wait(10)
        first_lease = _lease(app)
        clock.advance(seconds=delivery.LEASE.total_seconds() * 3)  # far past the lease it was given
        deadline = threading.Event()
        for _ in range(200):  # the renewing thread moves the lease on within a few of its beats
            if _lease(app) > clock.now:
                break
            deadline.wait(0.05)
        assert _lease(app) == clock.now + delivery.LEASE > first_lease
        other = Courier()
        with app.app_context():
            assert delivery.deliver_due(other, config.settings(), now=clock).claimed == 0  # still held: nobody sends it twice
        other.close()
    finally:
        receiver.release.set()
        sender.join(30)
    assert reports[0].delivered == 1 and reports[0].lost == 0
    assert [s.msg_id for s in receiver.seen] == [msg_id]
    with app.app_context():
        queue = db.session.scalars(select(WebhookQueue)).one()
        assert (queue.next_attempt_at, queue.claimed_by) == (None, None)  # handed back, idle
