"""What goes on a label, as plain validated data that the ZPL and PDF renderers both take.

Callers (services, views) build these from their own rows; nothing here knows Flask or
the database. Construction validates, so a bad SSCC, GTIN or bin code fails here with a
ValueError naming the problem rather than as an unscannable label.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from wms.labels.gs1 import gtin_symbol, parse_sscc


def code128_text(value: str, what: str) -> str:
    """Check that `value` can be a Code 128 barcode's data: non-empty printable ASCII (space to ~)."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} must be a non-empty string, got {value!r}")
    bad = sorted({ch for ch in value if not " " <= ch <= "~"})
    if bad:
        # Code 128 sets A/B carry ASCII only; anything else would need FNC4/ECI that scanners
        # and Zebra firmware treat inconsistently, so a code we could not scan back is refused.
        raise ValueError(f"{what} {value!r} has characters Code 128 cannot carry: {bad!r}")
    if value != value.strip():
        raise ValueError(f"{what} {value!r} has leading or trailing spaces")
    return value


def _lines(value: object, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        # A single string is one line; split on newlines so "Name\nStreet" works too.
        value = value.splitlines()
    lines = tuple(str(line).strip() for line in value)  # type: ignore[union-attr]
    return tuple(line for line in lines if line)


@dataclass(frozen=True)
class SsccLabel:
    """A GS1 logistic label for one carton or pallet identified by its SSCC.

    `ship_from` and `ship_to` are address lines (name first). The content fields follow
    the GS1 logistic label: `gtin` of the trade items inside (shown as GTIN-14, AI 02),
    their `count` (AI 37), `lot` (AI 10) and `best_before` (AI 15).
    """

    sscc: str
    ship_from: tuple[str, ...] = ()
    ship_to: tuple[str, ...] = ()
    gtin: str | None = None
    count: int | None = None
    lot: str | None = None
    best_before: date | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise once, here
        set_(self, "sscc", parse_sscc(self.sscc))
        set_(self, "ship_from", _lines(self.ship_from, "ship_from"))
        set_(self, "ship_to", _lines(self.ship_to, "ship_to"))
        if self.gtin is not None:
            set_(self, "gtin", gtin_symbol(self.gtin).gtin14)
        if self.count is not None:
            if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 1:
                raise ValueError(f"count must be a positive integer, got {self.count!r}")
            if self.count >= 10**8:  # AI (37) holds at most 8 digits
                raise ValueError(f"count {self.count} exceeds the 8 digits GS1 AI (37) allows")
        if self.lot is not None:
            lot = self.lot.strip()
            if not lot or len(lot) > 20:  # AI (10) is X..20
                raise ValueError(f"lot must be 1 to 20 characters (GS1 AI 10), got {self.lot!r}")
            set_(self, "lot", lot)
        if self.best_before is not None and not isinstance(self.best_before, date):
            raise ValueError(f"best_before must be a date, got {self.best_before!r}")


@dataclass(frozen=True)
class LocationLabel:
    """A bin or location label: the location code in large type and as Code 128.

    `caption` is an optional second line such as "Zone A · pick face".
    """

    code: str
    caption: str | None = None

    def __post_init__(self) -> None:
        code128_text(self.code, "location code")


@dataclass(frozen=True)
class ProductLabel:
    """A product label: name, SKU (large type and Code 128) and, when there is one, the GTIN barcode."""

    sku: str
    name: str
    gtin: str | None = None

    def __post_init__(self) -> None:
        code128_text(self.sku, "SKU")
        if self.gtin is not None:
            gtin_symbol(self.gtin)  # raises ValueError saying what is wrong


Label = SsccLabel | LocationLabel | ProductLabel
