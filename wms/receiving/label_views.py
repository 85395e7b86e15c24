"""HTTP endpoints of inbound labels: SSCCs for cartons and pallets, and SSCC, product and bin labels."""
from __future__ import annotations

from flask import Response, url_for

from wms import config
from wms.api.registry import Routes, current_principal
from wms.errors import Conflict
from wms.labels.domain import Label
from wms.labels.pdf import render_pdf
from wms.labels.zpl import render_zpl
from wms.receiving import labelling
from wms.receiving import schemas as s

# This package's endpoints, declared below; create_app registers them (wms/wiring.py).
ROUTES = Routes()
endpoint = ROUTES.endpoint

LABEL_PRINTERS = ("receiver", "supervisor")
SSCC_USERS = ("receiver", "supervisor", "packer")
# ZPL is text, sent as UTF-8 (each label selects it with ^CI28).
MEDIA = {"zpl": "text/plain; charset=utf-8", "pdf": "application/pdf"}
LABEL_TYPES = ("text/plain", "application/pdf")


def _label(label: Label, fmt: str, name: str) -> Response:
    try:
        body = render_zpl(label).encode("utf-8") if fmt == "zpl" else render_pdf(label)
    except ValueError as exc:  # a code too long to print as a barcode that scans
        raise Conflict(f"this label cannot be printed: {exc}", code="label_unprintable") from None
    response = Response(body, mimetype=MEDIA[fmt])
    response.headers["Content-Disposition"] = f'inline; filename="{name}.{fmt}"'
    return response


@endpoint("POST", "/sscc", roles=SSCC_USERS, summary="Issue SSCCs for cartons or pallets", tag="labels",
          body=s.SSCC_IN, response=s.SSCC_OUT, status=201, errors=(409,),
          description="Each SSCC is the GS1 company prefix (WMS_GS1_COMPANY_PREFIX) and a serial reference "
                      "that is never issued twice; extension digit 0 for cartons, 1 for pallets.")
def issue_sscc(body):
    ssccs = labelling.issue(body["kind"], body.get("count", 1), current_principal().name,
                            config.settings().gs1_company_prefix)
    return {"items": [{"sscc": sscc, "kind": body["kind"],
                       "label_url": url_for("api.wms_receiving_label_views__sscc_label", sscc=sscc)}
                      for sscc in ssccs]}


@endpoint("GET", "/sscc/<sscc>/label", roles=SSCC_USERS, summary="Print an SSCC carton or pallet label",
          tag="labels", query=s.LABEL_QUERY, errors=(409,), response=None, content_type=LABEL_TYPES,
          description="GS1-128 (00) barcode; `format=zpl` (ZPL II, 203 dpi) or `pdf`.")
def sscc_label(sscc, query):
    label = labelling.sscc_label(sscc, config.settings().warehouse.address)
    return _label(label, query["format"], f"sscc-{sscc}")


@endpoint("GET", "/products/<sku>/label", roles=LABEL_PRINTERS, summary="Print a product label", tag="labels",
          query=s.LABEL_QUERY, errors=(409,), response=None, content_type=LABEL_TYPES)
def product_label(sku, query):
    return _label(labelling.product_label(sku), query["format"], f"product-{sku}")


@endpoint("GET", "/locations/<code>/label", roles=LABEL_PRINTERS, summary="Print a bin label", tag="labels",
          query=s.LABEL_QUERY, errors=(409,), response=None, content_type=LABEL_TYPES)
def location_label(code, query):
    return _label(labelling.location_label(code), query["format"], f"location-{code}")
