"""Allocation never promises stock that is not there: 32 storefront threads against scarce stock."""
from __future__ import annotations

import threading
import uuid

import pytest

from tests.conftest import Api

ADDRESS = {"name": "A", "street1": "1 Main St", "city": "Berlin", "postal_code": "10115", "country": "DE"}
AVAILABLE = {"MUG": 37, "CAP": 23}


def _race(app, threads=32, orders_each=4):
    admin = Api(app)
    for sku, qty in AVAILABLE.items():
        admin.post("/products", {"sku": sku, "name": sku, "weight_g": 100})
    for i, code in enumerate(["F-1", "F-2", "R-1"]):
        admin.post("/locations", {"code": code, "type": "pick_face" if i < 2 else "storage"})
    for sku, qty in AVAILABLE.items():
        # Spread the stock over three bins so allocations must combine and contend for the same rows.
        for code, part in zip(["F-1", "F-2", "R-1"], (qty // 3, qty // 3, qty - 2 * (qty // 3))):
            assert admin.post("/adjustments", {"sku": sku, "location": code, "delta": part,
                                               "reason": "stock"}).status_code == 201
    replies, failures = [], []
    start = threading.Barrier(threads)

    def shopper(n):
        api = Api(app, "storefront")
        start.wait()
        for k in range(orders_each):
            body = {"external_id": f"SO-{n}-{k}", "ship_to": ADDRESS,
                    "lines": [{"sku": "MUG", "quantity": 1 + (n + k) % 3}, {"sku": "CAP", "quantity": 1 + k % 2}]}
            r = api.post("/orders", body, headers={"Idempotency-Key": str(uuid.uuid4())})
            (replies if r.status_code == 201 else failures).append(r)

    workers = [threading.Thread(target=shopper, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not failures, [(r.status_code, r.json) for r in failures[:3]]
    assert len(replies) == threads * orders_each

    promised = {sku: 0 for sku in AVAILABLE}
    wanted = {sku: 0 for sku in AVAILABLE}
    for r in replies:
        for line in r.json["lines"]:
            promised[line["sku"]] += line["allocated"]
            wanted[line["sku"]] += line["quantity"]
    for sku, qty in AVAILABLE.items():
        assert wanted[sku] > qty  # the race is real: demand exceeds stock
        assert promised[sku] == qty, f"{sku}: promised {promised[sku]} of {qty}"
        inv = admin.get(f"/inventory?sku={sku}").json["items"][0]
        assert (inv["on_hand"], inv["reserved"], inv["available"]) == (qty, qty, 0)

    from wms.inventory.queries import check_ledger
    from wms.orders.queries import check_reservations

    with app.app_context():
        assert check_ledger() == []
        assert check_reservations() == []


@pytest.mark.postgres
def test_32_threads_on_postgresql_promise_exactly_what_is_there(pg_app):
    _race(pg_app)


def test_32_threads_on_sqlite_promise_exactly_what_is_there(app):
    _race(app, orders_each=2)
