"""The walk itself, not just its length: corner points of each shortest leg, for drawing a route.

Follows `geometry.spot_distance` case by case, so the drawn polyline is exactly as long as the
route's `walk_length`. Pure domain code: no Flask, no database.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from wms.picking.geometry import FloorPlan, Point, Spot

XY = tuple[float, float]


def leg(a: Spot, b: Spot) -> list[XY]:
    """Corners of a shortest walk from a to b along aisle and cross-aisle centre lines."""
    xa, ya, da, ua = a
    xb, yb, _, _ = b
    if xa == xb:
        return [(xa, ya), (xb, yb)]
    if ya > yb:
        return list(reversed(leg(b, a)))
    if ua <= yb:
        # A cross aisle lies between the two: the first one at or beyond a costs no detour.
        cross = ua
    else:
        # Same block: out by its front or its back, whichever is shorter (the front on a tie).
        cross = da if ya + yb - 2.0 * da <= 2.0 * ua - ya - yb else ua
    return [(xa, ya), (xa, cross), (xb, cross), (xb, yb)]


def walk_path(plan: FloorPlan, points_in_order: Iterable[Point]) -> list[XY]:
    """Corners of the closed walk depot -> points in order -> depot, consecutive duplicates merged."""
    depot = plan.spot(plan.depot)
    spots = [depot] + [plan.spot(p) for p in points_in_order] + [depot]
    path: list[XY] = [(depot[0], depot[1])]
    for a, b in itertools.pairwise(spots):
        for xy in leg(a, b)[1:]:
            if xy != path[-1]:
                path.append(xy)
    return path


def path_length(path: list[XY]) -> float:
    return sum(abs(x2 - x1) + abs(y2 - y1) for (x1, y1), (x2, y2) in itertools.pairwise(path))
