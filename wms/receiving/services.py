"""Receiving handlers: take a PO/ASN, receive what is scanned, close with discrepancies.

A scan locks its receipt row first, so scans of one receipt are counted one after another (the
over-receipt check reads totals no other scan is changing); stock is booked through the ledger.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from wms.barcodes import InvalidBarcode, Scan, normalise_sscc, read_scan
from wms.db import db, is_postgres, row_by_id, utcnow
from wms.errors import Conflict, Invalid, NotFound
from wms.inventory import ledger
from wms.inventory.ledger import Actor, Transfer
from wms.inventory.models import DEFAULT_RECEIVING, SUPPLIER, Location, Product, Quant
from wms.inventory.services import location_by_code, product_by_gtin, product_by_sku
from wms.receiving import domain
from wms.receiving.domain import Capture
from wms.receiving.models import (
    CLOSED,
    OPEN,
    PutawayTask,
    Receipt,
    ReceiptLine,
    ReceivedSerial,
)
from wms.receiving.schemas import discrepancy_json, receipt_json
from wms.unit_of_work import record


def tracking(product: Product) -> domain.Tracking:
    return domain.Tracking(product.sku, bool(product.lot_tracked), bool(product.expiry_tracked),
                           bool(product.serial_tracked))


def get_receipt(receipt_id: int, *, lock: bool = False) -> Receipt:
    return row_by_id(Receipt, receipt_id, NotFound(f"no receipt {receipt_id}", code="unknown_receipt",
                                                   details={"receipt_id": receipt_id}), lock=lock)


def _date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{text} is not a real date", code="invalid_date") from None


def open_receipt(command: domain.OpenReceipt) -> Receipt:
    """Handler: record a purchase order or advance ship notice and the lines it says are coming."""
    receipt = Receipt(reference=command.reference, supplier=command.supplier, status=OPEN, created_by=command.actor,
                      created_at=utcnow())
    for line in command.lines:
        product = product_by_sku(line["sku"])
        lot, expiry = line.get("lot"), _date(line.get("expiry"))
        if lot and not product.lot_tracked:
            raise Invalid(f"{product.sku} does not track lots; the line for it cannot name lot {lot}",
                          code="lot_not_tracked", details={"sku": product.sku})
        if expiry and not product.expiry_tracked:
            raise Invalid(f"{product.sku} does not track expiry dates; the line for it cannot name one",
                          code="expiry_not_tracked", details={"sku": product.sku})
        sscc = line.get("sscc")
        if sscc is not None:
            try:
                normalise_sscc(sscc)
            except InvalidBarcode as exc:
                raise Invalid(f"SSCC {sscc}: {exc.message}", code="invalid_sscc", details={"sscc": sscc}) from None
            other = _open_receipt_with(sscc)
            if other is not None:
                raise Conflict(f"SSCC {sscc} is already expected on receipt {other}", code="sscc_on_other_receipt",
                               details={"sscc": sscc, "receipt_id": other})
        receipt.lines.append(ReceiptLine(product_id=product.id, product=product, expected=line["quantity"],
                                         received=0, sscc=sscc, lot=lot, expiry=expiry, unexpected=False))
    db.session.add(receipt)
    db.session.flush()
    return receipt


def _open_receipt_with(sscc: str) -> int | None:
    return db.session.scalar(select(Receipt.id).join(ReceiptLine, ReceiptLine.receipt_id == Receipt.id)
                             .where(ReceiptLine.sscc == sscc, Receipt.status == OPEN).limit(1))


def _landing(code: str | None) -> Location:
    """Where scanned stock lands: the location given, else the warehouse's receiving dock."""
    if code is None:
        place = db.session.scalar(select(Location).where(Location.code == DEFAULT_RECEIVING))
        place = place or db.session.scalar(select(Location).where(Location.type == "receiving").order_by(Location.id))
        if place is None:
            raise Conflict("this warehouse has no receiving location; name one", code="no_receiving_location")
        return place
    place = location_by_code(code)
    if place.virtual:
        raise Invalid(f"{code} is not a physical place", code="virtual_location", details={"location": code})
    return place


def _product_for(scan: Scan) -> Product:
    if scan.kind == "sku":
        return product_by_sku(scan.sku)
    if scan.gtin:
        product = product_by_gtin(scan.gtin)
        if product is None:
            raise NotFound(f"no product has GTIN {scan.gtin}; put the carton aside for a supervisor",
                           code="unknown_product", details={"gtin": scan.gtin})
        return product
    if scan.sscc:
        other = _open_receipt_with(scan.sscc)
        where = f"it is on receipt {other}" if other else "scan the cartons on it one by one"
        raise NotFound(f"pallet {scan.sscc} is not on this receipt's advance ship notice; {where}",
                       code="unknown_product", details={"sscc": scan.sscc, "receipt_id": other})
    raise NotFound("this barcode does not say which product it is (no GTIN); scan the product barcode",
                   code="unknown_product")


def _same(scanned, typed, what: str):
    if scanned is not None and typed is not None and scanned != typed:
        raise Invalid(f"the barcode says {what} {scanned} but {typed} was typed", code="scan_mismatch",
                      details={"scanned": str(scanned), "typed": str(typed)})
    return scanned if scanned is not None else typed


@dataclass
class _Entry:
    product: Product
    quantity: int
    capture: Capture
    lot_key: str
    line: ReceiptLine | None = None  # None: credit the best line for the product


def receive_scan(command: domain.ReceiveScan) -> dict:
    """Handler: receive what one scan names (a product, or a whole ASN pallet by its SSCC) into stock."""
    receipt_id, body, actor, tolerance = command.receipt_id, dict(command.scan), command.actor, command.tolerance
    receipt = get_receipt(receipt_id, lock=True)
    if receipt.status != OPEN:
        raise Conflict(f"receipt {receipt.id} is closed; open a new one for late deliveries", code="receipt_closed")
    scan = read_scan(body["barcode"])
    place = _landing(body.get("location"))
    pallet = [line for line in receipt.lines if scan.sscc and line.sscc == scan.sscc]
    if pallet:
        entries = _pallet_entries(scan.sscc, pallet, body)
    else:
        product = _product_for(scan)
        quantity = body.get("quantity") or scan.count or 1
        capture = Capture(lot=_same(scan.lot, body.get("lot"), "lot"),
                          expiry=_same(scan.expiry, _date(body.get("expiry")), "expiry date"),
                          serial=_same(scan.serial, body.get("serial"), "serial number"))
        entries = [_Entry(product, quantity, capture, domain.check_capture(tracking(product), capture, quantity))]
    items = _receive(receipt, entries, place, actor, tolerance)
    return {"receipt_id": receipt.id, **items[0], "location": place.code, "sscc": scan.sscc if pallet else None,
            "items": items}


def _pallet_entries(sscc: str, lines: list[ReceiptLine], body: dict) -> list[_Entry]:
    if any(body.get(k) is not None for k in ("quantity", "lot", "expiry", "serial")):
        raise Invalid("a pallet scan receives what the advance ship notice lists; leave out quantity, lot, "
                      "expiry and serial", code="pallet_scan_details", details={"sscc": sscc})
    if any(line.received for line in lines):
        raise Conflict(f"pallet {sscc} was already received (or cartons from it were); scan its remaining "
                       "cartons one by one", code="sscc_already_received", details={"sscc": sscc})
    entries = []
    for line in lines:
        capture = Capture(lot=line.lot, expiry=line.expiry)
        lot_key = domain.check_capture(tracking(line.product), capture, line.expected)
        entries.append(_Entry(line.product, line.expected, capture, lot_key, line))
    return entries


def _receive(receipt: Receipt, entries: list[_Entry], place: Location, actor: Actor,
             tolerance: Decimal) -> list[dict]:
    adding: dict[int, int] = {}
    for e in entries:
        lines = [line for line in receipt.lines if line.product_id == e.product.id]
        expected, received = sum(x.expected for x in lines), sum(x.received for x in lines)
        domain.check_quantity(e.product.sku, expected, received + adding.get(e.product.id, 0), e.quantity, tolerance)
        adding[e.product.id] = adding.get(e.product.id, 0) + e.quantity
        _check_lot_expiry(e)
        if e.capture.serial:
            _record_serial(receipt, e, actor)
        line = e.line or _line_to_credit(receipt, e, lines)
        line.received += e.quantity
        if not place.sellable:
            # Before the ledger locks quants: putaway also locks its tasks first, so the two cannot deadlock.
            _task_for(receipt, e, place).received += e.quantity
    supplier = location_by_code(SUPPLIER)
    ledger.post([Transfer(e.product, supplier, place, e.quantity, e.lot_key, expiry=e.capture.expiry,
                          kind="receipt", reference=f"receipt:{receipt.id}") for e in entries], actor)
    for e in entries:
        settle_expiry(e.product, place, e.lot_key, e.capture.expiry, e.quantity)
    return [_item_json(receipt, e) for e in entries]


def _line_to_credit(receipt: Receipt, e: _Entry, lines: list[ReceiptLine]) -> ReceiptLine:
    states = [domain.LineState(x.sscc, x.lot, x.expected, x.received) for x in lines]
    index = domain.line_to_credit(states, e.capture.lot)
    if index is not None:
        return lines[index]
    line = ReceiptLine(product_id=e.product.id, product=e.product, expected=0, received=0, unexpected=True)
    receipt.lines.append(line)
    return line


def _check_lot_expiry(e: _Entry) -> None:
    """One lot has one expiry date: a second date for stock of the same lot is a mislabel, caught here."""
    if not (e.product.lot_tracked and e.capture.lot and e.capture.expiry) or e.product.serial_tracked:
        return  # a serial-tracked unit's quant is keyed by its serial, not its lot
    known = db.session.scalar(select(Quant.expiry).where(
        Quant.product_id == e.product.id, Quant.lot == e.lot_key, Quant.virtual.is_(False), Quant.on_hand > 0,
        Quant.expiry.is_not(None), Quant.expiry != e.capture.expiry).limit(1))
    if known is not None:
        raise Conflict(f"lot {e.capture.lot} of {e.product.sku} is in stock with expiry {known.isoformat()}, "
                       f"not {e.capture.expiry.isoformat()}; check the label with a supervisor",
                       code="lot_expiry_mismatch", details={"sku": e.product.sku, "lot": e.capture.lot})


def _record_serial(receipt: Receipt, e: _Entry, actor: Actor) -> None:
    insert = postgresql.insert if is_postgres() else sqlite.insert
    # Insert-or-nothing rather than check-then-insert: two docks scanning one serial at once must not both win.
    stored = db.session.execute(
        insert(ReceivedSerial).values(product_id=e.product.id, serial=e.capture.serial, receipt_id=receipt.id,
                                      lot=e.capture.lot, received_by=actor.name, received_at=utcnow())
        .on_conflict_do_nothing().returning(ReceivedSerial.id)
    ).scalar()
    if stored is None:
        raise Conflict(f"serial {e.capture.serial} of {e.product.sku} was already received",
                       code="serial_already_received", details={"sku": e.product.sku, "serial": e.capture.serial})


def settle_expiry(product: Product, place: Location, lot_key: str, expiry: date | None, arrived: int) -> None:
    """Give the quant that just got `arrived` units the right expiry date.

    The ledger keeps the first date a quant ever had, even after it was emptied; and an expiry-tracked
    product without lots shares one quant per place across dates, where the earliest must show so that
    nothing is sold past it.
    """
    if expiry is None or place.virtual:
        return
    quant = db.session.scalar(select(Quant).where(Quant.product_id == product.id, Quant.location_id == place.id,
                                                  Quant.lot == lot_key))
    if quant is None:
        return
    if quant.on_hand == arrived or quant.expiry is None or expiry < quant.expiry:
        quant.expiry = expiry


def _task_for(receipt: Receipt, e: _Entry, place: Location) -> PutawayTask:
    task = db.session.scalar(select(PutawayTask).with_for_update().where(
        PutawayTask.receipt_id == receipt.id, PutawayTask.product_id == e.product.id,
        PutawayTask.lot == e.lot_key, PutawayTask.location_id == place.id))
    if task is None:
        task = PutawayTask(receipt_id=receipt.id, product_id=e.product.id, lot=e.lot_key, location_id=place.id,
                           received=0, put_away=0)
        db.session.add(task)
    return task


def _item_json(receipt: Receipt, e: _Entry) -> dict:
    lines = [line for line in receipt.lines if line.product_id == e.product.id]
    return {
        "sku": e.product.sku, "quantity": e.quantity, "lot": e.capture.lot,
        "expiry": e.capture.expiry.isoformat() if e.capture.expiry else None, "serial": e.capture.serial,
        "line": {"sku": e.product.sku, "expected": sum(x.expected for x in lines),
                 "received": sum(x.received for x in lines)},
    }


def _discrepancies(receipt: Receipt) -> list[domain.Discrepancy]:
    return domain.discrepancies((line.product.sku, line.expected, line.received, line.unexpected)
                                for line in receipt.lines)


def close_receipt(command: domain.CloseReceipt) -> tuple[Receipt, list[domain.Discrepancy]]:
    """Handler: close a receipt and report what arrived short, over or unexpected; closing again changes nothing."""
    receipt = get_receipt(command.receipt_id, lock=True)
    found = _discrepancies(receipt)
    if receipt.status == CLOSED:
        return receipt, found
    receipt.status, receipt.closed_by, receipt.closed_at = CLOSED, command.actor, utcnow()
    # Subscribers (purchasing, the storefront) hear what the supplier sent short, over or unasked.
    record(domain.ReceiptClosed(receipt.id, {**receipt_json(receipt),
                                              "discrepancies": [discrepancy_json(d) for d in found]}))
    return receipt, found
