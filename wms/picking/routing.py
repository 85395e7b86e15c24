"""Pick routing: the order to visit a pick list's bins in, and the walk's length in metres.

Every router returns a `Route`: `order` indexes the points it was given, and `length_m`
is `walk_length` of the points in that order (depot -> picks -> depot, each leg a shortest
walk), so anyone holding the layout can recompute it to the millimetre.

- `exact`: optimal, Ratliff & Rosenthal's dynamic programming (one block) and its
  two-block extension by Roodbergen & de Koster; it also runs on more blocks, with a
  state space that grows quickly with each cross aisle.
- `s_shape`, `largest_gap`, `combined`: the classic heuristics (baselines).
- `heuristic`: for three blocks or more, the same sweep keeping only the cheapest partial
  tours (a beam), then 2-opt / or-opt on the exact distance matrix.
- `best_route`: exact up to two blocks, `heuristic` beyond.

Pure domain code: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from wms.picking import routing_heuristics as _h
from wms.picking.geometry import FloorPlan, PickPoint, distance_matrix, walk_length
from wms.picking.routing_exact import optimal_tour
from wms.picking.routing_improve import improve, tour_length

# Partial tours kept between aisles by `heuristic`; measured (wms/bench/picking.py) to stay well
# within 1% of optimal on three and four blocks at a few milliseconds per 30 picks.
BEAM_WIDTH = 16
# Up to this many blocks `best_route` is exact (and fast: about 1.5 ms for 30 picks on
# two blocks); beyond, the exact sweep's state space makes it too slow to use per route.
EXACT_MAX_BLOCKS = 2


class Route(NamedTuple):
    order: list[int]
    length_m: float


Router = Callable[[FloorPlan, Sequence[PickPoint]], Route]


def _route(plan: FloorPlan, points: Sequence[PickPoint], order: list[int]) -> Route:
    return Route(order, walk_length(plan, [points[i] for i in order]))


def exact(plan: FloorPlan, points: Sequence[PickPoint]) -> Route:
    """A shortest tour through all points."""
    order, _ = optimal_tour(plan, points)
    return _route(plan, points, order)


def s_shape(plan: FloorPlan, points: Sequence[PickPoint]) -> Route:
    return _route(plan, points, _h.s_shape(plan, points))


def largest_gap(plan: FloorPlan, points: Sequence[PickPoint]) -> Route:
    return _route(plan, points, _h.largest_gap(plan, points))


def combined(plan: FloorPlan, points: Sequence[PickPoint]) -> Route:
    return _route(plan, points, _h.combined(plan, points))


def heuristic(
    plan: FloorPlan, points: Sequence[PickPoint], beam: int = BEAM_WIDTH
) -> Route:
    """A near-optimal tour: the truncated sweep, then local improvement."""
    if not points:
        return Route([], 0.0)
    order, _ = optimal_tour(plan, points, beam=beam)
    dist = distance_matrix(plan, points)
    order = improve(dist, order)
    # Keep the combined heuristic as a safety net: it costs little and the local search
    # occasionally lands it below the sweep on many-block floors.
    other = improve(dist, _h.combined(plan, points))
    if tour_length(dist, [i + 1 for i in other]) < tour_length(
        dist, [i + 1 for i in order]
    ):
        order = other
    return _route(plan, points, order)


def best_route(plan: FloorPlan, points: Sequence[PickPoint]) -> Route:
    """Exact up to EXACT_MAX_BLOCKS blocks, the beam sweep plus local search beyond."""
    if plan.blocks <= EXACT_MAX_BLOCKS:
        return exact(plan, points)
    return heuristic(plan, points)
