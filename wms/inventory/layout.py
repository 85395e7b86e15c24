"""The rectangular warehouse generator: parallel aisles, bins both sides, cross aisles splitting blocks.

Geometry (all centre lines, metres): the front cross aisle runs along y = 0; aisle i (1-based) runs
along x = RACK_DEPTH + w/2 + (i-1)(w + 2*RACK_DEPTH), w the aisle width, with a rack of RACK_DEPTH each
side. Bays are bay_width deep along y; a middle cross aisle as wide as an aisle separates two blocks
of bays. Bays 2k-1 (left) and 2k (right) face each other at the same y. The depot sits on the front
cross aisle in front of aisle 1.
"""
from __future__ import annotations

from dataclasses import dataclass

RACK_DEPTH_M = 1.0


@dataclass(frozen=True)
class LayoutSpec:
    aisles: int
    bays_per_aisle: int
    levels: int
    bay_width_m: float
    aisle_width_m: float
    cross_aisles: int = 0


@dataclass(frozen=True)
class BinSpot:
    code: str
    aisle: int
    bay: int
    level: int
    x_m: float
    y_m: float


def bin_code(aisle: int, bay: int, level: int) -> str:
    return f"A{aisle:02}-B{bay:02}-L{level}"


def aisle_x(spec: LayoutSpec, aisle: int) -> float:
    return round(RACK_DEPTH_M + spec.aisle_width_m / 2 + (aisle - 1) * (spec.aisle_width_m + 2 * RACK_DEPTH_M), 6)


def block_sizes(bays: int, blocks: int) -> list[int]:
    """Bay positions per block, the first blocks taking the remainder."""
    base, extra = divmod(bays, blocks)
    return [base + (1 if i < extra else 0) for i in range(blocks)]


def _bay_rows(spec: LayoutSpec) -> tuple[list[float], list[float]]:
    """The y of every bay position, front to back, and the y of every cross aisle."""
    half = spec.aisle_width_m / 2
    ys: list[float] = []
    cross = [0.0]
    start = half
    for size in block_sizes(spec.bays_per_aisle, spec.cross_aisles + 1):
        ys.extend(round(start + (j + 0.5) * spec.bay_width_m, 6) for j in range(size))
        end = start + size * spec.bay_width_m
        cross.append(round(end + half, 6))
        start = end + spec.aisle_width_m
    return ys, cross


def geometry(spec: LayoutSpec) -> dict:
    """The floor as `GET /layouts/current` reports it."""
    _, cross = _bay_rows(spec)
    return {
        "aisles": [
            {"index": a, "x_m": aisle_x(spec, a), "y_start_m": cross[0], "y_end_m": cross[-1]}
            for a in range(1, spec.aisles + 1)
        ],
        "cross_aisles_y_m": cross,
        "depot": {"x_m": aisle_x(spec, 1), "y_m": 0.0},
    }


def bins(spec: LayoutSpec) -> list[BinSpot]:
    ys, _ = _bay_rows(spec)
    out = []
    for aisle in range(1, spec.aisles + 1):
        x = aisle_x(spec, aisle)
        for position, y in enumerate(ys, start=1):
            for bay in (2 * position - 1, 2 * position):
                for level in range(1, spec.levels + 1):
                    out.append(BinSpot(bin_code(aisle, bay, level), aisle, bay, level, x, y))
    return out
