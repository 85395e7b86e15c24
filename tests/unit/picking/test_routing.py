"""Routers: the exact sweep held to brute force, heuristics held to being honest tours."""

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wms.bench.picking import floor, held_karp, random_picks
from wms.picking import routing
from wms.picking.geometry import FloorPlan, PickPoint, distance_matrix, walk_length
from wms.picking.routing_exact import optimal_tour
from wms.picking.routing_improve import improve, tour_length

ROUTERS = [
    routing.exact,
    routing.s_shape,
    routing.largest_gap,
    routing.combined,
    routing.heuristic,
    routing.best_route,
]


def floor_dict(xs, cross, depot_x):
    return {
        "aisles": [
            {"index": i + 1, "x_m": x, "y_start_m": cross[0], "y_end_m": cross[-1]}
            for i, x in enumerate(xs)
        ],
        "cross_aisles_y_m": list(cross),
        "depot": {"x_m": depot_x, "y_m": cross[0]},
    }


def random_instance(rng, blocks, max_picks):
    """A small floor with uneven aisle spacing and block lengths, a random depot, awkward picks."""
    n_aisles = rng.randint(1, 6)
    xs, x = [], 0.0
    for _ in range(n_aisles):
        x += rng.uniform(1.0, 6.0)
        xs.append(round(x, 3))
    cross, y = [0.0], 0.0
    for _ in range(blocks):
        y += rng.uniform(2.0, 15.0)
        cross.append(round(y, 3))
    depot_x = rng.choice(
        [
            xs[0],
            rng.choice(xs),
            rng.uniform(xs[0], xs[-1]),
            rng.uniform(xs[0] - 4, xs[-1] + 4),
        ]
    )
    plan = FloorPlan.from_dict(floor_dict(xs, cross, depot_x))
    pts = []
    for _ in range(rng.randint(1, max_picks)):
        if pts and rng.random() < 0.2:
            pts.append(rng.choice(pts))  # the same bin again, or its facing bay
            continue
        y = rng.choice(
            [
                rng.uniform(0.0, cross[-1]),
                rng.choice(cross),
                float(rng.randint(0, int(cross[-1]))),
            ]
        )
        pts.append(PickPoint(rng.randint(1, n_aisles), y))
    return plan, pts


def brute_force(plan, pts):
    d = distance_matrix(plan, pts)
    if len(pts) <= 6:
        return min(
            tour_length(d, [i + 1 for i in perm])
            for perm in itertools.permutations(range(len(pts)))
        )
    return held_karp(d)


def assert_honest(plan, pts, route):
    assert sorted(route.order) == list(range(len(pts)))
    assert route.length_m == walk_length(plan, [pts[i] for i in route.order])


@pytest.mark.parametrize("blocks", [1, 2])
def test_exact_equals_brute_force_to_the_millimetre(blocks):
    rng = random.Random(blocks)
    for _ in range(250):
        plan, pts = random_instance(rng, blocks, 8)
        _order, dp_length = optimal_tour(plan, pts)
        route = routing.exact(plan, pts)
        assert_honest(plan, pts, route)
        best = brute_force(plan, pts)
        assert abs(dp_length - best) < 1e-6, (plan, pts)
        assert abs(route.length_m - best) < 1e-6, (plan, pts)


def test_exact_also_holds_on_three_blocks():
    rng = random.Random(3)
    for _ in range(80):
        plan, pts = random_instance(rng, 3, 7)
        route = routing.exact(plan, pts)
        assert_honest(plan, pts, route)
        assert abs(route.length_m - brute_force(plan, pts)) < 1e-6, (plan, pts)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([1, 2]))
def test_exact_equals_held_karp_on_generated_floors(seed, blocks):
    rng = random.Random(seed)
    plan, pts = random_instance(rng, blocks, 7)
    assert abs(routing.exact(plan, pts).length_m - brute_force(plan, pts)) < 1e-6


def test_exact_with_an_upper_bound_stays_optimal_and_a_too_low_bound_is_refused():
    rng = random.Random(11)
    plan, bays = floor(cross_aisles=1)
    pts = random_picks(rng, plan, bays, 20)
    _, best = optimal_tour(plan, pts)
    ub = routing.combined(plan, pts).length_m
    assert optimal_tour(plan, pts, upper_bound=ub)[1] == pytest.approx(best, abs=1e-9)
    with pytest.raises(ValueError):
        optimal_tour(plan, pts, upper_bound=best - 1.0)


def test_exact_on_a_hand_checked_one_block_floor():
    # Aisles 5 m apart, block 10 m deep, depot at aisle 1. Picks deep in aisles 1 and 3:
    # up aisle 1, along the back, down aisle 3, back along the front = 10 + 10 + 10 + 10.
    plan = FloorPlan.from_dict(floor_dict([0.0, 5.0, 10.0], [0.0, 10.0], 0.0))
    pts = [PickPoint(3, 9.0), PickPoint(1, 9.0)]
    route = routing.exact(plan, pts)
    assert route.length_m == pytest.approx(40.0)
    # One shallow pick in aisle 2: in and out from the front.
    assert routing.exact(plan, [PickPoint(2, 1.0)]).length_m == pytest.approx(
        2 * 5.0 + 2 * 1.0
    )


@pytest.mark.parametrize("router", ROUTERS)
def test_no_picks_is_an_empty_tour(router):
    plan, _ = floor()
    assert router(plan, []) == routing.Route([], 0.0)


@pytest.mark.parametrize("router", ROUTERS)
@pytest.mark.parametrize("blocks", [1, 2, 3, 4])
def test_every_router_returns_an_honest_tour(router, blocks):
    rng = random.Random(100 + blocks)
    for _ in range(15):
        plan, pts = random_instance(rng, blocks, 12)
        route = router(plan, pts)
        assert_honest(plan, pts, route)
        if blocks <= 3:
            assert route.length_m >= routing.exact(plan, pts).length_m - 1e-6


def test_duplicates_and_facing_bays_cost_nothing_extra():
    plan, _ = floor(cross_aisles=1)
    pts = [
        PickPoint(3, 5.1),
        PickPoint(3, 5.1),
        PickPoint(3, 5.1),
        PickPoint(7, 20.0),
        PickPoint(7, 20.0),
    ]
    single = routing.exact(plan, [PickPoint(3, 5.1), PickPoint(7, 20.0)])
    for router in ROUTERS:
        route = router(plan, pts)
        assert_honest(plan, pts, route)
        assert route.length_m == pytest.approx(single.length_m)


def test_best_route_is_exact_up_to_two_blocks():
    rng = random.Random(5)
    for cross in (0, 1):
        plan, bays = floor(cross_aisles=cross)
        for _ in range(5):
            pts = random_picks(rng, plan, bays, 30)
            assert routing.best_route(plan, pts).length_m == pytest.approx(
                routing.exact(plan, pts).length_m, abs=1e-6
            )


@pytest.mark.parametrize("cross_aisles", [2, 3])
def test_heuristic_stays_within_one_percent_of_optimal_on_many_blocks(cross_aisles):
    rng = random.Random(40 + cross_aisles)
    plan, bays = floor(cross_aisles=cross_aisles, bays_per_aisle=24)
    lists = [random_picks(rng, plan, bays, 20) for _ in range(8)]
    ours = sum(routing.best_route(plan, p).length_m for p in lists)
    best = sum(routing.exact(plan, p).length_m for p in lists)
    assert ours <= best * 1.01


def test_heuristics_are_worse_than_optimal_on_average_but_not_absurd():
    # Guards the baselines the benchmark compares with: they must really be S-shape-like.
    rng = random.Random(9)
    plan, bays = floor()
    lists = [random_picks(rng, plan, bays, 30) for _ in range(10)]
    best = sum(routing.exact(plan, p).length_m for p in lists)
    for router in (routing.s_shape, routing.largest_gap, routing.combined):
        total = sum(router(plan, p).length_m for p in lists)
        assert best < total < 1.5 * best


def test_s_shape_order_on_a_small_floor():
    plan = FloorPlan.from_dict(floor_dict([0.0, 5.0, 10.0, 15.0], [0.0, 10.0], 0.0))
    pts = [
        PickPoint(1, 8.0),
        PickPoint(1, 2.0),
        PickPoint(2, 3.0),
        PickPoint(2, 7.0),
        PickPoint(4, 6.0),
    ]
    # Aisle 1 up, aisle 2 down, aisle 4 (the odd one out) in and back from the front.
    assert routing.s_shape(plan, pts).order == [1, 0, 3, 2, 4]


def test_beam_sweep_falls_back_when_the_depot_is_beyond_the_last_aisle():
    rng = random.Random(21)
    plan = FloorPlan.from_dict(
        floor_dict([0.0, 5.0, 10.0], [0.0, 6.0, 12.0, 18.0, 24.0], 14.0)
    )
    for _ in range(10):
        pts = [PickPoint(rng.randint(1, 3), rng.uniform(0, 24)) for _ in range(12)]
        order, _ = optimal_tour(plan, pts, beam=1)
        assert sorted(order) == list(range(12))


def test_improve_never_lengthens_a_tour():
    rng = random.Random(8)
    plan, bays = floor(cross_aisles=2)
    for _ in range(10):
        pts = random_picks(rng, plan, bays, 25)
        d = distance_matrix(plan, pts)
        start = list(range(len(pts)))
        rng.shuffle(start)
        better = improve(d, start)
        assert sorted(better) == sorted(start)
        assert (
            tour_length(d, [i + 1 for i in better])
            <= tour_length(d, [i + 1 for i in start]) + 1e-9
        )
