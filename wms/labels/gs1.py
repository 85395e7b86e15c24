"""GS1 identifiers printed on labels: check digits, SSCC construction, GTIN symbology choice.

Parsing and validation go through `biip`, which implements the GS1 General Specifications;
this module only adds what biip does not do: building a new SSCC from its parts, and
deciding which barcode a GTIN is printed as.
"""

from __future__ import annotations

from dataclasses import dataclass

from biip import ParseError
from biip.checksums import gs1_standard_check_digit
from biip.gtin import Gtin, GtinFormat
from biip.sscc import Sscc

# Lengths (without the check digit) of the GS1 keys that use the standard mod-10 check digit.
_PAYLOAD_LENGTHS = {7: "GTIN-8", 11: "GTIN-12", 12: "GTIN-13", 13: "GTIN-14", 17: "SSCC"}


def check_digit(payload: str) -> int:
    """The GS1 mod-10 check digit of a GTIN-8/12/13/14 or SSCC payload (the key without its check digit)."""
    if not payload.isascii() or not payload.isdigit():
        raise ValueError(f"GS1 key payload must be digits only, got {payload!r}")
    if len(payload) not in _PAYLOAD_LENGTHS:
        raise ValueError(
            f"GS1 key payload must have 7, 11, 12, 13 or 17 digits "
            f"(GTIN-8/12/13/14 or SSCC without check digit), got {len(payload)}"
        )
    return gs1_standard_check_digit(payload)


def make_sscc(extension_digit: int, company_prefix: str, serial_reference: int) -> str:
    """Build an 18-digit SSCC: extension digit, GS1 company prefix, serial reference, check digit.

    The company prefix is 6 to 12 digits; the serial reference fills the remaining
    16 - len(company_prefix) digits, zero-padded on the left, and must fit in them.
    """
    if isinstance(extension_digit, bool) or not isinstance(extension_digit, int):
        raise TypeError(f"extension digit must be an int 0-9, got {extension_digit!r}")
    if not 0 <= extension_digit <= 9:
        raise ValueError(f"extension digit must be 0-9, got {extension_digit}")
    if not isinstance(company_prefix, str):
        raise TypeError(f"GS1 company prefix must be a str of digits, got {company_prefix!r}")
    if not (company_prefix.isascii() and company_prefix.isdigit()):
        raise ValueError(f"GS1 company prefix must be digits only, got {company_prefix!r}")
    if not 6 <= len(company_prefix) <= 12:
        raise ValueError(
            f"GS1 company prefix must have 6 to 12 digits, got {len(company_prefix)} ({company_prefix!r})"
        )
    if isinstance(serial_reference, bool) or not isinstance(serial_reference, int):
        raise TypeError(f"serial reference must be an int, got {serial_reference!r}")
    serial_digits = 16 - len(company_prefix)
    if not 0 <= serial_reference < 10**serial_digits:
        raise ValueError(
            f"serial reference {serial_reference} does not fit in the {serial_digits} digits left "
            f"by a {len(company_prefix)}-digit company prefix (0 to {10**serial_digits - 1})"
        )
    payload = f"{extension_digit}{company_prefix}{serial_reference:0{serial_digits}d}"
    return payload + str(check_digit(payload))


def parse_sscc(value: str) -> str:
    """Return `value` as an 18-digit SSCC, or raise ValueError saying what is wrong
    (length, non-digits, check digit)."""
    try:
        return Sscc.parse(value).value
    except ParseError as exc:
        raise ValueError(str(exc)) from exc


def sscc_hri(sscc: str) -> str:
    """The human-readable interpretation printed under a GS1-128 SSCC barcode: `(00)` and the 18 digits."""
    return f"(00) {parse_sscc(sscc)}"


@dataclass(frozen=True)
class GtinSymbol:
    """How a GTIN is printed: the symbology and the digits the symbol carries.

    `symbology` is "ean13", "upca" or "ean8" for retail GTINs, each with the full
    number including its check digit; a GTIN-14 (a case or pack with an indicator digit)
    is printed as GS1-128 with the element string `01` + the 14 digits.
    """

    symbology: str
    data: str
    gtin14: str


def gtin_symbol(gtin: str) -> GtinSymbol:
    """Validate a GTIN-8/12/13/14 (leading zeros allowed) and choose the symbology it is printed in."""
    try:
        parsed = Gtin.parse(gtin)
    except ParseError as exc:
        raise ValueError(str(exc)) from exc
    gtin14 = parsed.as_gtin_14()
    if parsed.format is GtinFormat.GTIN_13:
        return GtinSymbol("ean13", parsed.as_gtin_13(), gtin14)
    if parsed.format is GtinFormat.GTIN_12:
        return GtinSymbol("upca", parsed.as_gtin_12(), gtin14)
    if parsed.format is GtinFormat.GTIN_8:
        return GtinSymbol("ean8", parsed.as_gtin_8(), gtin14)
    # EAN/UPC cannot carry the indicator digit; GS1 prints GTIN-14 as ITF-14 or GS1-128 (01).
    return GtinSymbol("gs1-128", "01" + gtin14, gtin14)
