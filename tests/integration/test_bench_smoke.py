"""`wms bench` plumbing: the table, the rows sections hand in, running them, a tiny real stock-query run.

Speed is never asserted here; DESIGN.md's figures are measured by `wms bench`, not by tests.
"""
from __future__ import annotations

import pytest

from wms.bench import Section, bulk, collect, stock_query
from wms.bench.table import Row, as_row, render, skipped


def fake_rows():
    return [
        Row("moves over HTTP, 32 clients, SQLite", 500.0, 250.0, "moves/s", 400, "server: wms run"),
        Row("  move latency p99, SQLite", 40.0, 80.0, "ms", 50),
        Row("stock query, one SKU", 8.0, 2.0, "ms", 5),
        {"what": "ZPL labels", "ours": 1234.5, "naive": None, "unit": "labels/s", "target": 500},
        {"what": "route length", "ours": 101.0, "naive": 120.0, "unit": "m", "target": None, "orders": 30},
        skipped("moves over HTTP, 32 clients, PostgreSQL", "PostgreSQL not reachable", "moves/s", 1000),
    ]


def test_table_prints_every_row_with_ratio_target_and_reason():
    text = render(fake_rows(), title="bench")
    lines = text.splitlines()
    assert lines[0] == "bench"
    assert lines[1].split("|")[0].strip() == "what"
    assert all(h in lines[1] for h in ("ours", "naive (baseline)", "ratio", "target", "unit/notes"))
    body = lines[3:-1]
    assert len(body) == len(fake_rows())
    moves, p99, stock, zpl, route, pg = body
    assert "2.00x" in moves and ">= 400 ok" in moves and "server: wms run" in moves
    assert "2.00x" in p99 and "< 50 ok" in p99  # times: naive/ours, lower is better
    assert "0.25x" in stock and "MISSED" in stock
    assert "1,234" in zpl and ">= 500 ok" in zpl
    assert "1.19x" in route and "orders=30" in route  # metres: shorter is better; extra keys become notes
    assert "skipped: PostgreSQL not reachable" in pg


def test_rows_as_dicts_and_rows_are_the_same():
    row = as_row({"what": "x", "ours": 10.0, "naive": 5.0, "unit": "labels/s", "target": 8})
    assert isinstance(row, Row) and row.ratio == 2.0 and row.meets_target()
    assert as_row(row) is row
    with pytest.raises(TypeError):
        as_row({"ours": 1})


def test_a_target_given_as_text_is_still_checked_when_it_names_a_bound():
    assert Row("route time", 13.7, 0.08, "ms", "< 10").target_text() == "< 10 MISSED"
    assert Row("route time", 3.0, 0.08, "ms", "< 10").target_text() == "< 10 ok"
    batching = Row("batching", 1822.0, 2542.0, "m", ">= 15% less than FCFS")
    assert batching.target_text() == ">= 15% less than FCFS"


def test_missing_numbers_print_as_dashes():
    text = render([Row("nothing measured", None, None, "ms")])
    cells = [c.strip() for c in text.splitlines()[2].split("|")]
    assert cells[1:5] == ["-", "-", "-", "-"]


def test_sections_print_in_order_and_one_that_fails_keeps_a_row_saying_why():
    def broken(quick, echo):
        raise RuntimeError("no receiver")

    def fine(quick, echo):
        echo("fine")
        return [{"what": "labels", "ours": 4.0 if quick else 1.0, "naive": 2.0, "unit": "labels/s"}]

    said = []
    rows = collect(True, said.append, [Section("webhooks", broken), Section("labels", fine)])
    assert [r.what for r in rows] == ["webhooks", "labels"]
    assert rows[0].skipped == "RuntimeError: no receiver" and rows[1].skipped is None
    assert rows[1].ratio == 2.0  # `quick` reached the section, and its dict became a Row
    assert said[0] == "webhooks ..." and "fine" in said


def test_every_sku_lands_in_distinct_bins():
    shape = bulk.Shape.for_quants(2_000)
    assert shape.quants == 2_000
    for p in range(shape.products):
        assert len(set(shape.bins_of(p))) == bulk.BINS_PER_SKU


@pytest.mark.slow
def test_stock_query_bench_runs_on_a_tiny_sqlite_database():
    rows = stock_query.run_backend("sqlite", 2_000, quick=True, echo=lambda _: None)
    assert [r.what.split(",")[0].strip() for r in rows] == [
        "stock query", "GET /api/v1/stock?sku=", "stock query", "GET /api/v1/stock?location="]
    for r in rows:
        assert r.skipped is None
        assert r.ours > 0 and r.unit == "ms"
    assert all(r.naive > 0 for r in rows if r.what.startswith("stock query"))
    assert "stock query" in render(rows)
