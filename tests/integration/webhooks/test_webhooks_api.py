"""The webhook endpoints over HTTP: subscribing, roles, validation, listing deliveries, redelivery."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import Api
from tests.integration.webhooks.conftest import emit_events, settle, subscribe
from wms.db import db
from wms.webhooks.models import WebhookEndpoint


def test_subscribing_shows_the_secret_once(app):
    api = Api(app, "storefront")
    r = api.post("/webhooks", {"url": "https://shop.example/hooks", "events": ["order.shipped", "order.allocated"]})
    assert r.status_code == 201
    assert r.json["secret"].startswith("whsec_") and len(r.json["secret"]) > 40
    assert r.json["url"] == "https://shop.example/hooks"
    assert r.json["events"] == ["order.allocated", "order.shipped"] and r.json["active"] is True
    assert r.json["created_by"] == "test-storefront"
    again = api.get(f"/webhooks/{r.json['id']}")
    assert again.status_code == 200 and "secret" not in again.json
    assert [e["id"] for e in api.get("/webhooks").json["items"]] == [r.json["id"]]
    with app.app_context():
        assert db.session.get(WebhookEndpoint, r.json["id"]).secret == r.json["secret"]


@pytest.mark.parametrize("body, code", [
    ({"url": "https://shop.example/h", "events": ["order.teleported"]}, "validation_error"),
    ({"url": "https://shop.example/h", "events": []}, "validation_error"),
    ({"url": "ftp://shop.example/h", "events": ["order.shipped"]}, "invalid_url"),
    ({"url": "shop.example/h", "events": ["order.shipped"]}, "invalid_url"),
    ({"url": "http:///nohost", "events": ["order.shipped"]}, "invalid_url"),
    ({"url": "http://shop.example:99999/h", "events": ["order.shipped"]}, "invalid_url"),
    ({"url": "https://shop.example/h", "events": ["order.shipped"], "secret": "mine"}, "unknown_field"),
])
def test_bad_subscriptions_are_422_and_store_nothing(app, body, code):
    r = Api(app, "storefront").post("/webhooks", body)
    assert r.status_code == 422, r.json
    assert r.json["error"]["code"] == code
    with app.app_context():
        assert db.session.scalars(select(WebhookEndpoint)).all() == []


@pytest.mark.parametrize("role, status", [("storefront", 201), ("supervisor", 201), ("admin", 201),
                                          ("picker", 403), ("packer", 403), ("receiver", 403)])
def test_roles(app, role, status):
    r = Api(app, role).post("/webhooks", {"url": "https://shop.example/h", "events": ["order.shipped"]})
    assert r.status_code == status


def test_deliveries_page_and_redeliver(hooked, receiver, courier, clock):
    app, created = hooked
    api = Api(app, "storefront")
    ids = emit_events(app, [("order.allocated", f"order:{n}", {"order_id": n}) for n in range(1, 6)])
    base = f"/webhooks/{created['id']}/deliveries"
    first = api.get(base + "?limit=2")
    assert first.status_code == 200 and len(first.json["items"]) == 2 and first.json["next_cursor"]
    rest = api.get(base + f"?limit=10&cursor={first.json['next_cursor']}").json
    listed = first.json["items"] + rest["items"]
    assert [d["event_id"] for d in listed] == ids and rest["next_cursor"] is None
    assert {(d["status"], d["type"], d["attempts"]) for d in listed} == {("pending", "order.allocated", 0)}
    assert all(d["next_attempt_at"] and d["delivered_at"] is None for d in listed)

    pending = listed[0]["id"]
    busy = api.post(f"{base}/{pending}/redeliver")
    assert busy.status_code == 409 and busy.json["error"]["code"] == "delivery_in_progress"

    settle(app, courier, clock)
    done = api.get(base + "?status=delivered").json["items"]
    assert len(done) == 5 and all(d["delivered_at"] and d["last_status_code"] == 200 for d in done)
    assert all(d["next_attempt_at"] is None and d["attempts"] == 1 for d in done)

    again = api.post(f"{base}/{pending}/redeliver")
    assert again.status_code == 201, again.json
    assert again.json["event_id"] == ids[0] and again.json["status"] == "pending" and again.json["attempts"] == 0
    settle(app, courier, clock)
    assert [s.msg_id for s in receiver.seen].count(ids[0]) == 2
    assert len(receiver.applied) == 5 and not receiver.bad


def test_redeliver_names_a_delivery_of_that_endpoint(hooked):
    app, created = hooked
    other = subscribe(app, "https://other.example/h", ["order.allocated"])
    emit_events(app, [("order.allocated", "order:1", {"order_id": 1})])
    api = Api(app, "storefront")
    theirs = api.get(f"/webhooks/{other['id']}/deliveries").json["items"][0]["id"]
    r = api.post(f"/webhooks/{created['id']}/deliveries/{theirs}/redeliver")
    assert r.status_code == 404 and r.json["error"]["code"] == "unknown_delivery"
    assert api.get("/webhooks/999/deliveries").status_code == 404


def test_events_go_only_to_subscribers_of_their_type(app):
    shipped = subscribe(app, "https://a.example/h", ["order.shipped"])
    both = subscribe(app, "https://b.example/h", ["order.shipped", "order.cancelled"])
    emit_events(app, [("order.cancelled", "order:1", {"order_id": 1}), ("order.shipped", "order:2", {"order_id": 2})])
    api = Api(app, "storefront")
    assert [d["type"] for d in api.get(f"/webhooks/{shipped['id']}/deliveries").json["items"]] == ["order.shipped"]
    assert [d["type"] for d in api.get(f"/webhooks/{both['id']}/deliveries").json["items"]] == [
        "order.cancelled", "order.shipped"]
