"""SSCCs issued from a counter that never repeats, and what an SSCC's carton or pallet label shows."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from wms.barcodes import InvalidBarcode, make_sscc, normalise_sscc
from wms.config import Address
from wms.db import db, is_postgres, utcnow
from wms.errors import Conflict, NotFound
from wms.labels.domain import SsccLabel
from wms.receiving.domain import IssueSscc
from wms.receiving.models import IssuedSscc, Receipt, ReceiptLine, SsccSequence

# The extension digit tells a carton from a pallet at a glance; the serial reference comes from one
# counter for both, so an SSCC is unique whatever the kind.
EXTENSION_DIGIT = {"carton": 0, "pallet": 1}


def company_prefix(configured: str) -> str:
    """The configured prefix, refused with a 409 while it is not one rather than issuing unusable SSCCs."""
    prefix = configured.strip()
    if not (prefix.isascii() and prefix.isdigit() and 6 <= len(prefix) <= 12):
        raise Conflict(f"WMS_GS1_COMPANY_PREFIX {prefix!r} is not a GS1 company prefix (6 to 12 digits)",
                       code="gs1_prefix_invalid")
    return prefix


def _next_serials(prefix: str, count: int) -> range:
    """Take `count` serial references under the counter row's lock, which the upsert holds to commit."""
    insert = postgresql.insert if is_postgres() else sqlite.insert
    stmt = (insert(SsccSequence).values(company_prefix=prefix, last=count)
            .on_conflict_do_update(index_elements=[SsccSequence.company_prefix],
                                   set_={"last": SsccSequence.last + count})
            .returning(SsccSequence.last))
    last = db.session.execute(stmt).scalar_one()
    if last >= 10 ** (16 - len(prefix)):
        raise Conflict(f"every SSCC serial reference under prefix {prefix} is used; configure a new prefix",
                       code="sscc_exhausted")
    return range(last - count + 1, last + 1)


def issue_ssccs(command: IssueSscc) -> list[str]:
    """Handler: new SSCCs for cartons or pallets under the company prefix, recorded so their labels print again."""
    prefix = company_prefix(command.company_prefix)
    ssccs = [make_sscc(EXTENSION_DIGIT[command.kind], prefix, n) for n in _next_serials(prefix, command.count)]
    now = utcnow()
    db.session.add_all(IssuedSscc(sscc=s, kind=command.kind, issued_by=command.actor, issued_at=now) for s in ssccs)
    db.session.flush()
    return ssccs


def _address_lines(address: Address) -> tuple[str, ...]:
    town = " ".join(p for p in (address.city, address.state, address.postal_code) if p)
    parts = (address.name, address.company, address.street1, address.street2, town, address.country)
    return tuple(p for p in parts if p)


def sscc_label(sscc: str, address: Address) -> SsccLabel:
    """The label of an SSCC issued here (shipped from) or listed on an ASN (received here); `address` is here's."""
    try:
        sscc = normalise_sscc(sscc)
    except InvalidBarcode:
        raise NotFound(f"{sscc!r} is not an SSCC", code="unknown_sscc", details={"sscc": sscc}) from None
    here = _address_lines(address)
    if db.session.get(IssuedSscc, sscc) is not None:
        return SsccLabel(sscc, ship_from=here)
    lines = db.session.scalars(select(ReceiptLine).where(ReceiptLine.sscc == sscc).order_by(ReceiptLine.id)).all()
    if not lines:
        raise NotFound(f"SSCC {sscc} was neither issued here nor listed on an advance ship notice",
                       code="unknown_sscc", details={"sscc": sscc})
    supplier = db.session.scalar(select(Receipt.supplier).where(Receipt.id == lines[0].receipt_id))
    content = {}
    if len({line.product_id for line in lines}) == 1:  # a GS1 logistic label describes one trade item only
        lots = {line.lot for line in lines}
        lot = lots.pop() if len(lots) == 1 else None
        content = {"gtin": lines[0].product.gtin, "count": sum(line.expected for line in lines),
                   "lot": lot if lot and len(lot) <= 20 else None}
        if content["count"] >= 10**8:  # more than AI (37) can say
            content["count"] = None
    return SsccLabel(sscc, ship_from=(supplier,) if supplier else (), ship_to=here, **content)
