"""Optimal pick tours by dynamic programming over the aisles, left to right.

This is Ratliff & Rosenthal's (1983) method: a tour is a connected multigraph on the
walking network with every vertex of even degree that touches every pick, and one of
minimum length uses each edge at most twice. Sweeping the aisles from left to right, all
that matters about the part already built is, for each cross-aisle node of the current
aisle, whether its degree is zero, odd or even, and which of those nodes are already
joined. Ratliff & Rosenthal enumerate these classes by hand for one block (front and
back cross aisle); Roodbergen & de Koster (2001) do the same for two blocks (a middle
cross aisle added). Here the classes are generated rather than listed: a state is a
tuple with one entry per cross aisle, so the same code is the one-block and the
two-block algorithm, and stays correct for more blocks (only slower: the number of
states grows quickly with the number of cross aisles).

Within one aisle, the stretch between two neighbouring cross aisles (a sub-aisle) with
picks in it can be walked in only five useful ways: once through (P1), twice through
(P2), or in and back from the front (GL), from the back (GU), or from both ends leaving
out its largest gap (GB). A sub-aisle without picks is walked 0, 1 or 2 times through.
Between neighbouring aisles each cross aisle carries its stretch 0, 1 or 2 times.

Pure domain code: no Flask, no database.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Sequence

from wms.picking.geometry import FloorPlan, PickPoint
from wms.picking.routing_euler import DEPOT, Column, largest_gap, tour_order

# What a way of walking a sub-aisle does: degree added at its front node, at its back
# node, and whether it joins the two nodes.
_KINDS = {
    "Z": (0, 0, False),
    "P1": (1, 1, True),
    "P2": (2, 2, True),
    "GB": (2, 2, False),
    "GL": (2, 0, False),
    "GU": (0, 2, False),
}
# With a beam, how many more partial tours are kept halfway up an aisle than between aisles.
_IN_AISLE_BEAM = 4
_CLOSE = "close"  # the tour was closed off at this aisle

# A state holds one int per cross aisle, front first, for the current aisle's node on it:
# -1 if no edge touches the node yet, else (component label << 1) | (1 if its degree is odd).


def _canon(nodes: Sequence[int]) -> tuple[int, ...]:
    """Relabel components in order of first appearance so equal states compare equal."""
    relabel: dict[int, int] = {}
    out = []
    for v in nodes:
        if v < 0:
            out.append(-1)
            continue
        lab = v >> 1
        if lab not in relabel:
            relabel[lab] = len(relabel)
        out.append(relabel[lab] * 2 + (v & 1))
    return tuple(out)


# sub-aisle -> state -> {way of walking it: next state}; states are few and reused.
_SEG_TABLE: dict[int, dict[tuple[int, ...], dict[str, tuple[int, ...]]]] = {}


def _sub_aisle_moves(state: tuple[int, ...], s: int) -> dict[str, tuple[int, ...]]:
    row = {kind: _walk_sub_aisle(state, s, kind) for kind in _KINDS}
    _SEG_TABLE.setdefault(s, {})[state] = row
    return row


def _walk_sub_aisle(state: tuple[int, ...], s: int, kind: str) -> tuple[int, ...]:
    d_front, d_back, join = _KINDS[kind]
    nodes = list(state)
    fresh = len(nodes) + 1  # labels above any in use
    for c, d in ((s, d_front), (s + 1, d_back)):
        if d:
            if nodes[c] < 0:
                nodes[c] = fresh * 2 + (d & 1)
                fresh += 1
            else:
                nodes[c] ^= d & 1
    if join:
        la, lb = nodes[s] >> 1, nodes[s + 1] >> 1
        if la != lb:
            nodes = [
                (la << 1) | (v & 1) if v >= 0 and v >> 1 == lb else v for v in nodes
            ]
    return _canon(nodes)


_CROSS_CACHE: dict[tuple[int, ...], list[tuple[tuple[int, ...], int, object]]] = {}


def _cross_moves(state: tuple[int, ...]) -> list[tuple[tuple[int, ...], int, object]]:
    """Ways to continue to the next aisle: (stretch counts per cross aisle, their sum, result).

    The nodes of this aisle get no more edges, so each count must make its node's degree
    even; a degree-0 node gets none (a spur from it would be a dead end). A component left
    with no stretch going right can never be joined again: that is only a finished tour.
    """
    hit = _CROSS_CACHE.get(state)
    if hit is not None:
        return hit
    choices: list[tuple[int, ...]] = []
    for v in state:
        choices.append((0,) if v < 0 else (1,) if v & 1 else (0, 2))
    labels = {v >> 1 for v in state if v >= 0}
    moves = []
    for hs in itertools.product(*choices):
        kept = {state[c] >> 1 for c, h in enumerate(hs) if h}
        if kept != labels:
            if len(labels) == 1 and not kept:
                moves.append((hs, 0, _CLOSE))
            continue
        nxt = [
            -1 if h == 0 else ((state[c] >> 1) << 1) | (h & 1) for c, h in enumerate(hs)
        ]
        moves.append((hs, sum(hs), _canon(nxt)))
    _CROSS_CACHE[state] = moves
    return moves


def _columns(plan: FloorPlan, points: Sequence[PickPoint]) -> tuple[list[Column], int]:
    """The aisles the tour may use, plus the depot's own line; and the last one with a pick.

    Clamping any tour to x between the nearest aisles at or outside the leftmost and
    rightmost required x gives a walk no longer that still visits everything, so aisles
    further out never help.
    """
    cross = plan.cross_aisles_y_m
    nseg = len(cross) - 1
    depot_x = plan.depot.x_m
    by_x: dict[float, list[tuple[float, int]]] = {}
    for i, p in enumerate(points):
        x, y = plan.xy(p)
        by_x.setdefault(x, []).append((y, i))
    aisle_xs = [a.x_m for a in plan.aisles]
    depot_on_aisle = depot_x in aisle_xs
    by_x.setdefault(depot_x, []).append((cross[0], DEPOT))
    lo_req, hi_req = min(by_x), max(by_x)
    lefts = [x for x in aisle_xs if x <= lo_req]
    rights = [x for x in aisle_xs if x >= hi_req]
    lo = max(lefts) if lefts else lo_req
    hi = min(rights) if rights else hi_req
    xs = sorted({x for x in aisle_xs if lo <= x <= hi} | {depot_x})
    cols = []
    last_req = 0
    for j, x in enumerate(xs):
        virtual = x == depot_x and not depot_on_aisle
        ys: list[list[float]] = [[] for _ in range(nseg)]
        at: list[dict[float, list[int]]] = [{} for _ in range(nseg)]
        for y, i in by_x.get(x, ()):
            s = min(max(bisect.bisect_right(cross, y) - 1, 0), nseg - 1)
            at[s].setdefault(y, []).append(i)
        for s in range(nseg):
            ys[s] = sorted(at[s])
        if x in by_x:
            last_req = j
        cols.append(Column(x, virtual, ys, at))
    return cols, last_req


def _options(col: Column, lo: float, hi: float, s: int) -> list[tuple[str, float]]:
    if col.virtual:
        return [("Z", 0.0)]  # no aisle here: the depot's line has no vertical walk
    length = hi - lo
    ys = col.ys[s]
    if not ys:
        return [("Z", 0.0), ("P1", length), ("P2", 2.0 * length)]
    opts = [
        ("P1", length),
        ("P2", 2.0 * length),
        ("GL", 2.0 * (ys[-1] - lo)),
        ("GU", 2.0 * (hi - ys[0])),
    ]
    if len(ys) >= 2:
        opts.append(("GB", 2.0 * (length - largest_gap(ys)[1])))
    return opts


def optimal_tour(
    plan: FloorPlan,
    points: Sequence[PickPoint],
    *,
    beam: int | None = None,
    upper_bound: float = math.inf,
) -> tuple[list[int], float]:
    """A minimum-length visiting order and the DP's optimum length (same network).

    `upper_bound` (the length of any known tour) lets the sweep drop partial tours that
    cannot beat it; the result stays optimal. `beam` keeps only that many cheapest
    partial tours after each step, which makes the sweep a heuristic: fast for many
    blocks, not guaranteed optimal.
    """
    if not points:
        return [], 0.0
    cols, last_req = _columns(plan, points)
    cross = plan.cross_aisles_y_m
    m = len(cross)
    opts = [
        [_options(col, cross[s], cross[s + 1], s) for s in range(m - 1)] for col in cols
    ]
    # Still to pay after aisle j at the least: its remaining sub-aisles, and getting to and
    # back from the last aisle that must be visited (any tour crosses each line between twice).
    rest = [0.0] * (len(cols) + 1)
    for j in range(len(cols) - 1, -1, -1):
        rest[j] = rest[j + 1] + sum(min(c for _, c in o) for o in opts[j])
    x_last = cols[last_req].x
    empty = tuple([-1] * m)
    frontier: dict[tuple[int, ...], float] = {empty: 0.0}
    trail: list[dict] = []  # per step: new state -> (previous state, choice)
    best = (math.inf, None)  # (length, (step count, state)) of the best finished tour
    limit = upper_bound + 1e-7

    def keep(nxt: dict, bound: float, last_aisle: bool, between: bool) -> dict:
        if limit < math.inf:
            nxt = {st: c for st, c in nxt.items() if c + bound <= limit or st == empty}
        # Never truncate inside the last aisle: a partial tour there may no longer be
        # completable, whereas anywhere before it the next aisle can join and even it up.
        if last_aisle or beam is None:
            return nxt
        # Halfway up an aisle the cheapest partial tours are biased towards those that
        # left more to join later, so the cut there is looser than between aisles.
        width = beam if between else beam * _IN_AISLE_BEAM
        if len(nxt) > width:
            nxt = dict(sorted(nxt.items(), key=lambda kv: kv[1])[:width])
        return nxt

    # Nothing to cut without a bound or a beam: the sweep then skips `keep` altogether.
    cutting = limit < math.inf or beam is not None
    for j, col in enumerate(cols):
        ahead = 2.0 * max(0.0, x_last - col.x)
        done_here = 0.0
        for s in range(m - 1):
            nxt: dict[tuple[int, ...], float] = {}
            back: dict = {}
            ways = opts[j][s]
            table = _SEG_TABLE.setdefault(s, {})
            for st, cost in frontier.items():
                row = table.get(st) or _sub_aisle_moves(st, s)
                for kind, kc in ways:
                    ns = row[kind]
                    nc = cost + kc
                    old = nxt.get(ns)
                    if old is None or nc < old:
                        nxt[ns] = nc
                        back[ns] = (st, kind)
            frontier = nxt
            if cutting:
                done_here += min(c for _, c in ways)
                frontier = keep(nxt, rest[j] - done_here + ahead, j == len(cols) - 1, False)
            trail.append(back)
        if col.virtual:
            # The depot must be on the tour: touch the front node (a walk of length 0).
            nxt, back = {}, {}
            for st, cost in frontier.items():
                ns = st if st[0] >= 0 else _canon([2 * m + 2] + list(st[1:]))
                if cost < nxt.get(ns, math.inf):
                    nxt[ns], back[ns] = cost, (st, "touch")
            frontier = nxt
            trail.append(back)
        if j == len(cols) - 1:
            for st, cost in frontier.items():
                even = all(v < 0 or not v & 1 for v in st)
                if even and len({v >> 1 for v in st if v >= 0}) == 1 and cost < best[0]:
                    best = (cost, (len(trail), st))
            break
        width = cols[j + 1].x - col.x
        nxt, back = {}, {}
        for st, cost in frontier.items():
            moves = _CROSS_CACHE.get(st)
            if moves is None:
                moves = _cross_moves(st)
            for hs, count, res in moves:
                if res is _CLOSE:
                    if j >= last_req and cost < best[0]:
                        best = (cost, (len(trail), st))
                    continue
                nc = cost + count * width
                old = nxt.get(res)
                if old is None or nc < old:
                    nxt[res] = nc
                    back[res] = (st, hs)
        frontier = nxt
        if cutting:
            frontier = keep(nxt, rest[j + 1] + 2.0 * max(0.0, x_last - cols[j + 1].x), False, True)
        trail.append(back)
    length, where = best
    if where is None:
        if beam is not None:
            # A depot beyond the last aisle can leave no completable state in the beam.
            return optimal_tour(plan, points, upper_bound=upper_bound)
        # Only possible when upper_bound was below the optimum.
        raise ValueError("no tour within the given upper bound")
    stages, state = where
    choices = []
    for back in reversed(trail[:stages]):
        state, choice = back[state]
        choices.append(choice)
    choices.reverse()
    order = tour_order(cols, len(cross) - 1, choices)
    return order, length
