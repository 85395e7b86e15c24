"""The whole inbound flow on PostgreSQL, as a dock does it: ASN in, pallets and cartons scanned, lots and
expiry captured, putaway done by following the suggestions, stock correct in /stock, `wms check` clean."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from tests.conftest import Api
from tests.integration.receiving.conftest import (
    GS,
    GTIN,
    Receiver,
    gs1,
    ledger_is_clean,
    seed,
    stock,
)
from wms.cli import main

pytestmark = pytest.mark.postgres

PALLET_1, PALLET_2 = "106141411234567897", "376104250021234569"
ADDRESS = {"name": "A", "street1": "1 Main St", "city": "Berlin", "postal_code": "10115", "country": "DE"}


def test_asn_to_bins_on_postgresql(pg_app, tmp_path):
    admin = seed(pg_app, layout={"aisles": 2, "bays_per_aisle": 4, "levels": 2, "bay_width_m": 1.2,
                                 "aisle_width_m": 3})
    assert admin.post("/products", {"sku": "JAR", "name": "Jar", "weight_g": 400,
                                    "home_location": "A02-B08-L1"}).status_code == 201
    shop = Api(pg_app, "storefront")
    order = shop.post("/orders", {"external_id": "SO-1", "ship_to": ADDRESS, "lines": [
        {"sku": "MUG", "quantity": 20}, {"sku": "TEA", "quantity": 10}]}, headers={"Idempotency-Key": "so-1"}).json
    assert order["status"] == "backordered"

    dock = Receiver(pg_app, "alice")
    asn = dock.post("/receipts", {"reference": "ASN-77", "supplier": "Acme", "lines": [
        {"sku": "TEA", "quantity": 48, "sscc": PALLET_1, "lot": "L-2030A", "expiry": "2030-12-31"},
        {"sku": "MUG", "quantity": 24, "sscc": PALLET_1},
        {"sku": "TEA", "quantity": 24, "sscc": PALLET_2, "lot": "L-2031B", "expiry": "2031-06-30"},
        {"sku": "MUG", "quantity": 12}, {"sku": "TEA", "quantity": 12}, {"sku": "JAR", "quantity": 6}]})
    assert asn.status_code == 201, asn.json
    rid = asn.json["id"]

    def scan(barcode, n, **kw):
        r = dock.post(f"/receipts/{rid}/scan", {"barcode": barcode, "scan_id": f"alice-{n}", **kw})
        assert r.status_code == 201, r.json
        return r.json

    # Two pallets by their SSCC (one with the AIM prefix, one as bare digits), then loose cartons.
    assert [(i["sku"], i["quantity"]) for i in scan(gs1("00" + PALLET_1), 1)["items"]] == [("TEA", 48), ("MUG", 24)]
    assert scan("00" + PALLET_2, 2)["lot"] == "L-2031B"
    assert scan(gs1("01" + GTIN["MUG"] + "3712"), 3)["quantity"] == 12
    tea = scan("]d2" + "01" + GTIN["TEA"] + "17310315" + "10L-2031C" + GS + "3712", 4)
    assert (tea["lot"], tea["expiry"], tea["quantity"]) == ("L-2031C", "2031-03-15", 12)
    scan("JAR", 5, quantity=5)
    scan("036000291452", 6, quantity=3)  # caps nobody ordered
    scan("JAR", 5, quantity=5)  # a handheld's retry: replayed, not received twice
    lines = dock.get(f"/receipts/{rid}").json["lines"]
    assert sum(x["received"] for x in lines if x["sku"] == "TEA") == 84
    assert stock(admin, "TEA", "RECV-01") == [("RECV-01", "L-2030A", "2030-12-31", 48),
                                              ("RECV-01", "L-2031B", "2031-06-30", 24),
                                              ("RECV-01", "L-2031C", "2031-03-15", 12)]
    assert shop.get(f"/orders/{order['id']}").json["status"] == "backordered"  # the dock is not sellable

    plan = dock.get(f"/putaway/suggestions?receipt={rid}").json["items"]
    assert {(p["sku"], p["lot"], p["quantity"]) for p in plan} == {
        ("CAP", None, 3), ("JAR", None, 5), ("MUG", None, 36), ("TEA", "L-2030A", 48), ("TEA", "L-2031B", 24),
        ("TEA", "L-2031C", 12)}
    assert all(p["from_location"] == "RECV-01" and p["to_location"] for p in plan)
    assert [p["to_location"] for p in plan if p["sku"] == "JAR"] == ["A02-B08-L1"]
    tea_bins = [p["to_location"] for p in plan if p["sku"] == "TEA"]
    assert len(set(tea_bins)) == 3  # three lots, three bins: lots are never mixed
    for n, p in enumerate(plan):
        body = {k: p[k] for k in ("sku", "from_location", "to_location", "quantity")}
        r = dock.post("/putaway", body | ({"lot": p["lot"]} if p["lot"] else {}) | {"scan_id": f"put-{n}"})
        assert r.status_code == 201, r.json
    assert dock.get(f"/putaway/suggestions?receipt={rid}").json["items"] == []

    for sku in ("TEA", "MUG", "JAR", "CAP"):
        assert stock(admin, sku, "RECV-01") == []
    placed = {(p["sku"], p["lot"]): p["to_location"] for p in plan}
    assert stock(admin, "TEA") == sorted([
        (placed[("TEA", "L-2030A")], "L-2030A", "2030-12-31", 48),
        (placed[("TEA", "L-2031B")], "L-2031B", "2031-06-30", 24),
        (placed[("TEA", "L-2031C")], "L-2031C", "2031-03-15", 12)])
    assert stock(admin, "MUG") == [(placed[("MUG", None)], None, None, 36)]
    assert stock(admin, "JAR") == [("A02-B08-L1", None, None, 5)]

    # Put away, the stock is sellable: the backorder was served, TEA from the earliest expiry.
    served = shop.get(f"/orders/{order['id']}").json
    assert served["status"] == "allocated"
    tea_quant = next(s for s in admin.get("/stock?sku=TEA").json["items"] if s["reserved"])
    assert (tea_quant["lot"], tea_quant["reserved"]) == ("L-2030A", 10)

    closed = dock.post(f"/receipts/{rid}/close").json
    assert closed["discrepancies"] == [{"sku": "JAR", "expected": 6, "received": 5, "kind": "short"},
                                       {"sku": "CAP", "expected": 0, "received": 3, "kind": "unexpected"}]
    ledger_is_clean(pg_app)
    env = {"WMS_DATABASE_URL": pg_app.config["SQLALCHEMY_DATABASE_URI"], "WMS_INSTANCE_PATH": str(tmp_path),
           "WMS_CONFIG": None}
    check = CliRunner().invoke(main, ["check"], env=env, catch_exceptions=False)
    assert check.exit_code == 0 and "ledger ok" in check.output
