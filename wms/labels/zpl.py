"""ZPL II for Zebra printers at 203 dpi, using the printer's own fonts and barcode commands.

Barcodes are drawn by the printer (^BC, ^BE, ^BU, ^B8), not sent as bitmaps, so they come
out at the printer's full resolution and a label is a few hundred bytes. The output is a
str; send it encoded as UTF-8, which each label selects with ^CI28.
"""

from __future__ import annotations

from wms.labels.domain import Label, LocationLabel, ProductLabel, SsccLabel
from wms.labels.layout import Barcode, Box, Page, Text, page_for

# In Code 128 field data Zebra reads '>' as the start of an invocation code, and '^' and '~'
# would end the field or start a control command; the manual's invocation codes stand for them:
# '><' is code value 62 ('^' in set B), '>0' is value 30 ('>'), '>=' is value 94 ('~').
_CODE128_B = str.maketrans({">": ">0", "^": "><", "~": ">="})


def field_text(text: str, block: bool = False, codepage: str | None = None) -> str:
    """Text for an ^FH^FD field: '^', '~', '_' and control bytes as _XX hex escapes.

    ^FH makes '_' the hex indicator, so a literal '_' is escaped too. Inside an ^FB block a
    backslash starts a block escape, so it is doubled there. With a single-byte `codepage`
    (for ^CI13), characters beyond ASCII are sent as that code page's bytes in _XX form.
    """
    out = []
    for ch in text:
        if ch in "^~_" or ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"_{ord(ch):02X}")
        elif ch == "\\" and block:
            out.append("\\\\")
        elif codepage and ord(ch) > 0x7F:
            out.append("".join(f"_{b:02X}" for b in ch.encode(codepage, errors="replace")))
        else:
            out.append(ch)
    return "".join(out)


def code128_field(data: str) -> str:
    """Field data for ^BC: an even run of digits in subset C (half the width), otherwise subset B."""
    if data.isdigit() and len(data) % 2 == 0:
        return ">;" + data
    return ">:" + data.translate(_CODE128_B)


def _text(t: Text) -> str:
    # ^A0 is the resident scalable font; width 0 keeps its own proportions for that height.
    # ^FB gives the line a box so centring is the printer's job (it knows its font's metrics).
    justify = "C" if t.align == "center" else "L"
    head = f"^FO{t.x},{t.y}^A0N,{t.height},0^FB{t.width},1,0,{justify}^FH^FD"
    if "\\" not in t.text:
        return f"{head}{field_text(t.text, block=True)}^FS"
    # Zebra's resident font prints 0x5C as a cent sign under every code page but ^CI13, and ZPL
    # allows a backslash in an ^FB block only under ^CI13; so such a field switches to ^CI13
    # (code page 850 bytes) and back.
    return f"^CI13{head}{field_text(t.text, block=True, codepage='cp850')}^FS^CI28"


def _barcode(b: Barcode) -> str:
    head = f"^FO{b.x},{b.y}^BY{b.module}"
    if b.symbology == "code128":
        # Interpretation line off: the layout prints its own human-readable text.
        return f"{head}^BCN,{b.height},N,N,N^FD{code128_field(b.data)}^FS"
    if b.symbology == "gs1-128":
        if not (b.data.isdigit() and len(b.data) % 2 == 0):
            raise ValueError(f"GS1-128 element string must be an even number of digits, got {b.data!r}")
        # >; starts subset C and >8 is FNC1, which in first position makes this GS1-128 (]C1).
        return f"{head}^BCN,{b.height},N,N,N^FD>;>8{b.data}^FS"
    # EAN/UPC: the printer computes the check digit from the payload and prints the digits
    # in the standard layout; the full number was validated when the label was built.
    if b.symbology == "ean13":
        return f"{head}^BEN,{b.height},Y,N^FD{b.data[:12]}^FS"
    if b.symbology == "upca":
        return f"{head}^BUN,{b.height},Y,N,Y^FD{b.data[:11]}^FS"
    if b.symbology == "ean8":
        return f"{head}^B8N,{b.height},Y,N^FD{b.data[:7]}^FS"
    raise ValueError(f"unknown symbology {b.symbology!r}")


def _box(b: Box) -> str:
    # ^GB draws a frame; a border as thick as the smaller side fills it.
    return f"^FO{b.x},{b.y}^GB{b.width},{b.height},{min(b.width, b.height)}^FS"


def page_zpl(page: Page) -> str:
    """One ZPL format (^XA..^XZ) drawing a laid-out page."""
    lines = ["^XA", "^CI28", f"^PW{page.width}", f"^LL{page.height}", "^LH0,0"]
    for el in page.elements:
        if isinstance(el, Text):
            lines.append(_text(el))
        elif isinstance(el, Barcode):
            lines.append(_barcode(el))
        else:
            lines.append(_box(el))
    lines.append("^XZ")
    return "\n".join(lines) + "\n"


def render_zpl(label: Label) -> str:
    """ZPL II for any label (SsccLabel, LocationLabel, ProductLabel)."""
    return page_zpl(page_for(label))


def sscc_label_zpl(label: SsccLabel) -> str:
    """The 4x6 in GS1 logistic label for an SSCC."""
    return render_zpl(label)


def location_label_zpl(code: str, caption: str | None = None) -> str:
    """The 4x2 in bin label for a location code."""
    return render_zpl(LocationLabel(code, caption))


def product_label_zpl(sku: str, name: str, gtin: str | None = None) -> str:
    """The 4x3 in product label."""
    return render_zpl(ProductLabel(sku, name, gtin))
