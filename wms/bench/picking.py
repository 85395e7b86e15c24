"""Picking figures for `wms bench`: route lengths, batching travel and routing time.

Each function returns rows `{"what", "ours", "naive", "unit", "target"}` and prints
nothing. Instances are random but seeded, so two runs print the same lengths. Floors are
laid out the way the service's layout generator does it (see `floor`), the picks spread
uniformly over the bins.

Pure domain code: no Flask, no database.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence

from wms.picking import routing
from wms.picking.batching import batch, fcfs_batches, total_travel
from wms.picking.geometry import FloorPlan, PickPoint, distance_matrix
from wms.picking.routing_exact import optimal_tour


def floor(
    aisles: int = 10,
    bays_per_aisle: int = 20,
    bay_width_m: float = 1.2,
    aisle_width_m: float = 3.0,
    cross_aisles: int = 0,
) -> tuple[FloorPlan, list[float]]:
    """A generated rectangular floor and the y of every bay (both sides share it).

    Aisle i sits at x = 1 + w/2 + (i-1)(w + 2) (racks 1 m deep each side); bays run along
    y from the front cross aisle; `cross_aisles` middle cross aisles, each as wide as an
    aisle, cut the bays into blocks of (nearly) equal length; the depot is at aisle 1's
    front end.
    """
    blocks = cross_aisles + 1
    per_block = [
        bays_per_aisle // blocks + (1 if b < bays_per_aisle % blocks else 0)
        for b in range(blocks)
    ]
    half = aisle_width_m / 2.0
    cross = [0.0]
    bay_ys = []
    y = half
    for n in per_block:
        for _ in range(n):
            bay_ys.append(y + bay_width_m / 2.0)
            y += bay_width_m
        cross.append(y + half)
        y += aisle_width_m
    xs = [1.0 + half + i * (aisle_width_m + 2.0) for i in range(aisles)]
    plan = FloorPlan.from_dict(
        {
            "aisles": [
                {"index": i + 1, "x_m": x, "y_start_m": 0.0, "y_end_m": cross[-1]}
                for i, x in enumerate(xs)
            ],
            "cross_aisles_y_m": cross,
            "depot": {"x_m": xs[0], "y_m": 0.0},
        }
    )
    return plan, bay_ys


def random_picks(
    rng: random.Random, plan: FloorPlan, bay_ys: Sequence[float], n: int
) -> list[PickPoint]:
    return [
        PickPoint(rng.choice(plan.aisles).index, rng.choice(bay_ys)) for _ in range(n)
    ]


def held_karp(dist: Sequence[Sequence[float]]) -> float:
    """Optimal closed tour over a distance matrix (row 0 the depot); exponential, small n only."""
    n = len(dist) - 1
    if n == 0:
        return 0.0
    full = 1 << n
    inf = float("inf")
    best = [[inf] * n for _ in range(full)]
    for i in range(n):
        best[1 << i][i] = dist[0][i + 1]
    for mask in range(1, full):
        row = best[mask]
        for last in range(n):
            c = row[last]
            if c == inf:
                continue
            d_last = dist[last + 1]
            for nxt in range(n):
                bit = 1 << nxt
                if mask & bit:
                    continue
                v = c + d_last[nxt + 1]
                best[mask | bit][nxt] = min(best[mask | bit][nxt], v)
    return min(best[full - 1][i] + dist[i + 1][0] for i in range(n))


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def _row(what: str, ours: float, naive: float, unit: str, target: str) -> dict:
    return {
        "what": what,
        "ours": round(ours, 3),
        "naive": round(naive, 3),
        "unit": unit,
        "target": target,
    }


def _optimum(plan: FloorPlan, points: Sequence[PickPoint]) -> float:
    """The exact sweep's length; beyond two blocks seeded with a known tour so it prunes."""
    if plan.blocks <= routing.EXACT_MAX_BLOCKS:
        return routing.exact(plan, points).length_m
    known = routing.heuristic(plan, points).length_m
    return optimal_tour(plan, points, upper_bound=known)[1]


def route_rows(quick: bool = False) -> list[dict]:
    """Mean tour length of best_route vs S-shape, largest gap, combined and the optimum.

    The heuristics' tours are measured like every route: shortest walks between
    consecutive picks in their order (a little kinder to them than walking their paths).
    """
    rows = []
    lists = 15 if quick else 100
    blocks = (1, 2, 3) if quick else (1, 2, 3, 4)
    for n_blocks in blocks:
        plan, bay_ys = floor(cross_aisles=n_blocks - 1)
        rng = random.Random(1000 + n_blocks)
        n_lists = lists if n_blocks < 4 else lists // 5
        picks = [random_picks(rng, plan, bay_ys, 30) for _ in range(n_lists)]
        best = _mean([routing.best_route(plan, p).length_m for p in picks])
        opt = _mean([_optimum(plan, p) for p in picks])
        target = (
            "optimal" if n_blocks <= routing.EXACT_MAX_BLOCKS else "<= 1% over optimal"
        )
        what = f"route, 30 picks, 10 aisles, {n_blocks} block(s), {n_lists} lists: best_route vs"
        rows.append(_row(f"{what} optimum", best, opt, "m", target))
        for name, router in (
            ("S-shape", routing.s_shape),
            ("largest gap", routing.largest_gap),
            ("combined", routing.combined),
        ):
            naive = _mean([router(plan, p).length_m for p in picks])
            rows.append(_row(f"{what} {name}", best, naive, "m", "shorter"))
    rows.append(_small_lists_row(quick))
    return rows


def _small_lists_row(quick: bool) -> dict:
    """On five blocks the exact sweep is slow; check best_route against Held-Karp on small lists."""
    plan, bay_ys = floor(cross_aisles=4, bays_per_aisle=30)
    rng = random.Random(77)
    picks = [random_picks(rng, plan, bay_ys, 9) for _ in range(5 if quick else 40)]
    best = _mean([routing.best_route(plan, p).length_m for p in picks])
    opt = _mean([held_karp(distance_matrix(plan, p)) for p in picks])
    return _row(
        f"route, 9 picks, 5 blocks ({len(picks)} lists): best_route vs Held-Karp",
        best,
        opt,
        "m",
        "<= 1% over optimal",
    )


def timing_rows(quick: bool = False) -> list[dict]:
    """CPU milliseconds per 30-pick route (best_route vs S-shape), one process.

    CPU time rather than wall time, so that other work on a shared machine does not
    count against the router.
    """
    rows = []
    reps = 20 if quick else 100
    for n_blocks in (1, 2, 3):
        plan, bay_ys = floor(cross_aisles=n_blocks - 1)
        rng = random.Random(2000 + n_blocks)
        picks = [random_picks(rng, plan, bay_ys, 30) for _ in range(reps)]
        routing.best_route(plan, picks[0])  # fill the sweep's state tables first
        ours = _per_call_ms(routing.best_route, plan, picks)
        naive = _per_call_ms(routing.s_shape, plan, picks)
        what = f"CPU ms per 30-pick route, 10 aisles, {n_blocks} block(s): best_route vs S-shape"
        rows.append(_row(what, ours, naive, "ms", "< 10"))
    return rows


def _per_call_ms(router: Callable, plan: FloorPlan, lists: Sequence) -> float:
    t = time.process_time()
    for points in lists:
        router(plan, points)
    return (time.process_time() - t) / len(lists) * 1000.0


def random_orders(
    rng: random.Random, plan: FloorPlan, bay_ys: Sequence[float], n: int
) -> list[list[PickPoint]]:
    """Orders of 1-4 lines, each line a uniformly random bin."""
    return [random_picks(rng, plan, bay_ys, rng.randint(1, 4)) for _ in range(n)]


def batching_rows(quick: bool = False) -> list[dict]:
    """Total travel of batch() vs first-come-first-served, both routed by best_route."""
    rows = []
    n_orders = 80 if quick else 200
    cases = [(1, 10)] if quick else [(1, 8), (1, 10), (1, 12), (2, 10), (3, 10)]
    for n_blocks, capacity in cases:
        plan, bay_ys = floor(cross_aisles=n_blocks - 1)
        rng = random.Random(3000 + 10 * n_blocks + capacity)
        orders = random_orders(rng, plan, bay_ys, n_orders)
        ours = total_travel(batch(plan, orders, capacity))
        naive = total_travel(fcfs_batches(plan, orders, capacity))
        what = f"batching {n_orders} orders of 1-4 lines, 10 aisles, {n_blocks} block(s), carts of {capacity}: total travel vs FCFS"
        rows.append(_row(what, ours, naive, "m", ">= 15% less"))
    return rows


def rows(quick: bool, echo: Callable[[str], None] = print) -> list[dict]:
    """Every picking figure but the wave's (see `waves`), in the order `wms bench` prints them."""
    return route_rows(quick) + timing_rows(quick) + batching_rows(quick)
