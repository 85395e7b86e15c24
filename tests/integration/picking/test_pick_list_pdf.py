"""The printed pick list: every bin and SKU barcode decodes, with a standard decoder, to exactly its text."""
from __future__ import annotations

from collections import Counter

from tests.conftest import Api
from tests.integration.picking.conftest import adjust, place_order

LONG_SKU = "CABLE-USB-C-TO-LIGHTNING-2M-WHITE"  # too wide for its column: printed on a line of its own


def test_pick_list_pdf_barcodes_decode_to_the_bins_and_skus(floor, any_app, pdf_images, decode):
    assert floor.post("/products", {"sku": LONG_SKU, "name": "Cable", "weight_g": 40}).status_code == 201
    stocked = [("MUG", "A01-B04-L1"), ("CAP", "A02-B08-L1"), ("PEN", "A03-B11-L1"), ("MUG", "A04-B01-L1"),
               (LONG_SKU, "A02-B01-L1"), ("CAP", "A04-B09-L1"), ("PEN", "A01-B12-L1")]
    for sku, code in stocked:
        adjust(floor, sku, code, 2)
    adjust(floor, "TEA", "A03-B02-L1", 5, lot="LOT-42")
    # Each bin holds two units and every line asks for two, so every bin above is visited once.
    place_order(floor, "SO-1", [("MUG", 2), ("CAP", 2), ("TEA", 1)])
    place_order(floor, "SO-2", [("PEN", 2), (LONG_SKU, 2), ("TEA", 1)])
    place_order(floor, "SO-3", [("MUG", 2), ("CAP", 2), ("PEN", 2), ("TEA", 1)])
    r = floor.post("/waves", {"cart_capacity": 3})
    assert r.status_code == 201 and len(r.json["picklists"]) == 1
    list_id = r.json["picklists"][0]["id"]
    tasks = floor.get(f"/picklists/{list_id}").json["tasks"]
    assert len(tasks) == 10

    reply = Api(any_app, "picker").get(f"/picklists/{list_id}.pdf")
    assert reply.status_code == 200 and reply.mimetype == "application/pdf"
    pages = pdf_images(reply.data)
    # Task pages, then the floor plan with the route (which carries no barcodes).
    assert len(pages) >= 2
    found = [(symbology, text) for page in pages for symbology, text, _ in decode(page)]
    assert {symbology for symbology, _ in found} == {"]C0"}  # Code 128, no GS1 flag
    expected = Counter([t["location"] for t in tasks] + [t["sku"] for t in tasks])
    decoded = Counter(text for _, text in found)
    assert set(decoded) == set(expected)
    # zxing merges identical symbols stacked closer than half their width (the same bin on consecutive
    # rows reads as one), so a text may decode fewer times than printed, never more.
    assert all(decoded[text] <= expected[text] for text in decoded)
    assert sum(decoded.values()) >= 14
    assert decode(pages[-1]) == []


def test_pdf_of_an_unknown_list_is_404_and_needs_a_picking_role(floor, any_app):
    assert floor.get("/picklists/77.pdf").status_code == 404
    assert Api(any_app, "packer").get("/picklists/77.pdf").status_code == 403
