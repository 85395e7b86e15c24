"""Where everything sits on each label, computed once and drawn by both the ZPL and the PDF backend.

Coordinates are printer dots at 203 dpi with the origin at the top left, as ZPL has them;
the PDF backend scales them to points, so both outputs have the same geometry.
Stock: SSCC labels 4x6 in (812x1218 dots), product labels 4x3 in (812x609),
location labels 4x2 in (812x406).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from reportlab.pdfbase.pdfmetrics import stringWidth

from wms.labels.domain import Label, LocationLabel, ProductLabel, SsccLabel
from wms.labels.gs1 import gtin_symbol, sscc_hri

DPI = 203
MARGIN = 30  # dots; keeps print clear of the edge of die-cut stock
# Text is fitted with Helvetica-Bold metrics: exact for the PDF, and conservative for the
# printer's font 0, which is a condensed face and so always narrower at the same height.
FIT_FONT = "Helvetica-Bold"


@dataclass(frozen=True)
class Text:
    """One line of text whose cell starts at (x, y); `width` is the box it is aligned in."""

    x: int
    y: int
    height: int
    text: str
    width: int
    align: str = "left"  # "left" or "center"
    bold: bool = True


@dataclass(frozen=True)
class Box:
    """A filled rectangle: rules between label sections."""

    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class Barcode:
    """A barcode whose first bar is at (x, y); `height` is the bar height in dots.

    `symbology` is "code128" (data: printable ASCII), "gs1-128" (data: an element string of
    digits beginning with its AI; FNC1 in first position is added by the backend), or
    "ean13", "upca", "ean8" (data: all digits including the check digit; these print their
    own digits below the bars, as the symbology's standard layout does).
    """

    x: int
    y: int
    symbology: str
    data: str
    module: int
    height: int


@dataclass(frozen=True)
class Page:
    """A laid-out label: its size in dots and what to draw on it."""

    width: int
    height: int
    elements: tuple[Text | Box | Barcode, ...]


def modules(symbology: str, data: str) -> int:
    """Width of a symbol in modules, without quiet zones.

    For Code 128 this is the subset-B width (or subset C for even runs of digits only),
    which is the longest either backend produces, so anything that fits this fits.
    """
    if symbology == "gs1-128":  # start C, FNC1, digit pairs, check, stop (13 modules)
        return 11 * (len(data) // 2 + 3) + 13
    if symbology == "code128":
        symbols = len(data) // 2 if data.isdigit() and len(data) % 2 == 0 else len(data)
        return 11 * (symbols + 2) + 13
    return {"ean13": 95, "upca": 95, "ean8": 67}[symbology]


def printable(text: str) -> str:
    """Text as both backends can print it: NFC, one line, control characters and characters
    outside Windows-1252 as '?'.

    Helvetica in a PDF and the Zebra's resident font 0 both cover Latin-1-like text only;
    a '?' is visibly wrong, where a missing glyph would silently vanish.
    """
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    out = []
    for ch in text:
        try:
            ch.encode("cp1252")
        except UnicodeEncodeError:
            ch = "?"
        out.append("?" if unicodedata.category(ch).startswith("C") else ch)
    return "".join(out)


def text_width(text: str, height: int) -> float:
    """Width in dots of `text` set `height` dots high (font size == height, as ZPL ^A0 sizes it)."""
    return stringWidth(text, FIT_FONT, height)


def fit(x: int, y: int, text: str, width: int, height: int, min_height: int, align: str = "left") -> Text:
    """A text line at the largest height from `height` down to `min_height` that fits `width`;
    at `min_height` it is cut and ends in '...'."""
    text = printable(text)
    h = height
    while h > min_height and text_width(text, h) > width:
        h -= 2
    h = max(h, min_height)
    if text_width(text, h) > width:
        while text and text_width(text + "...", h) > width:
            text = text[:-1]
        text = text.rstrip() + "..."
    return Text(x, y, h, text, width, align)


def wrap(x: int, y: int, text: str, width: int, height: int, max_lines: int, pitch: int) -> list[Text]:
    """Word-wrap `text` into at most `max_lines` lines `pitch` dots apart; the last one is cut if needed."""
    words = printable(text).split(" ")
    lines: list[str] = []
    while words and len(lines) < max_lines - 1:
        line = words.pop(0)
        while words and text_width(line + " " + words[0], height) <= width:
            line += " " + words.pop(0)
        lines.append(line)
    if words:
        lines.append(" ".join(words))
    return [fit(x, y + i * pitch, line, width, height, height) for i, line in enumerate(lines)]


def code128_module(data: str, width: int, preferred: int, minimum: int = 2) -> int:
    """The widest module, from `preferred` down to `minimum` dots, that fits `data` and two
    10-module quiet zones in `width`; ValueError if even `minimum` does not."""
    for module in range(preferred, minimum - 1, -1):
        if (modules("code128", data) + 20) * module <= width:
            return module
    raise ValueError(
        f"{data!r} is too long for a Code 128 barcode {width / DPI:.1f} in wide "
        f"(at most {(width // minimum - 20 - 35) // 11} characters fit)"
    )


def sscc_page(label: SsccLabel) -> Page:
    """GS1 logistic label, 4x6 in: ship from, ship to, SSCC and content, then the (00) barcode below."""
    w, inner = 812, 812 - 2 * MARGIN
    els: list[Text | Box | Barcode] = []
    # The sections stay even when empty: the GS1 label keeps its layout, and a blank
    # ship-to section is where a hand-written or carrier address goes.
    if label.ship_from:
        els.append(Text(MARGIN, 30, 22, "SHIP FROM", inner, bold=False))
        els += [fit(MARGIN, 58 + i * 32, line, inner, 28, 20) for i, line in enumerate(label.ship_from[:4])]
    els.append(Box(0, 196, w, 3))
    if label.ship_to:
        els.append(Text(MARGIN, 210, 22, "SHIP TO", inner, bold=False))
        els += [fit(MARGIN, 240 + i * 46, line, inner, 40, 24) for i, line in enumerate(label.ship_to[:4])]
    els.append(Box(0, 432, w, 3))
    els.append(Text(MARGIN, 448, 22, "SSCC", inner, bold=False))
    els.append(Text(MARGIN, 474, 56, label.sscc, inner))
    half = inner // 2
    cells = [
        ("CONTENT", label.gtin),
        ("COUNT", None if label.count is None else str(label.count)),
        ("BATCH/LOT", label.lot),
        ("BEST BEFORE", None if label.best_before is None else label.best_before.isoformat()),
    ]
    for i, (title, value) in enumerate(cells):
        if value is None:
            continue
        x, y = MARGIN + (i % 2) * half, 556 + (i // 2) * 90
        els.append(Text(x, y, 22, title, half - 10, bold=False))
        els.append(fit(x, y + 26, value, half - 10, 44, 24))
    els.append(Box(0, 744, w, 3))
    data = "00" + label.sscc
    module = 4  # 0.5 mm: GS1 logistic labels require an X-dimension of 0.495 to 1.016 mm
    bar_w = modules("gs1-128", data) * module
    els.append(Barcode((w - bar_w) // 2, 790, "gs1-128", data, module, 300))  # 37.5 mm >= GS1's 31.75
    els.append(Text(MARGIN, 1110, 40, sscc_hri(label.sscc), inner, align="center"))
    return Page(w, 1218, tuple(els))


def location_page(label: LocationLabel) -> Page:
    """Bin label, 4x2 in: the code as large as fits, an optional caption, and the code as Code 128."""
    w, inner = 812, 812 - 2 * MARGIN
    # The code is never cut: any code that fits the barcode fits here at 24 dots, even all 'W's.
    els: list[Text | Box | Barcode] = [fit(MARGIN, 22, label.code, inner, 110, 24, align="center")]
    if label.caption:
        els.append(fit(MARGIN, 140, label.caption, inner, 32, 22, align="center"))
    # Bin labels are scanned from arm's length on racking; a wide module reads from further away.
    module = code128_module(label.code, inner, preferred=4)
    bar_w = modules("code128", label.code) * module
    els.append(Barcode((w - bar_w) // 2, 190, "code128", label.code, module, 190))
    return Page(w, 406, tuple(els))


def product_page(label: ProductLabel) -> Page:
    """Product label, 4x3 in: name, SKU and its Code 128, and the GTIN in its own symbology."""
    w, inner = 812, 812 - 2 * MARGIN
    els: list[Text | Box | Barcode] = wrap(MARGIN, 24, label.name, inner, 40, 2, 46)
    els.append(Text(MARGIN, 126, 22, "SKU", inner, bold=False))
    els.append(fit(MARGIN, 150, label.sku, inner, 56, 24))  # 24: never cut (see location_page)
    sku_module = code128_module(label.sku, inner, preferred=3)
    bar_height = 150 if label.gtin else 300
    els.append(Barcode(MARGIN + 10 * sku_module, 220, "code128", label.sku, sku_module, bar_height))
    if label.gtin:
        els.append(Box(0, 392, w, 3))
        symbol = gtin_symbol(label.gtin)
        els.append(Text(MARGIN, 404, 22, f"GTIN {symbol.gtin14}", inner, bold=False))
        if symbol.symbology == "gs1-128":
            module = 3
            x = MARGIN + 10 * module
            els.append(Barcode(x, 432, "gs1-128", symbol.data, module, 120))
            els.append(Text(x, 560, 28, f"(01) {symbol.gtin14}", inner, bold=False))
        else:
            # EAN/UPC at 3 dots = 0.375 mm, about 113% of the 0.33 mm nominal. The leading digit
            # of EAN-13/UPC-A is printed in the left quiet zone, which must be >= 11 modules.
            els.append(Barcode(MARGIN + 12 * 3, 432, symbol.symbology, symbol.data, 3, 120))
    return Page(w, 609, tuple(els))


def page_for(label: Label) -> Page:
    """Lay out any label."""
    if isinstance(label, SsccLabel):
        return sscc_page(label)
    if isinstance(label, LocationLabel):
        return location_page(label)
    if isinstance(label, ProductLabel):
        return product_page(label)
    raise TypeError(f"not a label: {label!r}")
