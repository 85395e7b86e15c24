"""inventory.level_changed: written in the stock change's own transaction, only when sellable stock changed."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.conftest import Api, stock_mug
from tests.integration.picking.conftest import (
    adjust,
    current,
    floor,  # noqa: F401 - a fixture: a generated floor, for waves
    pick,
    place_order,
)
from tests.integration.webhooks.conftest import subscribe
from wms.db import db
from wms.inventory import services
from wms.inventory.domain import AdjustStock, LevelsChanged
from wms.inventory.ledger import Actor
from wms.pipeline import pipeline_of
from wms.unit_of_work import EVENT_TABLE_KEY, atomic
from wms.webhooks import outbox
from wms.webhooks.models import WebhookDelivery, WebhookEvent, WebhookSequence


@pytest.fixture
def stocked(any_app):
    """MUG with 10 units in bin A-1, two sellable bins, and an endpoint taking inventory events."""
    api = stock_mug(any_app)
    subscribe(any_app, "https://shop.example/hooks", ["inventory.level_changed"])
    return any_app, api


def inventory_events(app) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(select(WebhookEvent).order_by(WebhookEvent.id)).all()
        db.session.rollback()
        return [json.loads(e.body) | {"aggregate": e.aggregate} for e in rows]


def test_a_move_between_two_sellable_bins_emits_nothing(stocked):
    app, api = stocked
    r = api.post("/moves", {"sku": "MUG", "from_location": "A-1", "to_location": "A-2", "quantity": 4})
    assert r.status_code == 201
    assert inventory_events(app) == []


def test_an_adjustment_into_a_sellable_bin_emits_the_new_totals(stocked):
    app, api = stocked
    assert api.post("/adjustments", {"sku": "MUG", "location": "A-2", "delta": 5, "reason": "found"}).status_code == 201
    assert api.post("/adjustments", {"sku": "MUG", "location": "A-1", "counted": 7, "reason": "count"}).status_code == 201
    events = inventory_events(app)
    assert [(e["type"], e["aggregate"], e["sequence"], e["data"]) for e in events] == [
        ("inventory.level_changed", "sku:MUG", 1, {"sku": "MUG", "on_hand": 15, "reserved": 0, "available": 15}),
        ("inventory.level_changed", "sku:MUG", 2, {"sku": "MUG", "on_hand": 12, "reserved": 0, "available": 12}),
    ]
    with app.app_context():
        assert db.session.scalar(select(WebhookDelivery.status).limit(1)) == "pending"
        assert len(db.session.scalars(select(WebhookDelivery)).all()) == 2


def test_a_move_into_a_place_that_is_not_sellable_reports_the_drop(stocked):
    app, api = stocked
    r = api.post("/moves", {"sku": "MUG", "from_location": "A-1", "to_location": "PACK-01", "quantity": 3})
    assert r.status_code == 201
    assert [e["data"] for e in inventory_events(app)] == [{"sku": "MUG", "on_hand": 7, "reserved": 0, "available": 7}]


def test_a_refused_move_emits_nothing(stocked):
    app, api = stocked
    r = api.post("/moves", {"sku": "MUG", "from_location": "A-1", "to_location": "PACK-01", "quantity": 11})
    assert r.status_code == 409
    assert inventory_events(app) == []


def test_a_transaction_rolled_back_after_its_events_were_written_keeps_none(stocked):
    app, _ = stocked

    def fail_the_commit(_changes):
        # Runs after the outbox's handler of the same event: the event is already written.
        written = db.session.scalars(select(WebhookEvent)).all()
        assert [e.aggregate for e in written] == ["sku:MUG"]
        raise RuntimeError("the commit fails")

    table = app.extensions[EVENT_TABLE_KEY]
    app.extensions[EVENT_TABLE_KEY] = {**table, LevelsChanged: [*table[LevelsChanged], fail_the_commit]}
    try:
        with app.app_context(), pytest.raises(RuntimeError, match="the commit fails"):
            pipeline_of(app).handle(AdjustStock("MUG", "A-2", "found", Actor("tester"), delta=5))
    finally:
        app.extensions[EVENT_TABLE_KEY] = table
    assert inventory_events(app) == []
    with app.app_context():
        assert db.session.scalars(select(WebhookSequence)).all() == []
        assert db.session.scalars(select(WebhookDelivery)).all() == []
    # The next change starts the SKU's sequence at 1: the rolled-back one took no number.
    Api(app).post("/adjustments", {"sku": "MUG", "location": "A-2", "delta": 5, "reason": "found"})
    assert [e["sequence"] for e in inventory_events(app)] == [1]


def test_a_failing_service_body_emits_nothing(stocked):
    app, _ = stocked

    @atomic
    def adjust_then_fail():
        services.adjust_stock(AdjustStock("MUG", "A-2", "found", Actor("tester"), delta=5))
        raise ValueError("something else went wrong")

    with app.app_context(), pytest.raises(ValueError):
        adjust_then_fail()
    assert inventory_events(app) == []


def test_without_a_subscriber_no_inventory_event_is_written(any_app):
    api = Api(any_app)
    api.post("/products", {"sku": "CAP", "name": "Cap", "weight_g": 100})
    api.post("/locations", {"code": "B-1", "type": "storage"})
    subscribe(any_app, "https://shop.example/hooks", ["order.shipped"])
    assert api.post("/adjustments", {"sku": "CAP", "location": "B-1", "delta": 2, "reason": "x"}).status_code == 201
    assert inventory_events(any_app) == []


def test_emit_needs_the_callers_transaction_and_a_known_type(app):
    with app.app_context():
        with pytest.raises(RuntimeError, match="inside the atomic transaction"):
            outbox.emit("order.shipped", "order:1", {"order_id": 1})
        with pytest.raises(ValueError, match="unknown webhook event type"):
            atomic(lambda: outbox.emit("order.teleported", "order:1", {}))()


ADDRESS = {"name": "A", "street1": "1 Main St", "city": "Oslo", "postal_code": "0150", "country": "NO"}


def latest_levels(app, sku: str) -> dict | None:
    """What a receiver holds for the SKU once deliveries settle: the data of its highest-sequence event."""
    events = [e for e in inventory_events(app) if e["aggregate"] == f"sku:{sku}"]
    return max(events, key=lambda e: e["sequence"])["data"] if events else None


@pytest.mark.parametrize("arrival", ["move from the dock", "receipt into a bin"])
def test_stock_reserved_for_a_backorder_as_it_arrives_reports_the_new_on_hand_and_reserved(stocked, arrival):
    app, api = stocked
    order = api.post("/orders", {"external_id": "SO-1", "ship_to": ADDRESS, "lines": [{"sku": "MUG", "quantity": 14}]},
                     headers={"Idempotency-Key": "so-1"})
    assert order.status_code == 201 and order.json["status"] == "backordered"
    assert latest_levels(app, "MUG") == {"sku": "MUG", "on_hand": 10, "reserved": 10, "available": 0}
    if arrival == "move from the dock":
        # The dock is not sellable: stock arrives when it is moved into a bin.
        assert api.post("/adjustments", {"sku": "MUG", "location": "RECV-01", "delta": 4,
                                         "reason": "unloaded"}).status_code == 201
        assert latest_levels(app, "MUG")["on_hand"] == 10
        r = api.post("/moves", {"sku": "MUG", "from_location": "RECV-01", "to_location": "A-2", "quantity": 4})
    else:
        receipt = api.post("/receipts", {"reference": "PO-1", "lines": [{"sku": "MUG", "quantity": 4}]}).json
        r = api.post(f"/receipts/{receipt['id']}/scan", {"barcode": "MUG", "quantity": 4, "location": "A-2"})
    assert r.status_code in (200, 201), r.json
    # The four units were promised to the backorder in the same transaction: available stays 0.
    assert api.get(f"/orders/{order.json['id']}").json["status"] == "allocated"
    now = api.get("/inventory?sku=MUG").json["items"][0]
    assert now == {"sku": "MUG", "on_hand": 14, "reserved": 14, "available": 0}
    assert latest_levels(app, "MUG") == now


def test_picks_and_shorts_report_the_units_and_promises_they_take_away(floor, any_app):  # noqa: F811
    """A pick (or a short) takes reserved units out of sellable stock: available stays, on_hand and reserved fall."""
    subscribe(any_app, "https://shop.example/hooks", ["inventory.level_changed"])
    adjust(floor, "MUG", "A01-B03-L1", 5)
    adjust(floor, "PEN", "A02-B02-L1", 3)
    place_order(floor, "SO-1", [("MUG", 2), ("PEN", 3)])
    assert latest_levels(any_app, "MUG") == {"sku": "MUG", "on_hand": 5, "reserved": 2, "available": 3}
    assert latest_levels(any_app, "PEN") == {"sku": "PEN", "on_hand": 3, "reserved": 3, "available": 0}
    r = floor.post("/waves", {})
    assert r.status_code == 201, r.json
    list_id = r.json["picklists"][0]["id"]
    picker = Api(any_app, "picker")
    task = current(picker, list_id)
    if task["sku"] == "PEN":
        assert picker.post(f"/picklists/{list_id}/short", {"task_id": task["id"], "quantity_found": 0}).status_code == 200
        task = current(picker, list_id)
        assert pick(picker, list_id, task).status_code == 200
    else:
        assert pick(picker, list_id, task).status_code == 200
        task = current(picker, list_id)
        assert picker.post(f"/picklists/{list_id}/short", {"task_id": task["id"], "quantity_found": 0}).status_code == 200
    assert latest_levels(any_app, "MUG") == {"sku": "MUG", "on_hand": 3, "reserved": 0, "available": 3}
    assert latest_levels(any_app, "PEN") == {"sku": "PEN", "on_hand": 0, "reserved": 0, "available": 0}
    for sku in ("MUG", "PEN"):
        assert latest_levels(any_app, sku) == floor.get(f"/inventory?sku={sku}").json["items"][0]
