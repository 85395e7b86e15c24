"""Putaway over HTTP on each backend: suggestions by the rules, holds per receiver, and the putaway move's checks."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from tests.integration.receiving.conftest import (
    GTIN,
    Receiver,
    gs1,
    ledger_is_clean,
    seed,
    stock,
)

# One aisle of 3 bays a side, two levels: A01-B01-L1 (bay 1, nearest the front) ... A01-B06-L2.
LAYOUT = {"aisles": 1, "bays_per_aisle": 3, "levels": 2, "bay_width_m": 1.0, "aisle_width_m": 3.0}
ADDRESS = {"name": "A", "street1": "1 Main St", "city": "Berlin", "postal_code": "10115", "country": "DE"}


@pytest.fixture
def floor(any_app):
    return seed(any_app, layout=LAYOUT)


def received(api, sku: str, quantity: int, barcode: str | None = None, reference: str = "PO-1") -> int:
    rid = api.post("/receipts", {"reference": reference, "lines": [{"sku": sku, "quantity": quantity}]}).json["id"]
    r = api.post(f"/receipts/{rid}/scan", {"barcode": barcode or sku, "quantity": quantity})
    assert r.status_code == 201, r.json
    return rid


def suggested(api, rid: int) -> list[tuple]:
    r = api.get(f"/putaway/suggestions?receipt={rid}")
    assert r.status_code == 200, r.json
    return [(s["sku"], s["lot"], s["quantity"], s["from_location"], s["to_location"], s["rule"])
            for s in r.json["items"]]


def put(api, sku, to, quantity, lot=None, source="RECV-01"):
    body = {"sku": sku, "from_location": source, "to_location": to, "quantity": quantity}
    return api.post("/putaway", body | ({"lot": lot} if lot else {}))


def test_nearest_empty_bin_is_suggested_and_held(floor, any_app):
    rid = received(floor, "MUG", 10)
    r = floor.get(f"/putaway/suggestions?receipt={rid}")
    assert r.json["items"][0]["held_until"] is not None and r.json["next_cursor"] is None
    # Bay 1, level 1: the closest bin to the depot at the front, lowest level first on a tie.
    assert suggested(floor, rid) == [("MUG", None, 10, "RECV-01", "A01-B01-L1", "empty")]


def test_two_receivers_are_sent_to_different_empty_bins(floor, any_app):
    alice, bob = Receiver(any_app, "alice"), Receiver(any_app, "bob")
    first, second = received(floor, "MUG", 10), received(floor, "CAP", 5, reference="PO-2")
    to_alice = suggested(alice, first)[0][4]
    to_bob = suggested(bob, second)[0][4]
    assert to_alice != to_bob
    assert suggested(alice, first)[0][4] == to_alice  # asking again keeps the same bin
    held = put(bob, "MUG", to_alice, 1)
    assert (held.status_code, held.json["error"]["code"]) == (409, "bin_held")
    assert held.json["error"]["details"]["holder"] == "alice"


def test_an_expired_hold_frees_the_bin(floor, any_app):
    alice, bob = Receiver(any_app, "alice"), Receiver(any_app, "bob")
    first, second = received(floor, "MUG", 10), received(floor, "CAP", 5, reference="PO-2")
    to_alice = suggested(alice, first)[0][4]
    from wms.db import db, utcnow
    from wms.receiving.models import PutawayHold

    with any_app.app_context():
        db.session.execute(update(PutawayHold).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert suggested(bob, second)[0][4] == to_alice
    assert put(alice, "MUG", to_alice, 10).json["error"]["code"] == "bin_held"


def test_putaway_moves_stock_ends_the_task_and_releases_the_hold(floor, any_app):
    receiver = Receiver(any_app, "alice")
    rid = received(floor, "MUG", 10)
    (_, _, _, _, bin_code, _), = suggested(receiver, rid)
    r = put(receiver, "MUG", bin_code, 10)
    assert r.status_code == 201, r.json
    assert (r.json["kind"], r.json["reference"], r.json["to_location"]) == ("putaway", f"receipt:{rid}", bin_code)
    assert stock(floor, "MUG") == [(bin_code, None, None, 10)]
    assert suggested(receiver, rid) == []
    ledger_is_clean(any_app)


def test_partial_putaway_leaves_the_rest_to_suggest(floor, any_app):
    rid = received(floor, "MUG", 10)
    bin_code = suggested(floor, rid)[0][4]
    assert put(floor, "MUG", bin_code, 4).status_code == 201
    assert suggested(floor, rid) == [("MUG", None, 6, "RECV-01", bin_code, "consolidate")]


def test_home_bin_first_then_consolidation(floor, any_app):
    assert floor.post("/products", {"sku": "BOX", "name": "Box", "weight_g": 50,
                                    "home_location": "A01-B06-L2"}).status_code == 201
    assert floor.get("/products/BOX").json["home_location"] == "A01-B06-L2"
    rid = received(floor, "BOX", 3)
    assert suggested(floor, rid) == [("BOX", None, 3, "RECV-01", "A01-B06-L2", "home")]
    # MUG already stored in a far bin: new MUGs consolidate there rather than take the nearest empty bin.
    assert floor.post("/adjustments", {"sku": "MUG", "location": "A01-B05-L1", "delta": 2,
                                       "reason": "found"}).status_code == 201
    rid = received(floor, "MUG", 4, reference="PO-2")
    assert suggested(floor, rid) == [("MUG", None, 4, "RECV-01", "A01-B05-L1", "consolidate")]


def test_home_location_must_be_a_bin(catalogue):
    r = catalogue.post("/products", {"sku": "BOX", "name": "Box", "weight_g": 50, "home_location": "RECV-01"})
    assert (r.status_code, r.json["error"]["code"]) == (422, "invalid_home_location")
    r = catalogue.post("/products", {"sku": "BOX", "name": "Box", "weight_g": 50, "home_location": "NOPE"})
    assert (r.status_code, r.json["error"]["code"]) == (422, "unknown_location")


def test_lots_are_kept_apart_unless_the_bin_allows_mixing(catalogue, any_app):
    catalogue.post("/locations", {"code": "MIX-1", "type": "storage", "allow_mixed_lots": True})
    rid = catalogue.post("/receipts", {"reference": "PO-1", "lines": [{"sku": "TEA", "quantity": 20}]}).json["id"]
    for lot in ("L1", "L2"):
        barcode = gs1("01" + GTIN["TEA"] + "17301231" + "10" + lot)
        assert catalogue.post(f"/receipts/{rid}/scan", {"barcode": barcode, "quantity": 10}).status_code == 201
    assert put(catalogue, "TEA", "A-1", 5, lot="L1").status_code == 201
    mixed = put(catalogue, "TEA", "A-1", 5, lot="L2")
    assert (mixed.status_code, mixed.json["error"]["code"]) == (409, "lots_would_mix")
    assert put(catalogue, "TEA", "MIX-1", 5, lot="L1").status_code == 201
    assert put(catalogue, "TEA", "MIX-1", 5, lot="L2").status_code == 201
    assert stock(catalogue, "TEA") == [("A-1", "L1", "2030-12-31", 5), ("MIX-1", "L1", "2030-12-31", 5),
                                       ("MIX-1", "L2", "2030-12-31", 5), ("RECV-01", "L2", "2030-12-31", 5)]
    ledger_is_clean(any_app)


def test_suggestions_never_mix_lots(catalogue):
    rid = catalogue.post("/receipts", {"reference": "PO-1", "lines": [{"sku": "TEA", "quantity": 20}]}).json["id"]
    for lot in ("L1", "L2"):
        barcode = gs1("01" + GTIN["TEA"] + "17301231" + "10" + lot)
        catalogue.post(f"/receipts/{rid}/scan", {"barcode": barcode, "quantity": 5})
    plan = suggested(catalogue, rid)
    assert [(s[1], s[5]) for s in plan] == [("L1", "empty"), ("L2", "empty")]
    assert plan[0][4] != plan[1][4]


def test_capacity_is_checked_on_putaway_and_used_by_suggestions(catalogue, any_app):
    # A MUG weighs 350 g and measures 1.2 litres.
    catalogue.post("/locations", {"code": "SHELF", "type": "storage", "x_m": 0, "y_m": 0, "max_weight_g": 1_000})
    catalogue.post("/locations", {"code": "CUBBY", "type": "storage", "x_m": 0, "y_m": 0.5,
                                  "max_volume_cm3": 2_500})
    assert catalogue.get("/locations/SHELF").json["max_weight_g"] == 1_000
    rid = received(catalogue, "MUG", 10)
    full = put(catalogue, "MUG", "SHELF", 3)
    assert (full.status_code, full.json["error"]["code"], full.json["error"]["details"]["room"]) == (409, "bin_full", 2)
    assert put(catalogue, "MUG", "CUBBY", 3).json["error"]["details"]["room"] == 2
    plan = suggested(catalogue, rid)
    # Neither small bin takes all ten, so the nearest bins that do are used: A-1 holds them all.
    assert plan == [("MUG", None, 10, "RECV-01", "A-1", "empty")]


def test_putaway_into_storage_serves_backorders(floor, any_app):
    order = floor.post("/orders", {"external_id": "SO-1", "ship_to": ADDRESS, "lines": [{"sku": "MUG", "quantity": 3}]},
                       headers={"Idempotency-Key": "k"}).json
    assert order["status"] == "backordered"
    rid = received(floor, "MUG", 10)
    assert floor.get(f"/orders/{order['id']}").json["status"] == "backordered"
    assert put(floor, "MUG", suggested(floor, rid)[0][4], 10).status_code == 201
    assert floor.get(f"/orders/{order['id']}").json["status"] == "allocated"
    ledger_is_clean(any_app)


@pytest.mark.parametrize(("to", "quantity", "status", "code"), [
    ("PACK-01", 1, 422, "not_a_bin"),
    ("A-1", 11, 409, "insufficient_stock"),
    ("NOWHERE", 1, 404, "unknown_location"),
])
def test_bad_putaways_change_nothing(catalogue, to, quantity, status, code):
    received(catalogue, "MUG", 10)
    r = put(catalogue, "MUG", to, quantity)
    assert (r.status_code, r.json["error"]["code"]) == (status, code)
    assert stock(catalogue, "MUG") == [("RECV-01", None, None, 10)]


def test_putaway_scan_id_replays(catalogue):
    received(catalogue, "MUG", 10)
    body = {"sku": "MUG", "from_location": "RECV-01", "to_location": "A-1", "quantity": 4, "scan_id": "p-1"}
    first, again = catalogue.post("/putaway", body), catalogue.post("/putaway", body)
    assert first.status_code == again.status_code == 201 and first.json == again.json
    assert stock(catalogue, "MUG") == [("A-1", None, None, 4), ("RECV-01", None, None, 6)]


def test_suggestions_page_and_need_a_known_receipt(floor):
    rid = floor.post("/receipts", {"reference": "PO-1", "lines": [{"sku": "MUG", "quantity": 5},
                                                                  {"sku": "CAP", "quantity": 5}]}).json["id"]
    floor.post(f"/receipts/{rid}/scan", {"barcode": "MUG", "quantity": 5})
    floor.post(f"/receipts/{rid}/scan", {"barcode": "CAP", "quantity": 5})
    first = floor.get(f"/putaway/suggestions?receipt={rid}&limit=1").json
    rest = floor.get(f"/putaway/suggestions?receipt={rid}&limit=1&cursor={first['next_cursor']}").json
    assert [i["sku"] for i in first["items"] + rest["items"]] == ["CAP", "MUG"]
    assert rest["next_cursor"] is None
    assert floor.get("/putaway/suggestions?receipt=999").status_code == 404
    assert floor.get("/putaway/suggestions").status_code == 422


def test_stock_moved_off_the_dock_meanwhile_is_not_suggested(catalogue):
    rid = received(catalogue, "MUG", 10)
    catalogue.post("/moves", {"sku": "MUG", "from_location": "RECV-01", "to_location": "A-2", "quantity": 7})
    assert [s[2] for s in suggested(catalogue, rid)] == [3]
