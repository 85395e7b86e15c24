"""The classic pick-routing heuristics, for any number of blocks.

S-shape, largest gap and combined follow Roodbergen & de Koster (2001, "Routing methods
for warehouses with multiple cross aisles"): walk up the leftmost aisle with picks to the
farthest block that has picks, sweep that block left to right, then each nearer block in
turn (entered from its back, swept from whichever end is nearer), and return to the depot.
They differ only in how a block is swept. With one block they are the textbook methods.

Each returns a visiting order only; its length is always measured as the walk between
consecutive picks by shortest paths (the contract's definition), which can be a little
shorter than walking the heuristic's own path literally.

Pure domain code: no Flask, no database.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence

from wms.picking.geometry import FloorPlan, PickPoint

# A block's remaining picks: aisle position (left to right) -> [(y, pick index)], ascending y.
BlockPicks = dict[int, list[tuple[float, int]]]
# sweep(block picks, aisle positions in sweep order, front y, back y, entered from the back)
Sweep = Callable[[BlockPicks, list[int], float, float, bool], list[int]]


def s_shape(plan: FloorPlan, points: Sequence[PickPoint]) -> list[int]:
    """Every sub-aisle with picks walked end to end; an odd one out is entered and left."""
    return _route(plan, points, _sweep_s_shape)


def largest_gap(plan: FloorPlan, points: Sequence[PickPoint]) -> list[int]:
    """Sub-aisles entered from both ends up to their largest gap; the outer ones walked through."""
    return _route(plan, points, _sweep_largest_gap)


def combined(plan: FloorPlan, points: Sequence[PickPoint]) -> list[int]:
    """Per sub-aisle, walk through or in-and-back, chosen by dynamic programming per block."""
    return _route(plan, points, _sweep_combined)


def _route(plan: FloorPlan, points: Sequence[PickPoint], sweep: Sweep) -> list[int]:
    if not points:
        return []
    cross = plan.cross_aisles_y_m
    nblocks = len(cross) - 1
    col_of = {a.index: c for c, a in enumerate(plan.aisles)}
    xs = [a.x_m for a in plan.aisles]
    blocks: list[BlockPicks] = [{} for _ in range(nblocks)]
    for i, p in enumerate(points):
        _, y = plan.xy(p)  # also refuses points off this floor
        b = min(max(bisect.bisect_right(cross, y) - 1, 0), nblocks - 1)
        blocks[b].setdefault(col_of[p.aisle], []).append((y, i))
    for bp in blocks:
        for lst in bp.values():
            lst.sort()
    far = max(b for b in range(nblocks) if blocks[b])
    left = min(c for bp in blocks for c in bp)
    order: list[int] = []
    # Up the leftmost pick aisle to the farthest block, picking on the way.
    for b in range(far):
        order.extend(i for _, i in blocks[b].pop(left, []))
    aisles = sorted(blocks[far])
    order.extend(sweep(blocks[far], aisles, cross[far], cross[far + 1], False))
    here = xs[col_of[points[order[-1]].aisle]]
    for b in range(far - 1, -1, -1):
        if not blocks[b]:
            continue
        aisles = sorted(blocks[b])
        if abs(xs[aisles[-1]] - here) < abs(xs[aisles[0]] - here):
            aisles.reverse()
        part = sweep(blocks[b], aisles, cross[b], cross[b + 1], True)
        order.extend(part)
        here = xs[col_of[points[part[-1]].aisle]]
    return order


def _ascending(picks: list[tuple[float, int]]) -> list[int]:
    return [i for _, i in picks]


def _descending(picks: list[tuple[float, int]]) -> list[int]:
    return [i for _, i in reversed(picks)]


def _sweep_s_shape(
    bp: BlockPicks, aisles: list[int], lo: float, hi: float, from_back: bool
) -> list[int]:
    out: list[int] = []
    k = len(aisles)
    # The block must be left at its front: with the wrong parity the last aisle is in-and-back.
    through = k if (k % 2 == 1) == from_back else k - 1
    at_back = from_back
    for n, c in enumerate(aisles):
        if n < through:
            out.extend(_descending(bp[c]) if at_back else _ascending(bp[c]))
            at_back = not at_back
        else:
            out.extend(_ascending(bp[c]))
    return out


def _split_at_largest_gap(picks: list[tuple[float, int]], lo: float, hi: float):
    """(picks reached from the front, picks reached from the back) around the largest gap."""
    ys = [lo] + [y for y, _ in picks] + [hi]
    g = max(range(len(ys) - 1), key=lambda k: ys[k + 1] - ys[k])
    return picks[:g], picks[g:]


def _sweep_largest_gap(
    bp: BlockPicks, aisles: list[int], lo: float, hi: float, from_back: bool
) -> list[int]:
    k = len(aisles)
    if k == 1:
        return _descending(bp[aisles[0]]) if from_back else _ascending(bp[aisles[0]])
    out: list[int] = []
    inner = aisles[1:-1]
    splits = {c: _split_at_largest_gap(bp[c], lo, hi) for c in aisles}
    if from_back:
        # Back parts on the way out, through the far aisle, front parts on the way back.
        for c in aisles[:-1]:
            out.extend(_descending(splits[c][1]))
        out.extend(_descending(bp[aisles[-1]]))
        for c in reversed(aisles[:-1]):
            out.extend(_ascending(splits[c][0]))
        return out
    out.extend(_ascending(bp[aisles[0]]))
    for c in inner:
        out.extend(_descending(splits[c][1]))
    out.extend(_descending(bp[aisles[-1]]))
    for c in reversed(inner):
        out.extend(_ascending(splits[c][0]))
    return out


def _sweep_combined(
    bp: BlockPicks, aisles: list[int], lo: float, hi: float, from_back: bool
) -> list[int]:
    # Side 0 = front, 1 = back. Horizontal walking is the same whichever cross aisle is used,
    # so only the vertical choice differs; the block must be left at its front.
    inf = float("inf")
    cost = [inf, inf]
    cost[1 if from_back else 0] = 0.0
    choice: list[list[tuple[int, str]]] = []
    for c in aisles:
        ys = [y for y, _ in bp[c]]
        new = [inf, inf]
        back_ptr: list[tuple[int, str]] = [(0, ""), (0, "")]
        for side in (0, 1):
            if cost[side] == inf:
                continue
            stay = cost[side] + (
                2.0 * (ys[-1] - lo) if side == 0 else 2.0 * (hi - ys[0])
            )
            cross = cost[side] + (hi - lo)
            if stay < new[side]:
                new[side], back_ptr[side] = stay, (side, "return")
            if cross < new[1 - side]:
                new[1 - side], back_ptr[1 - side] = cross, (side, "through")
        cost = new
        choice.append(back_ptr)
    side, moves = 0, []
    for ptr in reversed(choice):
        prev, how = ptr[side]
        moves.append((prev, how))
        side = prev
    moves.reverse()
    out: list[int] = []
    for c, (side, _) in zip(aisles, moves):
        out.extend(_descending(bp[c]) if side == 1 else _ascending(bp[c]))
    return out
