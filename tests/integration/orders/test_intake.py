"""Order intake over HTTP: idempotency, validation, allocation rules, cancellation, backorders."""
from __future__ import annotations

import uuid

import pytest

from tests.conftest import Api
from wms.app import openapi_document

ADDRESS = {"name": "Ada Lovelace", "street1": "1 Main St", "city": "Memphis", "state": "TN",
           "postal_code": "38103", "country": "US"}


def order_body(external_id="SO-1", lines=(("MUG", 2),), **extra):
    return {"external_id": external_id, "ship_to": ADDRESS,
            "lines": [{"sku": s, "quantity": q} for s, q in lines], **extra}


def post_order(api, body, key=None):
    return api.post("/orders", body, headers={"Idempotency-Key": key or str(uuid.uuid4())})


def stock(api, sku, location, qty, lot=None):
    body = {"sku": sku, "location": location, "delta": qty, "reason": "test stock"}
    if lot:
        body["lot"] = lot
    r = api.post("/adjustments", body)
    assert r.status_code == 201, r.json


@pytest.fixture
def shop(any_app):
    api = Api(any_app)
    api.post("/products", {"sku": "MUG", "name": "Mug", "weight_g": 350})
    api.post("/products", {"sku": "TEA", "name": "Tea", "weight_g": 100, "lot_tracked": True, "expiry_tracked": True})
    for code, kind in (("F-1", "pick_face"), ("F-2", "pick_face"), ("R-1", "storage"), ("R-2", "storage")):
        assert api.post("/locations", {"code": code, "type": kind}).status_code == 201
    return api


def reservations(api, sku):
    return {s["location"]: s["reserved"] for s in api.get(f"/stock?sku={sku}").json["items"] if s["reserved"]}


def test_order_is_allocated_and_replayed_for_the_same_key(shop):
    stock(shop, "MUG", "F-1", 5)
    first = post_order(shop, order_body(), key="k-1")
    assert first.status_code == 201
    assert first.json["status"] == "allocated" and first.json["lines"][0]["allocated"] == 2
    again = post_order(shop, order_body(), key="k-1")
    assert (again.status_code, again.json) == (201, first.json)
    assert len(shop.get("/orders?external_id=SO-1").json["items"]) == 1
    assert reservations(shop, "MUG") == {"F-1": 2}


def test_same_key_other_body_is_422_and_no_key_is_400(shop):
    post_order(shop, order_body(), key="k-2")
    other = post_order(shop, order_body(lines=(("MUG", 3),)), key="k-2")
    assert other.status_code == 422 and other.json["error"]["code"] == "idempotency_key_reused"
    missing = shop.post("/orders", order_body("SO-9"))
    assert missing.status_code == 400 and missing.json["error"]["code"] == "idempotency_key_required"
    assert shop.get("/orders?external_id=SO-9").json["items"] == []


def test_errors_are_replayed_too(shop):
    bad = order_body(lines=(("NOPE", 1),))
    first = post_order(shop, bad, key="k-3")
    assert first.status_code == 404 and first.json["error"]["code"] == "unknown_product"
    shop.post("/products", {"sku": "NOPE", "name": "Now it exists", "weight_g": 1})
    again = post_order(shop, bad, key="k-3")
    assert (again.status_code, again.json) == (404, first.json)


def test_duplicate_external_id_with_another_key_is_409(shop):
    assert post_order(shop, order_body("SO-7")).status_code == 201
    dup = post_order(shop, order_body("SO-7"))
    assert dup.status_code == 409 and dup.json["error"]["code"] == "duplicate_order"


@pytest.mark.parametrize("change, field", [
    ({"country": "XX"}, "ship_to.country"),
    ({"country": "us"}, "ship_to.country"),
    ({"state": "ZZ"}, "ship_to.state"),
    ({"state": None}, "ship_to.state"),
    ({"country": "CA"}, "ship_to.state"),  # TN is a US state, not a Canadian province
])
def test_addresses_are_checked(shop, change, field):
    address = {**ADDRESS, **change}
    r = post_order(shop, {**order_body(), "ship_to": address})
    assert r.status_code == 422 and r.json["error"]["code"] == "validation_error"
    assert field in r.json["error"]["details"]["fields"]


def test_the_published_schema_requires_a_state_where_the_service_does():
    ship_to = openapi_document()["paths"]["/orders"]["post"]["requestBody"]["content"]["application/json"][
        "schema"]["properties"]["ship_to"]
    rules = {rule["if"]["properties"]["country"]["const"]: rule["then"] for rule in ship_to["allOf"]}
    assert set(rules) == {"US", "CA", "AU"}
    assert all(then["required"] == ["state"] for then in rules.values())
    assert "TN" in rules["US"]["properties"]["state"]["enum"]
    assert "ON" in rules["CA"]["properties"]["state"]["enum"]


@pytest.mark.parametrize("country", ["US", "CA", "AU"])
def test_an_address_in_a_country_with_states_needs_one(shop, country):
    address = {k: v for k, v in ADDRESS.items() if k != "state"} | {"country": country}
    r = post_order(shop, {**order_body(), "ship_to": address})
    assert r.status_code == 422
    error = r.json["error"]
    assert set(error) == {"code", "message", "details"} and error["code"] == "validation_error"
    assert "'state'" in error["message"]


@pytest.mark.parametrize("country", ["GB", "DE", "JP"])
def test_an_address_elsewhere_needs_no_state(shop, country):
    stock(shop, "MUG", "F-1", 5)
    address = {k: v for k, v in ADDRESS.items() if k != "state"} | {"country": country}
    r = post_order(shop, {**order_body(), "ship_to": address})
    assert r.status_code == 201, r.json
    assert r.json["ship_to"] == address


@pytest.mark.parametrize("lines", [[], [{"sku": "MUG", "quantity": 0}], [{"sku": "MUG", "quantity": -1}]])
def test_lines_must_name_positive_quantities(shop, lines):
    r = post_order(shop, {**order_body(), "lines": lines})
    assert r.status_code == 422


def test_pick_face_before_reserve_and_fewest_bins(shop):
    stock(shop, "MUG", "R-1", 50)
    stock(shop, "MUG", "F-1", 3)
    stock(shop, "MUG", "F-2", 6)
    r = post_order(shop, order_body("SO-10", lines=(("MUG", 5),)))
    assert r.json["status"] == "allocated"
    assert reservations(shop, "MUG") == {"F-2": 5}  # one pick face holds it all
    r = post_order(shop, order_body("SO-11", lines=(("MUG", 6),)))
    assert reservations(shop, "MUG") == {"F-2": 6, "F-1": 3, "R-1": 2}  # faces emptied before reserve


def test_expiry_tracked_products_go_first_expired_first_out(shop, any_app):
    from wms.db import db
    from wms.inventory.models import Location, Quant

    stock(shop, "TEA", "F-1", 10, lot="LATE")
    stock(shop, "TEA", "R-1", 10, lot="EARLY")
    with any_app.app_context():
        import datetime as dt

        for q in db.session.query(Quant).join(Location, Location.id == Quant.location_id).filter(
                Location.code.in_(["F-1", "R-1"])):
            q.expiry = dt.date(2027, 1, 1) if q.lot == "LATE" else dt.date(2026, 12, 1)
        db.session.commit()
    post_order(shop, order_body("SO-12", lines=(("TEA", 4),)))
    assert reservations(shop, "TEA") == {"R-1": 4}  # the earlier expiry wins over the pick face


def test_partial_backorder_then_stock_arrival_allocates(shop):
    stock(shop, "MUG", "F-1", 2)
    r = post_order(shop, order_body("SO-20", lines=(("MUG", 5),)))
    assert r.json["status"] == "backordered" and r.json["lines"][0]["allocated"] == 2
    stock(shop, "MUG", "R-1", 10)
    order = shop.get(f"/orders/{r.json['id']}").json
    assert order["status"] == "allocated" and order["lines"][0]["allocated"] == 5
    assert shop.get("/inventory?sku=MUG").json["items"][0]["available"] == 7


def test_whole_order_allocation_reserves_nothing_until_it_can_all_go(shop):
    stock(shop, "MUG", "F-1", 2)
    r = post_order(shop, order_body("SO-21", lines=(("MUG", 5),), allocation="whole"))
    assert r.json["status"] == "backordered" and r.json["lines"][0]["allocated"] == 0
    assert reservations(shop, "MUG") == {}
    stock(shop, "MUG", "F-1", 3)
    assert shop.get(f"/orders/{r.json['id']}").json["status"] == "allocated"


def test_cancel_releases_reservations_and_is_refused_once_shipped(shop, any_app):
    stock(shop, "MUG", "F-1", 5)
    r = post_order(shop, order_body("SO-30", lines=(("MUG", 4),)))
    cancelled = shop.post(f"/orders/{r.json['id']}/cancel", {})
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert reservations(shop, "MUG") == {}
    assert shop.post(f"/orders/{r.json['id']}/cancel", {}).status_code == 200
    from wms.db import db
    from wms.orders.models import Order

    r2 = post_order(shop, order_body("SO-31"))
    with any_app.app_context():
        db.session.get(Order, r2.json["id"]).status = "shipped"
        db.session.commit()
    refused = shop.post(f"/orders/{r2.json['id']}/cancel", {})
    assert refused.status_code == 409 and refused.json["error"]["code"] == "already_shipped"


def test_status_history_is_recorded(shop, any_app):
    stock(shop, "MUG", "F-1", 1)
    r = post_order(shop, order_body("SO-40", lines=(("MUG", 2),)))
    stock(shop, "MUG", "F-1", 1)
    shop.post(f"/orders/{r.json['id']}/cancel", {"reason": "customer asked"})
    from wms.db import db
    from wms.orders.models import OrderTransition

    with any_app.app_context():
        steps = [(t.from_status, t.to_status) for t in db.session.query(OrderTransition)
                 .filter_by(order_id=r.json["id"]).order_by(OrderTransition.id)]
    assert steps == [(None, "received"), ("received", "backordered"), ("backordered", "allocated"),
                     ("allocated", "cancelled")]


def test_backorder_sweep_serves_orders_beyond_the_per_arrival_limit(shop, any_app, monkeypatch):
    from wms.orders import allocation
    from wms.orders.domain import ServeBackorders
    from wms.pipeline import pipeline_of

    monkeypatch.setattr(allocation, "BACKORDERS_PER_ARRIVAL", 1)
    ids = [post_order(shop, order_body(f"SO-5{i}", lines=(("MUG", 1),))).json["id"] for i in range(3)]
    stock(shop, "MUG", "F-1", 3)  # serves one order at once, the limit
    statuses = [shop.get(f"/orders/{i}").json["status"] for i in ids]
    assert statuses == ["allocated", "backordered", "backordered"]
    with any_app.app_context():
        assert pipeline_of(any_app).handle(ServeBackorders()) == 2
    assert [shop.get(f"/orders/{i}").json["status"] for i in ids] == ["allocated"] * 3
