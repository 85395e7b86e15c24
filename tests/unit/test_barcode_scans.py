"""Reading scans: plain GTINs and SKUs, AIM symbology identifiers, GS1 element strings and printed HRI."""

import datetime as dt

import pytest

from wms.barcodes import GS, InvalidBarcode, Scan, read_scan
from wms.errors import Invalid

# --- scans of plain GTINs and SKUs -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "gtin14"),
    [
        ("96385074", "00000096385074"),  # GTIN-8
        ("036000291452", "00036000291452"),  # GTIN-12 (UPC-A)
        ("5901234123457", "05901234123457"),  # GTIN-13 (EAN-13)
        ("9780201379624", "09780201379624"),  # GTIN-13 (ISBN)
        ("09506000134352", "09506000134352"),  # GTIN-14 with indicator 0
        ("10614141000415", "10614141000415"),  # GTIN-14 of a case (indicator 1)
        ("  5901234123457\r\n", "05901234123457"),  # keyboard wedge adds CR/LF
    ],
)
def test_plain_gtins_are_padded_to_gtin14(text, gtin14):
    assert read_scan(text) == Scan(kind="gtin", gtin=gtin14)


@pytest.mark.parametrize(
    ("text", "expected", "got"),
    [("96385075", 4, 5), ("036000291453", 2, 3), ("5901234123458", 7, 8), ("09506000134353", 2, 3)],
)
def test_plain_gtin_with_bad_check_digit(text, expected, got):
    with pytest.raises(InvalidBarcode) as err:
        read_scan(text)
    assert err.value.message == f"the GTIN's check digit is wrong: expected {expected}, got {got}"
    assert isinstance(err.value, Invalid) and err.value.code == "invalid_barcode"  # 422 invalid_barcode
    assert str(err.value) == err.value.message


@pytest.mark.parametrize(
    "text", ["00000000", "000000000000", "]E00000000000000", "]E000000000", "]C10100000000000000"]
)
def test_a_scanned_gtin_of_only_zeros_is_refused(text):
    with pytest.raises(InvalidBarcode) as err:
        read_scan(text)
    assert err.value.message == "a GTIN of only zeros names no product"


@pytest.mark.parametrize(
    "text", ["1234567", "123456789", "12345678901", "123456789012345", "ABC-123", "10ABC", "SKU 42"]
)
def test_text_that_is_no_gtin_is_a_sku_candidate(text):
    assert read_scan(text) == Scan(kind="sku", sku=text)


def test_non_ascii_digits_are_a_sku_not_a_gtin():
    text = "٥٩٠١٢٣٤١٢٣٤٥٧"  # 13 Arabic-Indic digits: str.isdigit() says yes, a scanner never sends them
    assert read_scan(text).kind == "sku"


def test_sku_is_stripped_of_line_ending():
    assert read_scan("ABC-123\r\n").sku == "ABC-123"


@pytest.mark.parametrize(
    ("text", "gtin14", "symbology"),
    [
        ("]E05901234123457", "05901234123457", "]E0"),  # EAN-13
        ("]E00036000291452", "00036000291452", "]E0"),  # UPC-A sent as 13 digits
        ("]E496385074", "00000096385074", "]E4"),  # EAN-8
        ("]E004252614", "00042100005264", "]E0"),  # UPC-E, expanded to UPC-A 042100005264
        ("]E3590123412345712", "05901234123457", "]E3"),  # EAN-13 with a 2-digit add-on
        ("]E3590123412345712345", "05901234123457", "]E3"),  # ... and with a 5-digit add-on
        ("]I110614141000415", "10614141000415", "]I1"),  # ITF-14 on a case
    ],
)
def test_gtin_symbologies(text, gtin14, symbology):
    assert read_scan(text) == Scan(kind="gtin", gtin=gtin14, symbology=symbology)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("]E05901234123450", "the GTIN's check digit is wrong: expected 7, got 0"),
        ("]E004252615", "the UPC-E's check digit is wrong: expected 4, got 5"),
        ("]E094252614", "a UPC-E starts with 0 or 1, got 9"),
        ("]E0ABC", "a GTIN is digits only, got 'ABC'"),
        ("]E012345", "a GTIN has 8, 12, 13 or 14 digits, got 5"),
    ],
)
def test_gtin_symbology_with_bad_data(text, message):
    with pytest.raises(InvalidBarcode) as err:
        read_scan(text)
    assert err.value.message == message


def test_plain_code128_carries_a_sku():
    assert read_scan("]C0ABC-123") == Scan(kind="sku", sku="ABC-123", symbology="]C0")


def test_plain_symbology_with_gtin_digits_is_still_a_gtin():
    assert read_scan("]C05901234123457") == Scan(kind="gtin", gtin="05901234123457", symbology="]C0")


@pytest.mark.parametrize("text", ["]", "]C", "]?1ABC"])
def test_unreadable_symbology_identifier(text):
    with pytest.raises(InvalidBarcode, match="symbology identifier .* is not readable"):
        read_scan(text)


def test_symbology_identifier_alone():
    with pytest.raises(InvalidBarcode) as err:
        read_scan("]C1\r\n")
    assert err.value.message == "the scan holds only the symbology identifier ]C1 and no data"


@pytest.mark.parametrize("text", ["", "   ", "\r\n", GS])
def test_empty_scan(text):
    with pytest.raises(InvalidBarcode) as err:
        read_scan(text)
    assert err.value.message == "the scan is empty"


def test_scan_is_frozen():
    scan = read_scan("5901234123457")
    with pytest.raises(AttributeError):
        scan.gtin = "x"


# --- GS1 element strings -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # GS1-128 on a case: GTIN, expiry, then a variable-length lot closed by FNC1 before the serial.
        (
            f"]C1010950600013435217251231101234{GS}21SER9",
            Scan("gs1", gtin="09506000134352", lot="1234", expiry=dt.date(2025, 12, 31),
                          serial="SER9", symbology="]C1"),
        ),
        # GS1 DataMatrix as on medicines: expiry day 00 means the last day of the month.
        (
            f"]d201095060001343521727020010ABC-1/X{GS}2112345678901",
            Scan("gs1", gtin="09506000134352", lot="ABC-1/X", expiry=dt.date(2027, 2, 28),
                          serial="12345678901", symbology="]d2"),
        ),
        # Day 00 of a leap-year February.
        (
            "]d2010950600013435217280200",
            Scan("gs1", gtin="09506000134352", expiry=dt.date(2028, 2, 29), symbology="]d2"),
        ),
        # GS1 QR with the lot last: no separator needed at the end.
        (
            "]Q3010950600013435210LOT42",
            Scan("gs1", gtin="09506000134352", lot="LOT42", symbology="]Q3"),
        ),
        # Pallet label: SSCC, contents GTIN, count (variable length, so FNC1), lot.
        (
            f"]C100106141412345678908021061414100041537120{GS}10L0T7",
            Scan("gs1", gtin="10614141000415", sscc="106141412345678908", count=120, lot="L0T7",
                          symbology="]C1"),
        ),
        # The SSCC alone, as on the second barcode of a logistics label.
        ("]C100106141412345678908", Scan("gs1", sscc="106141412345678908", symbology="]C1")),
        # A lot alone (split label); which product it belongs to is the caller's business.
        ("]C110ABC", Scan("gs1", lot="ABC", symbology="]C1")),
        # A scanner that sends the leading FNC1 as GS, and a trailing GS.
        (f"]C1{GS}0109506000134352{GS}", Scan("gs1", gtin="09506000134352", symbology="]C1")),
        # GS1 DataBar.
        ("]e00109506000134352", Scan("gs1", gtin="09506000134352", symbology="]e0")),
        # Fixed-length AIs need no separator, but one is allowed between any two element strings.
        (f"]C10109506000134352{GS}17251231", Scan("gs1", gtin="09506000134352",
                                                         expiry=dt.date(2025, 12, 31), symbology="]C1")),
        # AIs not used for receiving (net weight, customer PO) are validated and ignored.
        (f"]C10109506000134352310300075040012345{GS}10B1",
         Scan("gs1", gtin="09506000134352", lot="B1", symbology="]C1")),
        # The same AI twice with the same value is harmless.
        (f"]C110A{GS}10A", Scan("gs1", lot="A", symbology="]C1")),
        # (01) with (37): not GS1-conformant, accepted as N of that GTIN.
        ("]C1010950600013435237024", Scan("gs1", gtin="09506000134352", count=24, symbology="]C1")),
    ],
)
def test_gs1_element_strings(text, expected):
    assert read_scan(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Scanners with AIM identifiers off: GS1-128 arrives as bare digits, or with GS separators.
        ("0109506000134352", Scan("gs1", gtin="09506000134352")),
        ("00106141412345678908", Scan("gs1", sscc="106141412345678908")),
        ("02106141410004153712", Scan("gs1", gtin="10614141000415", count=12)),
        (f"010950600013435210AB{GS}17251231", Scan("gs1", gtin="09506000134352", lot="AB",
                                                           expiry=dt.date(2025, 12, 31))),
        (f"10AB{GS}21X", Scan("gs1", lot="AB", serial="X")),
    ],
)
def test_gs1_without_aim_prefix(text, expected):
    assert read_scan(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(01)09506000134352(17)251231(10)ABC123",
         Scan("gs1", gtin="09506000134352", lot="ABC123", expiry=dt.date(2025, 12, 31))),
        # Printed HRI is spaced; spaces are never part of GS1 data.
        ("(01) 09506000134352 (17) 251200 (10) ABC 123",
         Scan("gs1", gtin="09506000134352", lot="ABC123", expiry=dt.date(2025, 12, 31))),
        ("(00)106141412345678908", Scan("gs1", sscc="106141412345678908")),
        ("(00)106141412345678908(02)10614141000415(37)120(10)L1",
         Scan("gs1", sscc="106141412345678908", gtin="10614141000415", count=120, lot="L1")),
        ("(01)09506000134352(21)SN-0001", Scan("gs1", gtin="09506000134352", serial="SN-0001")),
    ],
)
def test_parenthesised_hri(text, expected):
    assert read_scan(text) == expected


# --- malformed GS1 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # check digits
        ("]C10109506000134353", "the GTIN's check digit is wrong: expected 2, got 3"),
        ("0109506000134353", "the GTIN's check digit is wrong: expected 2, got 3"),
        ("(01)09506000134351(10)A", "the GTIN's check digit is wrong: expected 2, got 1"),
        ("]C10210614141000416371", "the GTIN's check digit is wrong: expected 5, got 6"),
        ("]C100106141412345678909", "the SSCC's check digit is wrong: expected 8, got 9"),
        ("00106141412345678900", "the SSCC's check digit is wrong: expected 8, got 0"),
        ("(00)106141412345678901", "the SSCC's check digit is wrong: expected 8, got 1"),
        ("]C14140123452000051", "the GLN's check digit is wrong: expected 0, got 1"),
        # impossible dates
        ("]C10109506000134352172513311012", "the expiry date 251331 is not a real date"),
        ("(01)09506000134352(17)251331", "the expiry date 251331 is not a real date"),
        ("]C1010950600013435217250230", "the expiry date 250230 is not a real date"),
        ("]C1010950600013435217250229", "the expiry date 250229 is not a real date"),  # 2025 is no leap year
        ("]C117251232", "the expiry date 251232 is not a real date"),
        ("]C117250001", "the expiry date 250001 is not a real date"),
        ("(15)251331", "the best before date 251331 is not a real date"),
        # wrong lengths and characters
        ("]C1172512", "the expiry date (17) '2512' is not valid: it must be 6 digits (YYMMDD)"),
        ("(17)25123a", "the expiry date (17) '25123a' is not valid: it must be 6 digits (YYMMDD)"),
        ("(17)2512311", "the expiry date (17) '2512311' is not valid: it must be 6 digits (YYMMDD)"),
        ("]C1172512a", "the expiry date (17) '2512a' is not valid: it must be 6 digits (YYMMDD)"),
        ("(01)0950600013435", "the GTIN (01) '0950600013435' is not valid: it must be 14 digits"),
        ("]C1011234567890123", "the GTIN (01) '1234567890123' is not valid: it must be 14 digits"),
        ("(37)12abc", "the count (37) '12abc' is not valid: it must be up to 8 digits"),
        ("]C110" + "A" * 21, "the lot (10) is longer than 20 characters or is missing its separator (FNC1)"),
        ("]C1021061414100041537123456789",
         "the count (37) is longer than 8 characters or is missing its separator (FNC1)"),
        ("]C11012 34", "the lot (10) holds ' ', which a GS1 barcode cannot hold there"),
        ("(10)", "the lot (10) is empty"),
        ("(01)09506000134352(17)", "the expiry date (17) is empty"),
        (f"]C110{GS}17251231", "the lot (10) is empty"),
        # unknown application identifiers
        ("]C1231234", "unknown application identifier at '231234'"),
        ("]C1ABC", "unknown application identifier at 'ABC'"),
        ("]C123" + "X" * 40, "unknown application identifier at '23XXXXXXXXXXXXXXXXXXXXXX…'"),
        (f"]C10109506000134352{GS}99", "the company internal information (99) is empty"),
        ("(99x)ABC", "unknown application identifier (99x)"),
        ("(23)1", "unknown application identifier (23)"),
        ("(011)09506000134352", "unknown application identifier (011)"),
        ("(01)09506000134352(1x)ABC", "unknown application identifier (1x)"),
        ("(01", "the '(' at '(01' does not enclose an application identifier"),
        # forbidden combinations
        ("]C101095060001343520210614141000415",
         "the barcode names both a trade item (01) and the contents of a unit (02)"),
        (f"]C110A{GS}10B", "the barcode holds two different lots: 'A' and 'B'"),
        ("(17)251231(17)260101", "the barcode holds two different expiry dates: '251231' and '260101'"),
        ("]C10210614141000415370", "the count (37) is zero"),
        # a GS means GS1, so garbage around it is a malformed barcode, not a SKU
        (f"ABC{GS}DEF", "unknown application identifier at 'ABC'"),
    ],
)
def test_malformed_gs1(text, message):
    with pytest.raises(InvalidBarcode) as err:
        read_scan(text)
    assert err.value.message == message
