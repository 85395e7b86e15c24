"""The layout generator's geometry, as the contract defines it."""
from itertools import pairwise

from wms.inventory.layout import LayoutSpec, bins, block_sizes, geometry

SPEC = LayoutSpec(aisles=3, bays_per_aisle=5, levels=2, bay_width_m=1.0, aisle_width_m=3.0, cross_aisles=1)


def test_codes_count_and_facing_bays():
    spots = bins(SPEC)
    assert len(spots) == 3 * 5 * 2 * 2
    by_code = {s.code: s for s in spots}
    assert "A03-B10-L2" in by_code and "A01-B01-L1" in by_code
    for k in range(1, 6):
        left, right = by_code[f"A02-B{2 * k - 1:02}-L1"], by_code[f"A02-B{2 * k:02}-L1"]
        assert left.y_m == right.y_m and left.x_m == right.x_m


def test_aisles_numbered_along_x_and_bins_lie_inside_blocks():
    geo = geometry(SPEC)
    xs = [a["x_m"] for a in geo["aisles"]]
    assert xs == sorted(xs) and [a["index"] for a in geo["aisles"]] == [1, 2, 3]
    cross = geo["cross_aisles_y_m"]
    assert cross[0] == 0.0 and len(cross) == 3 and cross == sorted(cross)
    assert all(a["y_start_m"] == cross[0] and a["y_end_m"] == cross[-1] for a in geo["aisles"])
    assert geo["depot"] == {"x_m": xs[0], "y_m": 0.0}
    for s in bins(SPEC):
        assert any(lo < s.y_m < hi for lo, hi in pairwise(cross))
        assert s.x_m == xs[s.aisle - 1]


def test_blocks_share_bays_evenly():
    assert block_sizes(5, 2) == [3, 2]
    assert block_sizes(6, 3) == [2, 2, 2]
    assert sum(block_sizes(49, 4)) == 49
