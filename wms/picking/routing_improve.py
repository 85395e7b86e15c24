"""Local improvement of a visiting order on the exact shortest-walk distance matrix.

2-opt (reverse a stretch of the tour) and or-opt (move a run of one to three picks
elsewhere, either way round) until neither finds a shorter tour. The depot is fixed at
the start and end of the tour. Distances are symmetric on this network, which is what
lets a 2-opt move be priced from its four end points alone.

Pure domain code: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Sequence

# Only improvements bigger than this count, so rounding noise cannot make it cycle.
_GAIN = 1e-9


def tour_length(dist: Sequence[Sequence[float]], tour: Sequence[int]) -> float:
    """Length of depot -> tour -> depot, tour given as matrix indices (depot is 0)."""
    total, prev = 0.0, 0
    for v in tour:
        total += dist[prev][v]
        prev = v
    return total + dist[prev][0]


def improve(dist: Sequence[Sequence[float]], order: Sequence[int]) -> list[int]:
    """Improve a visiting order (indices into the picks; matrix row i+1 is pick i)."""
    t = [0] + [i + 1 for i in order]
    while True:
        changed = _two_opt(dist, t)
        changed = _or_opt(dist, t) or changed
        if not changed:
            break
    return [v - 1 for v in t[1:]]


def _two_opt(d: Sequence[Sequence[float]], t: list[int]) -> bool:
    n = len(t)
    any_change = False
    improved = True
    while improved:
        improved = False
        for i in range(1, n - 1):
            a, b = t[i - 1], t[i]
            dab = d[a][b]
            da = d[a]
            db = d[b]
            for j in range(i + 1, n):
                c = t[j]
                e = t[j + 1] if j + 1 < n else 0
                delta = da[c] + db[e] - dab - d[c][e]
                if delta < -_GAIN:
                    t[i : j + 1] = t[i : j + 1][::-1]
                    improved = any_change = True
                    b = t[i]
                    dab, db = d[a][b], d[b]
    return any_change


def _or_opt(d: Sequence[Sequence[float]], t: list[int]) -> bool:
    n = len(t)
    any_change = False
    for run in (1, 2, 3):
        i = 1
        while i + run <= n:
            s0, s1 = t[i], t[i + run - 1]
            p = t[i - 1]
            q = t[i + run] if i + run < n else 0
            removed = d[p][s0] + d[s1][q] - d[p][q]
            best, where, flip = _GAIN, -1, False
            for k in range(n):
                if i - 1 <= k <= i + run - 1:
                    continue  # inserting next to its own place changes nothing
                u = t[k]
                v = t[k + 1] if k + 1 < n else 0
                duv = d[u][v]
                gain = removed - (d[u][s0] + d[s1][v] - duv)
                if gain > best:
                    best, where, flip = gain, k, False
                gain = removed - (d[u][s1] + d[s0][v] - duv)
                if gain > best:
                    best, where, flip = gain, k, True
            if where < 0:
                i += 1
                continue
            seg = t[i : i + run]
            if flip:
                seg.reverse()
            del t[i : i + run]
            k = where if where < i else where - run
            t[k + 1 : k + 1] = seg
            any_change = True
    return any_change
