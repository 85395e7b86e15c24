"""A write whose fields are all optional (a cancel, a close, a redeliver) takes an empty body or none, as `{}`.

The endpoints are read from the OpenAPI document (every write without a body schema, or whose schema
requires nothing), so an endpoint added later is covered without touching this file.
"""
from __future__ import annotations

import pytest

from tests.conftest import Api
from wms.app import openapi_document

DOC = openapi_document()


def _body_schema(op: dict) -> dict | None:
    body = op.get("requestBody")
    return body["content"]["application/json"]["schema"] if body else None


OPTIONAL = [(method.upper(), path, op) for path, ops in DOC["paths"].items() for method, op in ops.items()
            if method in ("post", "put", "patch", "delete") and not (_body_schema(op) or {}).get("required")]
IDS = [f"{m} {p}" for m, p, _ in OPTIONAL]


def _url(path: str, op: dict) -> str:
    # Ids that name nothing: the body is read before the resource is looked up, so what answers is
    # either the body's refusal or the lookup's 404, and the two replies below must agree.
    for param in op["parameters"]:
        if param["in"] == "path":
            value = "999999" if param["schema"].get("type") == "integer" else "NO-SUCH"
            path = path.replace("{" + param["name"] + "}", value)
    return "/api/v1" + path


def _outcome(r) -> tuple[int, str | None]:
    return r.status_code, (r.json.get("error") or {}).get("code") if isinstance(r.json, dict) else None


def test_the_writes_with_optional_bodies_are_all_found():
    assert {("POST", "/orders/{order_id}/cancel"), ("POST", "/orders/{order_id}/allocate"), ("POST", "/waves"),
            ("POST", "/receipts/{receipt_id}/close"), ("POST", "/webhooks/{endpoint_id}/enable"),
            ("POST", "/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver")} <= {(m, p) for m, p, _ in OPTIONAL}
    assert ("POST", "/moves") not in {(m, p) for m, p, _ in OPTIONAL}


@pytest.mark.parametrize("method, path, op", OPTIONAL, ids=IDS)
def test_no_body_or_an_empty_one_is_read_as_an_empty_object(app, method, path, op):
    api = Api(app)

    def send(**kw):
        return api.client.open(_url(path, op), method=method, headers=api.headers, **kw)

    replies = {
        "no body, no Content-Type": send(),
        "empty body": send(data=b""),
        "empty body declared JSON": send(data=b"", content_type="application/json"),
        # An empty body is no body, whatever it is declared as: there is nothing to misread.
        "empty body declared text": send(data=b"", content_type="text/plain"),
        "{}": send(json={}),
    }
    outcomes = {name: _outcome(r) for name, r in replies.items()}
    assert outcomes["{}"][0] not in (400, 415, 422), outcomes
    assert set(outcomes.values()) == {outcomes["{}"]}, outcomes


@pytest.mark.parametrize("method, path, op", OPTIONAL, ids=IDS)
def test_a_field_the_endpoint_does_not_know_is_422_even_where_it_declares_none(app, method, path, op):
    api = Api(app)
    r = api.client.open(_url(path, op), method=method, headers=api.headers, json={"no_such_field": 1})
    assert _outcome(r) == (422, "unknown_field"), r.json


ADDRESS = {"name": "Ada", "street1": "1 Main St", "city": "Berlin", "postal_code": "10115", "country": "DE"}


@pytest.fixture
def shop(any_app):
    api = Api(any_app)
    assert api.post("/products", {"sku": "MUG", "name": "Mug", "weight_g": 350}).status_code == 201
    assert api.post("/locations", {"code": "F-1", "type": "pick_face"}).status_code == 201
    r = api.post("/adjustments", {"sku": "MUG", "location": "F-1", "delta": 5, "reason": "opening"})
    assert r.status_code == 201
    return api


def test_an_order_is_cancelled_by_a_post_with_no_body(shop):
    order = shop.post("/orders", {"external_id": "SO-1", "ship_to": ADDRESS, "lines": [{"sku": "MUG", "quantity": 2}]},
                      headers={"Idempotency-Key": "k-1"}).json
    assert order["status"] == "allocated"
    r = shop.client.post(f"/api/v1/orders/{order['id']}/cancel", headers=shop.headers)
    assert r.status_code == 200 and r.json["status"] == "cancelled", r.json
    assert [s["reserved"] for s in shop.get("/stock?sku=MUG").json["items"]] == [0]


def test_a_receipt_is_closed_by_a_post_with_no_body(shop):
    receipt = shop.post("/receipts", {"reference": "PO-1", "lines": [{"sku": "MUG", "quantity": 3}]}).json
    r = shop.client.post(f"/api/v1/receipts/{receipt['id']}/close", headers=shop.headers)
    assert r.status_code == 200, r.json
    assert r.json["discrepancies"] == [{"sku": "MUG", "expected": 3, "received": 0, "kind": "short"}]
