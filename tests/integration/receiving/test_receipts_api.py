"""Receipts over HTTP on each backend: scanning GTINs, SKUs and GS1 strings, tolerance, pallets, serials, closing."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import Api, configure
from tests.integration.receiving.conftest import GS, GTIN, gs1, ledger_is_clean, stock

PALLET = "106141411234567897"


def receipt(api, *lines, reference="PO-1", supplier="Acme") -> int:
    r = api.post("/receipts", {"reference": reference, "supplier": supplier, "lines": list(lines)})
    assert r.status_code == 201, r.json
    return r.json["id"]


def scan(api, receipt_id, barcode, **kw):
    return api.post(f"/receipts/{receipt_id}/scan", {"barcode": barcode, **kw})


def moves(app) -> int:
    from wms.db import db
    from wms.inventory.models import Move

    with app.app_context():
        return db.session.scalar(select(func.count(Move.id)))


def test_create_receipt_lists_its_lines(catalogue):
    r = catalogue.post("/receipts", {"reference": "ASN-9", "lines": [
        {"sku": "MUG", "quantity": 10},
        {"sku": "TEA", "quantity": 24, "sscc": PALLET, "lot": "L7", "expiry": "2030-12-31"}]})
    assert r.status_code == 201
    assert r.json["status"] == "open" and r.json["reference"] == "ASN-9"
    assert r.json["lines"] == [
        {"sku": "MUG", "expected": 10, "received": 0, "sscc": None, "lot": None, "expiry": None, "unexpected": False},
        {"sku": "TEA", "expected": 24, "received": 0, "sscc": PALLET, "lot": "L7", "expiry": "2030-12-31",
         "unexpected": False}]
    assert catalogue.get(f"/receipts/{r.json['id']}").json == r.json


@pytest.mark.parametrize(("line", "status", "code"), [
    ({"sku": "NOPE", "quantity": 1}, 404, "unknown_product"),
    ({"sku": "MUG", "quantity": 1, "lot": "L1"}, 422, "lot_not_tracked"),
    ({"sku": "MUG", "quantity": 1, "expiry": "2030-01-01"}, 422, "expiry_not_tracked"),
    ({"sku": "MUG", "quantity": 1, "sscc": "106141411234567890"}, 422, "invalid_sscc"),
    ({"sku": "TEA", "quantity": 1, "expiry": "2030-02-30"}, 422, "validation_error"),
])
def test_bad_receipt_lines_are_refused(catalogue, line, status, code):
    r = catalogue.post("/receipts", {"reference": "PO-X", "lines": [line]})
    assert (r.status_code, r.json["error"]["code"]) == (status, code)
    assert catalogue.get("/receipts").json["items"] == []


def test_gtin13_scan_receives_one_mug_into_the_receiving_dock(catalogue):
    rid = receipt(catalogue, {"sku": "MUG", "quantity": 10})
    r = scan(catalogue, rid, "4006381333931")
    assert r.status_code == 201, r.json
    assert {k: r.json[k] for k in ("receipt_id", "sku", "quantity", "lot", "expiry", "line", "location")} == {
        "receipt_id": rid, "sku": "MUG", "quantity": 1, "lot": None, "expiry": None,
        "line": {"sku": "MUG", "expected": 10, "received": 1}, "location": "RECV-01"}
    assert stock(catalogue, "MUG") == [("RECV-01", None, None, 1)]
    booked = catalogue.get("/moves?sku=MUG").json["items"]
    assert [(m["from_location"], m["to_location"], m["kind"], m["reference"]) for m in booked] == [
        ("VIRTUAL-SUPPLIER", "RECV-01", "receipt", f"receipt:{rid}")]


def test_sku_scan_with_quantity_and_gtin14_scan(catalogue):
    rid = receipt(catalogue, {"sku": "MUG", "quantity": 10})
    assert scan(catalogue, rid, "MUG\r\n", quantity=4).json["line"]["received"] == 4
    assert scan(catalogue, rid, "]E04006381333931").json["line"]["received"] == 5
    assert scan(catalogue, rid, GTIN["MUG"], quantity=2).json["line"]["received"] == 7


def test_a_gtin_given_short_matches_its_scans_in_every_length(catalogue):
    # Answered as given, matched by value: a GTIN-8 is the GTIN-12/13/14 with leading zeros.
    r = catalogue.post("/products", {"sku": "GUM", "name": "Gum", "weight_g": 20, "gtin": "96385074"})
    assert r.status_code == 201 and r.json["gtin"] == "96385074"
    rid = receipt(catalogue, {"sku": "GUM", "quantity": 10})
    barcodes = ["96385074", "000096385074", "0000096385074", "00000096385074", gs1("0100000096385074")]
    for n, barcode in enumerate(barcodes, 1):
        r = scan(catalogue, rid, barcode)
        assert r.status_code == 201 and r.json["sku"] == "GUM" and r.json["line"]["received"] == n, r.json
    assert catalogue.get("/products/GUM").json["gtin"] == "96385074"


def test_gs1_scan_records_lot_and_expiry_on_the_quant(catalogue):
    rid = receipt(catalogue, {"sku": "TEA", "quantity": 50})
    r = scan(catalogue, rid, gs1("01" + GTIN["TEA"] + "17301231" + "10L-42"), quantity=6)
    assert r.status_code == 201, r.json
    assert (r.json["lot"], r.json["expiry"], r.json["quantity"]) == ("L-42", "2030-12-31", 6)
    # The count (37) is the quantity when none is given; FNC1 ends the lot; DataMatrix prefix.
    r = scan(catalogue, rid, "]d2" + "02" + GTIN["TEA"] + "10L-43" + GS + "37" + "12" + GS + "17310115")
    assert r.status_code == 201, r.json
    assert (r.json["lot"], r.json["expiry"], r.json["quantity"]) == ("L-43", "2031-01-15", 12)
    assert stock(catalogue, "TEA") == [("RECV-01", "L-42", "2030-12-31", 6), ("RECV-01", "L-43", "2031-01-15", 12)]


def test_lot_and_expiry_typed_from_the_carton_when_the_barcode_lacks_them(catalogue):
    rid = receipt(catalogue, {"sku": "TEA", "quantity": 50})
    r = scan(catalogue, rid, "09506000134352", lot="L9", expiry="2030-06-30", quantity=3)
    assert (r.status_code, r.json["lot"], r.json["expiry"]) == (201, "L9", "2030-06-30")
    clash = scan(catalogue, rid, gs1("01" + GTIN["TEA"] + "17301231" + "10L9"), lot="L8")
    assert (clash.status_code, clash.json["error"]["code"]) == (422, "scan_mismatch")


@pytest.mark.parametrize(("barcode", "extra", "code"), [
    ("09506000134352", {"expiry": "2030-06-30"}, "lot_required"),
    ("09506000134352", {"lot": "L1"}, "expiry_required"),
    (gs1("01" + GTIN["MUG"] + "10L1"), {}, "lot_not_tracked"),
    (gs1("01" + GTIN["MUG"] + "17301231"), {}, "expiry_not_tracked"),
    (gs1("01" + GTIN["MUG"] + "21SN1"), {}, "serial_not_tracked"),
    ("5901234123457", {}, "serial_required"),
    (gs1("01" + GTIN["PHONE"] + "21SN1"), {"quantity": 2}, "one_per_serial"),
])
def test_tracking_rules_refuse_and_change_nothing(catalogue, any_app, barcode, extra, code):
    rid = receipt(catalogue, {"sku": "TEA", "quantity": 5}, {"sku": "MUG", "quantity": 5},
                  {"sku": "PHONE", "quantity": 5})
    before = moves(any_app)
    r = scan(catalogue, rid, barcode, **extra)
    assert (r.status_code, r.json["error"]["code"]) == (422, code), r.json
    assert moves(any_app) == before
    assert all(line["received"] == 0 for line in catalogue.get(f"/receipts/{rid}").json["lines"])


@pytest.mark.parametrize(("barcode", "status", "code", "words"), [
    ("4006381333932", 422, "invalid_barcode", "check digit is wrong: expected 1, got 2"),
    (gs1("01" + GTIN["TEA"] + "17301332" + "10L1"), 422, "invalid_barcode", "301332 is not a real date"),
    (gs1("01" + "09506000134353"), 422, "invalid_barcode", "check digit"),
    (gs1("00" + "106141411234567890"), 422, "invalid_barcode", "SSCC's check digit"),
    ("5012345678900", 404, "unknown_product", "no product has GTIN"),
    ("NO-SUCH-SKU", 404, "unknown_product", "NO-SUCH-SKU"),
    (gs1("00" + "376104250021234569"), 404, "unknown_product", "not on this receipt"),
    (gs1("10L1"), 404, "unknown_product", "does not say which product"),
])
def test_bad_scans_say_what_is_wrong_and_change_nothing(catalogue, any_app, barcode, status, code, words):
    rid = receipt(catalogue, {"sku": "MUG", "quantity": 10})
    before = moves(any_app)
    r = scan(catalogue, rid, barcode)
    assert (r.status_code, r.json["error"]["code"]) == (status, code), r.json
    assert words in r.json["error"]["message"]
    assert moves(any_app) == before
    assert catalogue.get(f"/receipts/{rid}").json["lines"][0]["received"] == 0
    assert stock(catalogue, "MUG") == []


def test_over_receipt_beyond_tolerance_is_409_and_changes_nothing(catalogue, any_app):
    rid = receipt(catalogue, {"sku": "MUG", "quantity": 10})
    assert scan(catalogue, rid, "MUG", quantity=11).status_code == 201  # 10 % over is allowed
    r = scan(catalogue, rid, "MUG")
    assert (r.status_code, r.json["error"]["code"]) == (409, "over_receipt")
    assert r.json["error"]["details"]["allowed"] == 11
    assert stock(catalogue, "MUG") == [("RECV-01", None, None, 11)]
    configure(any_app, WMS_OVER_RECEIPT_TOLERANCE=0.5)  # read per scan, as configured
    assert scan(catalogue, rid, "MUG", quantity=4).status_code == 201


def test_known_product_not_on_the_receipt_is_an_unexpected_line(catalogue):
    rid = receipt(catalogue, {"sku": "MUG", "quantity": 10})
    r = scan(catalogue, rid, "036000291452", quantity=500)  # no tolerance applies to what was not ordered
    assert r.status_code == 201 and r.json["line"] == {"sku": "CAP", "expected": 0, "received": 500}
    lines = catalogue.get(f"/receipts/{rid}").json["lines"]
    assert [(x["sku"], x["expected"], x["received"], x["unexpected"]) for x in lines] == [
        ("MUG", 10, 0, False), ("CAP", 0, 500, True)]


def test_pallet_sscc_receives_every_asn_line_listed_for_it_once(catalogue, any_app):
    rid = receipt(catalogue, {"sku": "TEA", "quantity": 24, "sscc": PALLET, "lot": "L7", "expiry": "2030-12-31"},
                  {"sku": "MUG", "quantity": 12, "sscc": PALLET}, {"sku": "MUG", "quantity": 5})
    r = scan(catalogue, rid, gs1("00" + PALLET), scan_id="pallet-1")
    assert r.status_code == 201, r.json
    assert r.json["sscc"] == PALLET
    assert [(i["sku"], i["quantity"], i["lot"], i["expiry"]) for i in r.json["items"]] == [
        ("TEA", 24, "L7", "2030-12-31"), ("MUG", 12, None, None)]
    assert r.json["items"][1]["line"] == {"sku": "MUG", "expected": 17, "received": 12}
    assert stock(catalogue, "TEA") == [("RECV-01", "L7", "2030-12-31", 24)]
    assert stock(catalogue, "MUG") == [("RECV-01", None, None, 12)]
    before = moves(any_app)
    again = scan(catalogue, rid, "00" + PALLET)  # bare digits, as a scanner without AIM prefix sends them
    assert (again.status_code, again.json["error"]["code"]) == (409, "sscc_already_received")
    assert moves(any_app) == before
    ledger_is_clean(any_app)


def test_pallet_scan_with_a_quantity_is_refused(catalogue):
    rid = receipt(catalogue, {"sku": "MUG", "quantity": 12, "sscc": PALLET})
    r = scan(catalogue, rid, gs1("00" + PALLET), quantity=3)
    assert (r.status_code, r.json["error"]["code"]) == (422, "pallet_scan_details")


def test_sscc_may_be_expected_on_one_open_receipt_only(catalogue):
    receipt(catalogue, {"sku": "MUG", "quantity": 12, "sscc": PALLET})
    r = catalogue.post("/receipts", {"reference": "PO-2", "lines": [{"sku": "MUG", "quantity": 1, "sscc": PALLET}]})
    assert (r.status_code, r.json["error"]["code"]) == (409, "sscc_on_other_receipt")


def test_serials_are_received_once_each(catalogue, any_app):
    rid = receipt(catalogue, {"sku": "PHONE", "quantity": 3})
    first = scan(catalogue, rid, gs1("01" + GTIN["PHONE"] + "21SN-0001"))
    assert first.status_code == 201 and first.json["serial"] == "SN-0001"
    assert scan(catalogue, rid, "]Q3" + "01" + GTIN["PHONE"] + "21SN-0002").status_code == 201
    dup = scan(catalogue, rid, gs1("01" + GTIN["PHONE"] + "21SN-0001"))
    assert (dup.status_code, dup.json["error"]["code"]) == (409, "serial_already_received")
    # Each unit is its own quant, keyed by its serial, as POST /moves expects for serial-tracked stock.
    assert stock(catalogue, "PHONE") == [("RECV-01", "SN-0001", None, 1), ("RECV-01", "SN-0002", None, 1)]
    other = receipt(catalogue, {"sku": "PHONE", "quantity": 1}, reference="PO-2")
    assert scan(catalogue, other, gs1("01" + GTIN["PHONE"] + "21SN-0002")).status_code == 409
    ledger_is_clean(any_app)


def test_one_lot_has_one_expiry_date(catalogue):
    rid = receipt(catalogue, {"sku": "TEA", "quantity": 50})
    assert scan(catalogue, rid, gs1("01" + GTIN["TEA"] + "17301231" + "10L1")).status_code == 201
    r = scan(catalogue, rid, gs1("01" + GTIN["TEA"] + "17310101" + "10L1"))
    assert (r.status_code, r.json["error"]["code"]) == (409, "lot_expiry_mismatch")


def test_scan_id_replays_the_reply_and_receives_once(catalogue, any_app):
    rid = receipt(catalogue, {"sku": "MUG", "quantity": 10})
    first = scan(catalogue, rid, "MUG", quantity=3, scan_id="h7-0001")
    again = scan(catalogue, rid, "MUG", quantity=3, scan_id="h7-0001")
    assert first.status_code == again.status_code == 201 and first.json == again.json
    assert stock(catalogue, "MUG") == [("RECV-01", None, None, 3)]
    refused = scan(catalogue, rid, "4006381333932", scan_id="h7-0002")
    assert scan(catalogue, rid, "4006381333932", scan_id="h7-0002").json == refused.json
    assert moves(any_app) == 1


def test_location_given_receives_straight_into_a_bin_and_serves_backorders(catalogue, any_app):
    order = catalogue.post("/orders", {"external_id": "SO-1", "lines": [{"sku": "MUG", "quantity": 2}],
                                       "ship_to": {"name": "A", "street1": "1 Main St", "city": "Berlin",
                                                   "postal_code": "10115", "country": "DE"}},
                           headers={"Idempotency-Key": "k1"})
    assert order.json["status"] == "backordered"
    rid = receipt(catalogue, {"sku": "MUG", "quantity": 10})
    # Stock on the dock is not sellable: the order waits.
    scan(catalogue, rid, "MUG", quantity=5)
    assert catalogue.get(f"/orders/{order.json['id']}").json["status"] == "backordered"
    r = scan(catalogue, rid, "MUG", quantity=3, location="A-1")
    assert r.json["location"] == "A-1"
    assert catalogue.get(f"/orders/{order.json['id']}").json["status"] == "allocated"
    assert stock(catalogue, "MUG") == [("A-1", None, None, 3), ("RECV-01", None, None, 5)]
    missing = scan(catalogue, rid, "MUG", location="NOWHERE")
    assert (missing.status_code, missing.json["error"]["code"]) == (404, "unknown_location")
    ledger_is_clean(any_app)


def test_close_reports_discrepancies_emits_an_event_and_ends_scanning(catalogue, any_app):
    rid = receipt(catalogue, {"sku": "MUG", "quantity": 10}, {"sku": "TEA", "quantity": 5},
                  {"sku": "PHONE", "quantity": 1})
    scan(catalogue, rid, "MUG", quantity=8)
    scan(catalogue, rid, gs1("01" + GTIN["TEA"] + "17301231" + "10L1"), quantity=5)
    scan(catalogue, rid, "CAP", quantity=2)
    # PHONE: exactly as expected, so not a discrepancy.
    scan(catalogue, rid, gs1("01" + GTIN["PHONE"] + "21SN-9"))
    r = catalogue.post(f"/receipts/{rid}/close")
    assert r.status_code == 200, r.json
    assert r.json["discrepancies"] == [{"sku": "MUG", "expected": 10, "received": 8, "kind": "short"},
                                       {"sku": "CAP", "expected": 0, "received": 2, "kind": "unexpected"}]
    assert catalogue.post(f"/receipts/{rid}/close").json == r.json  # closing again changes nothing
    late = scan(catalogue, rid, "MUG")
    assert (late.status_code, late.json["error"]["code"]) == (409, "receipt_closed")

    from wms.db import db
    from wms.webhooks.models import WebhookEvent

    with any_app.app_context():
        events = db.session.scalars(select(WebhookEvent).where(WebhookEvent.type == "receipt.closed")).all()
    assert len(events) == 1 and events[0].aggregate == f"receipt:{rid}"
    import json

    data = json.loads(events[0].body)["data"]
    assert data["receipt_id"] == rid and data["status"] == "closed"
    assert data["discrepancies"] == r.json["discrepancies"]


def test_over_delivery_within_tolerance_is_reported_over(catalogue):
    rid = receipt(catalogue, {"sku": "MUG", "quantity": 10})
    scan(catalogue, rid, "MUG", quantity=11)
    assert catalogue.post(f"/receipts/{rid}/close").json["discrepancies"] == [
        {"sku": "MUG", "expected": 10, "received": 11, "kind": "over"}]


def test_receiving_is_for_receivers_and_supervisors(any_app, catalogue):
    rid = receipt(catalogue, {"sku": "MUG", "quantity": 10})
    for role in ("picker", "packer", "storefront"):
        api = Api(any_app, role)
        assert api.post("/receipts", {"reference": "X", "lines": [{"sku": "MUG", "quantity": 1}]}).status_code == 403
        assert scan(api, rid, "MUG").status_code == 403
        assert api.get(f"/putaway/suggestions?receipt={rid}").status_code == 403
    for role in ("receiver", "supervisor"):
        assert scan(Api(any_app, role), rid, "MUG").status_code == 201


def test_unknown_receipt_is_404(catalogue):
    assert catalogue.get("/receipts/999").status_code == 404
    assert scan(catalogue, 999, "MUG").json["error"]["code"] == "unknown_receipt"
    assert catalogue.post("/receipts/999/close").status_code == 404


def test_expiry_without_lots_shows_the_earliest_date_and_never_a_stale_one(catalogue):
    catalogue.post("/products", {"sku": "MILK", "name": "Milk", "weight_g": 1000, "expiry_tracked": True})
    rid = receipt(catalogue, {"sku": "MILK", "quantity": 30})
    scan(catalogue, rid, "MILK", quantity=5, expiry="2030-01-10")
    scan(catalogue, rid, "MILK", quantity=5, expiry="2030-01-05")
    scan(catalogue, rid, "MILK", quantity=5, expiry="2030-01-20")
    # One quant per place: it must show the date the first units go off, so nothing is sold past it.
    assert stock(catalogue, "MILK") == [("RECV-01", None, "2030-01-05", 15)]
    catalogue.post("/moves", {"sku": "MILK", "from_location": "RECV-01", "to_location": "A-1", "quantity": 15})
    scan(catalogue, rid, "MILK", quantity=5, expiry="2030-02-01")
    # The emptied dock quant had kept 2030-01-05; fresh stock brings its own date.
    assert stock(catalogue, "MILK") == [("A-1", None, "2030-01-05", 15), ("RECV-01", None, "2030-02-01", 5)]
