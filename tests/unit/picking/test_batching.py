"""Batching: whole orders, capacity kept, honest routes, and less walking than FCFS."""

import math
import random

import pytest

from wms.picking import routing
from wms.picking.batching import Cart, batch, fcfs_batches, total_travel
from wms.picking.benchmarks import floor, random_orders
from wms.picking.geometry import PickPoint, walk_length


def assert_valid(plan, orders, carts, capacity):
    seen = [o for c in carts for o in c.orders]
    assert sorted(seen) == list(range(len(orders)))  # every order exactly once
    for cart in carts:
        assert 1 <= len(cart.orders) <= capacity
        # The route holds every line of the cart's orders once, and nothing else.
        expected = sorted(
            (o, line) for o in cart.orders for line in range(len(orders[o]))
        )
        assert sorted(cart.route) == expected
        points = [orders[o][line] for o, line in cart.route]
        assert cart.length_m == walk_length(plan, points)


@pytest.mark.parametrize("capacity", [1, 3, 8, 12])
def test_every_order_once_whole_and_no_cart_over_capacity(capacity):
    plan, bays = floor(cross_aisles=1)
    orders = random_orders(random.Random(capacity), plan, bays, 60)
    for carts in (batch(plan, orders, capacity), fcfs_batches(plan, orders, capacity)):
        assert_valid(plan, orders, carts, capacity)
        assert len(carts) == math.ceil(len(orders) / capacity)


def test_batching_walks_at_least_fifteen_percent_less_than_fcfs():
    plan, bays = floor(aisles=10, bays_per_aisle=20)
    orders = random_orders(random.Random(2024), plan, bays, 200)
    ours = total_travel(batch(plan, orders, 10))
    naive = total_travel(fcfs_batches(plan, orders, 10))
    assert ours <= 0.85 * naive


def test_batching_beats_fcfs_on_many_blocks_with_the_heuristic_router():
    plan, bays = floor(aisles=8, cross_aisles=2, bays_per_aisle=18)
    orders = random_orders(random.Random(7), plan, bays, 60)
    carts = batch(plan, orders, 6)
    assert_valid(plan, orders, carts, 6)
    assert total_travel(carts) < total_travel(fcfs_batches(plan, orders, 6))


def test_large_waves_are_batched_in_groups_and_stay_valid():
    plan, bays = floor(aisles=12)
    orders = random_orders(random.Random(3), plan, bays, 520)
    carts = batch(plan, orders, 10)
    assert_valid(plan, orders, carts, 10)
    assert total_travel(carts) < 0.85 * total_travel(fcfs_batches(plan, orders, 10))


def test_fcfs_keeps_arrival_order():
    plan, bays = floor()
    orders = random_orders(random.Random(1), plan, bays, 7)
    carts = fcfs_batches(plan, orders, 3)
    assert [c.orders for c in carts] == [(0, 1, 2), (3, 4, 5), (6,)]


def test_edge_cases():
    plan, _ = floor()
    assert batch(plan, [], 5) == []
    with pytest.raises(ValueError):
        batch(plan, [[PickPoint(1, 5.1)]], 0)
    # An order without lines still gets a tote; the same bin in two orders is walked once.
    orders = [[], [PickPoint(4, 5.1)], [PickPoint(4, 5.1)]]
    carts = batch(plan, orders, 3)
    assert len(carts) == 1 and isinstance(carts[0], Cart)
    assert sorted(carts[0].orders) == [0, 1, 2]
    assert carts[0].length_m == pytest.approx(
        routing.exact(plan, [PickPoint(4, 5.1)]).length_m
    )


def test_improvement_never_loses_to_its_own_seed_carts():
    # Moves are accepted only when the patched tours are shorter, so the total can only drop.
    plan, bays = floor(cross_aisles=1)
    orders = random_orders(random.Random(12), plan, bays, 120)
    seeded = total_travel(batch(plan, orders, 8, passes=0))
    assert total_travel(batch(plan, orders, 8, passes=1)) < seeded
