"""Barcode keys: GTINs and SSCCs read and checked, check digits, SSCCs built, AIM identifiers split."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import wms
from wms.barcodes import (
    InvalidBarcode,
    InvalidGtin,
    Scan,
    check_digit,
    make_sscc,
    normalise_gtin,
    normalise_sscc,
    read_scan,
    shortest_gtin,
    split_aim,
)
from wms.errors import Invalid

# Published, known-good keys: the SSCC example of the GS1 General Specifications, the EAN-13
# on a Stabilo pen, the UPC-A on a can of Coca-Cola, the EAN-8 example of the EAN-8 article
# and GS1 US's case-level GTIN-14 built from GTIN-12 012345678905.
KNOWN_GOOD = ["106141411234567897", "4006381333931", "036000291452", "96385074", "10012345678902"]


def _by_hand(payload: str) -> int:
    # The rule written out independently: weights 3,1,3,... from the rightmost payload digit.
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(payload)))
    return (10 - total % 10) % 10


def _payloads(*lengths: int) -> st.SearchStrategy[str]:
    return st.sampled_from(lengths).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n))


def _gtins(*lengths: int) -> st.SearchStrategy[str]:
    # Only zeros has a right check digit but is refused on purpose, so it is no valid GTIN here.
    payloads = _payloads(*(n - 1 for n in lengths)).filter(lambda p: p.strip("0"))
    return payloads.map(lambda p: p + str(_by_hand(p)))


# --- check digits and SSCCs ----------------------------------------------------------------------


@pytest.mark.parametrize("key", KNOWN_GOOD)
def test_check_digit_of_published_keys(key):
    assert check_digit(key[:-1]) == int(key[-1])
    assert check_digit(key[:-1]) != (int(key[-1]) + 1) % 10


@given(_payloads(7, 11, 12, 13, 17))
def test_check_digit_matches_the_rule_for_any_payload(payload):
    assert check_digit(payload) == _by_hand(payload)


@pytest.mark.parametrize("payload", ["", "123456", "12345678901234567890", "12345a7", "１２３４５６７"])
def test_check_digit_rejects_wrong_lengths_and_non_digits(payload):
    with pytest.raises(ValueError):
        check_digit(payload)


def test_make_sscc_rebuilds_the_gs1_example():
    assert make_sscc(1, "0614141", 123456789) == "106141411234567897"


@pytest.mark.parametrize(
    ("extension", "prefix", "serial", "payload"),
    [
        (0, "123456", 0, "01234560000000000"),  # 6-digit prefix: a 10-digit serial, zero-padded
        (9, "123456789012", 9999, "91234567890129999"),  # 12-digit prefix leaves 4 digits
    ],
)
def test_make_sscc_pads_the_serial_and_appends_the_check_digit(extension, prefix, serial, payload):
    sscc = make_sscc(extension, prefix, serial)
    assert sscc == payload + str(_by_hand(payload))
    assert normalise_sscc(sscc) == sscc


def test_make_sscc_largest_serial_fits():
    assert make_sscc(0, "0614141", 10**9 - 1)[8:17] == "999999999"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((1, "12345", 1), "6 to 12 digits"),
        ((1, "1234567890123", 1), "6 to 12 digits"),
        ((1, "12345a7", 1), "digits only"),
        ((1, "0614141", 10**9), "does not fit in the 9 digits"),
        ((1, "123456789012", 10000), "does not fit in the 4 digits"),
        ((1, "0614141", -1), "does not fit"),
        ((10, "0614141", 1), "extension digit"),
        ((-1, "0614141", 1), "extension digit"),
    ],
)
def test_make_sscc_refuses_what_cannot_be_an_sscc(args, message):
    with pytest.raises(ValueError, match=message):
        make_sscc(*args)


@pytest.mark.parametrize(
    "args", [(True, "0614141", 1), (1.0, "0614141", 1), (1, "0614141", "123"), (1, 614141, 1)]
)
def test_make_sscc_refuses_wrong_types(args):
    with pytest.raises(TypeError):
        make_sscc(*args)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("106141411234567898", "the SSCC's check digit is wrong: expected 7, got 8"),
        ("10614141123456789", "an SSCC has 18 digits, got 17"),
        ("10614141123456789X", "an SSCC is digits only, got '10614141123456789X'"),
    ],
)
def test_normalise_sscc_says_what_is_wrong(value, message):
    with pytest.raises(InvalidBarcode) as err:
        normalise_sscc(value)
    assert err.value.message == message


# --- GTINs given as data -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gtin", "gtin14", "shortest"),
    [
        ("4006381333931", "04006381333931", "4006381333931"),
        ("04006381333931", "04006381333931", "4006381333931"),
        ("036000291452", "00036000291452", "036000291452"),
        ("96385074", "00000096385074", "96385074"),
        ("10012345678902", "10012345678902", "10012345678902"),
        (" 5901234123457\n", "05901234123457", "5901234123457"),
    ],
)
def test_normalise_gtin_and_its_shortest_form(gtin, gtin14, shortest):
    assert normalise_gtin(gtin) == gtin14
    assert shortest_gtin(gtin) == shortest


@pytest.mark.parametrize(
    ("gtin", "message"),
    [
        ("4006381333932", "the GTIN's check digit is wrong: expected 1, got 2"),
        ("12345", "a GTIN has 8, 12, 13 or 14 digits, got 5"),
        ("40063813339a1", "a GTIN is digits only, got '40063813339a1'"),
        ("00000000000000", "a GTIN of only zeros names no product"),
        ("00000000", "a GTIN of only zeros names no product"),
    ],
)
def test_normalise_gtin_refuses_what_is_no_gtin(gtin, message):
    with pytest.raises(InvalidGtin) as err:
        normalise_gtin(gtin)
    assert (err.value.message, err.value.code) == (message, "invalid_gtin")
    assert isinstance(err.value, Invalid)  # the API maps Invalid to 422


@given(_gtins(8, 12, 13))
def test_any_gtin_8_12_13_reads_as_the_gtin14_that_zero_pads_it(gtin):
    assert normalise_gtin(gtin) == gtin.zfill(14)
    assert read_scan(gtin) == Scan("gtin", gtin=gtin.zfill(14))


@given(_gtins(8, 12, 13, 14), st.data())
def test_any_single_digit_corruption_of_a_gtin_is_refused(gtin, data):
    place = data.draw(st.integers(0, len(gtin) - 1))
    digit = data.draw(st.sampled_from("0123456789"))
    assume(digit != gtin[place])
    corrupt = gtin[:place] + digit + gtin[place + 1 :]
    with pytest.raises(InvalidGtin):
        normalise_gtin(corrupt)
    with pytest.raises(InvalidBarcode):
        read_scan(corrupt)


# --- AIM symbology identifiers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("]C1010950600013435210L7", ("]C1", "010950600013435210L7")),
        ("]d2010950600013435210L7", ("]d2", "010950600013435210L7")),
        ("]Q3010950600013435210L7", ("]Q3", "010950600013435210L7")),
        ("]E05901234123457", ("]E0", "5901234123457")),
        ("]C0A01-B02-L1", ("]C0", "A01-B02-L1")),
        ("]C1", ("]C1", "")),
        ("A01-B02-L1", (None, "A01-B02-L1")),
        ("]C", (None, "]C")),  # truncated
        ("]?1ABC", (None, "]?1ABC")),  # no such symbology
        ("", (None, "")),
    ],
)
def test_split_aim(data, expected):
    assert split_aim(data) == expected


def test_reading_barcodes_loads_no_feature_and_no_database():
    # Station drivers will import this without the server; a fresh interpreter shows what it loads.
    code = ("import sys, wms.barcodes; "
            "print(*sorted(m for m in sys.modules if m.startswith(('wms', 'sqlalchemy'))))")
    here = Path(wms.__file__).parents[1]  # this checkout's wms, not another one installed
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=here)
    assert run.stdout.split() == ["wms", "wms.barcodes", "wms.errors", "wms.version"]
