"""The picking floor as a walking network, exactly as `GET /layouts/current` describes it.

A picker walks only along aisle centre lines (vertical, at each aisle's `x_m`) and
cross-aisle centre lines (horizontal, at each `cross_aisles_y_m`). Every aisle runs
from the front cross aisle to the back one and meets every cross aisle, so the floor
is a rectangular grid of blocks. The depot lies on the front cross aisle.

Pure domain code: no Flask, no database.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# Coordinates are metres from a layout generator that rounds to millimetres at best;
# a micrometre is far below anything a route could distinguish.
_EPS = 1e-6


@dataclass(frozen=True)
class PickPoint:
    """Where a bin is picked from: the centre line of its aisle at the bin's y."""

    aisle: int
    y_m: float


@dataclass(frozen=True)
class Depot:
    """The point every pick tour starts from and returns to (on the front cross aisle)."""

    x_m: float
    y_m: float


Point = PickPoint | Depot
# (x, y, nearest cross aisle at or below y, nearest at or above y)
Spot = tuple[float, float, float, float]


@dataclass(frozen=True)
class Aisle:
    index: int
    x_m: float
    y_start_m: float
    y_end_m: float


@dataclass(frozen=True)
class FloorPlan:
    """Aisles sorted by x, the cross aisles (front first) and the depot."""

    aisles: tuple[Aisle, ...]
    cross_aisles_y_m: tuple[float, ...]
    depot: Depot
    _x_by_aisle: dict[int, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        aisles = tuple(sorted(self.aisles, key=lambda a: a.x_m))
        cross = tuple(float(y) for y in self.cross_aisles_y_m)
        object.__setattr__(self, "aisles", aisles)
        object.__setattr__(self, "cross_aisles_y_m", cross)
        if not aisles:
            raise ValueError("a floor plan needs at least one aisle")
        if len(cross) < 2 or any(b <= a for a, b in itertools.pairwise(cross)):
            raise ValueError(
                "cross_aisles_y_m must list front and back, strictly ascending"
            )
        if len({a.index for a in aisles}) != len(aisles):
            raise ValueError("aisle indices must be unique")
        if any(b.x_m - a.x_m <= _EPS for a, b in itertools.pairwise(aisles)):
            raise ValueError("aisles must have distinct x_m")
        for a in aisles:
            # The routing model assumes every aisle meets every cross aisle.
            if abs(a.y_start_m - cross[0]) > _EPS or abs(a.y_end_m - cross[-1]) > _EPS:
                raise ValueError(
                    f"aisle {a.index} must run from the front to the back cross aisle"
                )
        if abs(self.depot.y_m - cross[0]) > _EPS:
            raise ValueError("the depot must lie on the front cross aisle")
        object.__setattr__(self, "_x_by_aisle", {a.index: a.x_m for a in aisles})

    @classmethod
    def from_dict(cls, d: dict) -> FloorPlan:
        """Build from the `GET /layouts/current` body."""
        aisles = tuple(
            Aisle(
                int(a["index"]),
                float(a["x_m"]),
                float(a["y_start_m"]),
                float(a["y_end_m"]),
            )
            for a in d["aisles"]
        )
        depot = Depot(float(d["depot"]["x_m"]), float(d["depot"]["y_m"]))
        return cls(aisles, tuple(d["cross_aisles_y_m"]), depot)

    def to_dict(self) -> dict:
        return {
            "aisles": [
                {
                    "index": a.index,
                    "x_m": a.x_m,
                    "y_start_m": a.y_start_m,
                    "y_end_m": a.y_end_m,
                }
                for a in self.aisles
            ],
            "cross_aisles_y_m": list(self.cross_aisles_y_m),
            "depot": {"x_m": self.depot.x_m, "y_m": self.depot.y_m},
        }

    @property
    def blocks(self) -> int:
        """Number of blocks (bands of aisle between two consecutive cross aisles)."""
        return len(self.cross_aisles_y_m) - 1

    def aisle_x(self, aisle: int) -> float:
        try:
            return self._x_by_aisle[aisle]
        except KeyError:
            raise ValueError(f"no aisle {aisle} on this floor plan") from None

    def xy(self, p: Point) -> tuple[float, float]:
        """Floor coordinates of a pick point or the depot, checked to lie on the network."""
        if isinstance(p, Depot):
            if abs(p.y_m - self.cross_aisles_y_m[0]) > _EPS:
                raise ValueError("a depot must lie on the front cross aisle")
            return p.x_m, self.cross_aisles_y_m[0]
        x = self.aisle_x(p.aisle)
        y = float(p.y_m)
        if not self.cross_aisles_y_m[0] - _EPS <= y <= self.cross_aisles_y_m[-1] + _EPS:
            raise ValueError(f"y_m={y} lies outside aisle {p.aisle}")
        return x, y

    def distance(self, p: Point, q: Point) -> float:
        """Shortest walk between two points along aisle and cross-aisle centre lines."""
        return spot_distance(self.spot(p), self.spot(q))

    def spot(self, p: Point) -> Spot:
        """A point prepared for many `spot_distance` calls (batching and routing inner loops)."""
        x, y = self.xy(p)
        cross = self.cross_aisles_y_m
        i = bisect.bisect_left(cross, y)
        up = cross[min(i, len(cross) - 1)]
        j = bisect.bisect_right(cross, y) - 1
        down = cross[max(j, 0)]
        return x, y, down, up


def spot_distance(a: Spot, b: Spot) -> float:
    """`distance` between two prepared points."""
    xa, ya, da, ua = a
    xb, yb, db, ub = b
    if xa == xb:
        # Same aisle centre line (or the depot at an aisle's front end): straight along it.
        return abs(ya - yb)
    if ya > yb:
        xa, ya, da, ua, xb, yb, db, ub = xb, yb, db, ub, xa, ya, da, ua
    # Changing aisle needs some cross aisle; the best one lies between the two points
    # if any does, otherwise it is the front or back of the block both points share.
    if ua <= yb:
        vertical = yb - ya
    else:
        vertical = min(ya + yb - 2.0 * da, 2.0 * ua - ya - yb)
    return abs(xa - xb) + vertical


def distance(plan: FloorPlan, p: Point, q: Point) -> float:
    """Shortest walk between two points (pick points or the depot) on `plan`."""
    return plan.distance(p, q)


def distance_matrix(plan: FloorPlan, points: Sequence[Point]) -> list[list[float]]:
    """All-pairs shortest walks; row/column 0 is the depot, i+1 is points[i]."""
    spots = [plan.spot(plan.depot)] + [plan.spot(p) for p in points]
    n = len(spots)
    m = [[0.0] * n for _ in range(n)]
    for i in range(n):
        si = spots[i]
        row = m[i]
        for j in range(i + 1, n):
            d = spot_distance(si, spots[j])
            row[j] = d
            m[j][i] = d
    return m


def walk_length(plan: FloorPlan, points_in_order: Iterable[Point]) -> float:
    """Length of the closed walk depot -> points in order -> depot, each leg shortest."""
    depot = plan.spot(plan.depot)
    prev = depot
    total = 0.0
    for p in points_in_order:
        s = plan.spot(p)
        total += spot_distance(prev, s)
        prev = s
    return total + spot_distance(prev, depot)
