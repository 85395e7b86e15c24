"""Planning a whole wave: the same carts as one `batch` call, on one process or several."""

import random

import pytest

from wms.bench.picking import floor, random_orders
from wms.picking import planning
from wms.picking.batching import batch, total_travel
from wms.picking.batching_search import MAX_PASSES


def test_passes_shrink_as_waves_grow():
    assert planning.passes_for(1) == MAX_PASSES
    assert planning.passes_for(20) == 1
    assert planning.passes_for(42) == 0


@pytest.mark.parametrize("workers", [1, 2])
def test_plan_carts_equals_batch_with_the_same_passes(workers, monkeypatch):
    # Small enough to run quickly, large enough for several groups (and, with 2 workers, two processes).
    monkeypatch.setattr(planning, "PARALLEL_MIN_ORDERS", 100)
    plan, bay_ys = floor(aisles=8, bays_per_aisle=15, cross_aisles=1)
    orders = random_orders(random.Random(4), plan, bay_ys, 600)
    carts = planning.plan_carts(plan, orders, 8, workers=workers)
    passes = planning.passes_for(3)  # 600 orders make three groups of 240 at most
    same = batch(plan, orders, 8, passes=passes)
    assert sorted((c.orders, c.route, c.length_m) for c in carts) == sorted(
        (c.orders, c.route, c.length_m) for c in same)
    assert total_travel(carts) == pytest.approx(total_travel(same))
    assert sorted(o for c in carts for o in c.orders) == list(range(600))
    assert all(len(c.orders) <= 8 for c in carts)


def test_an_empty_wave_has_no_carts():
    plan, _ = floor()
    assert planning.plan_carts(plan, [], 5) == []
