"""Ordering holds per key (order or SKU) per endpoint, never globally: a key waiting for its retry holds
back only its own later events, and every other key keeps flowing."""
from __future__ import annotations

import json

from tests.conftest import Api
from tests.integration.webhooks.conftest import settle, subscribe
from wms import config
from wms.webhooks import delivery
from wms.webhooks.domain import EVENT_TYPES

FOLLOWERS = 130  # more than a round claims, as in the reproduction from outside


def test_a_due_retry_behind_a_long_queue_of_its_own_sku_is_sent_and_other_keys_flow(any_app, receiver,
                                                                                       courier, clock):
    """The reproduction: one 500 to an inventory event, then 130 adjustments of that SKU, then an order."""
    app = any_app
    api = Api(app)
    assert api.post("/products", {"sku": "MUG", "name": "Mug", "weight_g": 350}).status_code == 201
    assert api.post("/products", {"sku": "CAP", "name": "Cap", "weight_g": 90}).status_code == 201
    assert api.post("/locations", {"code": "A-1", "type": "storage"}).status_code == 201
    assert api.post("/adjustments", {"sku": "CAP", "location": "A-1", "delta": 5, "reason": "opening"}).status_code == 201
    receiver.secret = subscribe(app, receiver.url, list(EVENT_TYPES))["secret"]

    receiver.script = ["500"]
    assert api.post("/adjustments", {"sku": "MUG", "location": "A-1", "delta": 1, "reason": "found"}).status_code == 201
    with app.app_context():
        assert delivery.deliver_due(courier, config.settings(), now=clock).retrying == 1
    for _ in range(FOLLOWERS):
        r = api.post("/adjustments", {"sku": "MUG", "location": "A-1", "delta": 1, "reason": "found"})
        assert r.status_code == 201
    clock.advance(seconds=30)  # the failed event's retry (about 5 s) is due, and so is everything after it

    order = {"external_id": "SHOP-1", "lines": [{"sku": "CAP", "quantity": 1}],
             "ship_to": {"name": "A", "street1": "1 Main St", "city": "Berlin", "postal_code": "10115",
                         "country": "DE"}}
    r = Api(app, "storefront").post("/orders", order, headers={"Idempotency-Key": "k-1"})
    assert r.status_code == 201 and r.json["status"] == "allocated"

    with app.app_context():
        first = delivery.deliver_due(courier, config.settings(), now=clock)
    # The very next round sent the unrelated order's event, CAP's new level, and MUG's retry at the head
    # of MUG's own line (followed by as much of that line as one lane takes).
    sent = [(b["type"], _key(b), b["sequence"]) for b in map(json.loads, (s.body for s in receiver.seen[1:]))]
    assert ("order.allocated", f"order:{r.json['id']}", 1) in sent
    assert ("inventory.level_changed", "sku:CAP", 1) in sent
    assert [seq for kind, key, seq in sent if key == "sku:MUG"] == list(range(1, delivery.PER_LANE + 1))
    assert first.delivered == len(sent)

    settle(app, courier, clock)
    mug = [b["sequence"] for b in map(json.loads, (s.body for s in receiver.seen)) if _key(b) == "sku:MUG"]
    assert mug == [1, *range(1, FOLLOWERS + 2)]  # the failed first, its retry, then every later one in order
    assert not receiver.bad


def _key(body: dict) -> str:
    data = body["data"]
    return f"sku:{data['sku']}" if body["type"] == "inventory.level_changed" else f"order:{data['order_id']}"
