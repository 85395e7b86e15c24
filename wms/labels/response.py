"""A label as the API answers it: ZPL or PDF, shown inline under a file name, for any feature's label endpoint."""
from __future__ import annotations

from flask import Response

from wms.errors import Conflict
from wms.labels.domain import Label
from wms.labels.pdf import render_pdf
from wms.labels.zpl import render_zpl

# ZPL is text, sent as UTF-8 (each label selects it with ^CI28).
MEDIA = {"zpl": "text/plain; charset=utf-8", "pdf": "application/pdf"}
# What label endpoints declare they answer, and the query parameter that chooses between them.
LABEL_TYPES = ("text/plain", "application/pdf")
LABEL_QUERY = {"format": {"enum": ["zpl", "pdf"], "default": "zpl"}}


def label_response(label: Label, fmt: str, name: str) -> Response:
    """The label in the format asked for; one whose codes no barcode that scans can carry is a 409."""
    try:
        body = render_zpl(label).encode("utf-8") if fmt == "zpl" else render_pdf(label)
    except ValueError as exc:  # a code too long to print as a barcode that scans
        raise Conflict(f"this label cannot be printed: {exc}", code="label_unprintable") from None
    response = Response(body, mimetype=MEDIA[fmt])
    response.headers["Content-Disposition"] = f'inline; filename="{name}.{fmt}"'
    return response
