"""Concurrent storefront requests are committed together: each order once, each reply its own, failures isolated."""
from __future__ import annotations

import json
import threading
import time
import uuid

import pytest
from sqlalchemy import text

from tests.conftest import Api
from tests.integration.orders.test_intake import order_body, post_order, stock
from wms.auth import Principal
from wms.combining import Failed
from wms.db import db
from wms.errors import NotFound
from wms.orders import services
from wms.orders.domain import PlaceOrder
from wms.pipeline import _answer as _answer_batch
from wms.pipeline import _Call, as_given
from wms.replies import IDEMPOTENCY, Key, _advisory_key


@pytest.fixture
def shop(any_app):
    api = Api(any_app)
    api.post("/products", {"sku": "MUG", "name": "Mug", "weight_g": 350})
    assert api.post("/locations", {"code": "F-1", "type": "pick_face"}).status_code == 201
    stock(api, "MUG", "F-1", 40)
    return api


def _slow_first_batch(monkeypatch, started: threading.Event, release: threading.Event) -> list[list[str]]:
    """Make the first batch of orders wait for `release`; returns the external_ids of every batch run."""
    batches: list[list[str]] = []
    real = services.place_order.batch

    def place_orders(commands):
        batches.append([c.order["external_id"] for c in commands])
        if len(batches) == 1:
            started.set()
            release.wait(10)
        return real(commands)

    monkeypatch.setattr(services.place_order, "batch", place_orders)
    return batches


def test_orders_arriving_during_a_batch_are_committed_together_each_once(shop, any_app, monkeypatch):
    started, release = threading.Event(), threading.Event()
    batches = _slow_first_batch(monkeypatch, started, release)
    storefront = Api(any_app, "storefront")
    keys = {f"SO-{i}": str(uuid.uuid4()) for i in range(13)}
    replies = {}

    def send(external_id):
        replies[external_id] = post_order(storefront, order_body(external_id, lines=(("MUG", 2),)),
                                          key=keys[external_id])

    first = threading.Thread(target=send, args=("SO-0",))
    first.start()
    assert started.wait(10)
    others = [threading.Thread(target=send, args=(f"SO-{i}",)) for i in range(1, 13)]
    for t in others:
        t.start()
    time.sleep(0.5)  # they queue behind the first batch, which is still running
    release.set()
    for t in [first, *others]:
        t.join(30)

    assert {k: r.status_code for k, r in replies.items()} == {k: 201 for k in keys}
    assert sorted(x for b in batches for x in b) == sorted(keys)  # every order went through exactly once
    assert max(len(b) for b in batches[1:]) > 1  # and they did go together
    # 40 mugs in stock, 13 orders of 2: every order allocated in full, nothing promised twice.
    assert all(r.json["status"] == "allocated" for r in replies.values())
    assert sum(line["allocated"] for r in replies.values() for line in r.json["lines"]) == 26
    for external_id, reply in replies.items():
        found = storefront.get(f"/orders?external_id={external_id}").json["items"]
        assert [o["id"] for o in found] == [reply.json["id"]]
        again = post_order(storefront, order_body(external_id, lines=(("MUG", 2),)), key=keys[external_id])
        assert (again.status_code, again.json) == (201, reply.json)  # each key replays its own reply

    from wms.inventory.queries import check_ledger
    from wms.orders.queries import check_reservations

    with any_app.app_context():
        assert check_ledger() == [] and check_reservations() == []


def test_a_copy_sent_while_the_first_runs_is_409_and_then_replayed(shop, any_app, monkeypatch):
    started, release = threading.Event(), threading.Event()
    _slow_first_batch(monkeypatch, started, release)
    storefront = Api(any_app, "storefront")
    body, replies = order_body("SO-X"), []
    first = threading.Thread(target=lambda: replies.append(post_order(storefront, body, key="same-key")))
    first.start()
    assert started.wait(10)
    busy = post_order(storefront, body, key="same-key")
    release.set()
    first.join(30)
    assert busy.status_code == 409 and busy.json["error"]["code"] == "request_in_progress"
    assert replies[0].status_code == 201
    again = post_order(storefront, body, key="same-key")
    assert (again.status_code, again.json) == (201, replies[0].json)
    assert len(storefront.get("/orders?external_id=SO-X").json["items"]) == 1


def _answer(app, many, bodies_by_key):
    """Run one batch of storefront orders through the pipeline's unit of work, as a leader would."""
    caller = Principal(name="test", role="storefront")
    with app.app_context():
        calls = [_Call(PlaceOrder(body, "test", body.get("allocation", "partial")), caller, as_given, 201,
                       Key(IDEMPOTENCY, "storefront:test", key, f"digest-{key}"))
                 for key, body in bodies_by_key.items()]
        return _answer_batch(many, calls)


def _stored(app) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(text("SELECT key, status_code FROM replies")).all())


def test_a_batch_that_raises_is_run_again_order_by_order(shop, any_app):
    def many(commands):
        if len(commands) > 1:
            raise RuntimeError("a fault only a batch meets")
        if commands[0].order["external_id"] == "SO-BAD":
            raise ValueError("this order's own fault")
        return services.place_orders(commands)

    good, bad = order_body("SO-GOOD"), order_body("SO-BAD")
    replies = _answer(any_app, many, {"k-good": good, "k-bad": bad, "k-good2": order_body("SO-GOOD2")})
    assert replies[0].status == 201 and replies[2].status == 201
    assert isinstance(replies[1], Failed) and isinstance(replies[1].error, ValueError)
    # The good ones are kept with their replies; the failed one left no trace, so its retry runs afresh.
    assert _stored(any_app) == {"k-good": 201, "k-good2": 201}
    api = Api(any_app)
    assert [o["external_id"] for o in api.get("/orders").json["items"]] == ["SO-GOOD", "SO-GOOD2"]


def test_a_refusal_raised_by_a_batch_is_told_to_its_order_only(shop, any_app):
    def many(commands):
        for command in commands:
            if command.order["lines"][0]["sku"] == "NOPE":
                raise NotFound("no product with SKU 'NOPE'", code="unknown_product")
        return services.place_orders(commands)

    replies = _answer(any_app, many, {"k-1": order_body("SO-1"), "k-2": order_body("SO-2", lines=(("NOPE", 1),)),
                                           "k-3": order_body("SO-3")})
    assert [r.status for r in replies] == [201, 404, 201]
    assert json.loads(replies[1].body)["error"]["code"] == "unknown_product"
    assert _stored(any_app) == {"k-1": 201, "k-2": 404, "k-3": 201}  # the refusal is replayed like any reply


@pytest.mark.postgres
def test_a_copy_running_in_another_process_is_409(pg_app):
    """On PostgreSQL the key's advisory lock is what another server process holding it would have taken."""
    Api(pg_app).post("/products", {"sku": "MUG", "name": "Mug", "weight_g": 350})
    storefront = Api(pg_app, "storefront")
    with pg_app.app_context():
        other = db.engine.connect()  # another process's transaction, still running
        other.execute(text("SELECT pg_advisory_xact_lock(:k)"),
                      {"k": _advisory_key(Key(IDEMPOTENCY, "storefront:test-storefront", "k-elsewhere", ""))})
        try:
            busy = post_order(storefront, order_body("SO-E"), key="k-elsewhere")
        finally:
            other.rollback()
            other.close()
    assert busy.status_code == 409 and busy.json["error"]["code"] == "request_in_progress"
    assert post_order(storefront, order_body("SO-E"), key="k-elsewhere").status_code == 201
