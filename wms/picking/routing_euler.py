"""Turning the exact sweep's chosen edges into a visiting order.

The sweep picks, per sub-aisle and per stretch of cross aisle, how many times it is
walked. Those edges form a connected multigraph with every degree even, so one closed
trail walks them all (Hierholzer); the picks in the order that trail first reaches them
is a visiting order no longer than the trail, hence optimal when the trail is.

Pure domain code: no Flask, no database.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

DEPOT = -1  # marker for the depot among the picks at one position


@dataclass
class Column:
    """One vertical line of the network: an aisle, or the depot's x if no aisle is there."""

    x: float
    virtual: bool
    # per sub-aisle: distinct pick y's ascending, and the pick indices at each
    ys: list[list[float]]
    at: list[dict[float, list[int]]]


def largest_gap(ys: list[float]) -> tuple[int, float]:
    """Index g of the largest gap ys[g]..ys[g+1] and its size."""
    best_g, best = 0, -1.0
    for g in range(len(ys) - 1):
        if ys[g + 1] - ys[g] > best:
            best_g, best = g, ys[g + 1] - ys[g]
    return best_g, best


def tour_order(cols: list[Column], sub_aisles: int, choices: list) -> list[int]:
    """Walk the sweep's chosen edges as one closed trail from the depot; picks in first-visit order.

    `choices` is the sweep's decisions in order: per aisle one way of walking each
    sub-aisle (plus "touch" on the depot's own line), then the counts per cross aisle
    towards the next aisle.
    """
    g = TourGraph()
    k = 0
    for j, col in enumerate(cols):
        if k >= len(choices):
            break  # the tour was closed off before this aisle
        for s in range(sub_aisles):
            kind = choices[k]
            k += 1
            if col.virtual:
                continue  # no aisle: the depot is the front node itself, placed below
            chain = (
                [("node", j, s)]
                + [("pos", j, s, y) for y in col.ys[s]]
                + [("node", j, s + 1)]
            )
            for y in col.ys[s]:
                g.set_picks(("pos", j, s, y), col.at[s][y])
            _lay_sub_aisle(g, chain, kind, col.ys[s])
        if col.virtual:
            k += 1
            g.set_picks(("node", j, 0), [DEPOT])
        if k < len(choices):
            hs = choices[k]
            k += 1
            for c, h in enumerate(hs):
                for _ in range(h):
                    g.add_edge(("node", j, c), ("node", j + 1, c))
    return [i for i in g.first_visits(DEPOT) if i != DEPOT]


def _lay_sub_aisle(g: TourGraph, chain: list, kind: str, ys: list[float]) -> None:
    n = len(chain)
    if kind == "Z":
        return
    if kind in ("P1", "P2"):
        times = 1 if kind == "P1" else 2
        for a, b in itertools.pairwise(chain):
            for _ in range(times):
                g.add_edge(a, b)
        return
    if kind == "GL":
        spans = [(0, n - 2)]  # front node up to the last pick
    elif kind == "GU":
        spans = [(1, n - 1)]  # first pick up to the back node
    else:
        gap, _ = largest_gap(ys)
        spans = [(0, gap + 1), (gap + 2, n - 1)]
    for a, b in spans:
        for u, v in zip(chain[a:b], chain[a + 1 : b + 1]):
            g.add_edge(u, v)
            g.add_edge(u, v)


class TourGraph:
    """A multigraph walked as one closed trail (Hierholzer), picks noted at first visit."""

    def __init__(self) -> None:
        self.adj: dict = {}
        self.picks: dict = {}
        self.edges = 0

    def add_edge(self, u, v) -> None:
        self.adj.setdefault(u, []).append((v, self.edges))
        self.adj.setdefault(v, []).append((u, self.edges))
        self.edges += 1

    def set_picks(self, v, picks: list[int]) -> None:
        self.picks[v] = picks

    def first_visits(self, start_pick: int) -> list[int]:
        start = next(v for v, ps in self.picks.items() if start_pick in ps)
        used = [False] * self.edges
        ptr: dict = {}
        stack, trail = [start], []
        while stack:
            v = stack[-1]
            nbrs = self.adj.get(v, [])
            i = ptr.get(v, 0)
            while i < len(nbrs) and used[nbrs[i][1]]:
                i += 1
            ptr[v] = i
            if i == len(nbrs):
                trail.append(stack.pop())
            else:
                u, e = nbrs[i]
                used[e] = True
                stack.append(u)
        if not all(used):
            raise AssertionError("the chosen tour is not connected")
        seen, order = set(), []
        for v in trail:
            if v not in seen:
                seen.add(v)
                order.extend(self.picks.get(v, ()))
        missing = set().union(*self.picks.values()) - set(order)
        if missing:
            raise AssertionError(f"the chosen tour misses picks {sorted(missing)}")
        return order
