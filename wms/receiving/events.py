"""How a receipt looks to the API and to webhook subscribers, and the event its closing writes."""
from __future__ import annotations

from wms.api.responses import iso, iso_date
from wms.receiving.domain import Discrepancy
from wms.receiving.models import Receipt

RECEIPT_CLOSED = "receipt.closed"


def receipt_state(receipt: Receipt) -> dict:
    return {
        "id": receipt.id,
        "reference": receipt.reference,
        "supplier": receipt.supplier,
        "status": receipt.status,
        "lines": [{"sku": line.product.sku, "expected": line.expected, "received": line.received,
                   "sscc": line.sscc, "lot": line.lot, "expiry": iso_date(line.expiry),
                   "unexpected": line.unexpected} for line in receipt.lines],
        "created_by": receipt.created_by,
        "created_at": iso(receipt.created_at),
        "closed_at": iso(receipt.closed_at),
    }


def discrepancy_json(d: Discrepancy) -> dict:
    return {"sku": d.sku, "expected": d.expected, "received": d.received, "kind": d.kind}


def closed(receipt: Receipt, found: list[Discrepancy]) -> None:
    """Tell subscribers (purchasing, the storefront) what the supplier sent short, over or unasked."""
    from wms.webhooks import (
        outbox,  # webhooks reads inventory; imported late like orders' events
    )

    outbox.emit(RECEIPT_CLOSED, f"receipt:{receipt.id}",
                {"receipt_id": receipt.id, **receipt_state(receipt),
                 "discrepancies": [discrepancy_json(d) for d in found]})
