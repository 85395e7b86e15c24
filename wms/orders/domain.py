"""Order rules in plain Python: the status machine and how a line is planned onto bins."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from wms.command import Command
from wms.errors import Conflict

STATUSES = ("received", "backordered", "allocated", "picking", "picked", "packed", "shipped", "delivered",
            "cancelled", "exception")

# Which status may follow which. "exception" is where a short pick with no stock left sends an order;
# a supervisor's re-allocation brings it back.
TRANSITIONS: dict[str, set[str]] = {
    "received": {"allocated", "backordered", "cancelled"},
    "backordered": {"allocated", "backordered", "cancelled"},
    "allocated": {"picking", "backordered", "cancelled", "allocated"},
    "picking": {"picked", "exception", "cancelled", "picking"},
    "picked": {"packed", "cancelled"},
    "packed": {"shipped", "cancelled"},
    "shipped": {"delivered", "exception"},
    "delivered": set(),
    "cancelled": set(),
    "exception": {"allocated", "backordered", "picking", "cancelled", "shipped", "delivered"},
}
CANCELLABLE = {"received", "backordered", "allocated", "picking", "picked", "packed", "exception"}


def check_transition(current: str, new: str) -> None:
    if new not in TRANSITIONS[current]:
        raise Conflict(f"an order that is {current} cannot become {new}", code="invalid_transition",
                       details={"status": current, "requested": new})


def check_cancellable(status: str) -> None:
    if status == "shipped" or status == "delivered":
        raise Conflict("the order has shipped; it can no longer be cancelled", code="already_shipped")
    if status not in CANCELLABLE:
        raise Conflict(f"an order that is {status} cannot be cancelled", code="invalid_transition")


@dataclass(frozen=True)
class Candidate:
    """A quant that could serve a line, as the allocation rules see it."""

    quant_id: int
    available: int
    pick_face: bool
    expiry: date | None
    in_date: datetime | None


def plan_line(quantity: int, candidates: list[Candidate], fefo: bool) -> list[tuple[int, int]]:
    """Choose bins for one line: [(quant id, units)], possibly covering less than `quantity`.

    Expiry-tracked products go first-expired-first-out across all bins (food safety outranks walking).
    Others take pick faces before reserve storage, then as few bins as possible: one bin that holds the
    whole line if any (the oldest such), else the fullest bins first; ties go first-in-first-out.
    """
    usable = [c for c in candidates if c.available > 0]
    if fefo:
        ordered = sorted(usable, key=lambda c: (c.expiry or date.max, not c.pick_face, _age(c), c.quant_id))
        return _greedy(quantity, ordered)
    plan: list[tuple[int, int]] = []
    remaining = quantity
    for tier in (True, False):
        pool = [c for c in usable if c.pick_face is tier]
        whole = sorted((c for c in pool if c.available >= remaining), key=lambda c: (_age(c), c.quant_id))
        if whole:
            return plan + [(whole[0].quant_id, remaining)]
        fullest = sorted(pool, key=lambda c: (-c.available, _age(c), c.quant_id))
        taken = _greedy(remaining, fullest)
        plan += taken
        remaining -= sum(q for _, q in taken)
        if remaining == 0:
            break
    return plan


def _age(c: Candidate) -> float:
    """Seconds since the epoch of arrival; SQLite hands back naive UTC, PostgreSQL aware times."""
    if c.in_date is None:
        return float("inf")
    moment = c.in_date if c.in_date.tzinfo else c.in_date.replace(tzinfo=UTC)
    return moment.timestamp()


def _greedy(quantity: int, ordered: list[Candidate]) -> list[tuple[int, int]]:
    plan, remaining = [], quantity
    for c in ordered:
        if remaining == 0:
            break
        take = min(c.available, remaining)
        plan.append((c.quant_id, take))
        remaining -= take
    return plan


ORDER_WRITERS = ("storefront", "supervisor")


# --- commands (their handlers are listed in wms/wiring.py) -------------------------------------------


@dataclass(frozen=True)
class PlaceOrder(Command):
    """An order from the storefront, as its validated body, to be received and allocated.

    `allocation` is the rule it is held to ("whole" or "partial"): the body's, or else the warehouse's
    setting, which the view reads so that intake reads no settings of its own.
    """

    ROLES = ORDER_WRITERS

    order: Mapping
    actor: str
    allocation: str


@dataclass(frozen=True)
class CancelOrder(Command):
    """Cancel an order and release what it holds."""

    ROLES = ORDER_WRITERS

    order_id: int
    actor: str
    reason: str | None = None


@dataclass(frozen=True)
class AllocateOrder(Command):
    """Try again to allocate a waiting order."""

    ROLES = ("supervisor",)

    order_id: int
    actor: str


@dataclass(frozen=True)
class AllocateWaitingOrders(Command):
    """Allocate many orders at once, in the order given: those still received or backordered.

    Sent by the system (orders loaded in bulk, the benchmark), never over HTTP.
    """

    order_ids: tuple[int, ...]
    actor: str


@dataclass(frozen=True)
class ServeBackorders(Command):
    """Give every product with backordered orders another try, up to `limit` orders; the scheduler's sweep."""

    limit: int = 500


# --- events (their handlers are listed in wms/wiring.py) ---------------------------------------------


@dataclass(frozen=True)
class OrderStatusChanged:
    """An order reached a new status.

    `state` is the order as the API shows it when the raiser has it at hand (intake does); otherwise
    whoever needs it reads it before commit. `first` says the order was just received: its first event.
    """

    order_id: int
    status: str
    state: dict | None = None
    first: bool = False
