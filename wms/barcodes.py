"""Reading barcodes: GTINs, SSCCs and GS1 element strings, with or without an AIM symbology identifier.

GS1 rules (AI table, patterns, check digits, dates) come from `biip`; this module decides which
reading applies, turns biip's failures into messages a warehouse worker can act on, and builds the
SSCCs labels carry. It knows nothing of HTTP, the database or any feature, so drivers can use it too.
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
from biip.sscc import Sscc
from biip.symbology import GS1Symbology, SymbologyIdentifier
from biip.upc import Upc

from wms.errors import Invalid

GS = "\x1d"  # what scanners send for FNC1
_CONFIG = ParseConfig(separator_chars=(GS,))
_GTIN_LENGTHS = (8, 12, 13, 14)
# Lengths, without the check digit, of the GS1 keys that use the standard mod-10 check digit:
# GTIN-8, GTIN-12, GTIN-13, GTIN-14 and SSCC.
_PAYLOAD_LENGTHS = (7, 11, 12, 13, 17)

# Without an AIM prefix, a scanner sends a GS1-128 that starts with (00), (01) or (02) as bare
# digits; a numeric SKU that long and of that shape is not plausible, so such text is GS1.
_BARE_GS1 = re.compile(r"00\d{18}|0[12]\d{14}")
_HRI_START = re.compile(r"\(\d\d")  # every AI has at least two digits
_HRI_TOKEN = re.compile(r"\(([^()]*)\)([^(]*)")

_NAMES = {"00": "SSCC", "01": "GTIN", "02": "contents GTIN", "10": "lot", "17": "expiry date",
          "21": "serial number", "37": "count"}

ScanKind = Literal["gtin", "sku", "gs1"]


class InvalidBarcode(Invalid):
    """A barcode, but a malformed one; the message says what is wrong."""

    code = "invalid_barcode"


class InvalidGtin(InvalidBarcode):
    """A GTIN typed into a record (not scanned) that is not one."""

    code = "invalid_gtin"


@dataclass(frozen=True)
class Scan:
    """One scan, read; GTINs are always GTIN-14, and text that is no barcode is a SKU."""

    kind: ScanKind
    gtin: str | None = None
    sku: str | None = None
    lot: str | None = None
    expiry: dt.date | None = None
    serial: str | None = None
    count: int | None = None
    sscc: str | None = None
    symbology: str | None = None


def check_digit(payload: str) -> int:
    """The GS1 mod-10 check digit of a GTIN-8/12/13/14 or SSCC without its check digit."""
    if not _digits(payload):
        raise ValueError(f"GS1 key payload must be digits only, got {payload!r}")
    if len(payload) not in _PAYLOAD_LENGTHS:
        raise ValueError(f"GS1 key payload must have 7, 11, 12, 13 or 17 digits "
                         f"(GTIN-8/12/13/14 or SSCC without check digit), got {len(payload)}")
    return gs1_standard_check_digit(payload)


def make_sscc(extension_digit: int, company_prefix: str, serial_reference: int) -> str:
    """A new SSCC: extension digit, company prefix (6-12 digits), padded serial reference, check digit."""
    # Callers pass settings and counters, so a wrong type is a programming error, not a bad scan.
    if not (type(extension_digit) is type(serial_reference) is int and isinstance(company_prefix, str)):
        raise TypeError(f"make_sscc takes (int, str, int), got {extension_digit!r}, {company_prefix!r}, "
                        f"{serial_reference!r}")
    if not 0 <= extension_digit <= 9:
        raise ValueError(f"extension digit must be 0-9, got {extension_digit}")
    if not _digits(company_prefix):
        raise ValueError(f"GS1 company prefix must be digits only, got {company_prefix!r}")
    if not 6 <= len(company_prefix) <= 12:
        raise ValueError(f"GS1 company prefix must have 6 to 12 digits, got {len(company_prefix)} "
                         f"({company_prefix!r})")
    size = 16 - len(company_prefix)
    if not 0 <= serial_reference < 10**size:
        raise ValueError(f"serial reference {serial_reference} does not fit in the {size} digits left by a "
                         f"{len(company_prefix)}-digit company prefix (0 to {10**size - 1})")
    payload = f"{extension_digit}{company_prefix}{serial_reference:0{size}d}"
    return payload + str(check_digit(payload))


def normalise_gtin(text: str) -> str:
    """A GTIN-8/12/13/14 as the GTIN-14 it stands for, its check digit verified; else InvalidGtin."""
    try:
        return _gtin14(text.strip())
    except InvalidBarcode as exc:
        raise InvalidGtin(exc.message) from None


def shortest_gtin(text: str) -> str:
    """A GTIN in the fewest digits that carry it (GTIN-8, 12, 13 or 14), as EAN/UPC symbols print it."""
    gtin14 = normalise_gtin(text)
    return gtin14[-Gtin.parse(gtin14).format.length :]


def normalise_sscc(text: str) -> str:
    """An 18-digit SSCC, its check digit verified; else InvalidBarcode saying what is wrong."""
    digits = text.strip()
    if not _digits(digits):
        raise InvalidBarcode(f"an SSCC is digits only, got '{_clip(digits)}'")
    if len(digits) != 18:
        raise InvalidBarcode(f"an SSCC has 18 digits, got {len(digits)}")
    try:
        return Sscc.parse(digits).value
    except ParseError:
        raise _check_digit_error("SSCC", digits) from None


def split_aim(data: str) -> tuple[str | None, str]:
    """The AIM symbology identifier in front (`]C1`, `]d2`...), None if there is none, and the data after."""
    ident = _aim(data)
    return (None, data) if ident is None else (ident.value, data[len(ident) :])


def read_scan(text: str) -> Scan:
    """One scan (or typed text) as a GTIN, a GS1 element string or else a SKU; InvalidBarcode if malformed."""
    # Scanners end a frame with CR/LF; str.strip() also drops a GS at either end, which
    # separates nothing there.
    text = text.strip()
    if not text:
        raise InvalidBarcode("the scan is empty")
    ident = _aim(text)
    if ident is None:
        if text.startswith("]"):
            raise InvalidBarcode(f"the symbology identifier at the start of '{_clip(text)}' is not readable")
        return _unprefixed(text, None)
    data = text[len(ident) :]
    if not data:
        raise InvalidBarcode(f"the scan holds only the symbology identifier {ident} and no data")
    kind = ident.gs1_symbology
    if kind in GS1Symbology.with_gs1_messages():
        return _from_element_string(data, ident.value)
    if kind == GS1Symbology.EAN_13 and len(data) == 8:
        # ]E0 covers EAN-13, UPC-A and UPC-E (EAN-8 is ]E4), so eight digits here are a UPC-E.
        return Scan("gtin", gtin=_upc_e_gtin14(data), symbology=ident.value)
    if kind == GS1Symbology.EAN_13_WITH_ADD_ON and len(data) in (15, 18):
        data = data[:13]  # the 2- or 5-digit add-on (an issue number) does not name the product
    if kind in GS1Symbology.with_gtin():
        return Scan("gtin", gtin=_gtin14(data), symbology=ident.value)
    # Any other symbology (plain Code 128, Code 39, QR...) carries text read by the same rules
    # as text without a prefix.
    return _unprefixed(data, ident.value)


def _aim(text: str) -> SymbologyIdentifier | None:
    if not text.startswith("]"):
        return None
    # biip raises IndexError/ValueError, not ParseError, on a truncated identifier.
    try:
        ident = SymbologyIdentifier.extract(text)
    except (ParseError, IndexError, ValueError):
        return None
    return ident if len(ident) >= 3 else None


def _unprefixed(data: str, symbology: str | None) -> Scan:
    if _HRI_START.match(data):
        return _from_hri(data, symbology)
    if GS in data or _BARE_GS1.match(data):
        return _from_element_string(data, symbology)
    if _digits(data) and len(data) in _GTIN_LENGTHS:
        # A digit string of a GTIN's length is a GTIN, so a mistyped one is caught here rather
        # than looked up as a SKU that does not exist.
        return Scan("gtin", gtin=_gtin14(data), symbology=symbology)
    return Scan("sku", sku=data, symbology=symbology)


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()  # isdigit() alone accepts e.g. Arabic-Indic digits


def _gtin14(data: str) -> str:
    if not _digits(data):
        raise InvalidBarcode(f"a GTIN is digits only, got '{_clip(data)}'")
    if len(data) not in _GTIN_LENGTHS:
        raise InvalidBarcode(f"a GTIN has 8, 12, 13 or 14 digits, got {len(data)}")
    try:
        return _allotted(Gtin.parse(data, config=_CONFIG).as_gtin_14())
    except ParseError:
        raise _check_digit_error("GTIN", data) from None


def _upc_e_gtin14(data: str) -> str:
    if not _digits(data):
        raise InvalidBarcode(f"a UPC-E is digits only, got '{_clip(data)}'")
    if data[0] not in "01":
        raise InvalidBarcode(f"a UPC-E starts with 0 or 1, got {data[0]}")
    try:
        return _allotted(Upc.parse(data, config=_CONFIG).as_gtin_14())
    except ParseError:
        # Seven digits (number system + six) make biip compute the check digit itself.
        expected = Upc.parse(data[:7], config=_CONFIG).check_digit
        message = f"the UPC-E's check digit is wrong: expected {expected}, got {data[-1]}"
        raise InvalidBarcode(message) from None


def _allotted(gtin14: str) -> str:
    # Its check digit is right, but GS1 never allots it, and junk read as zeros would find a product.
    if not gtin14.strip("0"):
        raise InvalidBarcode("a GTIN of only zeros names no product")
    return gtin14


def _check_digit_error(what: str, digits: str) -> InvalidBarcode:
    expected, got = gs1_standard_check_digit(digits[:-1]), int(digits[-1])
    if expected != got:
        return InvalidBarcode(f"the {what}'s check digit is wrong: expected {expected}, got {got}")
    return InvalidBarcode(f"{digits} is not a valid {what}")


def _from_element_string(data: str, symbology: str | None) -> Scan:
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


def _from_hri(data: str, symbology: str | None) -> Scan:
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
    must = _format_words(ai)
    return InvalidBarcode(f"the {name} ({ai.ai}) '{_clip(field)}' is not valid: it must be {must}")


def _unterminated(element: GS1ElementString, rest: str) -> InvalidBarcode:
    name, ai = _name(element.ai), element.ai.ai
    longest = _max_length(element.ai)
    if longest is not None and len(element.value) < longest:
        return InvalidBarcode(f"the {name} ({ai}) holds {rest[0]!r}, which a GS1 barcode cannot hold there")
    if longest is not None:
        return InvalidBarcode(f"the {name} ({ai}) is longer than {longest} characters or is missing its "
                              "separator (FNC1)")
    return InvalidBarcode(f"the {name} ({ai}) is not followed by a separator (FNC1)")


def _scan_from(elements: list[GS1ElementString], symbology: str | None) -> Scan:
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
            first, second, name = by_ai[ai].value, element.value, _name(element.ai)
            raise InvalidBarcode(f"the barcode holds two different {name}s: '{first}' and '{second}'")
        by_ai[ai] = element
    if "01" in by_ai and "02" in by_ai:
        # GS1 forbids the pair: an item is either the trade item or the contents of a unit.
        raise InvalidBarcode("the barcode names both a trade item (01) and the contents of a unit (02)")
    # GS1 pairs a count (37) with (02) only; (01)+(37) labels exist in the wild and mean the same
    # thing to whoever counts the items, so they are accepted rather than left unreadable.
    gtin = by_ai.get("01") or by_ai.get("02")
    count = int(by_ai["37"].value) if "37" in by_ai else None
    if count == 0:
        raise InvalidBarcode("the count (37) is zero")
    return Scan("gs1", gtin=_allotted(gtin.value) if gtin else None, lot=_value(by_ai, "10"),
                expiry=by_ai["17"].date if "17" in by_ai else None, serial=_value(by_ai, "21"), count=count,
                sscc=_value(by_ai, "00"), symbology=symbology)


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
