"""Releasing waves over HTTP: which orders go first, how they are put on carts, and the reported walk.

Route lengths are checked against a walk measured here from GET /layouts/current and GET
/locations/{code} alone, with its own shortest-leg rule (not wms.picking's), to the millimetre.
"""
from __future__ import annotations

import math
import random
from collections import Counter, defaultdict

import pytest

from tests.conftest import Api
from tests.integration.picking.conftest import (
    adjust,
    ledger_is_clean,
    measured_walk,
    pick,
    place_order,
)
from wms import config
from wms.orders.domain import CancelOrder
from wms.picking import waves
from wms.picking.domain import ReleaseWave
from wms.picking.planning import plan_carts
from wms.pipeline import pipeline_of


def bins(api: Api) -> list[str]:
    out, cursor = [], None
    while True:
        r = api.get("/locations?limit=500" + (f"&cursor={cursor}" if cursor else ""))
        out += [loc["code"] for loc in r.json["items"] if loc["code"].startswith("A")]
        cursor = r.json["next_cursor"]
        if cursor is None:
            return sorted(out)


def wave(api: Api, **body):
    return api.post("/waves", body)


def order_ids_of(api: Api, released: dict) -> list[int]:
    return [t["order_id"] for pl in released["picklists"] for t in pl["totes"]]


def test_release_order_is_priority_then_carrier_cutoff_then_age(floor):
    # Default cut-offs (config/default.toml): dhl 17:00, fedex 18:00, ups 18:30; no carrier after all.
    adjust(floor, "MUG", "A01-B01-L1", 100)
    ids = {}
    for name, extra in (("ups-old", {"carrier": "ups"}), ("dhl", {"carrier": "dhl"}),
                        ("none-urgent", {"priority": 5}), ("fedex", {"carrier": "fedex"}),
                        ("none", {}), ("ups-new", {"carrier": "ups"})):
        ids[name] = place_order(floor, name, [("MUG", 1)], **extra)["id"]
    released = []
    for _ in range(6):
        r = wave(floor, max_orders=1)
        assert r.status_code == 201, r.json
        released += order_ids_of(floor, r.json)
    assert released == [ids[n] for n in ("none-urgent", "dhl", "fedex", "ups-old", "ups-new", "none")]
    again = wave(floor)
    assert again.status_code == 409 and again.json["error"]["code"] == "no_orders"
    assert {floor.get(f"/orders/{i}").json["status"] for i in ids.values()} == {"picking"}


def test_carrier_and_cutoff_filter_what_is_released(floor):
    adjust(floor, "MUG", "A01-B01-L1", 100)
    dhl = place_order(floor, "d", [("MUG", 1)], carrier="dhl")["id"]
    fedex = place_order(floor, "f", [("MUG", 1)], carrier="fedex")["id"]
    ups = place_order(floor, "u", [("MUG", 1)], carrier="ups")["id"]
    place_order(floor, "n", [("MUG", 1)])
    r = wave(floor, cutoff="18:00")
    assert r.status_code == 201 and sorted(order_ids_of(floor, r.json)) == [dhl, fedex]
    r = wave(floor, carrier="fedex")
    assert r.status_code == 409 and r.json["error"]["code"] == "no_orders"
    r = wave(floor, carrier="ups")
    assert r.status_code == 201 and order_ids_of(floor, r.json) == [ups]


def test_batching_keeps_orders_whole_within_capacity_and_routes_measure_exactly(floor):
    rng = random.Random(7)
    codes = bins(floor)
    # Few units per bin, arriving in random order: allocation takes the oldest bin that holds a line,
    # so orders end up spread over the floor.
    for sku in ("MUG", "CAP"):
        for code in rng.sample(codes, len(codes)):
            adjust(floor, sku, code, 3)
    orders = {}
    for i in range(30):
        lines = [(sku, rng.randint(1, 3)) for sku in rng.sample(["MUG", "CAP"], rng.randint(1, 2))]
        orders[place_order(floor, f"SO-{i}", lines)["id"]] = dict(lines)
    r = wave(floor, cart_capacity=4)
    assert r.status_code == 201, r.json
    lists = r.json["picklists"]
    assert len(lists) == math.ceil(30 / 4)
    tote_of = {}
    for summary in lists:
        pl = floor.get(f"/picklists/{summary['id']}").json
        assert len(summary["totes"]) <= 4 and pl["status"] == "open"
        slots = {t["tote"]: t["order_id"] for t in summary["totes"]}
        assert len(set(slots.values())) == len(slots)  # one tote per order
        for t in summary["totes"]:
            assert t["order_id"] not in tote_of, "an order is in two totes"
            tote_of[t["order_id"]] = (pl["id"], t["tote"])
        assert [t["seq"] for t in pl["tasks"]] == list(range(1, len(pl["tasks"]) + 1))
        picked = defaultdict(Counter)
        for task in pl["tasks"]:
            assert tote_of[task["order_id"]] == (pl["id"], task["tote"]), "a task outside its order's tote"
            picked[task["order_id"]][task["sku"]] += task["quantity"]
        for order_id, per_sku in picked.items():
            assert dict(per_sku) == orders[order_id], "an order is not whole on its cart"
        walk = measured_walk(floor, [t["location"] for t in pl["tasks"]])
        assert abs(walk - pl["route_length_m"]) < 0.0005, (walk, pl["route_length_m"])
    assert set(tote_of) == set(orders)


def test_orders_already_on_a_list_are_not_released_twice_and_roles_are_checked(floor, any_app):
    adjust(floor, "PEN", "A02-B03-L1", 10)
    order = place_order(floor, "SO-1", [("PEN", 2)])
    picker = Api(any_app, "picker")
    r = picker.post("/waves", {})
    assert r.status_code == 403
    supervisor = Api(any_app, "supervisor")
    r = supervisor.post("/waves", {"max_picklists": 1})
    assert r.status_code == 201 and order_ids_of(floor, r.json) == [order["id"]]
    assert r.json["picklists"][0]["task_count"] == 1
    assert supervisor.post("/waves", {}).status_code == 409
    assert picker.get(f"/waves/{r.json['id']}").json["picklists"] == r.json["picklists"]


def test_no_layout_is_409(any_app):
    api = Api(any_app)
    r = api.post("/waves", {})
    assert r.status_code == 409 and r.json["error"]["code"] == "no_layout"


def test_orders_without_stock_are_not_released(floor):
    adjust(floor, "MUG", "A01-B02-L1", 1)
    backordered = place_order(floor, "SO-B", [("MUG", 3)])
    assert backordered["status"] == "backordered"
    r = wave(floor)
    assert r.status_code == 409 and r.json["error"]["code"] == "no_orders"


@pytest.mark.parametrize("cart_capacity", [1, 3])
def test_max_picklists_bounds_the_orders_taken(floor, cart_capacity):
    adjust(floor, "MUG", "A03-B05-L1", 100)
    for i in range(10):
        place_order(floor, f"SO-{i}", [("MUG", 1)])
    r = wave(floor, max_picklists=2, cart_capacity=cart_capacity)
    assert r.status_code == 201
    assert len(r.json["picklists"]) == 2 and len(order_ids_of(floor, r.json)) == 2 * cart_capacity


def test_orders_changed_while_the_wave_was_planned_drop_out_and_their_cart_is_rerouted(floor, any_app):
    adjust(floor, "MUG", "A01-B05-L1", 10)
    adjust(floor, "CAP", "A04-B10-L1", 10)
    keep = place_order(floor, "SO-1", [("MUG", 1)])
    gone = place_order(floor, "SO-2", [("CAP", 1)])

    def planner(plan, orders, capacity):
        carts = plan_carts(plan, orders, capacity)
        pipeline_of(any_app).handle(CancelOrder(gone["id"], "storefront"))  # commits during planning
        return carts

    with any_app.app_context():
        plan = waves.plan_wave({"cart_capacity": 4}, config.settings(), planner=planner)
        wave_id = pipeline_of(any_app).handle(ReleaseWave(plan, "test")).id
    (summary,) = floor.get(f"/waves/{wave_id}").json["picklists"]
    assert [t["order_id"] for t in summary["totes"]] == [keep["id"]]
    pl = floor.get(f"/picklists/{summary['id']}").json
    assert [t["location"] for t in pl["tasks"]] == ["A01-B05-L1"]
    assert abs(measured_walk(floor, ["A01-B05-L1"]) - pl["route_length_m"]) < 0.0005
    assert floor.get(f"/orders/{gone['id']}").json["status"] == "cancelled"


def test_a_re_allocated_order_gets_tasks_only_for_what_no_open_task_covers(floor, any_app):
    adjust(floor, "PEN", "A02-B02-L1", 3)
    adjust(floor, "MUG", "A03-B07-L1", 1)
    order = place_order(floor, "SO-1", [("PEN", 3), ("MUG", 1)])
    first = wave(floor).json["picklists"][0]["id"]
    tasks = {t["sku"]: t for t in floor.get(f"/picklists/{first}").json["tasks"]}
    r = floor.post(f"/picklists/{first}/short", {"task_id": tasks["PEN"]["id"], "quantity_found": 1})
    assert r.json["order"]["status"] == "exception"
    adjust(floor, "PEN", "A04-B01-L1", 5)
    assert floor.post(f"/orders/{order['id']}/allocate", {}).json["status"] == "allocated"
    second = wave(floor).json["picklists"][0]["id"]
    (task,) = floor.get(f"/picklists/{second}").json["tasks"]  # the MUG is still on the first list
    assert (task["sku"], task["location"], task["quantity"]) == ("PEN", "A04-B01-L1", 2)
    assert pick(floor, second, task).status_code == 200
    assert floor.get(f"/orders/{order['id']}").json["status"] == "picking"
    r = pick(floor, first, tasks["MUG"])
    assert r.status_code == 200 and r.json["order"]["status"] == "picked"
    assert [ln["picked"] for ln in floor.get(f"/orders/{order['id']}").json["lines"]] == [3, 1]
    ledger_is_clean(any_app)
