"""What a dock scanner sent when receiving: a GTIN, a SKU, or a GS1 element string.

GS1 rules (AI table, patterns, check digits, dates) come from `biip`; this module decides which
reading applies and turns biip's failures into messages a dock worker can act on.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from biip import ParseConfig, ParseError
from biip.checksums import gs1_standard_check_digit
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gs1_element_strings import GS1ElementString
from biip.gtin import Gtin
from biip.symbology import GS1Symbology, SymbologyIdentifier
from biip.upc import Upc

from wms.errors import Invalid

GS = "\x1d"  # what scanners send for FNC1
_CONFIG = ParseConfig(separator_chars=(GS,))
_GTIN_LENGTHS = (8, 12, 13, 14)

# Without an AIM prefix, a scanner sends a GS1-128 that starts with (00), (01) or (02) as bare
# digits; a numeric SKU that long and of that shape is not plausible, so such text is GS1.
_BARE_GS1 = re.compile(r"00\d{18}|0[12]\d{14}")
_HRI_START = re.compile(r"\(\d\d")  # every AI has at least two digits
_HRI_TOKEN = re.compile(r"\(([^()]*)\)([^(]*)")

_NAMES = {
    "00": "SSCC",
    "01": "GTIN",
    "02": "contents GTIN",
    "10": "lot",
    "17": "expiry date",
    "21": "serial number",
    "37": "count",
}

ScanKind = Literal["gtin", "sku", "gs1"]


class InvalidBarcode(Invalid):
    """A scan that is a barcode but a malformed one; the message says what is wrong."""

    code = "invalid_barcode"


@dataclass(frozen=True)
class ReceivingScan:
    """One receiving scan, interpreted; GTINs are always GTIN-14."""

    kind: ScanKind
    gtin: str | None = None
    sku: str | None = None
    lot: str | None = None
    expiry: dt.date | None = None
    serial: str | None = None
    count: int | None = None
    sscc: str | None = None
    symbology: str | None = None


def parse_receiving_scan(text: str) -> ReceivingScan:
    """Interpret one scan (or typed text) from a receiving dock; raise InvalidBarcode if malformed."""
    # Scanners end a frame with CR/LF; str.strip() also drops a GS at either end, which
    # separates nothing there.
    text = text.strip()
    if not text:
        raise InvalidBarcode("the scan is empty")
    if not text.startswith("]"):
        return _unprefixed(text, None)

    ident = _symbology(text)
    data = text[len(ident) :]
    if not data:
        raise InvalidBarcode(f"the scan holds only the symbology identifier {ident} and no data")
    kind = ident.gs1_symbology
    if kind in GS1Symbology.with_gs1_messages():
        return _from_element_string(data, ident.value)
    if kind == GS1Symbology.EAN_13 and len(data) == 8:
        # ]E0 covers EAN-13, UPC-A and UPC-E (EAN-8 is ]E4), so eight digits here are a UPC-E.
        return ReceivingScan("gtin", gtin=_upc_e_gtin14(data), symbology=ident.value)
    if kind == GS1Symbology.EAN_13_WITH_ADD_ON and len(data) in (15, 18):
        data = data[:13]  # the 2- or 5-digit add-on (an issue number) does not name the product
    if kind in GS1Symbology.with_gtin():
        return ReceivingScan("gtin", gtin=_gtin14(data), symbology=ident.value)
    # Any other symbology (plain Code 128, Code 39, QR...) carries text read by the same rules
    # as text without a prefix.
    return _unprefixed(data, ident.value)


def _unprefixed(data: str, symbology: str | None) -> ReceivingScan:
    if _HRI_START.match(data):
        return _from_hri(data, symbology)
    if GS in data or _BARE_GS1.match(data):
        return _from_element_string(data, symbology)
    if _digits(data) and len(data) in _GTIN_LENGTHS:
        # A digit string of a GTIN's length is a GTIN, so a mistyped one is caught here rather
        # than looked up as a SKU that does not exist.
        return ReceivingScan("gtin", gtin=_gtin14(data), symbology=symbology)
    return ReceivingScan("sku", sku=data, symbology=symbology)


def _symbology(text: str) -> SymbologyIdentifier:
    # biip raises IndexError/ValueError, not ParseError, on a truncated identifier.
    try:
        ident = SymbologyIdentifier.extract(text)
    except (ParseError, IndexError, ValueError):
        ident = None
    if ident is None or len(ident) < 3:
        raise InvalidBarcode(f"the symbology identifier at the start of '{_clip(text)}' is not readable")
    return ident


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()  # isdigit() alone accepts e.g. Arabic-Indic digits


def _gtin14(data: str) -> str:
    if not _digits(data):
        raise InvalidBarcode(f"a GTIN is digits only, got '{_clip(data)}'")
    if len(data) not in _GTIN_LENGTHS:
        raise InvalidBarcode(f"a GTIN has 8, 12, 13 or 14 digits, got {len(data)}")
    try:
        return Gtin.parse(data, config=_CONFIG).as_gtin_14()
    except ParseError:
        raise _check_digit_error("GTIN", data) from None


def _upc_e_gtin14(data: str) -> str:
    if not _digits(data):
        raise InvalidBarcode(f"a UPC-E is digits only, got '{_clip(data)}'")
    if data[0] not in "01":
        raise InvalidBarcode(f"a UPC-E starts with 0 or 1, got {data[0]}")
    try:
        return Upc.parse(data, config=_CONFIG).as_gtin_14()
    except ParseError:
        # Seven digits (number system + six) make biip compute the check digit itself.
        expected = Upc.parse(data[:7], config=_CONFIG).check_digit
        message = f"the UPC-E's check digit is wrong: expected {expected}, got {data[-1]}"
        raise InvalidBarcode(message) from None


def _check_digit_error(what: str, digits: str) -> InvalidBarcode:
    expected, got = gs1_standard_check_digit(digits[:-1]), int(digits[-1])
    if expected != got:
        return InvalidBarcode(f"the {what}'s check digit is wrong: expected {expected}, got {got}")
    return InvalidBarcode(f"{digits} is not a valid {what}")


def _from_element_string(data: str, symbology: str | None) -> ReceivingScan:
    elements = []
    rest = data.lstrip(GS)  # some scanners send the leading FNC1 of a GS1 symbol as a GS
    while rest:
        try:
            element = GS1ElementString.extract(rest, config=_CONFIG)
        except ParseError:
            raise _bad_element(rest) from None
        elements.append(element)
        rest = rest[len(element) :]
        # biip stops a variable-length field at its maximum length or at the first character it
        # may not hold, and would read what follows as the next AI; GS1 requires a separator
        # there, so anything else means the field was too long or held a bad character.
        if element.ai.separator_required and rest and not rest.startswith(GS):
            raise _unterminated(element, rest)
        rest = rest.lstrip(GS)
    return _scan_from(elements, symbology)


def _from_hri(data: str, symbology: str | None) -> ReceivingScan:
    hri = "".join(data.split())  # printed HRI is often spaced: "(01) 0950... (17) 251231"
    elements = []
    pos = 0
    # Walked token by token rather than with biip's parse_hri, which silently skips "(99x)..." and
    # an AI without data.
    while pos < len(hri):
        match = _HRI_TOKEN.match(hri, pos)
        if match is None:
            where = _clip(hri[pos:])
            raise InvalidBarcode(f"the '(' at '{where}' does not enclose an application identifier")
        ai_text, field = match.groups()
        ai = _known_ai(ai_text)
        try:
            elements.append(GS1ElementString.parse(ai_text + field, config=_CONFIG))
        except ParseError:
            raise _bad_field(ai, field) from None
        pos = match.end()
    return _scan_from(elements, symbology)


def _known_ai(text: str) -> GS1ApplicationIdentifier:
    try:
        ai = GS1ApplicationIdentifier.extract(text)
    except ParseError:
        ai = None
    if ai is None or ai.ai != text:  # extract() matches a prefix: "011" would come back as (01)
        raise InvalidBarcode(f"unknown application identifier ({text})")
    return ai


def _bad_element(rest: str) -> InvalidBarcode:
    try:
        ai = GS1ApplicationIdentifier.extract(rest)
    except ParseError:
        return InvalidBarcode(f"unknown application identifier at '{_clip(rest)}'")
    field = rest[len(ai.ai) :].split(GS, 1)[0]
    size = _fixed_length(ai)
    # A fixed-length field needs no separator, so whatever follows its size is the next element.
    return _bad_field(ai, field[:size] if size else field)


def _bad_field(ai: GS1ApplicationIdentifier, field: str) -> InvalidBarcode:
    name = _name(ai)
    if not field:
        return InvalidBarcode(f"the {name} ({ai.ai}) is empty")
    size = _fixed_length(ai)
    if "YYMMDD" in ai.description and len(field) == size and _digits(field):
        # The right number of digits that biip still refused can only be an impossible date or time.
        return InvalidBarcode(f"the {name} {field} is not a real date")
    return InvalidBarcode(
        f"the {name} ({ai.ai}) '{_clip(field)}' is not valid: it must be {_format_words(ai)}"
    )


def _unterminated(element: GS1ElementString, rest: str) -> InvalidBarcode:
    name, ai = _name(element.ai), element.ai.ai
    longest = _max_length(element.ai)
    if longest is not None and len(element.value) < longest:
        return InvalidBarcode(f"the {name} ({ai}) holds {rest[0]!r}, which a GS1 barcode cannot hold there")
    if longest is not None:
        return InvalidBarcode(
            f"the {name} ({ai}) is longer than {longest} characters or is missing its separator (FNC1)"
        )
    return InvalidBarcode(f"the {name} ({ai}) is not followed by a separator (FNC1)")


def _scan_from(elements: list[GS1ElementString], symbology: str | None) -> ReceivingScan:
    by_ai: dict[str, GS1ElementString] = {}
    for element in elements:
        ai = element.ai.ai
        if element.gtin_error:
            raise _check_digit_error("GTIN", element.value)
        if element.sscc_error:
            raise _check_digit_error("SSCC", element.value)
        if element.gln_error:
            raise _check_digit_error("GLN", element.value)
        if ai in by_ai and by_ai[ai].value != element.value:
            first, second = by_ai[ai].value, element.value
            name = _name(element.ai)
            raise InvalidBarcode(f"the barcode holds two different {name}s: '{first}' and '{second}'")
        by_ai[ai] = element
    if "01" in by_ai and "02" in by_ai:
        # GS1 forbids the pair: an item is either the trade item or the contents of a unit.
        raise InvalidBarcode("the barcode names both a trade item (01) and the contents of a unit (02)")
    # GS1 pairs a count (37) with (02) only; (01)+(37) labels exist in the wild and mean the same
    # thing on a receiving dock, so they are accepted rather than leaving the pallet unreceivable.
    gtin = by_ai.get("01") or by_ai.get("02")
    count = int(by_ai["37"].value) if "37" in by_ai else None
    if count == 0:
        raise InvalidBarcode("the count (37) is zero")
    return ReceivingScan(
        "gs1",
        gtin=gtin.value if gtin else None,
        lot=_value(by_ai, "10"),
        expiry=by_ai["17"].date if "17" in by_ai else None,
        serial=_value(by_ai, "21"),
        count=count,
        sscc=_value(by_ai, "00"),
        symbology=symbology,
    )


def _value(by_ai: dict[str, GS1ElementString], ai: str) -> str | None:
    return by_ai[ai].value if ai in by_ai else None


def _name(ai: GS1ApplicationIdentifier) -> str:
    if ai.ai in _NAMES:
        return _NAMES[ai.ai]
    words = re.sub(r"\s*\([^)]*\)$", "", ai.description)  # "Best before date (YYMMDD)"
    return words[:1].lower() + words[1:]


def _fixed_length(ai: GS1ApplicationIdentifier) -> int | None:
    data = ai.format.split("+")[1:]  # the first part describes the AI itself
    single = re.fullmatch(r"N(\d+)", data[0]) if len(data) == 1 else None
    return int(single.group(1)) if single else None


def _max_length(ai: GS1ApplicationIdentifier) -> int | None:
    last = re.fullmatch(r"[NX]\.\.(\d+)", ai.format.split("+")[-1])
    return int(last.group(1)) if last else None


def _format_words(ai: GS1ApplicationIdentifier) -> str:
    parts = ai.format.split("+")[1:]  # the first part describes the AI itself
    single = re.fullmatch(r"([NX])(\.\.)?(\d+)", parts[0]) if len(parts) == 1 else None
    if single is None:
        return f"in the GS1 format {ai.format}"
    kind = "digits" if single.group(1) == "N" else "letters, digits or symbols"
    words = f"{'up to ' if single.group(2) else ''}{single.group(3)} {kind}"
    hint = re.search(r"\((YYMMDD[^)]*)\)", ai.description)
    return f"{words} ({hint.group(1)})" if hint else words


def _clip(text: str, size: int = 24) -> str:
    # Quoted in messages for people: a GS would show as nothing or garbage, so stop there.
    text = text.split(GS, 1)[0]
    return text if len(text) <= size else text[:size] + "…"
