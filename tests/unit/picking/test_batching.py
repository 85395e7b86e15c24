"""Batching: whole orders, capacity kept, honest routes, and less walking than FCFS."""

import bisect
import math
import random

import pytest

from wms.bench.picking import floor, random_orders
from wms.picking import routing
from wms.picking.batching import (
    Cart,
    Footprint,
    _seed_carts,
    batch,
    fcfs_batches,
    total_travel,
)
from wms.picking.batching_search import TourBook
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


def _stand_in(plan, picks):
    """Footprint's stand-in for a cart holding these picks, worked out from scratch."""
    cross = plan.cross_aisles_y_m
    stretches = {}
    for p in picks:
        b = min(max(bisect.bisect_right(cross, p.y_m) - 1, 0), len(cross) - 2)
        lo, hi = stretches.get((p.aisle, b), (p.y_m, p.y_m))
        stretches[(p.aisle, b)] = (min(lo, p.y_m), max(hi, p.y_m))
    xs = [plan.depot.x_m] + [plan.aisle_x(p.aisle) for p in picks]
    far = max((b for _, b in stretches), default=0)
    return (sum(min(cross[b + 1] - cross[b], 2 * (hi - cross[b]), 2 * (cross[b + 1] - lo))
                for (_, b), (lo, hi) in stretches.items())
            + 2 * (max(xs) - min(xs)) + 2 * (cross[far] - cross[0]))


@pytest.mark.parametrize("cross_aisles", [0, 1, 2])
def test_an_orders_price_is_what_it_adds_to_the_carts_stand_in(cross_aisles):
    plan, bays = floor(aisles=8, cross_aisles=cross_aisles)
    rng = random.Random(cross_aisles)
    orders = random_orders(rng, plan, bays, 40) + [[]]
    for _ in range(20):
        fp, cart = Footprint(plan), []
        for o in rng.sample(range(len(orders)), 6):
            for other in orders:
                assert fp.added(fp.shape(other)) == pytest.approx(
                    _stand_in(plan, cart + other) - _stand_in(plan, cart), abs=1e-9)
            fp.add(fp.shape(orders[o]))
            cart += orders[o]


def _seed_carts_pricing_every_slot_afresh(plan, book, group, capacity):
    fp = Footprint(plan)
    shapes = {o: fp.shape(book.orders[o]) for o in group}
    unassigned, carts = set(group), []
    while unassigned:
        seed = max(unassigned, key=lambda o: (book.reach(o), len(book.orders[o]), -o))
        unassigned.discard(seed)
        cart, fp = [seed], Footprint(plan)
        fp.add(shapes[seed])
        while len(cart) < capacity and unassigned:
            best = min(unassigned, key=lambda o: (fp.added(shapes[o]), o))
            unassigned.discard(best)
            cart.append(best)
            fp.add(shapes[best])
        carts.append(cart)
    return carts


@pytest.mark.parametrize(("cross_aisles", "capacity"), [(0, 1), (0, 8), (1, 12), (2, 5)])
def test_seed_carts_keep_prices_only_while_they_hold(cross_aisles, capacity):
    # Prices are kept from slot to slot and redone only where the cart grew: the carts must be
    # exactly those that pricing every order again at every slot makes.
    plan, bays = floor(aisles=12, cross_aisles=cross_aisles)
    orders = random_orders(random.Random(capacity), plan, bays, 150) + [[], []]
    book = TourBook(plan, orders)
    group = list(range(len(orders)))
    assert _seed_carts(plan, book, group, capacity) == _seed_carts_pricing_every_slot_afresh(
        plan, book, group, capacity)
