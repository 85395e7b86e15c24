"""HTTP endpoints of receiving, putaway and inbound SSCCs: writes send a command, reads call a query."""
from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from wms import config
from wms.api import pagination
from wms.api.pagination import page
from wms.api.registry import Routes, current_principal
from wms.inventory import schemas as stock_schemas
from wms.inventory.domain import Actor
from wms.inventory.schemas import move_json
from wms.labels.response import LABEL_QUERY, LABEL_TYPES, label_response
from wms.pipeline import as_given
from wms.receiving import labelling, putaway, services
from wms.receiving import schemas as s
from wms.receiving.domain import (
    RECEIVERS,
    SSCC_USERS,
    CloseReceipt,
    IssueSscc,
    OpenReceipt,
    PutAway,
    ReceiveScan,
)
from wms.receiving.models import Receipt
from wms.receiving.schemas import discrepancy_json, receipt_json
from wms.serialise import iso

# This package's endpoints, declared below; create_app registers them (wms/wiring.py).
ROUTES = Routes()
endpoint = ROUTES.endpoint


@endpoint("POST", "/receipts", roles=OpenReceipt.ROLES, summary="Record a purchase order or advance ship notice",
          tag="receiving", body=s.RECEIPT_IN, response=s.RECEIPT, status=201, errors=(404, 409),
          description="An ASN line may name the pallet's `sscc` with its `lot` and `expiry`; scanning that "
                      "SSCC then receives every line listed for it.")
def create_receipt(body, send):
    return send(OpenReceipt(body["reference"], body.get("supplier"), body["lines"], send.caller.name), receipt_json)


@endpoint("GET", "/receipts", roles=RECEIVERS, summary="List receipts", tag="receiving",
          query={"status": {"enum": ["open", "closed"]}, "reference": {"type": "string", "minLength": 1,
                                                                        "maxLength": 100}},
          response=s.RECEIPT, paginated=True)
def list_receipts(query):
    stmt = select(Receipt)
    if "status" in query:
        stmt = stmt.where(Receipt.status == query["status"])
    if "reference" in query:
        stmt = stmt.where(Receipt.reference == query["reference"])
    return page(stmt, Receipt.id, query, receipt_json)


@endpoint("GET", "/receipts/<int:receipt_id>", roles=RECEIVERS, summary="Read a receipt", tag="receiving",
          response=s.RECEIPT)
def get_receipt(receipt_id):
    return receipt_json(services.get_receipt(receipt_id))


@endpoint("POST", "/receipts/<int:receipt_id>/scan", roles=RECEIVERS, summary="Receive what a scan names",
          tag="receiving", body=s.SCAN_IN, response=s.SCAN, status=201, errors=(404, 409), scan=True,
          description="`barcode`: a SKU, a GTIN-8/12/13/14, or a GS1 element string (AIs 00, 01, 10, 17, 21, "
                      "37) with or without an AIM prefix and with FNC1 as ASCII 29. A malformed barcode is 422 "
                      "`invalid_barcode`; one that names no product 404 `unknown_product`; over-receipt beyond "
                      "the tolerance 409 `over_receipt`.")
def scan(receipt_id, body, send):
    # The handler answers the scan's outcome as the API shows it.
    return send(ReceiveScan(receipt_id, body, Actor.of(send), config.settings().over_receipt_tolerance),
                as_given)


@endpoint("POST", "/receipts/<int:receipt_id>/close", roles=CloseReceipt.ROLES, summary="Close a receipt",
          tag="receiving", response=s.CLOSED, errors=(404,),
          description="Returns what arrived short, over, or without being expected, and emits `receipt.closed`.")
def close_receipt(receipt_id, send):
    def shape(closed):
        receipt, found = closed
        return {"receipt_id": receipt.id, "reference": receipt.reference, "status": receipt.status,
                "discrepancies": [discrepancy_json(d) for d in found]}

    return send(CloseReceipt(receipt_id, send.caller.name), shape)


@endpoint("GET", "/putaway/suggestions", roles=RECEIVERS, summary="Suggest bins for a receipt's stock",
          tag="receiving", query={"receipt": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}},
          required_query=("receipt",), response=s.SUGGESTION, paginated=True, errors=(404,),
          description="Rules in order: the product's home bin, a bin with the same SKU and lot, the nearest "
                      "empty storage bin whose level and capacity fit. Suggested empty bins are held for the "
                      "caller for 15 minutes.")
def suggestions(query):
    plan, until = putaway.suggest(query["receipt"], current_principal().name)
    items = [{"sku": x.sku, "lot": x.lot or None, "quantity": x.quantity, "from_location": x.from_location,
              "to_location": x.to_location, "rule": x.rule,
              "held_until": iso(until) if x.rule == "empty" else None} for x in plan]
    # The plan is made whole on every call; pages are slices of it.
    start = pagination.decode(query["cursor"]) if query.get("cursor") else 0
    end = start + query["limit"]
    return {"items": items[start:end], "next_cursor": pagination.encode(end) if end < len(items) else None}


@endpoint("POST", "/putaway", roles=RECEIVERS, summary="Put received stock away into a bin", tag="receiving",
          body=s.PUTAWAY_IN, response=stock_schemas.MOVE, status=201, errors=(404, 409), scan=True)
def put_away(body, send):
    return send(PutAway(body["sku"], body["from_location"], body["to_location"], body["quantity"], body.get("lot"),
                        send.caller.name, Actor.of(send)), move_json)


@endpoint("POST", "/sscc", roles=IssueSscc.ROLES, summary="Issue SSCCs for cartons or pallets", tag="labels",
          body=s.SSCC_IN, response=s.SSCC_OUT, status=201, errors=(409,),
          description="Each SSCC is the GS1 company prefix (WMS_GS1_COMPANY_PREFIX) and a serial reference "
                      "that is never issued twice; extension digit 0 for cartons, 1 for pallets.")
def issue_sscc(body, send):
    def shape(ssccs):
        return {"items": [{"sscc": sscc, "kind": body["kind"],
                           "label_url": url_for("api.wms_receiving_views__sscc_label", sscc=sscc)}
                          for sscc in ssccs]}

    return send(IssueSscc(body["kind"], body.get("count", 1), send.caller.name, config.settings().gs1_company_prefix),
                shape)


@endpoint("GET", "/sscc/<sscc>/label", roles=SSCC_USERS, summary="Print an SSCC carton or pallet label",
          tag="labels", query=LABEL_QUERY, errors=(409,), response=None, content_type=LABEL_TYPES,
          description="GS1-128 (00) barcode; `format=zpl` (ZPL II, 203 dpi) or `pdf`.")
def sscc_label(sscc, query):
    label = labelling.sscc_label(sscc, config.settings().warehouse.address)
    return label_response(label, query["format"], f"sscc-{sscc}")
