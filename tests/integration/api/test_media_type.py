"""API writes read JSON only: a body declared as anything else is 415 before anything is written.

A browser may send a cross-site form (text/plain, form-encoded, multipart) without asking first; only
a JSON body needs a CORS preflight. Refusing every other media type, before any transaction, keeps such
a form from changing stock or orders, and keeps its 415 out of the Idempotency-Key and scan_id replies.
The write operations are read from the OpenAPI document, so every endpoint, present and future, is checked.
"""
from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from tests.conftest import Api, stock_mug
from wms.app import openapi_document
from wms.db import db

DOC = openapi_document()
WRITES = [(method.upper(), path, op) for path, ops in DOC["paths"].items() for method, op in ops.items()
          if method in ("post", "put", "patch", "delete")]

NOT_JSON = ["text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x", "application/xml", "application/json; charset=iso-8859-1", None]


def _url(path: str, op: dict) -> str:
    for param in op["parameters"]:
        if param["in"] == "path":
            value = "1" if param["schema"].get("type") == "integer" else "X-1"
            path = path.replace("{" + param["name"] + "}", value)
    return "/api/v1" + path


def _assert_415(r):
    assert r.status_code == 415, (r.status_code, r.get_data(as_text=True))
    assert set(r.json) == {"error"} and set(r.json["error"]) == {"code", "message", "details"}
    assert r.json["error"]["code"] == "unsupported_media_type"


@pytest.mark.parametrize("method, path, op", WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_every_write_refuses_a_body_not_declared_json(app, method, path, op):
    api = Api(app)
    for content_type in NOT_JSON:
        r = api.client.open(_url(path, op), method=method, data=b"{}", content_type=content_type,
                            headers={**api.headers, "Idempotency-Key": f"k-{content_type}"})
        _assert_415(r)
        assert r.json["error"]["details"]["content_type"] == (content_type or "")
    assert "415" in op["responses"], "the document must say so"


@pytest.fixture
def floor(any_app):
    return stock_mug(any_app)


MOVE = {"sku": "MUG", "from_location": "A-1", "to_location": "A-2", "quantity": 1}
ORDER = {"external_id": "SO-1", "ship_to": {"name": "Ada", "street1": "1 Main St", "city": "Berlin",
                                             "postal_code": "10115", "country": "DE"},
         "lines": [{"sku": "MUG", "quantity": 1}]}


def _on_hand(api) -> dict:
    return {s["location"]: s["on_hand"] for s in api.get("/stock?sku=MUG").json["items"]}


def _count(app, table: str) -> int:
    with app.app_context():
        return db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar()


def test_moves_and_orders_as_text_plain_are_415_and_change_nothing(floor, any_app):
    body = json.dumps(MOVE)
    _assert_415(floor.post("/moves", data=body, content_type="text/plain"))
    _assert_415(floor.post("/moves", data=json.dumps(MOVE | {"scan_id": "s-1"}), content_type="text/plain"))
    _assert_415(floor.post("/orders", data=json.dumps(ORDER), content_type="text/plain",
                           headers={"Idempotency-Key": "k-1"}))
    assert _on_hand(floor) == {"A-1": 10}
    assert floor.get("/orders").json["items"] == []
    # Nothing was kept to be replayed: the same scan_id and key, now sent as JSON, are carried out.
    assert _count(any_app, "replies") == 0
    r = floor.post("/moves", MOVE | {"scan_id": "s-1"})
    assert r.status_code == 201, r.json
    r = floor.post("/orders", ORDER, headers={"Idempotency-Key": "k-1"})
    assert r.status_code == 201 and r.json["lines"][0]["allocated"] == 1, r.json
    assert _on_hand(floor) == {"A-1": 9, "A-2": 1}


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8",
                                          "application/json;charset=UTF-8", "application/vnd.wms+json"])
def test_json_with_or_without_a_utf_8_charset_is_read(floor, content_type):
    r = floor.post("/moves", data=json.dumps(MOVE), content_type=content_type)
    assert r.status_code == 201, r.json
    assert _on_hand(floor) == {"A-1": 9, "A-2": 1}


def test_reads_are_not_judged_by_their_content_type(floor):
    r = floor.client.get("/api/v1/stock?sku=MUG", headers={**floor.headers, "Content-Type": "text/plain"})
    assert r.status_code == 200
