"""Pick scan rules, release order helpers and late-task insertion, without a database."""

import random

import pytest

from wms.bench.picking import floor, random_picks
from wms.errors import Conflict, Invalid
from wms.picking import domain
from wms.picking.geometry import PickPoint, walk_length

TEA = domain.Expected("A01-B02-L1", "TEA", "09506000134352", "09506000134352", "L7", 3)
# Created with its GTIN-13: told as given, matched as the GTIN-14.
MUG = domain.Expected("A01-B03-L1", "MUG", "4006381333931", "04006381333931", "", 2)


def check(expected, raw):
    domain.check_item(expected, raw)


@pytest.mark.parametrize("raw", ["MUG", "4006381333931", "04006381333931", "]E04006381333931",
                                 "(01)04006381333931(10)ANY", "]C10104006381333931"])
def test_item_scans_that_name_the_product(raw):
    check(MUG, raw)


@pytest.mark.parametrize("raw", ["]C1010950600013435210L7", "TEA", "09506000134352"])
def test_a_lot_is_checked_only_when_scanned(raw):
    check(TEA, raw)


@pytest.mark.parametrize("raw, code", [("CAP", "wrong_item"), ("036000291452", "wrong_item"),
                                       ("]C1010950600013435210L8", "wrong_lot")])
def test_wrong_items_say_what_was_expected(raw, code):
    with pytest.raises(Conflict) as err:
        check(TEA, raw)
    assert err.value.code == code and err.value.details["expected"]["sku"] == "TEA"


def test_a_numeric_sku_of_gtin_length_is_still_its_sku():
    # Neither is a valid GTIN-8 for another product: "96385074" has a right check digit, "12345678" not.
    for sku in ("96385074", "12345678"):
        check(domain.Expected("A01-B01-L1", sku, None, None, "", 1), sku)
    with pytest.raises(Invalid):
        check(MUG, "12345678")


@pytest.mark.parametrize("scanned", ["A01-B02-L1", " A01-B02-L1\r\n", "]C0A01-B02-L1"])
def test_location_scans(scanned):
    domain.check_location(TEA, scanned)


def test_wrong_location_and_over_pick():
    with pytest.raises(Conflict) as err:
        domain.check_location(TEA, "A01-B04-L1")
    assert (err.value.code, err.value.details["expected"]) == ("wrong_location", "A01-B02-L1")
    with pytest.raises(Conflict) as err:
        domain.check_quantity(TEA, 4)
    assert err.value.code == "over_pick"
    domain.check_quantity(TEA, 3)
    with pytest.raises(Conflict):
        domain.check_short(3, 3)
    domain.check_short(3, 0)


def test_cutoffs():
    cutoffs = domain.carrier_cutoffs({"dhl": "17:00", "ups": "18:30"})
    assert cutoffs == {"dhl": 1020, "ups": 1110}
    assert domain.carriers_due_by(cutoffs, "18:00") == ["dhl"]
    assert domain.carriers_due_by(cutoffs, "18:30") == ["dhl", "ups"]
    with pytest.raises(Invalid):
        domain.minutes("25:00")


def test_bins_off_the_network_count_as_at_the_depot():
    plan, _ = floor(aisles=3, cross_aisles=1)
    assert domain.pick_point(plan, None, None) == PickPoint(1, 0.0)
    assert domain.pick_point(plan, 9, 3.0) == PickPoint(1, 0.0)
    assert domain.pick_point(plan, 2, 3.0) == PickPoint(2, 3.0)
    assert walk_length(plan, [domain.pick_point(plan, None, None)]) == 0.0


def test_cheapest_insertion_is_the_best_place_after_the_picker():
    plan, bay_ys = floor(aisles=6, bays_per_aisle=10, cross_aisles=1)
    rng = random.Random(2)
    for _ in range(100):
        route = random_picks(rng, plan, bay_ys, rng.randint(1, 10))
        new = random_picks(rng, plan, bay_ys, 1)[0]
        after = rng.randrange(len(route))
        i = domain.cheapest_insertion(plan, route, after, new)
        assert after < i <= len(route)
        lengths = [walk_length(plan, route[:k] + [new] + route[k:]) for k in range(after + 1, len(route) + 1)]
        assert walk_length(plan, route[:i] + [new] + route[i:]) == pytest.approx(min(lengths))
