"""Stock rules without a database."""
import pytest

from wms.errors import Conflict, Invalid
from wms.inventory import domain
from wms.inventory.domain import Balance, InsufficientStock


def test_take_gives_only_unreserved_stock():
    b = Balance(on_hand=10, reserved=4, virtual=False)
    assert domain.take(b, 6) == Balance(4, 4, False)
    with pytest.raises(InsufficientStock) as exc:
        domain.take(b, 7)
    assert exc.value.details["available"] == 6


def test_take_of_reserved_units_consumes_the_reservation():
    b = Balance(on_hand=10, reserved=4, virtual=False)
    assert domain.take(b, 5, from_reserved=4) == Balance(5, 0, False)
    with pytest.raises(InsufficientStock):
        domain.take(Balance(10, 2, False), 3, from_reserved=3)


def test_virtual_places_may_go_negative():
    assert domain.take(Balance(0, 0, True), 5) == Balance(-5, 0, True)


def test_quantity_must_be_positive():
    with pytest.raises(Invalid):
        domain.take(Balance(5, 0, False), 0)


def test_reserve_and_release_stay_within_on_hand():
    b = domain.reserve(Balance(5, 0, False), 5)
    assert b == Balance(5, 5, False)
    with pytest.raises(InsufficientStock):
        domain.reserve(b, 1)
    assert domain.release(b, 2) == Balance(5, 3, False)
    with pytest.raises(ValueError):
        domain.release(b, 6)


def test_count_delta_and_counts_below_promises():
    assert domain.count_delta(Balance(10, 2, False), 7) == -3
    assert domain.count_delta(Balance(10, 2, False), 12) == 2
    with pytest.raises(Conflict) as exc:
        domain.count_delta(Balance(10, 5, False), 4)
    assert exc.value.code == "count_below_reserved"
    with pytest.raises(Invalid):
        domain.count_delta(Balance(10, 0, False), -1)


@pytest.mark.parametrize("tracked, lot, expected", [(False, None, ""), (True, "L1", "L1")])
def test_lot_key(tracked, lot, expected):
    assert domain.check_lot("SKU", tracked, lot) == expected


@pytest.mark.parametrize("tracked, lot, code", [(True, None, "lot_required"), (False, "L1", "lot_not_tracked")])
def test_lot_rules(tracked, lot, code):
    with pytest.raises(Invalid) as exc:
        domain.check_lot("SKU", tracked, lot)
    assert exc.value.code == code
