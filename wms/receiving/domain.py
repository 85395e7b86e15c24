"""Receiving rules in plain Python: what a scan must carry, how much may arrive, what a closed receipt lacks."""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from wms.command import Command
from wms.errors import Conflict, Invalid
from wms.inventory.domain import Actor


class OverReceipt(Conflict):
    code = "over_receipt"


@dataclass(frozen=True)
class Tracking:
    """What a product keeps apart: lots, expiry dates, serial numbers."""

    sku: str
    lot_tracked: bool = False
    expiry_tracked: bool = False
    serial_tracked: bool = False


@dataclass(frozen=True)
class Capture:
    """What a scan (and the worker's typing) says about the units: lot, expiry date, serial number."""

    lot: str | None = None
    expiry: date | None = None
    serial: str | None = None


def check_capture(product: Tracking, capture: Capture, quantity: int) -> str:
    """Refuse what the product does not track and demand what it does; returns the quant's lot key.

    A serial-tracked unit is its own quant, so its serial is the lot key the ledger books it under
    (as `POST /moves` expects); the lot, if any, is kept with the serial number.
    """
    sku = product.sku
    if product.lot_tracked and not capture.lot:
        raise Invalid(f"{sku} is lot-tracked: scan the barcode that carries the lot (10), or type the lot "
                      "printed on the carton", code="lot_required", details={"sku": sku})
    if capture.lot and not product.lot_tracked:
        raise Invalid(f"{sku} does not track lots, but lot {capture.lot} was given; leave the lot out or ask a "
                      "supervisor to set the product up for lots", code="lot_not_tracked", details={"sku": sku})
    if product.expiry_tracked and capture.expiry is None:
        raise Invalid(f"{sku} needs its expiry date: scan the barcode that carries it (17), or type the date "
                      "printed on the carton", code="expiry_required", details={"sku": sku})
    if capture.expiry is not None and not product.expiry_tracked:
        raise Invalid(f"{sku} does not track expiry dates, but {capture.expiry.isoformat()} was given; leave it "
                      "out or ask a supervisor to set the product up for expiry dates", code="expiry_not_tracked",
                      details={"sku": sku})
    if product.serial_tracked:
        if not capture.serial:
            raise Invalid(f"{sku} is serial-tracked: scan each unit's serial number barcode (21)",
                          code="serial_required", details={"sku": sku})
        if quantity != 1:
            raise Invalid(f"a serial number names one unit of {sku}, not {quantity}; scan each unit",
                          code="one_per_serial", details={"sku": sku, "quantity": quantity})
        return capture.serial
    if capture.serial:
        raise Invalid(f"{sku} does not track serial numbers, but serial {capture.serial} was scanned; scan the "
                      "product or carton barcode instead", code="serial_not_tracked", details={"sku": sku})
    return capture.lot or ""


def allowed_total(expected: int, tolerance: Decimal) -> int:
    """The most that may arrive against `expected` units: the tolerance share on top, rounded down."""
    # Decimal, so that 10 units at 10 % allow exactly 11 (10 * 1.1 is 11.000000000000002 as a float).
    return math.floor(Decimal(expected) * (1 + tolerance))


def check_quantity(sku: str, expected: int, received: int, quantity: int, tolerance: Decimal) -> None:
    """Refuse an over-receipt of an expected product beyond the tolerance; unexpected products are not capped."""
    if expected == 0:
        return
    allowed = allowed_total(expected, tolerance)
    if received + quantity > allowed:
        room = max(allowed - received, 0)
        raise OverReceipt(
            f"{sku}: {expected} expected, {received} already received; {quantity} more would be "
            f"{received + quantity}, over the {allowed} allowed. Put the extra aside for a supervisor"
            + (f" or receive at most {room}" if room else ""),
            details={"sku": sku, "expected": expected, "received": received, "quantity": quantity,
                     "allowed": allowed},
        )


@dataclass(frozen=True)
class LineState:
    """A receipt line as the crediting rule sees it."""

    sscc: str | None
    lot: str | None
    expected: int
    received: int


def line_to_credit(lines: Sequence[LineState], lot: str | None) -> int | None:
    """Index of the line a loose scan counts against, None when the product has no line.

    Lines without an SSCC come first: a pallet line credited by a loose carton could no longer be
    received whole by its SSCC. Then lines of the scanned lot, then lines with room left.
    """
    if not lines:
        return None

    def rank(i: int) -> tuple:
        line = lines[i]
        return (line.sscc is not None, line.lot not in (None, lot), line.received >= line.expected, i)

    return min(range(len(lines)), key=rank)


@dataclass(frozen=True)
class Discrepancy:
    sku: str
    expected: int
    received: int
    kind: str  # short, over, unexpected


def discrepancies(lines: Iterable[tuple[str, int, int, bool]]) -> list[Discrepancy]:
    """Per SKU, in the order first listed: what arrived short, over, or without being expected at all.

    `lines` are (sku, expected, received, unexpected). A SKU is unexpected only when all its lines are:
    lines for products on the receipt absorb every scan of them.
    """
    totals: dict[str, list] = {}
    for sku, expected, received, unexpected in lines:
        entry = totals.setdefault(sku, [0, 0, True])
        entry[0] += expected
        entry[1] += received
        entry[2] = entry[2] and unexpected
    out = []
    for sku, (expected, received, unexpected) in totals.items():
        if unexpected and received:
            out.append(Discrepancy(sku, expected, received, "unexpected"))
        elif received < expected:
            out.append(Discrepancy(sku, expected, received, "short"))
        elif received > expected:
            out.append(Discrepancy(sku, expected, received, "over"))
    return out


RECEIVERS = ("receiver", "supervisor")
# Packers number the cartons they ship too.
SSCC_USERS = ("receiver", "supervisor", "packer")


@dataclass(frozen=True)
class OpenReceipt(Command):
    """A purchase order or advance ship notice: the lines a supplier says are coming."""

    ROLES = RECEIVERS

    reference: str
    supplier: str | None
    lines: Sequence[Mapping]  # sku, quantity, sscc?, lot?, expiry? as the endpoint validated them
    actor: str


@dataclass(frozen=True)
class CloseReceipt(Command):
    """Nothing more arrives against a receipt: close it and report what came short, over or unasked."""

    ROLES = RECEIVERS

    receipt_id: int
    actor: str


@dataclass(frozen=True)
class IssueSscc(Command):
    """Number cartons or pallets: new SSCCs, never issued before, recorded so their labels print again."""

    ROLES = SSCC_USERS

    kind: str  # carton or pallet
    count: int
    actor: str
    company_prefix: str  # the GS1 company prefix as configured (a setting), checked by the handler


@dataclass(frozen=True)
class ClearExpiredHolds(Command):
    """Remove putaway holds whose time ran out (they already count for nothing); sent by the scheduler."""


@dataclass(frozen=True)
class ReceiveScan(Command):
    """A receiver scanned a barcode against a receipt: receive what it names."""

    ROLES = RECEIVERS

    receipt_id: int
    scan: Mapping  # barcode, quantity?, location?, lot?, expiry?, serial? as the endpoint validated them
    actor: Actor
    tolerance: Decimal  # the share of an expected line that may arrive beyond it (a setting)


@dataclass(frozen=True)
class PutAway(Command):
    """Move received units into a bin; `holder` is the receiver a suggested bin may be held for."""

    ROLES = RECEIVERS

    sku: str
    from_location: str
    to_location: str
    quantity: int
    lot: str | None
    holder: str
    actor: Actor


@dataclass(frozen=True)
class ReceiptClosed:
    """A receipt was closed; `state` is the receipt as the API shows it, with what arrived short, over or unasked."""

    receipt_id: int
    state: dict
