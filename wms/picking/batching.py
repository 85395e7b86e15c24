"""Putting orders on carts so that the carts together walk as little as possible.

Each order goes whole into one tote, a cart holds `cart_capacity` totes. `batch` builds
carts with a seed algorithm (start a cart from the order reaching farthest from the depot,
add the order that widens the cart's footprint least) and then improves them by moving
and swapping orders between nearby carts. A change is accepted only when the carts'
current tours, with the order cut out of one and inserted cheaply into the other, are
already shorter in total; re-routing the changed carts can then only shorten them further,
so total travel never goes up. `fcfs_batches` is the naive baseline: orders in arrival
order, `cart_capacity` at a time.

Pure domain code: no Flask, no database.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from wms.picking.batching_search import MAX_PASSES, Improver, TourBook
from wms.picking.geometry import FloorPlan, PickPoint
from wms.picking.routing import Router, best_route

# Above this many orders a wave is cut into groups of neighbouring orders batched one by
# one: the seed step is quadratic in the group size, the saving from wider groups small.
GROUP_SIZE = 240


@dataclass(frozen=True)
class Cart:
    """One pick list: its orders (indices into the orders given) and its route."""

    orders: tuple[int, ...]
    route: tuple[tuple[int, int], ...]  # (order index, line index) in visiting order
    length_m: float


def total_travel(carts: Sequence[Cart]) -> float:
    return sum(c.length_m for c in carts)


def fcfs_batches(
    plan: FloorPlan,
    orders: Sequence[Sequence[PickPoint]],
    cart_capacity: int,
    router: Router = best_route,
) -> list[Cart]:
    """First come, first served: consecutive orders fill a cart, each cart routed."""
    _check(cart_capacity)
    book = TourBook(plan, orders)
    carts = []
    for start in range(0, len(orders), cart_capacity):
        members = list(range(start, min(start + cart_capacity, len(orders))))
        tour, length = book.route(members, router)
        carts.append(book.cart(members, tour, length, Cart))
    return carts


def batch(
    plan: FloorPlan,
    orders: Sequence[Sequence[PickPoint]],
    cart_capacity: int,
    router: Router = best_route,
    *,
    passes: int = MAX_PASSES,
) -> list[Cart]:
    """Carts of at most `cart_capacity` whole orders, chosen to minimise total travel.

    Uses as few carts as the capacity allows (one tour through two carts' picks is never
    longer than the two tours), so every cart but the last in each group is full.
    `passes` bounds the improvement step (0 = seed algorithm only), for very large waves.
    """
    _check(cart_capacity)
    if not orders:
        return []
    book = TourBook(plan, orders)
    carts: list[Cart] = []
    for group in _groups(plan, orders, cart_capacity):
        members = _seed_carts(plan, book, group, cart_capacity)
        routed = [book.route(m, router) for m in members]
        improver = Improver(book, members, routed, cart_capacity, router, passes)
        improver.run()
        for m, (tour, length) in zip(improver.members, improver.tours):
            carts.append(book.cart(m, tour, length, Cart))
    return carts


def _check(cart_capacity: int) -> None:
    if cart_capacity < 1:
        raise ValueError("cart_capacity must be at least 1")


def _groups(plan: FloorPlan, orders: Sequence[Sequence[PickPoint]], capacity: int) -> list[list[int]]:
    """Orders cut into groups of neighbours along the floor (all one group if few)."""
    n = len(orders)
    if n <= GROUP_SIZE:
        return [list(range(n))]
    size = max(capacity, (GROUP_SIZE // capacity) * capacity)
    ordered = sorted(range(n), key=lambda o: _sweep_key(plan, orders[o], o))
    return [ordered[i : i + size] for i in range(0, n, size)]


def _sweep_key(plan: FloorPlan, picks: Sequence[PickPoint], o: int) -> tuple[float, int]:
    """Where along the floor an order lies: the mean x of its picks (the depot's for none)."""
    if not picks:
        return plan.depot.x_m, o
    return sum(plan.aisle_x(p.aisle) for p in picks) / len(picks), o


def _seed_carts(
    plan: FloorPlan, book: TourBook, group: list[int], capacity: int
) -> list[list[int]]:
    unassigned = set(group)
    carts = []
    shaper = Footprint(plan)
    shapes = {o: shaper.shape(book.orders[o]) for o in group}
    # Orders with picks in each sub-aisle: when a cart's stretch there grows, only their prices change.
    sharing: dict[tuple[float, int], list[int]] = {}
    for o in group:
        for stretch in shapes[o].stretches:
            sharing.setdefault(stretch[0], []).append(o)
    # Seed order first: the one that makes the picker go farthest (ties: most lines).
    reach = {o: (book.reach(o), len(book.orders[o]), -o) for o in group}
    while unassigned:
        seed = max(unassigned, key=reach.__getitem__)
        unassigned.discard(seed)
        cart = [seed]
        fp = Footprint(plan)
        fp.add(shapes[seed])
        # Each order's price on this cart, kept until the cart grows where it matters to that
        # order: the search then prices most orders once per cart instead of once per slot.
        price: dict[int, float] = {}
        while len(cart) < capacity and unassigned:
            best, best_cost = -1, math.inf
            for o in unassigned:
                cost = price.get(o)
                if cost is None:
                    cost = price[o] = fp.added(shapes[o])
                if cost < best_cost or (cost == best_cost and o < best):
                    best, best_cost = o, cost
            unassigned.discard(best)
            cart.append(best)
            grown = fp.add(shapes[best])
            if grown is None:
                price.clear()
            else:
                for key in grown:
                    for o in sharing[key]:
                        price.pop(o, None)
        carts.append(cart)
    return carts


class Shape(NamedTuple):
    """An order's picks as a footprint prices them, prepared once per order."""

    x_lo: float
    x_hi: float
    far: int  # the farthest block with a pick
    # Per sub-aisle with picks, in the order the picks first reach it:
    # ((aisle x, block), block, lowest y, highest y, the stand-in's length for this stretch alone)
    stretches: tuple[tuple[tuple[float, int], int, float, float, float], ...]


class Footprint:
    """A cheap stand-in for a cart's tour length, to choose which order to add next.

    Per sub-aisle (aisle, block) with picks: entering it from the nearer end and back, or
    walking through, whichever is shorter; plus twice the width of the aisles used and
    twice the walk up to the farthest block used. Not a tour length, but it grows the way
    one does when an order brings new aisles, new blocks or deeper picks.
    """

    def __init__(self, plan: FloorPlan) -> None:
        self.plan = plan
        self.cross = plan.cross_aisles_y_m
        # (aisle x, block) -> lowest y, highest y, and that stretch's part of the stand-in
        self.ext: dict[tuple[float, int], tuple[float, float, float]] = {}
        self.x_lo = self.x_hi = plan.depot.x_m
        self.far = 0

    def shape(self, picks: Sequence[PickPoint]) -> Shape:
        """An order's picks prepared once, to be priced many times."""
        stretch: dict[tuple[float, int], tuple[float, float]] = {}
        for p in picks:
            y = float(p.y_m)
            b = min(max(bisect.bisect_right(self.cross, y) - 1, 0), len(self.cross) - 2)
            key = (self.plan.aisle_x(p.aisle), b)
            lo, hi = stretch.get(key, (y, y))
            stretch[key] = (min(lo, y), max(hi, y))
        if not stretch:
            return Shape(math.inf, -math.inf, 0, ())
        return Shape(min(x for x, _ in stretch), max(x for x, _ in stretch), max(b for _, b in stretch),
                     tuple((key, key[1], lo, hi, self._sub(key[1], lo, hi)) for key, (lo, hi) in stretch.items()))

    def _sub(self, b: int, lo_y: float, hi_y: float) -> float:
        front, back = self.cross[b], self.cross[b + 1]
        return min(back - front, 2.0 * (hi_y - front), 2.0 * (back - lo_y))

    def added(self, shape: Shape) -> float:
        """How much the stand-in grows if the order (as its `shape`) joins the cart."""
        if not shape.stretches:
            return 0.0
        grow = 2.0 * ((max(self.x_hi, shape.x_hi) - min(self.x_lo, shape.x_lo)) - (self.x_hi - self.x_lo))
        grow += 2.0 * (self.cross[max(self.far, shape.far)] - self.cross[self.far])
        ext = self.ext
        for key, b, lo, hi, alone in shape.stretches:
            old = ext.get(key)
            if old is None:
                grow += alone
            elif lo < old[0] or hi > old[1]:
                grow += self._sub(b, min(lo, old[0]), max(hi, old[1])) - old[2]
            # else: within the cart's stretch already, adds nothing
        return grow

    def add(self, shape: Shape) -> list[tuple[float, int]] | None:
        """Put the order on the cart; returns the sub-aisles whose stretch grew, None if every price changed."""
        grown = []
        for key, b, lo, hi, alone in shape.stretches:
            old = self.ext.get(key)
            if old is None:
                self.ext[key] = (lo, hi, alone)
            elif lo < old[0] or hi > old[1]:
                lo, hi = min(lo, old[0]), max(hi, old[1])
                self.ext[key] = (lo, hi, self._sub(b, lo, hi))
            else:
                continue
            grown.append(key)
        if not shape.stretches:
            return grown
        bounds = (self.x_lo, self.x_hi, self.far)
        self.x_lo, self.x_hi = min(self.x_lo, shape.x_lo), max(self.x_hi, shape.x_hi)
        self.far = max(self.far, shape.far)
        # The aisles' width and the walk to the farthest block are in every order's price.
        return grown if bounds == (self.x_lo, self.x_hi, self.far) else None
