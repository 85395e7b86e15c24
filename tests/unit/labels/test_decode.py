"""Every barcode on every label, printed as ZPL and as PDF, decodes to exactly the intended data.

Expected values are written out by hand (not derived from the code under test): the AIM
symbology identifier, the decoder's text and its raw bytes. ]C1 is GS1-128 (FNC1 first),
]C0 plain Code 128, ]E0 EAN-13 (UPC-A reads as EAN-13 with a leading 0), ]E4 EAN-8.
"""

from __future__ import annotations

from datetime import date

import pytest

from wms.labels.domain import LocationLabel, ProductLabel, SsccLabel
from wms.labels.pdf import render_pdf, render_pdf_pages
from wms.labels.zpl import render_zpl


def c128(text: str) -> tuple[str, str, bytes]:
    return ("]C0", text, text.encode("ascii"))


def gs1(element_string: str, hri: str) -> tuple[str, str, bytes]:
    return ("]C1", hri, element_string.encode("ascii"))


# Every printable ASCII character, in codes that neither start nor end with a space.
_ASCII = "".join(chr(c) for c in range(33, 127))
ASCII_CODES = [_ASCII[i : i + 24] for i in range(0, len(_ASCII), 24)] + ["A B  C"]

CASES = {
    "sscc_full": (
        SsccLabel(
            "106141411234567897",
            ship_from=("Acme Fulfilment Ltd", "Unit 4, Dockside Road", "Bristol BS1 6AB", "GB"),
            ship_to=("Bob's Shop ^XZ ~JA _", "1 Main St", "Springfield IL 62701"),
            gtin="4006381333931",
            count=24,
            lot="L2024-07A",
            best_before=date(2025, 3, 31),
        ),
        [gs1("00106141411234567897", "(00)106141411234567897")],
    ),
    "sscc_bare": (SsccLabel("376104250021234569"), [gs1("00376104250021234569", "(00)376104250021234569")]),
    "location": (LocationLabel("A03-B12-L2", "Zone A · pick face"), [c128("A03-B12-L2")]),
    "location_digits_even": (LocationLabel("12345678"), [c128("12345678")]),
    "location_digits_odd": (LocationLabel("1234567"), [c128("1234567")]),
    "location_longest": (
        LocationLabel("ABCDEFGHIJKLMNOPQRSTUVWXYZ012"),
        [c128("ABCDEFGHIJKLMNOPQRSTUVWXYZ012")],
    ),
    "product_ean13": (
        ProductLabel("SKU-12345", "Stabilo Boss highlighter, yellow", "4006381333931"),
        [c128("SKU-12345"), ("]E0", "4006381333931", b"4006381333931")],
    ),
    "product_ean13_from_gtin14": (
        ProductLabel("SKU-1", "Same GTIN given as 14 digits", "04006381333931"),
        [c128("SKU-1"), ("]E0", "4006381333931", b"4006381333931")],
    ),
    "product_upca": (
        ProductLabel("SODA-12", "Cola 12 oz", "036000291452"),
        [c128("SODA-12"), ("]E0", "0036000291452", b"0036000291452")],
    ),
    "product_ean8": (
        ProductLabel("12345", "Tiny", "96385074"),
        [c128("12345"), ("]E4", "96385074", b"96385074")],
    ),
    "product_gtin14": (
        ProductLabel("CASE-12", "Case of 12", "10012345678902"),
        [c128("CASE-12"), gs1("0110012345678902", "(01)10012345678902")],
    ),
    "product_no_gtin": (ProductLabel("X>^~_\\Y", "Escapes in the SKU"), [c128("X>^~_\\Y")]),
}
for _i, _code in enumerate(ASCII_CODES):
    CASES[f"ascii_{_i}"] = (LocationLabel(_code), [c128(_code)])


@pytest.mark.parametrize("name", sorted(CASES))
def test_zpl_barcodes_decode_exactly(name, zpl_image, decode, save_png):
    label, expected = CASES[name]
    image = zpl_image(render_zpl(label))
    save_png(image, f"zpl-{name}")
    assert decode(image) == sorted(expected)


@pytest.mark.parametrize("name", sorted(CASES))
def test_pdf_barcodes_decode_exactly(name, pdf_images, decode, save_png):
    label, expected = CASES[name]
    (image,) = pdf_images(render_pdf(label))
    save_png(image, f"pdf-{name}")
    assert decode(image) == sorted(expected)


@pytest.mark.parametrize("backend", ["zpl", "pdf"])
def test_sscc_is_gs1_content_with_fnc1(backend, zpl_image, pdf_images, zxing):
    label = CASES["sscc_full"][0]
    image = zpl_image(render_zpl(label)) if backend == "zpl" else pdf_images(render_pdf(label))[0]
    (found,) = zxing.read_barcodes(image)
    assert found.format == zxing.BarcodeFormat.Code128
    assert found.content_type == zxing.ContentType.GS1
    assert found.symbology_identifier == "]C1"
    assert found.text == "(00)106141411234567897"


@pytest.mark.parametrize("backend", ["zpl", "pdf"])
def test_upca_reads_as_upca_when_asked(backend, zpl_image, pdf_images, decode, zxing):
    label = CASES["product_upca"][0]
    image = zpl_image(render_zpl(label)) if backend == "zpl" else pdf_images(render_pdf(label))[0]
    assert decode(image, formats=zxing.BarcodeFormat.UPCA) == [("]E0", "0036000291452", b"0036000291452")]


def test_zpl_renders_under_the_strict_specification_profile(zpl_image):
    # zplkit's "specification" profile rejects what the ZPL II manual does not allow
    # (e.g. a backslash in an ^FB block outside ^CI13); every label must pass it.
    for name, (label, _) in CASES.items():
        image = zpl_image(render_zpl(label), profile="specification")
        assert image.size[0] == 812, name


def test_multi_page_pdf_has_a_page_per_label_each_decoding(pdf_images, decode):
    names = ["sscc_full", "location", "product_ean13"]
    pages = pdf_images(render_pdf_pages([CASES[n][0] for n in names]))
    assert [p.size for p in pages] == [(1200, 1800), (1200, 600), (1200, 900)]  # 4x6, 4x2, 4x3 in at 300 dpi
    assert [decode(p) for p in pages] == [sorted(CASES[n][1]) for n in names]
