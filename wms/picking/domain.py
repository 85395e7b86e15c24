"""Picking rules in plain Python: release order of waves, what a pick scan must match, where a late task goes;
the picking commands, and the planned wave that releasing one records.

No Flask, no database: services hand in plain values and turn the errors into 409s and 422s.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from wms.barcodes import read_scan, split_aim
from wms.command import Command
from wms.errors import Conflict, Invalid
from wms.inventory.domain import Actor
from wms.picking.batching import Cart
from wms.picking.geometry import FloorPlan, PickPoint, spot_distance

_HHMM = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")
# Orders with no carrier (rate-shopped at the pack station) are collected by whoever quotes;
# they rank after every carrier with a cut-off.
NO_CUTOFF = 24 * 60


def minutes(hhmm: str) -> int:
    """Minutes after midnight of an "HH:MM" time (UTC, as every time wms keeps)."""
    m = _HHMM.match(hhmm.strip())
    if m is None:
        raise Invalid(f"{hhmm!r} is not a time of day as HH:MM", code="invalid_cutoff")
    return int(m.group(1)) * 60 + int(m.group(2))


def carrier_cutoffs(config: Mapping[str, str]) -> dict[str, int]:
    """Each carrier's daily collection time, in minutes, from the `[carrier_cutoffs]` settings."""
    return {carrier: minutes(value) for carrier, value in (config or {}).items()}


def carriers_due_by(cutoffs: Mapping[str, int], cutoff: str) -> list[str]:
    """Carriers whose collection is at or before `cutoff`: what a wave "for the 16:00 trucks" takes."""
    limit = minutes(cutoff)
    return sorted(c for c, at in cutoffs.items() if at <= limit)


def bare(scan: str) -> str:
    """A scan as printed on the label: no CR/LF, no AIM identifier in front."""
    text = scan.strip()
    symbology, rest = split_aim(text)
    # An identifier with nothing after it is shown as sent, so a wrong-bin reply still names what was read.
    return rest if symbology and rest else text


@dataclass(frozen=True)
class Expected:
    """What the current task wants scanned."""

    location: str
    sku: str
    gtin: str | None  # as the catalogue was given it: what the picker is told, as printed on the item
    gtin14: str | None  # the same GTIN as a GTIN-14, which scans of any length are matched on
    lot: str  # "" when the product is not lot-tracked
    remaining: int


class WrongScan(Conflict):
    """A scan that names another bin or item than the task: the picker is told what to scan instead."""


def check_location(expected: Expected, scanned: str) -> None:
    code = bare(scanned)
    if code != expected.location:
        raise WrongScan(f"wrong bin: scan {expected.location}, not {code}", code="wrong_location",
                        details={"expected": expected.location, "scanned": code})


def check_item(expected: Expected, raw: str) -> None:
    """The item scan names the task's product (by SKU, GTIN or GS1) and, if it carries a lot, the task's lot.

    A malformed GTIN or GS1 scan raises InvalidBarcode (422), as at receiving.
    """
    if bare(raw) == expected.sku:
        # The SKU as printed on the pick list, even a numeric one that would read as a GTIN.
        return
    scan = read_scan(raw)
    wanted = {"sku": expected.sku, "gtin": expected.gtin, "lot": expected.lot or None}
    same = (scan.kind == "sku" and scan.sku == expected.sku) or (scan.gtin is not None and scan.gtin == expected.gtin14)
    if not same:
        shown = scan.sku or scan.gtin or bare(raw)
        raise WrongScan(f"wrong item: scan {expected.sku}" + (f" (GTIN {expected.gtin})" if expected.gtin else "")
                        + f", not {shown}", code="wrong_item", details={"expected": wanted, "scanned": shown})
    if expected.lot and scan.lot is not None and scan.lot != expected.lot:
        raise WrongScan(f"wrong lot: take lot {expected.lot} of {expected.sku}, not lot {scan.lot}",
                        code="wrong_lot", details={"expected": wanted, "scanned": {"lot": scan.lot}})


def check_quantity(expected: Expected, quantity: int) -> None:
    if quantity > expected.remaining:
        raise Conflict(f"the task asks for {expected.remaining} of {expected.sku}; {quantity} is too many "
                       "(put the rest back)", code="over_pick",
                       details={"expected": expected.remaining, "scanned": quantity})


def check_short(remaining: int, found: int) -> None:
    if found >= remaining:
        raise Conflict(f"{found} found of {remaining} asked is not short: confirm the pick instead",
                       code="not_short", details={"remaining": remaining, "quantity_found": found})


def pick_point(plan: FloorPlan, aisle: int | None, y_m: float | None) -> PickPoint:
    """Where a bin is picked from; a bin off the aisle network (a dock-side pick face) counts as at the depot."""
    front, back = plan.cross_aisles_y_m[0], plan.cross_aisles_y_m[-1]
    if aisle is not None and y_m is not None and front <= y_m <= back:
        try:
            plan.aisle_x(aisle)
            return PickPoint(aisle, float(y_m))
        except ValueError:
            pass
    nearest = min(plan.aisles, key=lambda a: (abs(a.x_m - plan.depot.x_m), a.index))
    return PickPoint(nearest.index, front)


def cheapest_insertion(plan: FloorPlan, route: Sequence[PickPoint], after: int, new: PickPoint) -> int:
    """Where to put one more stop in a closed route: an index in after+1..len(route) that lengthens it least.

    `after` is the stop the picker is at (stops up to it are walked already); the stop goes before
    route[index], or at the end (before the walk back to the depot) when index == len(route).
    """
    depot = plan.spot(plan.depot)
    spots = [plan.spot(p) for p in route]
    s = plan.spot(new)
    best, best_cost = len(route), float("inf")
    for i in range(after + 1, len(route) + 1):
        prev = spots[i - 1] if i > 0 else depot
        nxt = spots[i] if i < len(route) else depot
        cost = spot_distance(prev, s) + spot_distance(s, nxt) - spot_distance(prev, nxt)
        if cost < best_cost - 1e-9:
            best, best_cost = i, cost
    return best


PICKERS = ("picker", "supervisor")


@dataclass(frozen=True)
class ConfirmPick(Command):
    """The picker scanned the current task's bin and item: move the units into the tote."""

    ROLES = PICKERS

    pick_list_id: int
    scan: Mapping  # location_barcode, item_barcode, quantity
    actor: Actor


@dataclass(frozen=True)
class ShortPick(Command):
    """The bin holds fewer than the task asks: pick what is there, write off the rest, find it elsewhere."""

    ROLES = PICKERS

    pick_list_id: int
    scan: Mapping  # task_id, quantity_found
    actor: Actor


@dataclass(frozen=True)
class Demand:
    """One task to make: units of a reservation not yet on an open pick list."""

    line_id: int
    product_id: int
    location_id: int
    lot: str
    quantity: int
    point: PickPoint | None


@dataclass(frozen=True)
class WavePlan:
    """A wave as planned from what was read before any write began: the orders, their work, their carts."""

    params: Mapping  # as the supervisor (or the schedule) asked for it; the wave keeps them
    capacity: int  # totes per cart
    floor: FloorPlan
    order_ids: Sequence[int]  # in release order; carts name orders by their index here
    work: Mapping[int, Sequence[Demand]]  # per order id: the tasks it needs
    carts: Sequence[Cart]


@dataclass(frozen=True)
class ReleaseWave(Command):
    """Record a planned wave as pick lists, totes and tasks, and start picking its orders.

    The plan travels in the command because making it takes seconds of CPU, which must not be spent
    holding the write transaction; the handler keeps only the orders the plan still holds true for.
    """

    ROLES = ("supervisor",)

    plan: WavePlan
    actor: str
