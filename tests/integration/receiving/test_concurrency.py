"""Receiving under concurrency on real PostgreSQL: SSCC numbering, held bins, tolerance and bin capacity.

Every test starts its threads at one barrier so that requests really overlap, then checks the invariant
from the database afterwards.
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from tests.conftest import Api
from tests.integration.receiving.conftest import Receiver, ledger_is_clean, seed
from wms.barcodes import check_digit

pytestmark = pytest.mark.postgres


def run_at_once(count: int, work) -> list:
    """Run work(i) in `count` threads released together; returns their results (exceptions re-raised)."""
    start = threading.Barrier(count)
    results: list = [None] * count
    errors: list = []

    def worker(i):
        try:
            start.wait()
            results[i] = work(i)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def test_sscc_allocation_from_many_threads_never_repeats(pg_app):
    clients = [Api(pg_app, role) for role in ("receiver", "packer", "supervisor")]

    def issue(i):
        api = clients[i % 3]
        out = []
        for k in range(6):
            r = api.post("/sscc", {"kind": "pallet" if (i + k) % 2 else "carton", "count": 1 + (i + k) % 4})
            assert r.status_code == 201, r.json
            out += [item["sscc"] for item in r.json["items"]]
        return out

    ssccs = [s for batch in run_at_once(24, issue) for s in batch]
    assert len(ssccs) == len(set(ssccs)) == sum(1 + n % 4 for i in range(24) for n in range(i, i + 6))
    assert all(int(s[-1]) == check_digit(s[:-1]) for s in ssccs)
    # One counter, no gaps: the serial references are exactly 1..N whatever the extension digit.
    assert sorted(int(s[8:17]) for s in ssccs) == list(range(1, len(ssccs) + 1))

    from wms.db import db
    from wms.receiving.models import IssuedSscc

    with pg_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IssuedSscc)) == len(ssccs)


def test_receivers_asking_at_once_get_different_empty_bins(pg_app):
    admin = Api(pg_app)
    admin.post("/layouts", {"aisles": 2, "bays_per_aisle": 4, "levels": 2, "bay_width_m": 1, "aisle_width_m": 3})
    receivers = []
    for i in range(8):
        sku = f"SKU-{i}"
        admin.post("/products", {"sku": sku, "name": sku, "weight_g": 100})
        rid = admin.post("/receipts", {"reference": f"PO-{i}", "lines": [{"sku": sku, "quantity": 5}]}).json["id"]
        assert admin.post(f"/receipts/{rid}/scan", {"barcode": sku, "quantity": 5}).status_code == 201
        receivers.append((Receiver(pg_app, f"receiver-{i}"), rid))

    def ask(i):
        api, rid = receivers[i]
        r = api.get(f"/putaway/suggestions?receipt={rid}")
        assert r.status_code == 200, r.json
        (item,) = r.json["items"]
        assert item["rule"] == "empty"
        return item["to_location"]

    bins = run_at_once(8, ask)
    assert len(set(bins)) == 8, bins

    from wms.db import db
    from wms.receiving.models import PutawayHold

    with pg_app.app_context():
        holders = db.session.execute(select(PutawayHold.holder, func.count()).group_by(PutawayHold.holder)).all()
    assert sorted(holders) == sorted((f"receiver-{i}", 1) for i in range(8))


def test_concurrent_scans_never_pass_the_over_receipt_tolerance(pg_app):
    api = seed(pg_app)
    rid = api.post("/receipts", {"reference": "PO-1", "lines": [{"sku": "MUG", "quantity": 100}]}).json["id"]
    scanners = [Receiver(pg_app, f"dock-{i}") for i in range(16)]

    def scan(i):
        codes = [scanners[i].post(f"/receipts/{rid}/scan", {"barcode": "4006381333931"}).status_code
                 for _ in range(10)]
        assert set(codes) <= {201, 409}
        return codes.count(201)

    assert sum(run_at_once(16, scan)) == 110  # 100 expected, 10 % tolerance, 160 scans tried
    line = api.get(f"/receipts/{rid}").json["lines"][0]
    assert line["received"] == 110
    assert [s["on_hand"] for s in api.get("/stock?sku=MUG").json["items"]] == [110]
    ledger_is_clean(pg_app)


def test_concurrent_putaways_never_overfill_a_bin(pg_app):
    api = seed(pg_app)
    api.post("/locations", {"code": "SMALL", "type": "storage", "max_weight_g": 5 * 350})  # five mugs
    rid = api.post("/receipts", {"reference": "PO-1", "lines": [{"sku": "MUG", "quantity": 20}]}).json["id"]
    api.post(f"/receipts/{rid}/scan", {"barcode": "MUG", "quantity": 20})
    workers = [Receiver(pg_app, f"r-{i}") for i in range(12)]

    def put(i):
        r = workers[i].post("/putaway", {"sku": "MUG", "from_location": "RECV-01", "to_location": "SMALL",
                                         "quantity": 1})
        assert r.status_code in (201, 409), r.json
        return r.status_code

    assert run_at_once(12, put).count(201) == 5
    assert sorted((s["location"], s["on_hand"]) for s in api.get("/stock?sku=MUG").json["items"]) == [
        ("RECV-01", 15), ("SMALL", 5)]
    ledger_is_clean(pg_app)
