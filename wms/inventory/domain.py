"""Stock rules in plain Python: what a quant may give, what an adjustment means, how the layout is laid out."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from wms.command import Command
from wms.errors import Conflict, Invalid
from wms.inventory.layout import LayoutSpec

MOVERS = ("supervisor", "receiver", "picker")


@dataclass(frozen=True)
class Actor:
    """Who booked a change and from which handheld or station."""

    name: str
    device: str | None = None

    @classmethod
    def of(cls, send) -> Actor:
        """The actor of a write view's request: its caller, from the device it names."""
        return cls(send.caller.name, send.device)


@dataclass(frozen=True)
class MoveStock(Command):
    """Move units of one SKU (and lot) between two real places."""

    ROLES = MOVERS

    sku: str
    from_location: str
    to_location: str
    quantity: int
    lot: str | None
    actor: Actor
    kind: str = "move"
    reference: str | None = None


@dataclass(frozen=True)
class AdjustStock(Command):
    """Correct a bin to a count, or by a delta, with a move to or from inventory loss."""

    ROLES = ("supervisor",)

    sku: str
    location: str
    reason: str
    actor: Actor
    counted: int | None = None
    delta: int | None = None
    lot: str | None = None


@dataclass(frozen=True)
class CreateProduct(Command):
    """Add a product to the catalogue."""

    ROLES = ("supervisor",)

    product: Mapping  # sku, name, weight_g, gtin?, dimensions?, tracking?, customs?, home_location? as validated


@dataclass(frozen=True)
class CreateLocation(Command):
    """Set up one physical place by hand: a bin, a pick face, a dock or a work area."""

    ROLES = ("supervisor",)

    location: Mapping  # code, type, zone?, aisle?, bay?, level?, x_m?, y_m?, capacities?, allow_mixed_lots?


@dataclass(frozen=True)
class GenerateLayout(Command):
    """Lay out the floor: aisles of bins on both sides, cross aisles, and which levels are pick faces."""

    ROLES = ("supervisor",)

    spec: LayoutSpec
    pick_face_levels: tuple[int, ...] = ()


class InsufficientStock(Conflict):
    code = "insufficient_stock"


@dataclass(frozen=True)
class Balance:
    """A quant's counts as the rules see them."""

    on_hand: int
    reserved: int
    virtual: bool

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


def take(balance: Balance, quantity: int, *, from_reserved: int = 0, where: dict | None = None) -> Balance:
    """Remove `quantity` from a place; `from_reserved` of it was promised to the work that takes it.

    Virtual places (suppliers, customers, loss) may go negative: that is how the ledger balances.
    A real place gives only what is there and not promised to someone else.
    """
    if quantity <= 0:
        raise Invalid("quantity must be positive", code="invalid_quantity")
    if not 0 <= from_reserved <= quantity:
        raise ValueError("from_reserved must lie within the moved quantity")
    if balance.virtual:
        return Balance(balance.on_hand - quantity, balance.reserved, True)
    if from_reserved > balance.reserved:
        raise InsufficientStock(
            f"only {balance.reserved} reserved here, {from_reserved} asked", details=dict(where or {},
                                                                                          reserved=balance.reserved),
        )
    free_needed = quantity - from_reserved
    if free_needed > balance.available:
        raise InsufficientStock(
            f"only {balance.available} available here, {free_needed} asked",
            details=dict(where or {}, requested=quantity, available=balance.available, on_hand=balance.on_hand),
        )
    return Balance(balance.on_hand - quantity, balance.reserved - from_reserved, False)


def put(balance: Balance, quantity: int) -> Balance:
    return Balance(balance.on_hand + quantity, balance.reserved, balance.virtual)


def reserve(balance: Balance, quantity: int) -> Balance:
    if quantity > balance.available:
        raise InsufficientStock(f"only {balance.available} available to reserve, {quantity} asked")
    return Balance(balance.on_hand, balance.reserved + quantity, balance.virtual)


def release(balance: Balance, quantity: int) -> Balance:
    if quantity > balance.reserved:
        raise ValueError(f"cannot release {quantity}: only {balance.reserved} reserved")
    return Balance(balance.on_hand, balance.reserved - quantity, balance.virtual)


def count_delta(balance: Balance, counted: int) -> int:
    """What a count changes; a count below what is promised cannot be booked before the orders are re-planned."""
    if counted < 0:
        raise Invalid("a count cannot be negative", code="invalid_quantity")
    if counted < balance.reserved:
        raise Conflict(
            f"counted {counted} but {balance.reserved} are reserved for orders here; "
            "short-pick or re-allocate those first",
            code="count_below_reserved", details={"counted": counted, "reserved": balance.reserved},
        )
    return counted - balance.on_hand


def check_lot(sku: str, lot_tracked: bool, lot: str | None) -> str:
    """The lot key a quant is stored under: required for lot-tracked products, refused otherwise."""
    if lot_tracked and not lot:
        raise Invalid(f"{sku} is lot-tracked: say which lot", code="lot_required")
    if not lot_tracked and lot:
        raise Invalid(f"{sku} is not lot-tracked: leave the lot out", code="lot_not_tracked")
    return lot or ""


# --- events the ledger raises (their handlers are listed in wms/wiring.py) ---------------------------


@dataclass(frozen=True)
class StockArrived:
    """Units of these products became available at sellable places: orders waiting for them may be served."""

    product_ids: tuple[int, ...]
    actor: str


@dataclass(frozen=True)
class LevelsChanged:
    """Units on hand and reserved at sellable places changed, per product id: (on_hand, reserved) deltas.

    Both counts, not just available: stock that arrives and is promised at once to a backorder leaves
    available as it was, yet GET /inventory and inventory.level_changed show new on_hand and reserved.
    """

    changes: Mapping[int, tuple[int, int]]


def net_levels(events: Iterable[LevelsChanged]) -> dict[int, tuple[int, int]]:
    """The net change per product over many events; products whose changes cancel out are left out."""
    net: dict[int, tuple[int, int]] = {}
    for event in events:
        for product_id, (on_hand, reserved) in event.changes.items():
            was_on_hand, was_reserved = net.get(product_id, (0, 0))
            net[product_id] = (was_on_hand + on_hand, was_reserved + reserved)
    return {p: d for p, d in net.items() if d != (0, 0)}
