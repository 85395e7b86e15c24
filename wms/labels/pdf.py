"""The same labels as PDF (reportlab), page for page the size of the label stock.

Barcodes are reportlab's own vector symbols (Code 128, EAN-13, UPC-A, EAN-8); GS1-128 is
its Code 128 with FNC1 (reportlab's '\\xf1') in first position, which reportlab encodes as
Start C, FNC1. Text uses the PDF base-14 Helvetica, so nothing is embedded and a label is
a few kilobytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.barcode.eanbc import UPCA, Ean8BarcodeWidget, Ean13BarcodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.pdfgen.canvas import Canvas

from wms.labels.domain import Label, LocationLabel, ProductLabel, SsccLabel
from wms.labels.layout import DPI, Barcode, Box, Page, Text, page_for

PT = 72 / DPI  # points per printer dot: the layout is in 203-dpi dots
# Where the baseline sits below the top of a text cell, as a fraction of the cell height;
# matches where the printer's font 0 puts it, so PDF and ZPL labels line up.
BASELINE = 0.78
# reportlab's EAN/UPC widgets take only the payload (they add the check digit) and put
# 9 modules of quiet zone left of the first bar.
_RETAIL = {"ean13": (Ean13BarcodeWidget, 12), "upca": (UPCA, 11), "ean8": (Ean8BarcodeWidget, 7)}
_RETAIL_QUIET = 9


def _text(c: Canvas, page: Page, t: Text) -> None:
    c.setFont("Helvetica-Bold" if t.bold else "Helvetica", t.height * PT)
    baseline = (page.height - t.y - BASELINE * t.height) * PT
    if t.align == "center":
        c.drawCentredString((t.x + t.width / 2) * PT, baseline, t.text)
    else:
        c.drawString(t.x * PT, baseline, t.text)


def _barcode(c: Canvas, page: Page, b: Barcode) -> None:
    bottom = (page.height - b.y - b.height) * PT
    if b.symbology in ("code128", "gs1-128"):
        data = b.data
        if b.symbology == "gs1-128":
            if not (data.isdigit() and len(data) % 2 == 0):
                raise ValueError(f"GS1-128 element string must be an even number of digits, got {data!r}")
            data = "\xf1" + data  # FNC1 in first position: the GS1-128 flag character
        symbol = Code128(data, barWidth=b.module * PT, barHeight=b.height * PT, quiet=0, humanReadable=0)
        symbol.drawOn(c, b.x * PT, bottom)
        return
    if b.symbology not in _RETAIL:
        raise ValueError(f"unknown symbology {b.symbology!r}")
    widget_class, digits = _RETAIL[b.symbology]
    font_size = 9 * b.module * PT  # OCR-B digits are about 8-9 modules tall at nominal size
    text_band = 1.2 * font_size  # reportlab shortens the data bars by this to fit the digits
    widget = widget_class(
        value=b.data[:digits],
        barWidth=b.module * PT,
        barHeight=b.height * PT + text_band,
        fontSize=font_size,
        fontName="Helvetica",
        humanReadable=1,
    )
    drawing = Drawing(widget.width, widget.barHeight)
    drawing.add(widget)
    renderPDF.draw(drawing, c, (b.x - _RETAIL_QUIET * b.module) * PT, bottom - text_band)


def _box(c: Canvas, page: Page, b: Box) -> None:
    c.rect(b.x * PT, (page.height - b.y - b.height) * PT, b.width * PT, b.height * PT, stroke=0, fill=1)


def _draw(c: Canvas, page: Page, barcode: Callable[[Canvas, Page, Barcode], None] = _barcode) -> None:
    # `barcode` is swappable only so that wms/bench/labels.py can time the slower widget path.
    c.setPageSize((page.width * PT, page.height * PT))
    for el in page.elements:
        if isinstance(el, Text):
            _text(c, page, el)
        elif isinstance(el, Barcode):
            barcode(c, page, el)
        else:
            _box(c, page, el)
    c.showPage()


def render_pdf_pages(labels: Iterable[Label], title: str = "Labels") -> bytes:
    """One PDF with a page per label, each page the size of its label stock."""
    buf = io.BytesIO()
    # invariant: no creation date or random document id, so the same label gives the same bytes.
    c = Canvas(buf, invariant=True, pageCompression=1)
    c.setTitle(title)
    pages = 0
    for label in labels:
        _draw(c, page_for(label))
        pages += 1
    if not pages:
        raise ValueError("no labels to render")
    c.save()
    return buf.getvalue()


def render_pdf(label: Label) -> bytes:
    """A one-page PDF for any label (SsccLabel, LocationLabel, ProductLabel)."""
    if isinstance(label, SsccLabel):
        title = f"SSCC {label.sscc}"
    elif isinstance(label, LocationLabel):
        title = f"Location {label.code}"
    else:
        title = f"Product {label.sku}"
    return render_pdf_pages([label], title)


def sscc_label_pdf(label: SsccLabel) -> bytes:
    """The 4x6 in GS1 logistic label for an SSCC."""
    return render_pdf(label)


def location_label_pdf(code: str, caption: str | None = None) -> bytes:
    """The 4x2 in bin label for a location code."""
    return render_pdf(LocationLabel(code, caption))


def product_label_pdf(sku: str, name: str, gtin: str | None = None) -> bytes:
    """The 4x3 in product label."""
    return render_pdf(ProductLabel(sku, name, gtin))
