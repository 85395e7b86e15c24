"""How GS1 keys are printed: the SSCC's human-readable line and the symbology chosen for a GTIN."""

from __future__ import annotations

import pytest

from wms.labels.gs1 import gtin_symbol, parse_sscc, sscc_hri


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("106141411234567898", "check digit is wrong: expected 7, got 8"),
        ("10614141123456789", "18 digits"),
        ("10614141123456789X", "digits only"),
    ],
)
def test_parse_sscc_says_what_is_wrong_as_a_value_error(value, message):
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


@pytest.mark.parametrize("gtin", ["4006381333932", "400638133393", "40063813339311", "abc", "00000000"])
def test_gtin_symbol_refuses_invalid_gtins(gtin):
    with pytest.raises(ValueError):
        gtin_symbol(gtin)
