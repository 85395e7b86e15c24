"""Receiving rules without a database: what a scan must carry, the over-receipt tolerance, discrepancies."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from wms.errors import Conflict, Invalid
from wms.receiving.domain import (
    Capture,
    Discrepancy,
    LineState,
    OverReceipt,
    Tracking,
    allowed_total,
    check_capture,
    check_quantity,
    discrepancies,
    line_to_credit,
)

PLAIN = Tracking("MUG")
LOTS = Tracking("TEA", lot_tracked=True, expiry_tracked=True)
SERIALS = Tracking("PHONE", serial_tracked=True)
DAY = date(2030, 1, 31)


def code(exc: pytest.ExceptionInfo) -> str:
    return exc.value.code


def test_untracked_product_takes_no_lot_expiry_or_serial():
    assert check_capture(PLAIN, Capture(), 5) == ""
    for capture, expected in ((Capture(lot="L1"), "lot_not_tracked"), (Capture(expiry=DAY), "expiry_not_tracked"),
                              (Capture(serial="S1"), "serial_not_tracked")):
        with pytest.raises(Invalid) as err:
            check_capture(PLAIN, capture, 1)
        assert code(err) == expected


def test_lot_and_expiry_are_required_when_tracked_and_the_lot_is_the_key():
    assert check_capture(LOTS, Capture(lot="L1", expiry=DAY), 5) == "L1"
    with pytest.raises(Invalid) as err:
        check_capture(LOTS, Capture(expiry=DAY), 5)
    assert code(err) == "lot_required" and "(10)" in err.value.message
    with pytest.raises(Invalid) as err:
        check_capture(LOTS, Capture(lot="L1"), 5)
    assert code(err) == "expiry_required" and "(17)" in err.value.message


def test_serial_is_required_names_one_unit_and_becomes_the_lot_key():
    assert check_capture(SERIALS, Capture(serial="SN-1"), 1) == "SN-1"
    with pytest.raises(Invalid) as err:
        check_capture(SERIALS, Capture(), 1)
    assert code(err) == "serial_required"
    with pytest.raises(Invalid) as err:
        check_capture(SERIALS, Capture(serial="SN-1"), 2)
    assert code(err) == "one_per_serial"


@pytest.mark.parametrize(("expected", "tolerance", "allowed"), [
    (10, "0.10", 11), (100, "0.10", 110), (9, "0.10", 9), (3, "0.5", 4), (10, "0", 10), (7, "0.3", 9),
])
def test_allowed_total_rounds_down_exactly(expected, tolerance, allowed):
    assert allowed_total(expected, Decimal(tolerance)) == allowed


def test_over_receipt_beyond_tolerance_is_refused_with_the_numbers():
    check_quantity("MUG", 10, 10, 1, Decimal("0.10"))
    with pytest.raises(OverReceipt) as err:
        check_quantity("MUG", 10, 10, 2, Decimal("0.10"))
    assert isinstance(err.value, Conflict) and code(err) == "over_receipt"
    assert err.value.details == {"sku": "MUG", "expected": 10, "received": 10, "quantity": 2, "allowed": 11}
    assert "receive at most 1" in err.value.message


def test_unexpected_products_are_not_capped():
    check_quantity("CAP", 0, 500, 500, Decimal("0.10"))


def test_loose_scans_credit_plain_lines_before_pallet_lines():
    lines = [LineState("106141410000000019", "L1", 10, 0), LineState(None, None, 5, 0)]
    assert line_to_credit(lines, "L1") == 1


def test_loose_scans_prefer_the_lot_named_then_lines_with_room():
    lines = [LineState(None, "L1", 5, 5), LineState(None, "L2", 5, 0), LineState(None, "L1", 5, 0)]
    assert line_to_credit(lines, "L1") == 2
    assert line_to_credit(lines, "L2") == 1
    assert line_to_credit([], "L1") is None


def test_discrepancies_per_sku_short_over_unexpected_and_none_when_exact():
    found = discrepancies([("MUG", 10, 8, False), ("TEA", 5, 3, False), ("TEA", 5, 9, False),
                           ("CAP", 4, 4, False), ("HAT", 0, 2, True), ("PEN", 3, 4, False)])
    assert found == [Discrepancy("MUG", 10, 8, "short"), Discrepancy("TEA", 10, 12, "over"),
                     Discrepancy("HAT", 0, 2, "unexpected"), Discrepancy("PEN", 3, 4, "over")]
