"""The printable pick list: tasks in walking order with scannable bin and SKU barcodes, then the route drawn.

US Letter pages drawn with reportlab, like the labels (wms/labels/pdf.py): Code 128 from reportlab's
own vector symbols, Helvetica so nothing is embedded, an invariant document so the same list
prints the same bytes.
"""
from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen.canvas import Canvas

from wms.labels.layout import printable
from wms.picking.domain import pick_point
from wms.picking.geometry import FloorPlan
from wms.picking.models import PickList, PickTask
from wms.picking.paths import walk_path

WIDTH, HEIGHT = letter
MARGIN = 36.0
# Narrowest bar printed: 0.6 pt is 2.5 pixels at 300 dpi, about the least a handheld reads reliably.
MIN_BAR, MAX_BAR = 0.6, 1.0
BAR_HEIGHT = 26.0
ROW = 62.0
# Left edges of the columns; the gaps between barcodes are wider than Code 128's 10-module quiet zone.
COL_SEQ, COL_BIN, COL_SKU, COL_QTY, COL_TOTE = MARGIN, MARGIN + 30, MARGIN + 236, MARGIN + 452, MARGIN + 492
BIN_WIDTH, SKU_WIDTH = 190.0, 200.0


def _symbol(data: str, room: float) -> Code128 | None:
    """A Code 128 symbol as wide as fits `room` (bars at most MAX_BAR), or None if it cannot fit readably."""
    modules = Code128(data, barWidth=1, quiet=0).width
    bar = min(MAX_BAR, room / modules)
    if bar < MIN_BAR:
        return None
    return Code128(data, barWidth=bar, barHeight=BAR_HEIGHT, quiet=0, humanReadable=0)


def _barcode(c: Canvas, data: str, x: float, y: float, room: float) -> float:
    """Draw data's barcode with its bottom at y; returns the extra height used when it needed a line of its own."""
    symbol = _symbol(data, room)
    if symbol is not None:
        symbol.drawOn(c, x, y)
        return 0.0
    # Too long for its column (a long SKU): a full-width line below the row.
    symbol = _symbol(data, WIDTH - 2 * MARGIN)
    if symbol is None:
        raise ValueError(f"{data!r} is too long for a Code 128 barcode that scans on a pick list")
    symbol.drawOn(c, MARGIN, y - BAR_HEIGHT - 8)
    return BAR_HEIGHT + 8


def _header(c: Canvas, pick_list: PickList, tasks: Sequence[PickTask], page: int) -> float:
    c.setFont("Helvetica-Bold", 16)
    c.drawString(MARGIN, HEIGHT - MARGIN - 14, f"Pick list {pick_list.id}")
    c.setFont("Helvetica", 10)
    c.drawRightString(WIDTH - MARGIN, HEIGHT - MARGIN - 12,
                      f"wave {pick_list.wave_id} · {len(tasks)} tasks · route {pick_list.route_length_m:.1f} m · "
                      f"page {page}")
    y = HEIGHT - MARGIN - 34
    if page == 1:
        totes = "   ".join(f"Tote {t.slot}: order {t.order_id}" for t in pick_list.totes)
        for line in _wrap(totes, 100):
            c.drawString(MARGIN, y, line)
            y -= 13
        y -= 4
    c.setFont("Helvetica-Bold", 9)
    for x, title in ((COL_SEQ, "#"), (COL_BIN, "BIN"), (COL_SKU, "ITEM"), (COL_QTY, "QTY"), (COL_TOTE, "TOTE")):
        c.drawString(x, y, title)
    c.line(MARGIN, y - 4, WIDTH - MARGIN, y - 4)
    return y - 8


def _wrap(text: str, size: int) -> list[str]:
    lines, current = [], ""
    for word in text.split("   "):
        if current and len(current) + len(word) + 3 > size:
            lines.append(current)
            current = word
        else:
            current = f"{current}   {word}" if current else word
    return lines + ([current] if current else [])


def _task_row(c: Canvas, t: PickTask, top: float) -> float:
    """One task from `top` down; returns the height it took."""
    base = top - 14
    c.setFont("Helvetica-Bold", 14)
    c.drawString(COL_SEQ, base, str(t.seq))
    c.drawString(COL_BIN, base, t.location.code)
    c.setFont("Helvetica-Bold", 11)
    c.drawString(COL_SKU, base, printable(t.product.sku)[:40])
    c.setFont("Helvetica-Bold", 16)
    c.drawString(COL_QTY, base - 2, str(t.quantity))
    c.drawString(COL_TOTE, base - 2, str(t.tote.slot))
    c.setFont("Helvetica", 8)
    detail = printable(t.product.name)[:48] + (f" · lot {t.lot}" if t.lot else "")
    c.drawString(COL_SKU, top - ROW + 6, detail)
    if t.status != "open":
        c.drawString(COL_QTY, top - ROW + 6, t.status)
    bars = top - 20 - BAR_HEIGHT
    extra = _barcode(c, t.location.code, COL_BIN, bars, BIN_WIDTH)
    extra = max(extra, _barcode(c, t.product.sku, COL_SKU, bars, SKU_WIDTH))
    c.setStrokeColor(colors.lightgrey)
    c.line(MARGIN, top - ROW - extra, WIDTH - MARGIN, top - ROW - extra)
    c.setStrokeColor(colors.black)
    return ROW + extra


def _floor(c: Canvas, plan: FloorPlan, pick_list: PickList, tasks: Sequence[PickTask]) -> None:
    """The aisles and cross aisles, the depot, each stop numbered, and the route over them."""
    c.setFont("Helvetica-Bold", 14)
    c.drawString(MARGIN, HEIGHT - MARGIN - 14, f"Pick list {pick_list.id}: route {pick_list.route_length_m:.1f} m")
    xs = [a.x_m for a in plan.aisles] + [plan.depot.x_m]
    front, back = plan.cross_aisles_y_m[0], plan.cross_aisles_y_m[-1]
    x0, x1 = min(xs) - 2.0, max(xs) + 2.0
    box_w, box_h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN - 60
    scale = min(box_w / (x1 - x0), box_h / max(back - front, 1.0))

    bottom = HEIGHT - MARGIN - 50 - (back - front) * scale  # the plan hangs below the title

    def at(x: float, y: float) -> tuple[float, float]:
        return MARGIN + (x - x0) * scale, bottom + (y - front) * scale

    c.setStrokeColor(colors.lightgrey)
    c.setLineWidth(0.5)
    for a in plan.aisles:
        c.line(*at(a.x_m, front), *at(a.x_m, back))
        c.setFont("Helvetica", 7)
        c.drawCentredString(at(a.x_m, back)[0], at(a.x_m, back)[1] + 4, f"A{a.index:02}")
    for y in plan.cross_aisles_y_m:
        c.line(*at(min(xs), y), *at(max(xs), y))
    points = [pick_point(plan, t.location.aisle, t.location.y_m) for t in tasks]
    path = c.beginPath()
    corners = walk_path(plan, points)
    path.moveTo(*at(*corners[0]))
    for xy in corners[1:]:
        path.lineTo(*at(*xy))
    c.setStrokeColor(colors.HexColor("#1f5fbf"))
    c.setLineWidth(2)
    c.drawPath(path, stroke=1, fill=0)
    c.setFillColor(colors.black)
    dx, dy = at(plan.depot.x_m, front)
    c.rect(dx - 5, dy - 5, 10, 10, stroke=0, fill=1)
    c.setFont("Helvetica-Bold", 8)
    c.drawString(dx + 7, dy - 12, "depot")
    labels: dict[tuple[float, float], list[str]] = {}
    for t, p in zip(tasks, points):
        labels.setdefault(plan.xy(p), []).append(str(t.seq))
    for (x, y), seqs in labels.items():
        px, py = at(x, y)
        c.circle(px, py, 3, stroke=0, fill=1)
        c.drawString(px + 5, py - 3, ",".join(seqs))


def pick_list_pdf(pick_list: PickList, tasks: Sequence[PickTask], plan: FloorPlan) -> bytes:
    """The pick list as a PDF: task pages in walking order, then the floor plan with the route."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=letter, invariant=True, pageCompression=1)
    c.setTitle(f"Pick list {pick_list.id}")
    page = 1
    top = _header(c, pick_list, tasks, page)
    for t in tasks:
        if top - ROW - BAR_HEIGHT - 8 < MARGIN:
            c.showPage()
            page += 1
            top = _header(c, pick_list, tasks, page)
        top -= _task_row(c, t, top)
    c.showPage()
    _floor(c, plan, pick_list, tasks)
    c.showPage()
    c.save()
    return buf.getvalue()
