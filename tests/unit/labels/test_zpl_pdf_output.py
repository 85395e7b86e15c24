"""What the ZPL and PDF backends emit, beyond the barcodes: escaping, page sizes, determinism."""

from __future__ import annotations

import re

import pytest

from wms.bench import labels as label_bench
from wms.labels import pdf, zpl
from wms.labels.domain import LocationLabel, ProductLabel, SsccLabel

HOSTILE = "Evil ^XZ^XA^FDx~JA~HS_5E name"


def test_field_text_escapes_zpl_prefixes_and_the_hex_indicator():
    assert zpl.field_text("a^b~c_d\x07e") == "a_5Eb_7Ec_5Fd_07e"
    assert zpl.field_text("a\\b") == "a\\b"
    assert zpl.field_text("a\\b", block=True) == "a\\\\b"
    assert zpl.field_text("Zoë", codepage="cp850") == "Zo_89"  # ë is 0x89 in code page 850
    assert zpl.field_text("Zoë") == "Zoë"  # under ^CI28 it travels as UTF-8


def test_code128_field_uses_invocation_codes():
    assert zpl.code128_field("12345678") == ">;12345678"  # subset C for even digit runs
    assert zpl.code128_field("1234567") == ">:1234567"
    assert zpl.code128_field("a>b^c~d_e") == ">:a>0b><c>=d_e"


def test_hostile_text_cannot_end_the_format_or_send_control_commands():
    out = zpl.render_zpl(SsccLabel("106141411234567897", ship_from=[HOSTILE], ship_to=[HOSTILE]))
    assert out.count("^XA") == 1 and out.count("^XZ") == 1 and out.rstrip().endswith("^XZ")
    assert "~" not in out  # no control command (~JA cancels all jobs, ~HS asks for status)
    assert out.count("Evil _5EXZ_5EXA_5EFDx_7EJA_7EHS_5F5E name") == 2


def test_hostile_text_parses_as_one_label_in_zplkit(zpl_parse):
    out = zpl.product_label_zpl("SKU-1", HOSTILE)
    elements = zpl_parse(out.encode()).elements
    assert not [e for e in elements if e.kind in ("control_command", "control_character")]
    commands = [bytes(e)[:3] for e in elements if e.kind == "format_command"]
    assert commands.count(b"^XA") == 1 and commands.count(b"^XZ") == 1


def test_backslash_text_switches_to_code_page_13_and_back():
    out = zpl.product_label_zpl("A\\B", "name")
    line = next(x for x in out.splitlines() if "A\\\\B" in x)
    assert line.startswith("^CI13") and line.endswith("^FS^CI28")


@pytest.mark.parametrize(
    ("label", "size"),
    [
        (SsccLabel("106141411234567897"), ("812", "1218", "288", "432")),
        (LocationLabel("A1"), ("812", "406", "288", "144")),
        (ProductLabel("S1", "n"), ("812", "609", "288", "216")),
    ],
)
def test_page_sizes_in_dots_and_points(label, size):
    width, height, pt_w, pt_h = size
    out = zpl.render_zpl(label)
    assert f"^PW{width}\n^LL{height}\n" in out and "^CI28" in out
    document = pdf.render_pdf(label)
    assert document.startswith(b"%PDF-")
    assert re.search(
        rb"/MediaBox \[ 0 0 " + pt_w.encode() + rb"(\.0+)? " + pt_h.encode() + rb"(\.0+)? \]", document
    )


def test_pdf_is_deterministic_and_embeds_no_font():
    label = SsccLabel("106141411234567897", ship_from=["Acme"])
    first = pdf.render_pdf(label)
    assert first == pdf.render_pdf(label)
    assert b"/FontFile" not in first  # base-14 Helvetica: nothing to embed


def test_convenience_functions_match_the_generic_renderers():
    assert zpl.location_label_zpl("A1", "cap") == zpl.render_zpl(LocationLabel("A1", "cap"))
    assert zpl.product_label_zpl("S", "n", "96385074") == zpl.render_zpl(ProductLabel("S", "n", "96385074"))
    sscc = SsccLabel("106141411234567897")
    assert zpl.sscc_label_zpl(sscc) == zpl.render_zpl(sscc)
    assert pdf.location_label_pdf("A1") == pdf.render_pdf(LocationLabel("A1"))
    assert pdf.product_label_pdf("S", "n") == pdf.render_pdf(ProductLabel("S", "n"))
    assert pdf.sscc_label_pdf(sscc) == pdf.render_pdf(sscc)


def test_no_labels_is_an_error_not_an_empty_pdf():
    with pytest.raises(ValueError):
        pdf.render_pdf_pages([])


def test_benchmark_sample_labels_are_valid_and_distinct():
    labels = label_bench.sample_labels(30)
    assert len({zpl.render_zpl(label) for label in labels}) == 30


def test_label_rows_shape():
    rows = label_bench.rows(quick=True)
    assert [sorted(r) for r in rows] == [["naive", "notes", "ours", "target", "unit", "what"]] * 3
    assert [r["target"] for r in rows] == [500, 100, 100]
    assert rows[0]["naive"] is None and all(r["naive"] > 0 for r in rows[1:])
    assert all(r["ours"] > 0 and r["unit"] == "labels/s" for r in rows)
