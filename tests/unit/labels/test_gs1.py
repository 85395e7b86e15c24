"""GS1 check digits and SSCC construction against published examples."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wms.labels.gs1 import check_digit, gtin_symbol, make_sscc, parse_sscc, sscc_hri

# Published, known-good keys: the SSCC example of the GS1 General Specifications, the EAN-13
# on a Stabilo pen, the UPC-A on a can of Coca-Cola, the EAN-8 example of the EAN-8 article
# and GS1 US's case-level GTIN-14 built from GTIN-12 012345678905.
KNOWN_GOOD = ["106141411234567897", "4006381333931", "036000291452", "96385074", "10012345678902"]


def _by_hand(payload: str) -> int:
    # The rule written out independently: weights 3,1,3,... from the rightmost payload digit.
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(payload)))
    return (10 - total % 10) % 10


@pytest.mark.parametrize("key", KNOWN_GOOD)
def test_check_digit_of_published_keys(key):
    assert check_digit(key[:-1]) == int(key[-1])


@pytest.mark.parametrize("key", KNOWN_GOOD)
def test_a_wrong_last_digit_is_not_the_check_digit(key):
    assert check_digit(key[:-1]) != (int(key[-1]) + 1) % 10


@given(st.sampled_from([7, 11, 12, 13, 17]).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n)))
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
        (0, "123456", 0, ("01234560000000000")),  # 6-digit prefix: a 10-digit serial, zero-padded
        (9, "123456789012", 9999, ("91234567890129999")),  # 12-digit prefix leaves 4 digits
    ],
)
def test_make_sscc_pads_the_serial_and_appends_the_check_digit(extension, prefix, serial, payload):
    sscc = make_sscc(extension, prefix, serial)
    assert sscc == payload + str(_by_hand(payload))
    assert parse_sscc(sscc) == sscc  # biip agrees it is a valid SSCC


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


def test_make_sscc_largest_serial_fits():
    assert make_sscc(0, "0614141", 10**9 - 1)[8:17] == "999999999"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("106141411234567898", "check digit"),
        ("10614141123456789", "18 digits"),
        ("10614141123456789X", "numerical"),
    ],
)
def test_parse_sscc_says_what_is_wrong(value, message):
    with pytest.raises(ValueError, match=message):
        parse_sscc(value)


def test_sscc_hri_is_ai_in_parentheses_then_the_digits():
    assert sscc_hri("106141411234567897") == "(00) 106141411234567897"


@pytest.mark.parametrize(
    ("gtin", "symbology", "data", "gtin14"),
    [
        ("4006381333931", "ean13", "4006381333931", "04006381333931"),
        ("04006381333931", "ean13", "4006381333931", "04006381333931"),
        ("036000291452", "upca", "036000291452", "00036000291452"),
        ("96385074", "ean8", "96385074", "00000096385074"),
        ("10012345678902", "gs1-128", "0110012345678902", "10012345678902"),
    ],
)
def test_gtin_symbol_picks_the_symbology_for_the_gtin(gtin, symbology, data, gtin14):
    symbol = gtin_symbol(gtin)
    assert (symbol.symbology, symbol.data, symbol.gtin14) == (symbology, data, gtin14)


@pytest.mark.parametrize("gtin", ["4006381333932", "400638133393", "40063813339311", "abc"])
def test_gtin_symbol_refuses_invalid_gtins(gtin):
    with pytest.raises(ValueError):
        gtin_symbol(gtin)
