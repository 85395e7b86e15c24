"""The stock endpoints over HTTP on each backend: moves, adjustments, replays, errors that change nothing."""
from __future__ import annotations

import pytest

from tests.conftest import Api


@pytest.fixture
def stocked(any_app):
    """Two bins and a product with 10 units in the first, booked as a receipt adjustment."""
    api = Api(any_app)
    assert api.post("/products", {"sku": "MUG", "name": "Mug", "weight_g": 350, "gtin": "4006381333931"}).status_code == 201
    for code in ("A-1", "A-2"):
        assert api.post("/locations", {"code": code, "type": "storage"}).status_code == 201
    r = api.post("/adjustments", {"sku": "MUG", "location": "A-1", "delta": 10, "reason": "opening stock"})
    assert r.status_code == 201, r.json
    return api


def on_hand(api, location):
    items = api.get(f"/stock?sku=MUG&location={location}").json["items"]
    return items[0]["on_hand"] if items else 0


def test_move_books_a_ledger_line_and_updates_both_bins(stocked):
    r = stocked.post("/moves", {"sku": "MUG", "from_location": "A-1", "to_location": "A-2", "quantity": 4},
                     headers={"X-WMS-Device": "handheld-7"})
    assert r.status_code == 201
    assert r.json["quantity"] == 4 and r.json["user"] == "test-admin" and r.json["device"] == "handheld-7"
    assert (on_hand(stocked, "A-1"), on_hand(stocked, "A-2")) == (6, 4)
    ledger = stocked.get("/moves?sku=MUG").json["items"]
    assert [(m["from_location"], m["to_location"], m["quantity"]) for m in ledger] == [
        ("VIRTUAL-LOSS", "A-1", 10), ("A-1", "A-2", 4)]


def test_move_of_more_than_available_is_409_and_changes_nothing(stocked):
    r = stocked.post("/moves", {"sku": "MUG", "from_location": "A-1", "to_location": "A-2", "quantity": 11})
    assert r.status_code == 409
    assert r.json["error"]["code"] == "insufficient_stock"
    assert r.json["error"]["details"]["available"] == 10
    assert (on_hand(stocked, "A-1"), on_hand(stocked, "A-2")) == (10, 0)
    assert len(stocked.get("/moves?sku=MUG").json["items"]) == 1


def test_scan_id_replays_the_first_reply_and_moves_once(stocked):
    body = {"sku": "MUG", "from_location": "A-1", "to_location": "A-2", "quantity": 3, "scan_id": "scan-1"}
    first = stocked.post("/moves", body)
    again = stocked.post("/moves", body)
    assert first.status_code == again.status_code == 201
    assert first.json == again.json
    assert on_hand(stocked, "A-2") == 3


def test_rejected_scan_replays_its_rejection_even_after_stock_arrives(stocked):
    body = {"sku": "MUG", "from_location": "A-1", "to_location": "A-2", "quantity": 15, "scan_id": "scan-2"}
    assert stocked.post("/moves", body).status_code == 409
    stocked.post("/adjustments", {"sku": "MUG", "location": "A-1", "delta": 10, "reason": "found"})
    replay = stocked.post("/moves", body)
    assert replay.status_code == 409 and replay.json["error"]["code"] == "insufficient_stock"
    assert on_hand(stocked, "A-2") == 0


def test_scan_id_reused_for_another_scan_is_422(stocked):
    stocked.post("/moves", {"sku": "MUG", "from_location": "A-1", "to_location": "A-2", "quantity": 1,
                            "scan_id": "scan-3"})
    r = stocked.post("/moves", {"sku": "MUG", "from_location": "A-1", "to_location": "A-2", "quantity": 2,
                                "scan_id": "scan-3"})
    assert r.status_code == 422 and r.json["error"]["code"] == "scan_id_reused"
    assert on_hand(stocked, "A-2") == 1


def test_count_sets_the_bin_to_what_was_counted(stocked):
    r = stocked.post("/adjustments", {"sku": "MUG", "location": "A-1", "counted": 7, "reason": "cycle count"})
    assert r.status_code == 201
    assert (r.json["from_location"], r.json["to_location"], r.json["quantity"]) == ("A-1", "VIRTUAL-LOSS", 3)
    same = stocked.post("/adjustments", {"sku": "MUG", "location": "A-1", "counted": 7, "reason": "recount"})
    assert same.status_code == 200 and same.json == {"adjusted": False, "sku": "MUG", "location": "A-1", "on_hand": 7}


def test_inventory_totals_sellable_stock(stocked):
    stocked.post("/moves", {"sku": "MUG", "from_location": "A-1", "to_location": "RECV-01", "quantity": 4})
    inv = stocked.get("/inventory?sku=MUG").json["items"]
    assert inv == [{"sku": "MUG", "on_hand": 6, "reserved": 0, "available": 6}]


@pytest.mark.parametrize("body, status, code", [
    ({"sku": "NOPE", "from_location": "A-1", "to_location": "A-2", "quantity": 1}, 404, "unknown_product"),
    ({"sku": "MUG", "from_location": "ZZ", "to_location": "A-2", "quantity": 1}, 404, "unknown_location"),
    ({"sku": "MUG", "from_location": "A-1", "to_location": "A-1", "quantity": 1}, 422, "same_location"),
    ({"sku": "MUG", "from_location": "A-1", "to_location": "A-2", "quantity": 0}, 422, "validation_error"),
    ({"sku": "MUG", "from_location": "A-1", "to_location": "A-2", "quantity": 1, "lot": "L1"}, 422, "lot_not_tracked"),
    ({"sku": "MUG", "from_location": "A-1", "to_location": "VIRTUAL-LOSS", "quantity": 1}, 422, "virtual_location"),
    ({"sku": "MUG", "from_location": "A-1", "to_location": "A-2", "quantity": 1, "colour": "red"}, 422,
     "unknown_field"),
])
def test_bad_moves_get_a_clear_4xx_and_change_nothing(stocked, body, status, code):
    r = stocked.post("/moves", body)
    assert r.status_code == status and r.json["error"]["code"] == code
    assert (on_hand(stocked, "A-1"), on_hand(stocked, "A-2")) == (10, 0)


def test_pagination_walks_every_location_once(any_app):
    api = Api(any_app)
    for i in range(7):
        api.post("/locations", {"code": f"P-{i}", "type": "storage"})
    seen, cursor = [], None
    while True:
        r = api.get("/locations?type=storage&limit=3" + (f"&cursor={cursor}" if cursor else ""))
        seen += [loc["code"] for loc in r.json["items"]]
        cursor = r.json["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"P-{i}" for i in range(7)]
    assert api.get("/locations?cursor=!!").status_code == 422
    assert api.get("/locations?cursor=Zm9vOjE").json["error"]["code"] == "invalid_cursor"
