"""The floor plan and its shortest walks, checked against Dijkstra on an explicit graph."""

import heapq
import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wms.picking.batching_search import _distances_to
from wms.picking.geometry import (
    Depot,
    FloorPlan,
    PickPoint,
    distance,
    distance_matrix,
    spot_distance,
    walk_length,
)


def floor_dict(xs, cross, depot_x=None):
    return {
        "aisles": [
            {"index": i + 1, "x_m": x, "y_start_m": cross[0], "y_end_m": cross[-1]}
            for i, x in enumerate(xs)
        ],
        "cross_aisles_y_m": list(cross),
        "depot": {"x_m": xs[0] if depot_x is None else depot_x, "y_m": cross[0]},
    }


# Two blocks: aisles at x = 2.5, 7.5, 12.5; cross aisles at 0, 10, 20.
PLAN = FloorPlan.from_dict(floor_dict([2.5, 7.5, 12.5], [0.0, 10.0, 20.0]))


def test_from_dict_keeps_the_layout_and_round_trips():
    d = floor_dict([7.5, 2.5], [0.0, 6.0], depot_x=4.0)
    plan = FloorPlan.from_dict(d)
    assert [a.index for a in plan.aisles] == [2, 1]  # sorted along x
    assert plan.blocks == 1
    assert plan.depot == Depot(4.0, 0.0)
    assert FloorPlan.from_dict(plan.to_dict()) == plan


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["depot"].update(y_m=3.0),  # depot off the front cross aisle
        lambda d: d["aisles"][0].update(y_end_m=15.0),  # aisle short of the back
        lambda d: d.update(cross_aisles_y_m=[0.0, 20.0, 10.0]),  # not ascending
        lambda d: d.update(cross_aisles_y_m=[0.0]),  # no back cross aisle
        lambda d: d["aisles"][1].update(index=1),  # duplicate index
        lambda d: d["aisles"][1].update(x_m=2.5),  # two aisles on one line
        lambda d: d.update(aisles=[]),
    ],
)
def test_from_dict_rejects_inconsistent_geometry(change):
    d = floor_dict([2.5, 7.5, 12.5], [0.0, 10.0, 20.0])
    change(d)
    with pytest.raises(ValueError):
        FloorPlan.from_dict(d)


def test_points_off_the_network_are_refused():
    with pytest.raises(ValueError):
        distance(PLAN, PickPoint(9, 1.0), PLAN.depot)
    with pytest.raises(ValueError):
        distance(PLAN, PickPoint(1, 21.0), PLAN.depot)


def test_hand_computed_distances():
    a1, a2, a3 = 2.5, 7.5, 12.5
    # Same aisle: straight along it, even across a cross aisle.
    assert distance(PLAN, PickPoint(1, 3.0), PickPoint(1, 17.0)) == pytest.approx(14.0)
    # Same block, other aisle: round the nearer end (front: 3 + 5 + 4 = 12; back would be 7 + 5 + 6).
    assert distance(PLAN, PickPoint(1, 3.0), PickPoint(2, 4.0)) == pytest.approx(12.0)
    # Same block, nearer the middle cross aisle: 1 + 10 + 2.
    assert distance(PLAN, PickPoint(1, 9.0), PickPoint(3, 8.0)) == pytest.approx(13.0)
    # A cross aisle lies between: only the vertical difference and the horizontal one.
    assert distance(PLAN, PickPoint(1, 3.0), PickPoint(3, 16.0)) == pytest.approx(
        13.0 + (a3 - a1)
    )
    # A point on a cross aisle.
    assert distance(PLAN, PickPoint(2, 10.0), PickPoint(3, 14.0)) == pytest.approx(
        5.0 + 4.0
    )
    # Depot at aisle 1's front.
    assert distance(PLAN, PLAN.depot, PickPoint(2, 6.0)) == pytest.approx(
        (a2 - a1) + 6.0
    )
    assert distance(PLAN, PLAN.depot, PLAN.depot) == 0.0


def test_depot_between_aisles_and_outside_them():
    mid = FloorPlan.from_dict(floor_dict([2.5, 7.5], [0.0, 10.0], depot_x=4.0))
    assert distance(mid, mid.depot, PickPoint(2, 3.0)) == pytest.approx(3.5 + 3.0)
    assert distance(mid, mid.depot, PickPoint(1, 3.0)) == pytest.approx(1.5 + 3.0)
    out = FloorPlan.from_dict(floor_dict([2.5, 7.5], [0.0, 10.0], depot_x=-1.0))
    assert distance(out, out.depot, PickPoint(1, 9.0)) == pytest.approx(3.5 + 9.0)


def test_walk_length_is_the_closed_walk_through_the_points():
    assert walk_length(PLAN, []) == 0.0
    p, q = PickPoint(2, 6.0), PickPoint(3, 15.0)
    assert walk_length(PLAN, [p]) == pytest.approx(2 * distance(PLAN, PLAN.depot, p))
    expected = (
        distance(PLAN, PLAN.depot, p)
        + distance(PLAN, p, q)
        + distance(PLAN, q, PLAN.depot)
    )
    assert walk_length(PLAN, [p, q]) == pytest.approx(expected)
    # Picking the same bin twice in a row costs nothing extra.
    assert walk_length(PLAN, [p, p, q]) == pytest.approx(expected)


def test_distance_matrix_is_symmetric_and_matches_distance():
    pts = [
        PickPoint(1, 3.0),
        PickPoint(3, 16.0),
        PickPoint(2, 10.0),
        PickPoint(2, 10.0),
    ]
    m = distance_matrix(PLAN, pts)
    everyone = [PLAN.depot] + pts
    for i, a in enumerate(everyone):
        for j, b in enumerate(everyone):
            assert m[i][j] == pytest.approx(distance(PLAN, a, b))
            assert m[i][j] == m[j][i]


def dijkstra(plan, p, q):
    """Shortest walk on an explicit graph of aisle and cross-aisle centre-line segments."""
    cross = plan.cross_aisles_y_m
    x_of = {a.index: a.x_m for a in plan.aisles}

    def xy(pt):
        return (
            (pt.x_m, pt.y_m)
            if isinstance(pt, Depot)
            else (x_of[pt.aisle], float(pt.y_m))
        )

    src, dst = xy(p), xy(q)
    vertical = {a.x_m: set(cross) for a in plan.aisles}
    horizontal = {y: {a.x_m for a in plan.aisles} for y in cross}
    for x, y in (src, dst):
        if x in vertical:
            vertical[x].add(y)
        if y in horizontal:
            horizontal[y].add(x)
    horizontal[cross[0]].add(plan.depot.x_m)
    adj = {}

    def link(u, v):
        w = abs(u[0] - v[0]) + abs(u[1] - v[1])
        adj.setdefault(u, []).append((v, w))
        adj.setdefault(v, []).append((u, w))

    for x, ys in vertical.items():
        ys = sorted(ys)
        for a, b in itertools.pairwise(ys):
            link((x, a), (x, b))
    for y, xs in horizontal.items():
        xs = sorted(xs)
        for a, b in itertools.pairwise(xs):
            link((a, y), (b, y))
    best = {src: 0.0}
    heap = [(0.0, src)]
    while heap:
        d, u = heapq.heappop(heap)
        if u == dst:
            return d
        if d > best[u]:
            continue
        for v, w in adj.get(u, ()):
            if d + w < best.get(v, float("inf")):
                best[v] = d + w
                heapq.heappush(heap, (d + w, v))
    raise AssertionError("unreachable")


@st.composite
def floors_and_points(draw):
    n_aisles = draw(st.integers(1, 5))
    gaps = draw(st.lists(st.floats(0.5, 8.0), min_size=n_aisles, max_size=n_aisles))
    xs = [sum(gaps[: i + 1]) for i in range(n_aisles)]
    heights = draw(st.lists(st.floats(0.5, 12.0), min_size=1, max_size=4))
    cross = [0.0] + [sum(heights[: i + 1]) for i in range(len(heights))]
    depot_x = draw(st.sampled_from(xs) | st.floats(xs[0] - 3.0, xs[-1] + 3.0))
    plan = FloorPlan.from_dict(floor_dict(xs, cross, depot_x))
    ys = st.sampled_from(cross) | st.floats(cross[0], cross[-1])
    point = st.builds(PickPoint, st.integers(1, n_aisles), ys)
    a = draw(point | st.just(plan.depot))
    b = draw(point | st.just(plan.depot))
    return plan, a, b


@settings(max_examples=300, deadline=None)
@given(floors_and_points())
def test_distance_equals_dijkstra_on_the_explicit_network(case):
    plan, a, b = case
    assert distance(plan, a, b) == pytest.approx(dijkstra(plan, a, b), abs=1e-9)


def test_batching_inlined_distance_agrees_with_spot_distance():
    rng = random.Random(4)
    plan = PLAN
    pts = [
        PickPoint(rng.randint(1, 3), rng.choice([0.0, 10.0, 20.0, rng.uniform(0, 20)]))
        for _ in range(40)
    ]
    spots = [plan.spot(p) for p in pts] + [plan.spot(plan.depot)]
    for s in spots:
        # Only used to price candidate moves, so agreement to rounding is what counts.
        assert _distances_to(spots, s) == pytest.approx(
            [spot_distance(t, s) for t in spots], abs=1e-9
        )
