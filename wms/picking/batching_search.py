"""The working parts of `batching`: tours of a wave's picks, and the improver.

Pure domain code: no Flask, no database.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from wms.picking.geometry import FloorPlan, PickPoint, spot_distance

_DEPOT = -1
# A change must save more than this (metres) to count, so rounding cannot make it cycle.
_SAVING = 1e-6
# Carts whose tours are compared for moves and swaps: each cart and its nearest ones.
_NEIGHBOURS = 4
# Passes over all neighbouring pairs; nearly all the gain comes in the first two or three.
MAX_PASSES = 20


class TourBook:
    """Every pick of a wave numbered once; tours are lists of those numbers."""

    def __init__(self, plan: FloorPlan, orders: Sequence[Sequence[PickPoint]]) -> None:
        self.plan = plan
        self.orders = orders
        self.picks: list[tuple[int, int]] = []
        self.of_order: list[list[int]] = []
        for o, lines in enumerate(orders):
            ids = []
            for line, _ in enumerate(lines):
                ids.append(len(self.picks))
                self.picks.append((o, line))
            self.of_order.append(ids)
        self.points = [orders[o][line] for o, line in self.picks]
        self.spots = [plan.spot(p) for p in self.points]
        self.depot = plan.spot(plan.depot)

    def d(self, i: int, j: int) -> float:
        a = self.depot if i == _DEPOT else self.spots[i]
        b = self.depot if j == _DEPOT else self.spots[j]
        return spot_distance(a, b)

    def reach(self, o: int) -> float:
        return max((self.d(_DEPOT, i) for i in self.of_order[o]), default=0.0)

    def length(self, tour: Sequence[int]) -> float:
        total, prev = 0.0, self.depot
        for i in tour:
            s = self.spots[i]
            total += spot_distance(prev, s)
            prev = s
        return total + spot_distance(prev, self.depot)

    def route(self, members: Sequence[int], router) -> tuple[list[int], float]:
        ids = [i for o in members for i in self.of_order[o]]
        r = router(self.plan, [self.points[i] for i in ids])
        return [ids[k] for k in r.order], r.length_m

    def insert(self, tour: list[int], ids: Sequence[int]) -> tuple[list[int], float]:
        """Each pick put where it lengthens the tour least, one after another."""
        spots, dist = self.spots, spot_distance
        t = list(tour)
        seq = [self.depot] + [spots[i] for i in t] + [self.depot]
        legs = [dist(a, b) for a, b in itertools.pairwise(seq)]
        added = 0.0
        for p in ids:
            sp = spots[p]
            to = [dist(s, sp) for s in seq]
            best_k, best = 0, math.inf
            for k, leg in enumerate(legs):
                c = to[k] + to[k + 1] - leg
                if c < best:
                    best_k, best = k, c
            t.insert(best_k, p)
            seq.insert(best_k + 1, sp)
            legs[best_k : best_k + 1] = [to[best_k], to[best_k + 1]]
            added += best
        return t, added

    def centroid(self, tour: Sequence[int]) -> tuple[float, float]:
        if not tour:
            return self.depot[0], self.depot[1]
        return (
            sum(self.spots[i][0] for i in tour) / len(tour),
            sum(self.spots[i][1] for i in tour) / len(tour),
        )

    def cart(self, members, tour, length, cart_type):
        return cart_type(tuple(members), tuple(self.picks[i] for i in tour), length)


class Improver:
    """Moves and swaps of whole orders between nearby carts while total travel drops."""

    def __init__(
        self,
        book: TourBook,
        members,
        routed,
        capacity: int,
        router,
        passes: int = MAX_PASSES,
    ) -> None:
        self.book = book
        self.passes = passes
        self.members: list[list[int]] = [list(m) for m in members]
        self.tours: list[tuple[list[int], float]] = list(routed)
        self.capacity = capacity
        self.router = router
        # A cart's version changes with its contents; a pair of carts found with nothing
        # to gain is not looked at again until one of them changes.
        self.version = [0] * len(self.members)
        self.settled: set[tuple[int, int, int, int]] = set()
        self.dirty: set[int] = set()
        self._cuts: dict[tuple[int, int], dict[int, float]] = {}
        self._inserts: dict[tuple[int, int, int], float] = {}
        self._leg_cache: dict[tuple[int, int], tuple[list, list[float]]] = {}

    def run(self) -> None:
        for _ in range(self.passes):
            if not self._pass():
                break
        for c in sorted(self.dirty):
            self.tours[c] = self._better(self.members[c], *self.tours[c])

    def _pairs(self) -> list[tuple[int, int]]:
        cents = [self.book.centroid(t) for t, _ in self.tours]
        n = len(cents)
        pairs = set()
        for a in range(n):
            near = sorted(
                (abs(cents[a][0] - cents[b][0]) + abs(cents[a][1] - cents[b][1]), b)
                for b in range(n)
                if b != a
            )
            for _, b in near[:_NEIGHBOURS]:
                pairs.add((min(a, b), max(a, b)))
        return sorted(pairs)

    def _pass(self) -> bool:
        changed = False
        for a, b in self._pairs():
            while (a, b, self.version[a], self.version[b]) not in self.settled:
                if self._improve_pair(a, b):
                    changed = True
                else:
                    self.settled.add((a, b, self.version[a], self.version[b]))
        return changed

    def _cut_saving(self, c: int) -> dict[int, float]:
        """Per order on cart c: how much shorter its tour gets with that order skipped."""
        key = (c, self.version[c])
        if key not in self._cuts:
            tour, length = self.tours[c]
            self._cuts[key] = {
                o: length - self.book.length(self._without(tour, o))
                for o in self.members[c]
            }
        return self._cuts[key]

    def _insert_cost(self, o: int, c: int) -> float:
        """Price of adding order o to cart c: each pick at its cheapest place in c's tour."""
        key = (o, c, self.version[c])
        price = self._inserts.get(key)
        if price is None:
            stops, legs = self._legs(c)
            spots = self.book.spots
            price = 0.0
            for p in self.book.of_order[o]:
                to = _distances_to(stops, spots[p])
                price += min([to[k] + to[k + 1] - legs[k] for k in range(len(legs))])
            self._inserts[key] = price
        return price

    def _legs(self, c: int) -> tuple[list, list[float]]:
        key = (c, self.version[c])
        hit = self._leg_cache.get(key)
        if hit is None:
            book = self.book
            stops = (
                [book.depot] + [book.spots[i] for i in self.tours[c][0]] + [book.depot]
            )
            hit = (stops, [spot_distance(a, b) for a, b in itertools.pairwise(stops)])
            self._leg_cache[key] = hit
        return hit

    def _without(self, tour: list[int], o: int) -> list[int]:
        gone = set(self.book.of_order[o])
        return [i for i in tour if i not in gone]

    def _improve_pair(self, a: int, b: int) -> bool:
        cut_a, cut_b = self._cut_saving(a), self._cut_saving(b)
        into_b = {x: self._insert_cost(x, b) - cut_a[x] for x in self.members[a]}
        into_a = {y: self._insert_cost(y, a) - cut_b[y] for y in self.members[b]}
        # Screened by prices on the current tours; each candidate is then checked exactly.
        options = []
        if len(self.members[b]) < self.capacity:
            options += [(into_b[x], x, None) for x in self.members[a]]
        if len(self.members[a]) < self.capacity:
            options += [(into_a[y], None, y) for y in self.members[b]]
        options += [
            (into_b[x] + into_a[y], x, y)
            for x in self.members[a]
            for y in self.members[b]
        ]
        options.sort(key=lambda t: t[0])
        for price, x, y in options:
            if price >= -_SAVING:
                break
            if self._try(a, b, x, y):
                return True
        return False

    def _try(self, a: int, b: int, x: int | None, y: int | None) -> bool:
        book = self.book
        tour_a, len_a = self.tours[a]
        tour_b, len_b = self.tours[b]
        new_a, new_b = tour_a, tour_b
        if x is not None:
            new_a = self._without(new_a, x)
        if y is not None:
            new_b = self._without(new_b, y)
        if x is not None:
            new_b, _ = book.insert(new_b, book.of_order[x])
        if y is not None:
            new_a, _ = book.insert(new_a, book.of_order[y])
        la, lb = book.length(new_a), book.length(new_b)
        if la + lb >= len_a + len_b - _SAVING:
            return False
        mem_a = [o for o in self.members[a] if o != x] + ([y] if y is not None else [])
        mem_b = [o for o in self.members[b] if o != y] + ([x] if x is not None else [])
        self.members[a], self.members[b] = mem_a, mem_b
        # Patched tours are kept while searching (re-routing every change costs more than
        # it finds); `finish` routes the changed carts once at the end.
        self.tours[a], self.tours[b] = (new_a, la), (new_b, lb)
        self.dirty.update((a, b))
        self.version[a] += 1
        self.version[b] += 1
        return True

    def _better(
        self, members: list[int], tour: list[int], length: float
    ) -> tuple[list[int], float]:
        """The router's tour, unless the patched one is shorter (a heuristic router may lose)."""
        routed = self.book.route(members, self.router)
        return routed if routed[1] <= length else (tour, length)


def _distances_to(stops: Sequence[tuple], spot: tuple) -> list[float]:
    """`spot_distance` from every stop to one spot, inlined: the improver's hot loop."""
    xp, yp, dp, up = spot
    out = []
    for xs, ys, ds, us in stops:
        if xs == xp:
            out.append(ys - yp if ys > yp else yp - ys)
            continue
        dx = xs - xp if xs > xp else xp - xs
        if ys <= yp:
            if us <= yp:
                out.append(dx + yp - ys)
            else:
                out.append(dx + min(ys + yp - 2.0 * ds, 2.0 * us - ys - yp))
        elif up <= ys:
            out.append(dx + ys - yp)
        else:
            out.append(dx + min(ys + yp - 2.0 * dp, 2.0 * up - ys - yp))
    return out
