"""What the storefront hears about orders: events written with the change, full state, rising sequence."""
from __future__ import annotations

import json
import uuid

from sqlalchemy import select

from tests.conftest import Api

ADDRESS = {"name": "A", "street1": "1 Main St", "city": "Oslo", "postal_code": "0150", "country": "NO"}


def events_of(app, aggregate):
    from wms.db import db
    from wms.webhooks.models import WebhookEvent

    with app.app_context():
        rows = db.session.scalars(select(WebhookEvent).where(WebhookEvent.aggregate == aggregate)
                                  .order_by(WebhookEvent.id)).all()
        return [json.loads(r.body) for r in rows]


def test_order_events_carry_full_state_in_sequence(any_app):
    api = Api(any_app)
    hook = api.post("/webhooks", {"url": "http://127.0.0.1:9/hook", "events": ["order.allocated",
                                                                             "order.backordered",
                                                                             "order.cancelled"]})
    assert hook.status_code == 201
    api.post("/products", {"sku": "MUG", "name": "Mug", "weight_g": 350})
    api.post("/locations", {"code": "F-1", "type": "pick_face"})
    api.post("/adjustments", {"sku": "MUG", "location": "F-1", "delta": 1, "reason": "stock"})
    order = api.post("/orders", {"external_id": "SO-1", "ship_to": ADDRESS, "lines": [{"sku": "MUG", "quantity": 2}]},
                     headers={"Idempotency-Key": str(uuid.uuid4())}).json
    assert order["status"] == "backordered"
    api.post("/adjustments", {"sku": "MUG", "location": "F-1", "delta": 5, "reason": "found"})
    api.post(f"/orders/{order['id']}/cancel", {})

    events = events_of(any_app, f"order:{order['id']}")
    assert [(e["type"], e["sequence"]) for e in events] == [
        ("order.backordered", 1), ("order.allocated", 2), ("order.cancelled", 3)]
    allocated = events[1]
    assert allocated["data"]["external_id"] == "SO-1" and allocated["data"]["status"] == "allocated"
    assert allocated["data"]["lines"] == [{"sku": "MUG", "quantity": 2, "allocated": 2, "picked": 0, "shipped": 0}]
    assert all(e["id"].startswith("msg_") and e["timestamp"].endswith("Z") for e in events)


def test_a_refused_order_writes_no_event(any_app):
    api = Api(any_app)
    api.post("/webhooks", {"url": "http://127.0.0.1:9/hook", "events": ["order.allocated", "order.backordered"]})
    r = api.post("/orders", {"external_id": "SO-2", "ship_to": ADDRESS, "lines": [{"sku": "NOPE", "quantity": 1}]},
                 headers={"Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 404
    from wms.db import db
    from wms.webhooks.models import WebhookEvent

    with any_app.app_context():
        assert db.session.scalars(select(WebhookEvent)).all() == []
