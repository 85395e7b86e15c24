"""How GS1 keys are printed on labels: the SSCC's human-readable line and the symbology a GTIN is printed in.

Reading and checking the keys is `wms.barcodes`'s job; here a bad one is a ValueError, as every
other bad label field is.
"""

from __future__ import annotations

from dataclasses import dataclass

from wms.barcodes import InvalidBarcode, normalise_gtin, normalise_sscc, shortest_gtin

# The retail symbol that carries each length of GTIN in full; a GTIN-14 has none.
_RETAIL_SYMBOLOGY = {13: "ean13", 12: "upca", 8: "ean8"}


def parse_sscc(value: str) -> str:
    """`value` as an 18-digit SSCC, or ValueError saying what is wrong (length, non-digits, check digit)."""
    try:
        return normalise_sscc(value)
    except InvalidBarcode as exc:
        raise ValueError(exc.message) from None


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
        gtin14, shortest = normalise_gtin(gtin), shortest_gtin(gtin)
    except InvalidBarcode as exc:
        raise ValueError(exc.message) from None
    if len(shortest) in _RETAIL_SYMBOLOGY:
        return GtinSymbol(_RETAIL_SYMBOLOGY[len(shortest)], shortest, gtin14)
    # EAN/UPC cannot carry the indicator digit; GS1 prints GTIN-14 as ITF-14 or GS1-128 (01).
    return GtinSymbol("gs1-128", "01" + gtin14, gtin14)
