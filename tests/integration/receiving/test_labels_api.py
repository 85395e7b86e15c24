"""Inbound label endpoints: every barcode they serve, as ZPL and as PDF, decodes with real decoders to its data.

ZPL is rendered by zplkit and PDF by pdftoppm, both read by zxing-cpp. Expected values are written out:
]C1 is GS1-128 (the text is the HRI with its AI, the bytes the element string), ]C0 plain Code 128,
]E0 EAN-13 (UPC-A reads as EAN-13 with a leading 0).
"""
from __future__ import annotations

import pytest

from tests.conftest import Api, configure
from tests.integration.receiving.conftest import seed
from wms.barcodes import check_digit

FORMATS = ["zpl", "pdf"]
PALLET = "106141411234567897"


@pytest.fixture
def catalogue(app):
    """On SQLite only: rendering does not depend on the database (SSCC numbering under load is tested on
    PostgreSQL in test_concurrency.py)."""
    return seed(app)


@pytest.fixture
def read(zpl_image, pdf_images, decode):
    """read(response) -> every barcode on the label the response carries."""

    def _read(response):
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        if response.mimetype == "application/pdf":
            (image,) = pdf_images(response.data)
        else:
            assert response.mimetype == "text/plain" and response.data.startswith(b"^XA")
            image = zpl_image(response.get_data(as_text=True))
        return decode(image)

    return _read


def c128(text: str) -> tuple[str, str, bytes]:
    return ("]C0", text, text.encode())


def sscc_code(sscc: str) -> tuple[str, str, bytes]:
    return ("]C1", f"(00){sscc}", f"00{sscc}".encode())


@pytest.mark.parametrize("fmt", FORMATS)
def test_issued_ssccs_print_as_gs1_128_with_the_right_check_digit(catalogue, read, fmt):
    r = catalogue.post("/sscc", {"kind": "pallet", "count": 2})
    assert r.status_code == 201, r.json
    items = r.json["items"]
    assert len({i["sscc"] for i in items}) == 2
    for item in items:
        sscc = item["sscc"]
        # Pallets get extension digit 1; then the demo company prefix; then the check digit over the rest.
        assert sscc.startswith("10614141") and len(sscc) == 18
        assert int(sscc[-1]) == check_digit(sscc[:-1])
        assert item["label_url"] == f"/api/v1/sscc/{sscc}/label"
        label = catalogue.client.get(item["label_url"] + f"?format={fmt}", headers=catalogue.headers)
        assert read(label) == [sscc_code(sscc)]


def test_cartons_get_extension_digit_zero_and_labels_default_to_zpl(catalogue):
    (item,) = catalogue.post("/sscc", {"kind": "carton"}).json["items"]
    assert item["sscc"][0] == "0" and item["kind"] == "carton"
    r = catalogue.client.get(item["label_url"], headers=catalogue.headers)
    assert r.mimetype == "text/plain" and r.headers["Content-Disposition"].endswith('.zpl"')


@pytest.mark.parametrize("fmt", FORMATS)
def test_asn_pallet_label_can_be_reprinted(catalogue, read, fmt):
    catalogue.post("/receipts", {"reference": "ASN-1", "supplier": "Acme Tea Co", "lines": [
        {"sku": "TEA", "quantity": 24, "sscc": PALLET, "lot": "L7", "expiry": "2030-12-31"}]})
    assert read(catalogue.get(f"/sscc/{PALLET}/label?format={fmt}")) == [sscc_code(PALLET)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_product_label_carries_sku_and_gtin(catalogue, read, fmt):
    assert read(catalogue.get(f"/products/MUG/label?format={fmt}")) == sorted(
        [c128("MUG"), ("]E0", "4006381333931", b"4006381333931")])
    assert read(catalogue.get(f"/products/CAP/label?format={fmt}")) == sorted(
        [c128("CAP"), ("]E0", "0036000291452", b"0036000291452")])


@pytest.mark.parametrize("fmt", FORMATS)
def test_location_label_carries_the_bin_code(app, read, fmt):
    floor = seed(app, layout={"aisles": 1, "bays_per_aisle": 2, "levels": 1, "bay_width_m": 1,
                              "aisle_width_m": 3})
    assert read(floor.get(f"/locations/A01-B02-L1/label?format={fmt}")) == [c128("A01-B02-L1")]
    assert read(floor.get(f"/locations/RECV-01/label?format={fmt}")) == [c128("RECV-01")]


def test_unknown_things_are_404_and_unprintable_codes_409(catalogue):
    assert catalogue.get("/sscc/376104250021234569/label").json["error"]["code"] == "unknown_sscc"
    assert catalogue.get("/sscc/376104250021234560/label").status_code == 404  # bad check digit
    assert catalogue.get("/products/NOPE/label").status_code == 404
    assert catalogue.get("/locations/NOPE/label").status_code == 404
    assert catalogue.get("/products/MUG/label?format=png").status_code == 422
    long_code = "L" + "W" * 63
    catalogue.post("/locations", {"code": long_code, "type": "storage"})
    r = catalogue.get(f"/locations/{long_code}/label")
    assert (r.status_code, r.json["error"]["code"]) == (409, "label_unprintable")


def test_label_roles(app, catalogue):
    packer, picker = Api(app, "packer"), Api(app, "picker")
    (item,) = packer.post("/sscc", {"kind": "carton"}).json["items"]
    assert packer.client.get(item["label_url"], headers=packer.headers).status_code == 200
    assert packer.get("/products/MUG/label").status_code == 403
    assert picker.post("/sscc", {"kind": "carton"}).status_code == 403
    assert picker.get("/locations/A-1/label").status_code == 403
    for role in ("receiver", "supervisor"):
        assert Api(app, role).get("/locations/A-1/label?format=pdf").status_code == 200


def test_serial_references_continue_and_never_repeat(catalogue):
    first = [i["sscc"] for i in catalogue.post("/sscc", {"kind": "carton", "count": 3}).json["items"]]
    second = [i["sscc"] for i in catalogue.post("/sscc", {"kind": "pallet", "count": 2}).json["items"]]
    serials = [int(s[8:17]) for s in first + second]  # after the extension digit and 7-digit prefix
    assert serials == [1, 2, 3, 4, 5]


def test_a_bad_company_prefix_is_reported_not_used(catalogue, app):
    configure(app, WMS_GS1_COMPANY_PREFIX="12AB")
    r = catalogue.post("/sscc", {"kind": "carton"})
    assert (r.status_code, r.json["error"]["code"]) == (409, "gs1_prefix_invalid")
