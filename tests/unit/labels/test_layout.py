"""Label data validation and layout geometry: everything on the stock, barcodes with quiet zones."""

from __future__ import annotations

from datetime import date

import pytest

from wms.labels.domain import LocationLabel, ProductLabel, SsccLabel
from wms.labels.layout import (
    Barcode,
    Box,
    Text,
    fit,
    modules,
    page_for,
    printable,
    text_width,
    wrap,
)

LABELS = [
    SsccLabel(
        "106141411234567897",
        ship_from=[
            "A very long warehouse company name that cannot possibly fit on one line of a 4 inch label",
            "x",
        ],
        ship_to="Name\nStreet 1\nTown\nCountry\nA fifth line is dropped",
        gtin="4006381333931",
        count=99999999,
        lot="ABCDEFGHIJKLMNOPQRST",
        best_before=date(2030, 12, 31),
    ),
    SsccLabel("106141411234567897"),
    LocationLabel("A03-B12-L2", "caption " * 30),
    LocationLabel("ABCDEFGHIJKLMNOPQRSTUVWXYZ012"),
    ProductLabel("SKU-1", "word " * 80, "10012345678902"),
    ProductLabel("SKU-2", "n", "4006381333931"),
    ProductLabel("SKU-3", "n"),
]


@pytest.mark.parametrize("label", LABELS)
def test_everything_is_drawn_on_the_label(label):
    page = page_for(label)
    for el in page.elements:
        if isinstance(el, Text):
            right = el.x + el.width
            assert text_width(el.text, el.height) <= el.width, el
        elif isinstance(el, Barcode):
            right = el.x + modules(el.symbology, el.data) * el.module
        else:
            right = el.x + el.width
        bottom = el.y + el.height
        assert 0 <= el.x and right <= page.width and 0 <= el.y and bottom <= page.height, el


@pytest.mark.parametrize("label", LABELS)
def test_code128_symbols_keep_ten_module_quiet_zones(label):
    page = page_for(label)
    for el in page.elements:
        if isinstance(el, Barcode) and el.symbology in ("code128", "gs1-128"):
            right = el.x + modules(el.symbology, el.data) * el.module
            assert el.x >= 10 * el.module and page.width - right >= 10 * el.module, el


def test_sscc_barcode_meets_gs1_logistic_label_dimensions():
    (barcode,) = [el for el in page_for(LABELS[0]).elements if isinstance(el, Barcode)]
    # X-dimension 0.495-1.016 mm and bar height >= 31.75 mm (GS1 General Specifications, logistics).
    assert 0.495 <= barcode.module * 25.4 / 203 <= 1.016
    assert barcode.height * 25.4 / 203 >= 31.75
    assert (barcode.symbology, barcode.data) == ("gs1-128", "00106141411234567897")


def test_stock_sizes():
    sizes = {type(label).__name__: (page_for(label).width, page_for(label).height) for label in LABELS}
    assert sizes == {"SsccLabel": (812, 1218), "LocationLabel": (812, 406), "ProductLabel": (812, 609)}


def test_sscc_label_shows_sscc_content_and_addresses():
    texts = [el.text for el in page_for(LABELS[0]).elements if isinstance(el, Text)]
    assert "(00) 106141411234567897" in texts and "106141411234567897" in texts
    assert {"04006381333931", "99999999", "ABCDEFGHIJKLMNOPQRST", "2030-12-31"} <= set(texts)
    assert {"Name", "Street 1", "Town", "Country"} <= set(texts)
    assert "A fifth line is dropped" not in texts
    assert any(t.startswith("A very long warehouse") and t.endswith("...") for t in texts)


def test_sscc_label_without_content_or_addresses_has_no_empty_titles():
    texts = [el.text for el in page_for(LABELS[1]).elements if isinstance(el, Text)]
    assert not {"SHIP FROM", "SHIP TO", "CONTENT", "COUNT", "BATCH/LOT", "BEST BEFORE"} & set(texts)


@pytest.mark.parametrize("code", ["W" * 29, "ABCDEFGHIJKLMNOPQRSTUVWXYZ012", "A1"])
def test_location_code_and_sku_are_printed_whole(code):
    (text,) = [el for el in page_for(LocationLabel(code)).elements if isinstance(el, Text)]
    assert text.text == code
    assert code in [el.text for el in page_for(ProductLabel(code, "n")).elements if isinstance(el, Text)]


def test_fit_shrinks_then_cuts():
    assert fit(0, 0, "short", 500, 40, 20).height == 40
    shrunk = fit(0, 0, "x" * 30, 500, 40, 20)
    assert 20 <= shrunk.height < 40 and shrunk.text == "x" * 30
    cut = fit(0, 0, "y" * 200, 500, 40, 20)
    assert cut.height == 20 and cut.text.endswith("...") and text_width(cut.text, 20) <= 500


def test_wrap_uses_at_most_the_lines_given():
    lines = wrap(0, 0, "word " * 100, 400, 30, 2, 40)
    assert len(lines) == 2 and lines[1].y == 40 and lines[1].text.endswith("...")
    assert [t.text for t in wrap(0, 0, "two words", 400, 30, 2, 40)] == ["two words"]


def test_printable_replaces_what_the_fonts_cannot_show():
    assert printable("Café  Zoë\tok") == "Café Zoë ok"
    assert printable("日本\x07") == "???"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SsccLabel("106141411234567898"), "check digit"),
        (lambda: SsccLabel("106141411234567897", gtin="4006381333932"), "check digit"),
        (lambda: SsccLabel("106141411234567897", count=0), "positive integer"),
        (lambda: SsccLabel("106141411234567897", count=10**8), "8 digits"),
        (lambda: SsccLabel("106141411234567897", lot="L" * 21), "1 to 20"),
        (lambda: SsccLabel("106141411234567897", best_before="2025-01-01"), "must be a date"),
        (lambda: LocationLabel(""), "non-empty"),
        (lambda: LocationLabel(" A1"), "leading or trailing"),
        (lambda: LocationLabel("Bin-ä"), "Code 128 cannot carry"),
        (lambda: LocationLabel("A\n1"), "Code 128 cannot carry"),
        (lambda: ProductLabel("SKU", "name", "123"), "GTIN"),
        (lambda: page_for(LocationLabel("A" * 30)), "too long"),
        (lambda: page_for(ProductLabel("S" * 30, "n")), "too long"),
    ],
)
def test_bad_label_data_is_refused_with_a_reason(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_rules_are_boxes_across_the_label():
    boxes = [el for el in page_for(LABELS[0]).elements if isinstance(el, Box)]
    assert len(boxes) == 3 and all(b.width == 812 for b in boxes)
