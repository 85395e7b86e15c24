"""Delivering to a real local receiver that goes down, answers slowly, fails, throttles, then recovers."""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import Api, configure
from tests.integration.webhooks.conftest import (
    TIMEOUT_S,
    emit_events,
    settle,
    subscribe,
)
from tests.integration.webhooks.receiver import Receiver
from wms import config
from wms.db import db, utcnow
from wms.webhooks import delivery
from wms.webhooks.courier import Courier
from wms.webhooks.models import (
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookQueue,
)


def _story() -> list[tuple[str, str, dict]]:
    """Three orders, each through several steps, interleaved as a warehouse would make them."""
    events = []
    for step in ("order.allocated", "order.picked", "order.packed", "order.shipped"):
        for n in (1, 2, 3):
            events.append((step, f"order:{n}", {"order_id": n, "external_id": f"SHOP-{n}", "status": step[6:]}))
    return events


def _in_order_per_aggregate(applied: list[dict]) -> dict[int, list[int]]:
    by_order = defaultdict(list)
    for body in applied:
        by_order[body["data"]["order_id"]].append(body["sequence"])
    return dict(by_order)


def test_every_event_arrives_once_in_order_through_outage_slowness_errors_and_throttling(hooked, receiver, courier,
                                                                                         clock):
    app, created = hooked
    receiver.stop()  # the storefront is down when the events are written
    ids = emit_events(app, _story())
    with app.app_context():
        report = delivery.deliver_due(courier, config.settings(), now=clock)
    # Each order's events are claimed in line, one lane (connection) per order; the first refused
    # connection stalls the endpoint for this round, so at most the lanes already under way try.
    assert report.claimed == 12 and report.retrying + report.released == 12
    assert 1 <= report.retrying <= 3
    assert receiver.seen == []

    receiver.start()
    configure(app, WMS_WEBHOOK_TIMEOUT_SECONDS=TIMEOUT_S)
    receiver.slow_s = TIMEOUT_S * 3
    receiver.script = ["slow", "500", "429:7", "503", "ok", "500"]
    total = settle(app, courier, clock)
    assert total.dead == 0 and total.disabled == 0

    assert not receiver.bad, receiver.bad
    assert set(receiver.applied) == set(ids)  # every event took effect, each once
    assert _in_order_per_aggregate(receiver.applied_order) == {1: [1, 2, 3, 4], 2: [1, 2, 3, 4], 3: [1, 2, 3, 4]}
    with app.app_context():
        frozen = {e.msg_id: e.body.encode() for e in db.session.scalars(select(WebhookEvent))}
    for seen in receiver.seen:  # a retry carries the same webhook-id and the very same bytes
        assert seen.body == frozen[seen.msg_id]
    # The slow answer was applied by the receiver but timed out at the sender, so that event came twice.
    assert len(receiver.seen) > len(ids)
    listed = Api(app, "storefront").get(f"/webhooks/{created['id']}/deliveries?limit=100").json["items"]
    assert {d["status"] for d in listed} == {"delivered"}
    assert max(d["attempts"] for d in listed) > 1


def test_retry_after_is_honoured_and_errors_back_off(hooked, receiver, courier, clock):
    app, _ = hooked
    emit_events(app, [("order.allocated", "order:1", {"order_id": 1})])
    receiver.script = ["429:7"]
    with app.app_context():
        delivery.deliver_due(courier, config.settings(), now=clock)
        d = db.session.scalars(select(WebhookDelivery)).one()
        assert (d.status, d.attempts, d.last_status_code) == ("pending", 1, 429)
        assert abs((delivery._utc(d.next_attempt_at) - clock.now).total_seconds() - 7) < 0.01
        db.session.rollback()
    clock.advance(seconds=6)
    receiver.script = ["500"]
    with app.app_context():
        assert delivery.deliver_due(courier, config.settings(), now=clock).claimed == 0  # 7 s not yet up
        clock.advance(seconds=1)
        assert delivery.deliver_due(courier, config.settings(), now=clock).retrying == 1
        d = db.session.scalars(select(WebhookDelivery)).one()
        # The second failed attempt waits about 5 minutes (±10 % jitter).
        wait = (delivery._utc(d.next_attempt_at) - clock.now).total_seconds()
        assert 270 <= wait <= 330 and d.attempts == 2 and d.last_status_code == 500
        assert d.last_error.startswith("HTTP 500")


def test_dead_letter_after_max_age_then_redeliver(hooked, receiver, courier, clock):
    app, created = hooked
    (msg_id,) = emit_events(app, [("order.shipped", "order:9", {"order_id": 9})])
    receiver.default = "500"
    total = settle(app, courier, clock)
    assert total.dead == 1
    api = Api(app, "storefront")
    (dead,) = api.get(f"/webhooks/{created['id']}/deliveries?status=dead").json["items"]
    assert dead["event_id"] == msg_id and dead["attempts"] >= 8 and "HTTP 500" in dead["last_error"]
    assert dead["next_attempt_at"] is None
    # Retried for up to 72 hours after the event, and no longer.
    assert timedelta(hours=48) < clock.now - delivery._utc(_created_at(app)) <= timedelta(hours=72)

    receiver.default = "ok"
    r = api.post(f"/webhooks/{created['id']}/deliveries/{dead['id']}/redeliver")
    assert r.status_code == 201
    settle(app, courier, clock)
    assert list(receiver.applied) == [msg_id] and receiver.seen[-1].msg_id == msg_id
    statuses = {d["id"]: d["status"] for d in api.get(f"/webhooks/{created['id']}/deliveries").json["items"]}
    assert statuses == {dead["id"]: "dead", r.json["id"]: "delivered"}


def _created_at(app):
    with app.app_context():
        return db.session.scalars(select(WebhookDelivery.created_at)).first()


def test_410_disables_the_endpoint_and_its_waiting_deliveries(any_app, receiver, courier, clock):
    app = any_app
    other = Receiver().start()
    try:
        gone = subscribe(app, receiver.url, ["order.allocated"])
        kept = subscribe(app, other.url, ["order.allocated"])
        receiver.secret, other.secret = gone["secret"], kept["secret"]
        receiver.default = "410"
        emit_events(app, [("order.allocated", f"order:{n}", {"order_id": n}) for n in range(12)])
        total = settle(app, courier, clock)
        assert total.disabled == 12 and total.delivered == 12
        # Only the lanes already under way when the 410 came sent anything.
        assert 1 <= len(receiver.seen) <= delivery.LANES and len(other.applied) == 12
        api = Api(app, "storefront")
        endpoint = api.get(f"/webhooks/{gone['id']}").json
        assert endpoint["active"] is False and "410" in endpoint["disabled_reason"]
        listed = api.get(f"/webhooks/{gone['id']}/deliveries").json["items"]
        assert [d["status"] for d in listed] == ["disabled"] * 12
        assert {d["last_status_code"] for d in listed} == {410, None}
        # New events skip a disabled endpoint; redelivery to it is refused until it is enabled again.
        emit_events(app, [("order.allocated", "order:9", {"order_id": 9})])
        assert len(api.get(f"/webhooks/{gone['id']}/deliveries").json["items"]) == 12
        refused = api.post(f"/webhooks/{gone['id']}/deliveries/{listed[0]['id']}/redeliver")
        assert refused.status_code == 409 and refused.json["error"]["code"] == "endpoint_disabled"
        assert api.post(f"/webhooks/{gone['id']}/enable").json["active"] is True
        receiver.default = "ok"
        assert api.post(f"/webhooks/{gone['id']}/deliveries/{listed[0]['id']}/redeliver").status_code == 201
        settle(app, courier, clock)
        assert list(receiver.applied) == [listed[0]["event_id"]]
    finally:
        other.stop()


class WorkerKilled(BaseException):
    """Stands for SIGKILL: not an Exception, so nothing on the way out may catch and record it."""


class DiesAfterSending(Courier):
    def send(self, c, timeout):
        answer = super().send(c, timeout)
        assert answer.ok
        raise WorkerKilled()


def test_worker_killed_between_sending_and_recording_is_redelivered_with_the_same_id(hooked, receiver, clock):
    app, _ = hooked
    (msg_id,) = emit_events(app, [("order.packed", "order:5", {"order_id": 5})])
    with app.app_context(), pytest.raises(WorkerKilled):
        delivery.deliver_due(DiesAfterSending(), config.settings(), now=clock)
    assert [s.msg_id for s in receiver.seen] == [msg_id]
    with app.app_context():
        d = db.session.scalars(select(WebhookDelivery)).one()
        assert (d.status, d.attempts) == ("delivering", 0)
        lease_until = delivery._utc(db.session.scalars(select(WebhookQueue.next_attempt_at)).one())
        assert lease_until == clock.now + delivery.LEASE
        db.session.rollback()
    courier = Courier()
    with app.app_context():
        clock.to(lease_until - timedelta(seconds=1))
        assert delivery.deliver_due(courier, config.settings(), now=clock).claimed == 0  # the lease still holds
        clock.to(lease_until)
        assert delivery.deliver_due(courier, config.settings(), now=clock).delivered == 1
    courier.close()
    assert [s.msg_id for s in receiver.seen] == [msg_id, msg_id]
    assert list(receiver.applied) == [msg_id]


def test_a_later_event_waits_for_an_earlier_one_of_the_same_order_only(hooked, receiver, courier, clock):
    app, _ = hooked
    first, second, other = emit_events(app, [("order.allocated", "order:1", {"order_id": 1}),
                                             ("order.picked", "order:1", {"order_id": 1}),
                                             ("order.allocated", "order:2", {"order_id": 2})])
    receiver.script_for[first] = ["500"]
    with app.app_context():
        report = delivery.deliver_due(courier, config.settings(), now=clock)
    # order:1's first event failed, so its second stayed back; order:2 went ahead.
    assert sorted(s.msg_id for s in receiver.seen) == sorted([first, other])
    assert (report.retrying, report.delivered, report.released) == (1, 1, 1)
    with app.app_context():
        assert delivery.deliver_due(courier, config.settings(), now=clock).claimed == 0  # still held back behind the failure
    settle(app, courier, clock)
    assert [s.msg_id for s in receiver.seen][2:] == [first, second]


def test_dead_or_disabled_deliveries_do_not_hold_back_later_events(hooked, courier, clock, receiver):
    app, _ = hooked
    first, second = emit_events(app, [("order.allocated", "order:1", {"order_id": 1}),
                                      ("order.picked", "order:1", {"order_id": 1})])
    with app.app_context():
        d = db.session.scalars(select(WebhookDelivery).join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
                               .where(WebhookEvent.msg_id == first)).one()
        d.status = "dead"
        db.session.commit()
    settle(app, courier, clock)
    assert list(receiver.applied) == [second]


def test_the_frozen_body_is_the_contract_envelope(hooked, receiver, courier, clock):
    app, _ = hooked
    data = {"order_id": 3, "external_id": "SHOP-3", "ship_to": {"name": "Zoë Ångström, 東京"}}
    (msg_id,) = emit_events(app, [("order.shipped", "order:3", data)])
    settle(app, courier, clock)
    body = json.loads(receiver.seen[0].body)
    assert list(body) == ["id", "type", "timestamp", "sequence", "data"]
    assert body["id"] == msg_id and msg_id.startswith("msg_") and len(msg_id) == 30
    assert (body["type"], body["sequence"], body["data"]) == ("order.shipped", 1, data)
    assert body["timestamp"].endswith("Z")
    with app.app_context():
        assert db.session.scalars(select(WebhookEndpoint)).one().active


def test_a_long_queue_behind_a_failing_event_does_not_starve_other_orders(hooked, receiver, courier, clock):
    app, _ = hooked
    queue = emit_events(app, [("order.picked", "order:1", {"order_id": 1, "n": n}) for n in range(delivery.BATCH + 50)])
    (other,) = emit_events(app, [("order.allocated", "order:2", {"order_id": 2})])
    clock.to(utcnow())  # writing the queue may have taken longer than the clock's head start
    receiver.script_for[queue[0]] = ["500"]
    with app.app_context():
        first = delivery.deliver_due(courier, config.settings(), now=clock)
        second = delivery.deliver_due(courier, config.settings(), now=clock)  # same moment: order:1 waits for its retry
    # order:1's head failed and the rest of its run stayed back; order:2 went in the same round.
    assert (first.retrying, first.released, first.delivered) == (1, delivery.PER_LANE - 1, 1)
    assert second.claimed == 0 and list(receiver.applied) == [other]
    settle(app, courier, clock)
    assert list(receiver.applied) == [other, *queue]
