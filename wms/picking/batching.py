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
    for group in _groups(book, len(orders), cart_capacity):
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


def _groups(book: TourBook, n: int, capacity: int) -> list[list[int]]:
    """Orders cut into groups of neighbours along the floor (all one group if few)."""
    if n <= GROUP_SIZE:
        return [list(range(n))]
    size = max(capacity, (GROUP_SIZE // capacity) * capacity)
    ordered = sorted(range(n), key=book.sweep_key)
    return [ordered[i : i + size] for i in range(0, n, size)]


def _seed_carts(
    plan: FloorPlan, book: TourBook, group: list[int], capacity: int
) -> list[list[int]]:
    unassigned = set(group)
    carts = []
    keys = {o: Footprint(plan).keys(book.orders[o]) for o in group}
    # Seed order first: the one that makes the picker go farthest (ties: most lines).
    reach = {o: (book.reach(o), len(book.orders[o]), -o) for o in group}
    while unassigned:
        seed = max(unassigned, key=reach.__getitem__)
        unassigned.discard(seed)
        cart = [seed]
        fp = Footprint(plan)
        fp.add(keys[seed])
        while len(cart) < capacity and unassigned:
            best, best_cost = -1, math.inf
            for o in unassigned:
                cost = fp.added(keys[o])
                if cost < best_cost or (cost == best_cost and o < best):
                    best, best_cost = o, cost
            unassigned.discard(best)
            cart.append(best)
            fp.add(keys[best])
        carts.append(cart)
    return carts


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
        self.ext: dict[tuple[float, int], tuple[float, float]] = {}
        self.x_lo = self.x_hi = plan.depot.x_m
        self.far = 0

    def keys(self, picks: Sequence[PickPoint]) -> list[tuple[float, int, float]]:
        """Picks as (aisle x, block, y): prepared once per order, priced many times."""
        out = []
        for p in picks:
            y = float(p.y_m)
            b = min(max(bisect.bisect_right(self.cross, y) - 1, 0), len(self.cross) - 2)
            out.append((self.plan.aisle_x(p.aisle), b, y))
        return out

    def _sub(self, b: int, lo_y: float, hi_y: float) -> float:
        front, back = self.cross[b], self.cross[b + 1]
        return min(back - front, 2.0 * (hi_y - front), 2.0 * (back - lo_y))

    def added(self, keys: Sequence[tuple[float, int, float]]) -> float:
        """How much the stand-in grows if these picks (as `keys`) join the cart."""
        if not keys:
            return 0.0
        ext = self.ext
        new: dict[tuple[float, int], tuple[float, float]] = {}
        x_lo, x_hi, far = self.x_lo, self.x_hi, self.far
        for x, b, y in keys:
            lo, hi = new.get((x, b)) or ext.get((x, b)) or (y, y)
            new[(x, b)] = (min(y, lo), max(y, hi))
            if x < x_lo:
                x_lo = x
            elif x > x_hi:
                x_hi = x
            far = max(far, b)
        grow = 2.0 * ((x_hi - x_lo) - (self.x_hi - self.x_lo))
        grow += 2.0 * (self.cross[far] - self.cross[self.far])
        for (x, b), (lo, hi) in new.items():
            old = ext.get((x, b))
            grow += self._sub(b, lo, hi) - (self._sub(b, *old) if old else 0.0)
        return grow

    def add(self, keys: Sequence[tuple[float, int, float]]) -> None:
        for x, b, y in keys:
            lo, hi = self.ext.get((x, b), (y, y))
            self.ext[(x, b)] = (min(lo, y), max(hi, y))
            self.x_lo, self.x_hi, self.far = (
                min(self.x_lo, x),
                max(self.x_hi, x),
                max(self.far, b),
            )
