"""Stock for one SKU and for one bin with 1,000,000 quants in the table (100,000 with --quick).

Ours: the query the API runs (`wms.inventory.queries.stock_query`, paged and rendered exactly as
GET /api/v1/stock does it, through the session), timed on many different SKUs and bins; and the
whole GET /api/v1/stock request through the Flask app in-process (token check, validation, JSON;
no socket). Naive: the same filter, joins, order and page size, in raw SQL on an un-indexed copy of
the quants table made in the same run: what the query costs without the indexes the schema declares
(a full scan). Figures are medians in milliseconds.
"""
from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable

from sqlalchemy import text

from wms import auth
from wms.api.pagination import page
from wms.bench import bulk
from wms.bench.databases import BenchDb, app_on, postgres_problem, temp_database
from wms.bench.table import Row, skipped
from wms.db import db
from wms.inventory import queries
from wms.inventory.models import Quant
from wms.inventory.views import stock_json

TARGET_MS = 5
BACKEND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
NAIVE_TABLE = "bench_quants_noindex"
PAGE = 50  # the API's default page size

_NAIVE_SQL = (
    f'SELECT q.id, p.sku, l.code, q.lot, q.expiry, q.on_hand, q.reserved FROM {NAIVE_TABLE} q '
    'JOIN products p ON p.id = q.product_id JOIN locations l ON l.id = q.location_id '
    'WHERE NOT q."virtual" AND (q.on_hand <> 0 OR q.reserved <> 0) AND {filter} '
    f'ORDER BY q.id LIMIT {PAGE + 1}'
)
_NAIVE_FILTERS = {
    "sku": "q.product_id = (SELECT id FROM products WHERE sku = :value)",
    "location": "q.location_id = (SELECT id FROM locations WHERE code = :value)",
}


def _median_ms(call: Callable[[str], object], values: list[str], repeats: int) -> tuple[float, float, int]:
    """Median and 10th-percentile milliseconds of `call` over `repeats` calls cycling through `values`
    (after a warm-up), and how many rows the calls returned in all."""
    for v in values[: min(len(values), 20)]:
        call(v)
    times, found = [], 0
    for i in range(repeats):
        value = values[i % len(values)]
        start = time.perf_counter()
        result = call(value)
        times.append((time.perf_counter() - start) * 1000)
        found += len(result) if hasattr(result, "__len__") else 0
    return statistics.median(times), sorted(times)[len(times) // 10], found


def make_naive_copy(bench_db: BenchDb) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {NAIVE_TABLE}"))
        conn.execute(text(f"CREATE TABLE {NAIVE_TABLE} AS SELECT * FROM quants"))
    if bench_db.backend == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"VACUUM ANALYZE {NAIVE_TABLE}"))
            conn.execute(text("VACUUM ANALYZE quants"))
            conn.execute(text("ANALYZE products"))
            conn.execute(text("ANALYZE locations"))


def measure(bench_db: BenchDb, shape: bulk.Shape, *, repeats: int, naive_repeats: int,
            echo: Callable[[str], None] = print) -> dict[str, dict[str, float]]:
    """Medians (ms) for ours/http/naive by sku and by location, on a loaded database."""
    rng = random.Random(7)
    skus = [shape.sku(rng.randrange(shape.products)) for _ in range(300)]
    bins = [shape.bin(rng.randrange(shape.locations)) for _ in range(300)]
    out: dict[str, dict[str, float]] = {}
    with app_on(bench_db) as app:
        make_naive_copy(bench_db)
        token = auth.create_token("storefront", "bench-reader")

        def ours(kind: str) -> Callable[[str], list]:
            def call(value: str) -> list:
                args = (value, None) if kind == "sku" else (None, value)
                result = page(queries.stock_query(*args), Quant.id, {"limit": PAGE}, stock_json)["items"]
                db.session.rollback()  # end the read transaction, as the end of a request does
                return result
            return call

        def naive(kind: str) -> Callable[[str], list]:
            sql = text(_NAIVE_SQL.replace("{filter}", _NAIVE_FILTERS[kind]))

            def call(value: str) -> list:
                rows = db.session.execute(sql, {"value": value}).all()
                result = [{"sku": r.sku, "location": r.code, "lot": r.lot or None, "on_hand": r.on_hand,
                           "reserved": r.reserved, "available": r.on_hand - r.reserved} for r in rows[:PAGE]]
                db.session.rollback()
                return result
            return call

        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}

        def http(kind: str) -> Callable[[str], list]:
            def call(value: str) -> list:
                response = client.get(f"/api/v1/stock?{kind}={value}", headers=headers)
                if response.status_code != 200:
                    raise RuntimeError(f"GET /stock?{kind}= answered {response.status_code}: "
                                       f"{response.data[:200]}")
                return response.get_json()["items"]
            return call

        def in_database(kind: str) -> Callable[[str], list]:
            """PostgreSQL's own planning + execution time for our statement (EXPLAIN ANALYZE)."""
            def call(value: str) -> list:
                args = (value, None) if kind == "sku" else (None, value)
                stmt = queries.stock_query(*args).order_by(Quant.id).limit(PAGE + 1)
                sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
                plan = db.session.execute(text("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)).scalar()
                db.session.rollback()
                plan = plan[0] if isinstance(plan, list) else plan
                return [plan.get("Planning Time", 0) + plan.get("Execution Time", 0)]
            return call

        for kind, values in (("sku", skus), ("location", bins)):
            ours_ms, ours_p10, ours_found = _median_ms(ours(kind), values, repeats)
            db_ms = None
            if bench_db.backend == "postgresql":
                db_ms = statistics.median(in_database(kind)(v)[0] for v in values[:25])
            http_ms, http_p10, _ = _median_ms(http(kind), values, max(50, repeats // 2))
            naive_ms, _, naive_found = _median_ms(naive(kind), values, naive_repeats)
            if ours_found == 0:
                raise RuntimeError(f"stock by {kind} found nothing: the bench data did not load")
            out[kind] = {"ours": ours_ms, "http": http_ms, "naive": naive_ms, "db": db_ms,
                         "ours_p10": ours_p10, "http_p10": http_p10,
                         "rows": ours_found / repeats, "naive_rows": naive_found / naive_repeats}
            echo(f"    by {kind}: ours {ours_ms:.2f} ms, GET {http_ms:.2f} ms, naive {naive_ms:.1f} ms")
    return out


def run_backend(backend: str, n: int, quick: bool, echo: Callable[[str], None]) -> list[Row]:
    name = BACKEND_NAMES[backend]
    shape = bulk.Shape.for_quants(n)
    with temp_database(backend, "stock") as bench_db:
        echo(f"  {name}: loading {shape.quants:,} quants ({shape.products:,} SKUs x {bulk.BINS_PER_SKU} "
             f"bins, {shape.locations:,} bins) ...")
        started = time.perf_counter()
        bulk.load(bench_db, shape)
        load_s = time.perf_counter() - started
        result = measure(bench_db, shape, repeats=100 if quick else 1000, naive_repeats=5 if quick else 15,
                         echo=echo)
    size = f"{shape.quants / 1e6:g}M" if shape.quants >= 1_000_000 else f"{shape.quants // 1000}k"
    rows = []
    for kind, label in (("sku", "one SKU"), ("location", "one bin")):
        r = result[kind]
        notes = (f"median (p10 {r['ours_p10']:.2f}); stock_query paged+rendered as the API does, "
                 f"{r['rows']:.0f} rows; "
                 "naive: same SQL on an un-indexed copy (full scan)")
        if r["db"]:
            notes += f"; in PostgreSQL itself {r['db']:.2f} ms (EXPLAIN ANALYZE, plan+run)"
        if kind == "sku":
            notes += f"; loaded in {load_s:.0f}s"
        rows.append(Row(f"stock query, {label}, {size} quants, {name}", r["ours"], r["naive"], "ms",
                        TARGET_MS, notes))
        rows.append(Row(f"  GET /api/v1/stock?{kind}=, {size} quants, {name}", r["http"], None, "ms",
                        TARGET_MS, f"median (p10 {r['http_p10']:.2f}); whole request in-process (auth, "
                        "validation, JSON), no socket"))
    return rows


def rows(quick: bool, echo: Callable[[str], None] = print, n: int | None = None) -> list[Row]:
    n = n or (100_000 if quick else 1_000_000)
    out: list[Row] = []
    for backend in ("sqlite", "postgresql"):
        what = f"stock query, one SKU / one bin, {BACKEND_NAMES[backend]}"
        if backend == "postgresql":
            problem = postgres_problem()
            if problem:
                out.append(skipped(what, problem, "ms", TARGET_MS))
                continue
        try:
            out += run_backend(backend, n, quick, echo)
        except Exception as exc:  # noqa: BLE001 - one backend failing must not hide the other's figures
            out.append(skipped(what, f"{type(exc).__name__}: {str(exc)[:300]}", "ms", TARGET_MS))
    return out
