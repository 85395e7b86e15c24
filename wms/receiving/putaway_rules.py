"""Where received stock goes, in plain Python: the putaway rules in the order a warehouse applies them.

1. the product's fixed home bin;
2. a bin that already holds the same SKU and lot (consolidation keeps one batch in few bins);
3. the nearest empty storage bin whose level and capacity fit.

A lot- or expiry-tracked product never goes into a bin holding another lot or expiry date of itself
unless the bin allows mixing, because a picker could then not tell which units to take first.
Capacity is checked on weight and on volume (from the product's dimensions), counting what the bin
already holds; an unknown limit or dimension restricts nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# A unit this heavy is lifted by hand only at about waist height or below (manual-handling guidance
# puts the limit for one person near 15-25 kg), so it goes on the two lowest levels only.
HEAVY_UNIT_G = 15_000
HEAVY_MAX_LEVEL = 2

HOME, CONSOLIDATE, EMPTY, NONE = "home", "consolidate", "empty", "none"


@dataclass(frozen=True)
class Item:
    """Received units of one SKU and lot waiting at `source` to be put away."""

    sku: str
    lot: str  # the quant's lot key: "" for none, the serial number for serial-tracked products
    expiry: date | None
    quantity: int
    source: str
    origin: tuple[float, float]  # where the walk to a bin starts
    unit_weight_g: int
    unit_volume_mm3: int | None = None
    lot_tracked: bool = False
    expiry_tracked: bool = False
    serial_tracked: bool = False
    home_bin: str | None = None

    def batch(self, lot: str, expiry: date | None) -> tuple:
        """What must match for units of this product to share a bin: lot and expiry, where tracked.

        A serial-tracked product's lot key is its serial, and serials are meant to share bins.
        """
        real_lot = lot if self.lot_tracked and not self.serial_tracked else ""
        return (real_lot, expiry if self.expiry_tracked or self.lot_tracked else None)

    @property
    def keeps_batches_apart(self) -> bool:
        return self.lot_tracked or self.expiry_tracked


@dataclass(frozen=True)
class Held:
    """Units of one SKU and lot a bin holds (or is about to, by an earlier suggestion)."""

    sku: str
    lot: str
    expiry: date | None
    quantity: int


@dataclass
class Bin:
    code: str
    type: str
    level: int | None = None
    point: tuple[float, float] | None = None  # where it is walked to; None: unknown, tried last
    max_weight_g: int | None = None
    max_volume_cm3: int | None = None
    allow_mixed_lots: bool = False
    weight_g: int = 0  # of what it holds now
    volume_mm3: int = 0
    stock: list[Held] = field(default_factory=list)


@dataclass(frozen=True)
class Suggestion:
    sku: str
    lot: str
    quantity: int
    from_location: str
    to_location: str | None  # None: no bin fits; the units stay where they are
    rule: str


def distance(origin: tuple[float, float], point: tuple[float, float] | None) -> float:
    """Walking distance along aisles: across the front cross aisle, then up the bin's aisle."""
    if point is None:
        return float("inf")
    return abs(point[0] - origin[0]) + abs(point[1] - origin[1])


def level_fits(item: Item, b: Bin) -> bool:
    return item.unit_weight_g < HEAVY_UNIT_G or b.level is None or b.level <= HEAVY_MAX_LEVEL


def batches_fit(item: Item, b: Bin) -> bool:
    """False when the bin holds another lot or expiry date of this product and may not mix them."""
    if not item.keeps_batches_apart or b.allow_mixed_lots:
        return True
    mine = item.batch(item.lot, item.expiry)
    return all(item.batch(h.lot, h.expiry) == mine for h in b.stock if h.sku == item.sku)


def holds_batch(item: Item, b: Bin) -> bool:
    mine = item.batch(item.lot, item.expiry)
    return any(h.sku == item.sku and h.quantity > 0 and item.batch(h.lot, h.expiry) == mine for h in b.stock)


def room(item: Item, b: Bin, wanted: int) -> int:
    """How many of `wanted` units of the item the bin takes before it is over its weight or volume."""
    units = wanted
    if b.max_weight_g is not None and item.unit_weight_g > 0:
        units = min(units, (b.max_weight_g - b.weight_g) // item.unit_weight_g)
    if b.max_volume_cm3 is not None and item.unit_volume_mm3:
        units = min(units, (b.max_volume_cm3 * 1000 - b.volume_mm3) // item.unit_volume_mm3)
    return max(units, 0)


def _place(item: Item, b: Bin, units: int, rule: str) -> Suggestion:
    b.weight_g += units * item.unit_weight_g
    b.volume_mm3 += units * (item.unit_volume_mm3 or 0)
    b.stock.append(Held(item.sku, item.lot, item.expiry, units))
    return Suggestion(item.sku, item.lot, units, item.source, b.code, rule)


def _place_item(item: Item, bins: list[Bin], home: Bin | None) -> list[Suggestion]:
    out: list[Suggestion] = []
    left = item.quantity
    nearest = sorted(bins, key=lambda b: (distance(item.origin, b.point), b.level or 0, b.code))
    if home is not None and batches_fit(item, home) and room(item, home, left) > 0:
        out.append(_place(item, home, room(item, home, left), HOME))
        left -= out[-1].quantity
    for b in nearest:
        if left and b is not home and holds_batch(item, b) and batches_fit(item, b) and room(item, b, left) > 0:
            out.append(_place(item, b, room(item, b, left), CONSOLIDATE))
            left -= out[-1].quantity
    while left:
        sized = [(b, room(item, b, left)) for b in nearest
                 if b.type == "storage" and not b.stock and level_fits(item, b)]
        # The nearest bin that takes it all; failing that, the nearest that takes some, then the next.
        target = next((s for s in sized if s[1] >= left), None) or next((s for s in sized if s[1] > 0), None)
        if target is None:
            out.append(Suggestion(item.sku, item.lot, left, item.source, None, NONE))
            break
        out.append(_place(item, target[0], target[1], EMPTY))
        left -= target[1]
    return out


def plan(items: list[Item], bins: list[Bin]) -> list[Suggestion]:
    """Suggest a bin (or several, when one does not hold it all) for every item, in the rules' order.

    `bins` are updated as suggestions fill them, so later items see earlier ones; the caller
    leaves out bins it may not use (held for someone else).
    """
    by_code = {b.code: b for b in bins}
    out: list[Suggestion] = []
    for item in items:
        out += _place_item(item, bins, by_code.get(item.home_bin) if item.home_bin else None)
    return out
