"""Putaway rules without a database: home bin, consolidation, nearest fitting empty bin, lots kept apart."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from wms.receiving.putaway_rules import Bin, Held, Item, Suggestion, plan, room

DOCK = (0.0, 0.0)
JAN, FEB = date(2030, 1, 31), date(2030, 2, 28)


def item(**kw) -> Item:
    base = {"sku": "MUG", "lot": "", "expiry": None, "quantity": 10, "source": "RECV-01", "origin": DOCK,
            "unit_weight_g": 500}
    return Item(**{**base, **kw})


def storage(code: str, x: float, **kw) -> Bin:
    return Bin(code, "storage", level=1, point=(x, 0.0), **kw)


def where(suggestions: list[Suggestion]) -> list[tuple[str | None, int, str]]:
    return [(s.to_location, s.quantity, s.rule) for s in suggestions]


def test_nearest_empty_bin_takes_it_all():
    bins = [storage("FAR", 30), storage("NEAR", 5), storage("MID", 10)]
    assert where(plan([item()], bins)) == [("NEAR", 10, "empty")]


def test_walking_distance_counts_across_and_up_the_aisle():
    # (3, 4) is 5 m away as the crow flies but 7 m walking; (6, 0) is 6 m either way.
    bins = [Bin("UP", "storage", point=(3.0, 4.0)), Bin("ACROSS", "storage", point=(6.0, 0.0))]
    assert where(plan([item()], bins)) == [("ACROSS", 10, "empty")]


def test_home_bin_comes_first_even_when_far():
    bins = [storage("NEAR", 1), storage("HOME", 50)]
    assert where(plan([item(home_bin="HOME")], bins)) == [("HOME", 10, "home")]


def test_full_home_bin_overflows_to_the_next_rules():
    home = storage("HOME", 50, max_weight_g=2_000)  # four units of 500 g
    bins = [home, storage("NEAR", 1)]
    assert where(plan([item(home_bin="HOME")], bins)) == [("HOME", 4, "home"), ("NEAR", 6, "empty")]


def test_consolidates_with_same_sku_and_lot_before_an_empty_bin():
    bins = [storage("EMPTY", 1), storage("SAME", 20, stock=[Held("MUG", "", None, 3)])]
    assert where(plan([item()], bins)) == [("SAME", 10, "consolidate")]


def test_does_not_consolidate_with_another_lot():
    bins = [storage("EMPTY", 20), storage("OTHER-LOT", 1, stock=[Held("TEA", "L1", JAN, 5)])]
    tea = item(sku="TEA", lot="L2", expiry=JAN, lot_tracked=True, expiry_tracked=True)
    assert where(plan([tea], bins)) == [("EMPTY", 10, "empty")]


def test_lot_tracked_never_shares_a_bin_with_another_lot_of_itself():
    # The home bin holds lot L1; lot L2 may not go there, even though it is home.
    home = storage("HOME", 1, stock=[Held("TEA", "L1", JAN, 5)])
    tea = item(sku="TEA", lot="L2", expiry=JAN, lot_tracked=True, home_bin="HOME")
    assert where(plan([tea], [home, storage("EMPTY", 9)])) == [("EMPTY", 10, "empty")]


def test_a_bin_that_allows_mixing_takes_another_lot_at_home():
    home = storage("HOME", 1, stock=[Held("TEA", "L1", JAN, 5)], allow_mixed_lots=True)
    tea = item(sku="TEA", lot="L2", expiry=JAN, lot_tracked=True, home_bin="HOME")
    assert where(plan([tea], [home, storage("EMPTY", 9)])) == [("HOME", 10, "home")]


def test_same_lot_with_another_expiry_is_not_consolidated():
    bins = [storage("SAME-LOT", 1, stock=[Held("TEA", "L1", JAN, 5)]), storage("EMPTY", 9)]
    tea = item(sku="TEA", lot="L1", expiry=FEB, lot_tracked=True, expiry_tracked=True)
    assert where(plan([tea], bins)) == [("EMPTY", 10, "empty")]


def test_untracked_product_may_join_a_bin_holding_other_skus_only_by_consolidation():
    # A bin with another SKU is not empty, so it is never chosen by the empty-bin rule.
    bins = [storage("CAPS", 1, stock=[Held("CAP", "", None, 5)]), storage("EMPTY", 9)]
    assert where(plan([item()], bins)) == [("EMPTY", 10, "empty")]


def test_serials_of_one_product_share_a_bin():
    bins = [storage("PHONES", 5, stock=[Held("PHONE", "SN1", None, 1)]), storage("EMPTY", 1)]
    phone = item(sku="PHONE", lot="SN2", quantity=1, serial_tracked=True)
    assert where(plan([phone], bins)) == [("PHONES", 1, "consolidate")]


def test_weight_capacity_counts_what_the_bin_already_holds():
    b = storage("B", 1, max_weight_g=10_000, weight_g=8_000)
    assert room(item(), b, 10) == 4


def test_volume_capacity_uses_product_dimensions():
    b = storage("B", 1, max_volume_cm3=1_000)  # one litre
    assert room(item(unit_volume_mm3=300_000), b, 10) == 3  # 0.3 l each
    assert room(item(unit_volume_mm3=None), b, 10) == 10  # unknown size restricts nothing


def test_nearest_bin_that_fits_everything_beats_a_nearer_one_that_does_not():
    bins = [storage("SMALL", 1, max_weight_g=1_000), storage("BIG", 5)]
    assert where(plan([item()], bins)) == [("BIG", 10, "empty")]


def test_split_over_several_bins_when_none_fits_everything():
    bins = [storage("A", 1, max_weight_g=3_000), storage("B", 2, max_weight_g=2_000),
            storage("C", 3, max_weight_g=1_000)]
    assert where(plan([item(quantity=12)], bins)) == [("A", 6, "empty"), ("B", 4, "empty"), ("C", 2, "empty")]


def test_the_rest_goes_to_the_nearest_bin_that_takes_all_of_it():
    bins = [storage("A", 1, max_weight_g=3_000), storage("B", 2, max_weight_g=2_000),
            storage("C", 3, max_weight_g=3_000)]
    assert where(plan([item(quantity=12)], bins)) == [("A", 6, "empty"), ("C", 6, "empty")]


def test_nothing_fits_leaves_the_rest_unplaced():
    bins = [storage("A", 1, max_weight_g=1_000)]
    assert where(plan([item(quantity=5)], bins)) == [("A", 2, "empty"), (None, 3, "none")]


def test_heavy_units_only_on_low_levels():
    heavy = item(unit_weight_g=20_000, quantity=1)

    def bins():
        return [Bin("HIGH", "storage", level=4, point=(1.0, 0.0)), Bin("LOW", "storage", level=1, point=(9.0, 0.0))]

    assert where(plan([heavy], bins())) == [("LOW", 1, "empty")]
    assert where(plan([replace(heavy, unit_weight_g=2_000)], bins())) == [("HIGH", 1, "empty")]


def test_empty_bin_rule_uses_storage_bins_only():
    bins = [Bin("FACE", "pick_face", level=1, point=(1.0, 0.0)), storage("STORE", 8)]
    assert where(plan([item()], bins)) == [("STORE", 10, "empty")]


def test_later_items_see_earlier_suggestions():
    # The first lot fills the nearest empty bin; a second SKU must not be sent into it too.
    bins = [storage("A", 1), storage("B", 2)]
    out = plan([item(), item(sku="CAP")], bins)
    assert where(out) == [("A", 10, "empty"), ("B", 10, "empty")]


def test_a_second_item_of_the_same_lot_consolidates_into_the_first_ones_bin():
    bins = [storage("A", 1), storage("B", 2)]
    out = plan([item(source="RECV-01"), item(source="RECV-02", quantity=4)], bins)
    assert where(out) == [("A", 10, "empty"), ("A", 4, "consolidate")]
    assert [s.from_location for s in out] == ["RECV-01", "RECV-02"]


def test_bins_without_a_position_are_tried_last():
    bins = [Bin("NOWHERE", "storage"), storage("FAR", 90)]
    assert where(plan([item()], bins)) == [("FAR", 10, "empty")]
