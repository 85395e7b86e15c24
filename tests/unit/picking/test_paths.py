"""The drawn walk: corners along centre lines only, exactly as long as the route it draws."""

import itertools
import random

import pytest

from wms.bench.picking import floor, random_picks
from wms.picking.geometry import walk_length
from wms.picking.paths import path_length, walk_path


@pytest.mark.parametrize("cross_aisles", [0, 1, 3])
def test_drawn_walk_is_as_long_as_the_walk_and_stays_on_the_network(cross_aisles):
    plan, bay_ys = floor(aisles=6, bays_per_aisle=12, cross_aisles=cross_aisles)
    rng = random.Random(cross_aisles)
    aisle_xs = {a.x_m for a in plan.aisles}
    for _ in range(200):
        points = random_picks(rng, plan, bay_ys, rng.randint(0, 12))
        path = walk_path(plan, points)
        assert path[0] == path[-1] == (plan.depot.x_m, plan.cross_aisles_y_m[0])
        assert path_length(path) == pytest.approx(walk_length(plan, points), abs=1e-9)
        for (x1, y1), (x2, y2) in itertools.pairwise(path):
            # Vertical legs run along an aisle; horizontal ones along a cross aisle.
            assert (x1 == x2 and x1 in aisle_xs) or (y1 == y2 and y1 in plan.cross_aisles_y_m)
        stops = {plan.xy(p) for p in points}
        on_path = [xy for xy in stops if any(_on_segment(xy, a, b) for a, b in itertools.pairwise(path))]
        assert len(on_path) == len(stops)


def _on_segment(p, a, b):
    (x, y), (x1, y1), (x2, y2) = p, a, b
    return min(x1, x2) - 1e-9 <= x <= max(x1, x2) + 1e-9 and min(y1, y2) - 1e-9 <= y <= max(y1, y2) + 1e-9
