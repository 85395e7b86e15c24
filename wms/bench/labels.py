"""Label throughput for `wms bench`: ZPL and PDF labels per second, beside a slower way where one is honest.

Rows are `{"what", "ours", "naive", "unit", "target", "notes"}`; `naive` is None where there is no
slower way of doing the same work that anyone would choose:

- ZPL: the printer draws text and barcodes itself, so a label is string formatting after
  layout; the alternative (rasterising the label and sending it as an ^GF bitmap) is a
  different output, not a slower way to the same one, so no naive figure is given.
- PDF, one document per label (what the label endpoints serve): naive draws every barcode
  the way reportlab's user guide shows, `createBarcodeDrawing` + `renderPDF.draw`, where
  ours draws Code 128 / GS1-128 straight onto the canvas (EAN/UPC take the widget path in both).
- PDF, 100 SSCC labels at once (`POST /sscc` with a count): ours is one 100-page document,
  naive is 100 one-page documents.
"""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Callable
from datetime import date

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import createBarcodeDrawing
from reportlab.pdfgen.canvas import Canvas

from wms.barcodes import make_sscc
from wms.labels import pdf
from wms.labels.domain import Label, LocationLabel, ProductLabel, SsccLabel
from wms.labels.layout import Barcode, Page, page_for
from wms.labels.zpl import render_zpl

ZPL_TARGET = 500  # DESIGN.md, "Performance": labels per second on 2 cores
PDF_TARGET = 100


def sample_labels(n: int) -> list[Label]:
    """`n` realistic labels, a third each SSCC (4x6), location (4x2) and product (4x3), all different."""
    labels: list[Label] = []
    for i in range(n):
        kind = i % 3
        if kind == 0:
            labels.append(
                SsccLabel(
                    make_sscc(0, "0614141", 100000 + i),
                    ship_from=("Demo Warehouse Ltd", "Unit 4, Dockside Road", "Bristol BS1 6AB", "GB"),
                    ship_to=(f"Customer {i}", "1 Main Street", "Springfield IL 62701", "US"),
                    gtin="4006381333931",
                    count=24 + i % 10,
                    lot=f"L{i:06d}",
                    best_before=date(2027, 1 + i % 12, 1 + i % 28),
                )
            )
        elif kind == 1:
            labels.append(
                LocationLabel(f"A{i % 40 + 1:02d}-B{i % 24 + 1:02d}-L{i % 5 + 1}", "Zone A - storage")
            )
        else:
            labels.append(
                ProductLabel(f"SKU-{i:06d}", f"Sample product number {i}, box of 12", "4006381333931")
            )
    return labels


def _widget_barcode(c: Canvas, page: Page, b: Barcode) -> None:
    """Code 128 / GS1-128 through reportlab's generic Drawing path (the naive way)."""
    if b.symbology not in ("code128", "gs1-128"):
        pdf._barcode(c, page, b)
        return
    value = ("\xf1" + b.data) if b.symbology == "gs1-128" else b.data
    drawing = createBarcodeDrawing(
        "Code128",
        value=value,
        barWidth=b.module * pdf.PT,
        barHeight=b.height * pdf.PT,
        quiet=0,
        humanReadable=0,
    )
    renderPDF.draw(drawing, c, b.x * pdf.PT, (page.height - b.y - b.height) * pdf.PT)


def _pdf_with(labels: list[Label], barcode: Callable[[Canvas, Page, Barcode], None]) -> bytes:
    buf = io.BytesIO()
    c = Canvas(buf, invariant=True, pageCompression=1)
    for label in labels:
        pdf._draw(c, page_for(label), barcode)
    c.save()
    return buf.getvalue()


def _rate(count: int, work: Callable[[], object]) -> float:
    """Items per second for `work`, which handles `count` items; best of three runs after a warm-up."""
    work()
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return count / best


def rows(quick: bool, echo: Callable[[str], None] = print) -> list[dict]:
    """Measure label rendering; `quick` uses fewer labels (for CI smoke runs) and is noisier."""
    n_zpl, n_pdf = (150, 30) if quick else (3000, 300)
    zpl_labels = sample_labels(n_zpl)
    pdf_labels = sample_labels(n_pdf)
    batch = [label for label in sample_labels(300) if isinstance(label, SsccLabel)][:100]
    if quick:
        batch = batch[:20]

    zpl = _rate(n_zpl, lambda: [render_zpl(label) for label in zpl_labels])
    pdf_ours = _rate(n_pdf, lambda: [pdf.render_pdf(label) for label in pdf_labels])
    pdf_naive = _rate(n_pdf, lambda: [_pdf_with([label], _widget_barcode) for label in pdf_labels])
    batch_ours = _rate(len(batch), lambda: pdf.render_pdf_pages(batch))
    batch_naive = _rate(len(batch), lambda: [pdf.render_pdf(label) for label in batch])
    return [
        {
            "what": "ZPL labels (SSCC 4x6, location, product)",
            "ours": zpl,
            "naive": None,
            "unit": "labels/s",
            "target": ZPL_TARGET,
            "notes": "no honest naive: the printer draws text and barcodes itself",
        },
        {
            "what": "PDF labels (SSCC 4x6, location, product), one document each",
            "ours": pdf_ours,
            "naive": pdf_naive,
            "unit": "labels/s",
            "target": PDF_TARGET,
            "notes": "naive: Code 128 via reportlab's createBarcodeDrawing + renderPDF",
        },
        {
            "what": f"PDF SSCC labels, {len(batch)} in one document",
            "ours": batch_ours,
            "naive": batch_naive,
            "unit": "labels/s",
            "target": PDF_TARGET,
            "notes": "naive: one document per label",
        },
    ]


if __name__ == "__main__":  # python -m wms.bench.labels [--quick]
    for row in rows("--quick" in sys.argv):
        naive = "-" if row["naive"] is None else f"{row['naive']:.0f}"
        print(f"{row['what']}: {row['ours']:.0f} {row['unit']} (target >= {row['target']}),", end=" ")
        print(f"naive {naive} ({row['notes']})")
