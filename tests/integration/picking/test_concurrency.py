"""Pickers on different carts at once, on real PostgreSQL: bins shared between carts, shorts re-allocating
from the same bins others pick from, and afterwards `wms check` clean and every unit accounted for.
"""
from __future__ import annotations

import random

import pytest

from tests.conftest import Api
from tests.integration.inventory.test_concurrency import run_threads, wms_check
from tests.integration.picking.conftest import (
    FLOOR,
    PRODUCTS,
    adjust,
    ledger_is_clean,
    place_order,
)

CARTS = 8
CART_CAPACITY = 3
BINS = ["A01-B01-L1", "A02-B06-L1", "A03-B12-L1", "A04-B03-L1"]


@pytest.mark.postgres
def test_concurrent_confirms_and_shorts_keep_the_ledger_true(pg_app):
    api = Api(pg_app)
    assert api.post("/layouts", FLOOR).status_code == 201
    for body in PRODUCTS[:2] + PRODUCTS[3:]:
        assert api.post("/products", body).status_code == 201
    skus = ["MUG", "CAP", "PEN"]
    for sku in skus:
        for code in BINS:
            adjust(api, sku, code, 30)
    rng = random.Random(11)
    for i in range(CARTS * CART_CAPACITY):
        lines = [(sku, rng.randint(1, 4)) for sku in rng.sample(skus, 2)]
        place_order(api, f"SO-{i}", lines)
    r = api.post("/waves", {"cart_capacity": CART_CAPACITY})
    assert r.status_code == 201, r.json
    lists = [pl["id"] for pl in r.json["picklists"]]
    assert len(lists) == CARTS

    def work(index, barrier):
        picker = Api(pg_app, "picker")
        list_id = lists[index]
        tasks = picker.get(f"/picklists/{list_id}").json["tasks"]
        task, done, shorted = tasks[0], 0, 0
        barrier.wait()
        while task is not None:
            if done % 3 == 1 and shorted < 2:
                # Every third pick comes up short: the rest is re-allocated from bins other carts pick from.
                r = picker.post(f"/picklists/{list_id}/short",
                                {"task_id": task["id"], "quantity_found": task["quantity"] - 1})
                shorted += 1
            else:
                r = picker.post(f"/picklists/{list_id}/confirm",
                                {"location_barcode": task["location"], "item_barcode": task["sku"],
                                 "quantity": task["quantity"], "scan_id": f"{list_id}-{done}"})
            assert r.status_code == 200, r.json
            done += 1
            task = r.json["next"]
        return done

    picks = run_threads(CARTS, work)
    assert sum(picks) >= CARTS * CART_CAPACITY * 2
    ledger_is_clean(pg_app)
    checked = wms_check(pg_app)
    assert checked.exit_code == 0, checked.output

    orders = api.get("/orders?limit=500").json["items"]
    assert {o["status"] for o in orders} <= {"picked", "exception"}
    staged = {s["sku"]: s["on_hand"] for s in api.get("/stock?location=STAGE-01").json["items"]}
    for sku in skus:
        assert staged.get(sku, 0) == sum(ln["picked"] for o in orders for ln in o["lines"] if ln["sku"] == sku)
    for o in orders:
        if o["status"] == "picked":
            assert all(ln["picked"] == ln["quantity"] for ln in o["lines"])
    for list_id in lists:
        pl = api.get(f"/picklists/{list_id}").json
        assert pl["status"] == "done" and all(t["status"] != "open" for t in pl["tasks"])
