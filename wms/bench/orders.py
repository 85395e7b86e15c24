"""`wms bench` rows for order intake and allocation.

Intake: a real server on a fresh database with stock for every SKU and a storefront webhook endpoint
subscribed to every order event (so each order also writes its event and delivery, as in a live
shop); 32 keep-alive clients POST /api/v1/orders (3 lines, a fresh Idempotency-Key each), so each
order is the full path: token, key check, validation, the order written, its lines allocated under
quant locks, the outbox event, the stored reply. On SQLite the server is `wms run` (waitress, one
thread per client); on PostgreSQL gunicorn, as in production. Naive: 32 raw connections each
autocommitting one INSERT INTO orders.

Allocation: N orders written as `received` (3 lines each) and then allocated by the service. Ours
allocates a batch of orders per transaction; naive gives each order its own transaction, as a
per-order worker would. Both are measured on identical fresh databases in the same run.
"""
from __future__ import annotations

import http.client
import json
import random
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable

import psycopg
from sqlalchemy import insert, select

from wms import auth
from wms.bench import servers
from wms.bench.databases import app_on, postgres_problem, temp_database
from wms.bench.load import LoadResult, raw_inserts
from wms.bench.table import Row, skipped
from wms.db import db, utcnow
from wms.inventory import ledger
from wms.inventory import services as inventory
from wms.inventory.domain import CreateLocation, CreateProduct
from wms.inventory.ledger import Actor, Transfer
from wms.inventory.models import SUPPLIER, Product
from wms.orders.domain import AllocateWaitingOrders
from wms.orders.models import Order, OrderLine
from wms.pipeline import pipeline_of
from wms.unit_of_work import atomic
from wms.webhooks.domain import EVENT_TYPES, Subscribe

CLIENTS = 32
SKUS = 60
ADDRESS = {"name": "Bench Customer", "street1": "1 Main St", "city": "Memphis", "state": "TN",
           "postal_code": "38103", "country": "US"}


def _seed(app, units_per_sku: int, *, subscribe: bool = False) -> str:
    """Products with stock in pick faces, and a storefront token; with `subscribe`, its webhook endpoint."""

    pipeline = pipeline_of(app)

    @atomic
    def stock() -> None:
        supplier = inventory.location_by_code(SUPPLIER)
        transfers = []
        for i in range(SKUS):
            product = pipeline.handle(CreateProduct({"sku": f"B-{i:03d}", "name": f"Bench item {i}", "weight_g": 100}))
            face = pipeline.handle(CreateLocation({"code": f"F-{i:03d}", "type": "pick_face"}))
            transfers.append(Transfer(product, supplier, face, units_per_sku, kind="receipt"))
        ledger.post(transfers, Actor("bench"))

    stock()
    if subscribe:
        # Nothing listens there and no scheduler runs: the deliveries are written, as intake must, not sent.
        pipeline.handle(Subscribe("http://127.0.0.1:9/bench-hook",
                                  tuple(e for e in EVENT_TYPES if e.startswith("order.")), "bench"))
    return auth.create_token("storefront", "bench-storefront")


def _client(port: int, token: str, stop_at: float, out: LoadResult, lock: threading.Lock, rng: random.Random):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    mine = LoadResult()
    while time.time() < stop_at:
        body = json.dumps({"external_id": f"BENCH-{uuid.uuid4().hex}", "ship_to": ADDRESS,
                           "lines": [{"sku": f"B-{rng.randrange(SKUS):03d}", "quantity": 1} for _ in range(3)]})
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                   "Idempotency-Key": uuid.uuid4().hex}
        t0 = time.perf_counter()
        try:
            conn.request("POST", "/api/v1/orders", body, headers)
            reply = conn.getresponse()
            reply.read()
        except OSError as exc:
            mine.errors += 1
            mine.first_error = mine.first_error or repr(exc)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        if reply.status == 201:
            mine.completed += 1
            mine.latencies.append(time.perf_counter() - t0)
        else:
            mine.errors += 1
            mine.first_error = mine.first_error or f"HTTP {reply.status}"
    conn.close()
    with lock:
        out.merge(mine)


def _intake(backend: str, config: servers.ServerConfig, duration: float) -> tuple[LoadResult, LoadResult]:
    """(ours, naive) on a fresh database of that backend."""
    with temp_database(backend, "orders") as bench_db:
        with app_on(bench_db) as app:
            token = _seed(app, units_per_sku=1_000_000, subscribe=True)
        with servers.Server(config, bench_db) as server:
            result, lock = LoadResult(seconds=duration), threading.Lock()
            stop_at = time.time() + duration
            threads = [threading.Thread(target=_client, args=(server.port, token, stop_at, result, lock,
                                                              random.Random(n))) for n in range(CLIENTS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        naive = raw_inserts(_raw_connect(bench_db), NAIVE_INSERT[backend], [()] * CLIENTS, warmup=0.5,
                            duration=duration)
    return result, naive


NAIVE_INSERT = {
    "sqlite": "INSERT INTO orders (external_id, status, ship_to, service_level, priority, allocation, created_by,"
              " created_at, updated_at) VALUES (lower(hex(randomblob(16))), 'received', '{}', 'standard', 0,"
              " 'partial', 'bench', datetime('now'), datetime('now'))",
    "postgresql": "INSERT INTO orders (external_id, status, ship_to, service_level, priority, allocation, created_by,"
                  " created_at, updated_at) VALUES (md5(random()::text), 'received', '{}', 'standard', 0,"
                  " 'partial', 'bench', now(), now())",
}


def _raw_connect(bench_db) -> Callable[[], object]:
    if bench_db.backend == "sqlite":
        return lambda: sqlite3.connect(bench_db.dbapi_target, isolation_level=None, timeout=30)
    return lambda: psycopg.connect(bench_db.dbapi_target, autocommit=True)


# SQLite: `wms run` as it starts by default (32 threads); PostgreSQL: the production command in the README.
SERVERS = {"sqlite": servers.ServerConfig("waitress", 32),
           "postgresql": servers.ServerConfig("gunicorn", threads=8, workers=4)}


def intake_rows(quick: bool, echo: Callable[[str], None]) -> list[Row]:
    duration = 3.0 if quick else 10.0
    rows = []
    for backend in ("sqlite", "postgresql"):
        config = SERVERS[backend]
        label = f"orders accepted over HTTP, {CLIENTS} clients, {'SQLite' if backend == 'sqlite' else 'PostgreSQL'}"
        if backend == "postgresql" and (postgres_problem() or not servers.gunicorn_available()):
            rows.append(skipped(label, postgres_problem() or "gunicorn is not installed"))
            continue
        result, naive = _intake(backend, config, duration)
        note = f"{result.completed} orders of 3 lines in {duration:.0f}s, {result.errors} errors" + (
            f" (first: {result.first_error})" if result.first_error else "")
        rows += [
            Row(label, result.rate, naive.rate, "orders/s", 500,
                notes=f"{note}; server: {config.label}; naive: one raw INSERT INTO orders"),
            Row(f"  order intake latency p99, {backend}", result.percentile_ms(99), naive.percentile_ms(99), "ms",
                notes="saturated closed loop"),
        ]
    return rows


def _queue_orders(app, count: int, rng: random.Random) -> list[int]:
    """Write `count` received orders of 3 lines straight to the tables, unallocated."""
    product_ids = list(db.session.scalars(select(Product.id).order_by(Product.id)))
    now = utcnow()
    db.session.execute(insert(Order), [
        {"external_id": f"Q-{i}", "status": "received", "ship_to": ADDRESS, "service_level": "standard",
         "priority": 0, "allocation": "partial", "created_by": "bench", "created_at": now, "updated_at": now}
        for i in range(count)])
    ids = list(db.session.scalars(select(Order.id).order_by(Order.id)))
    db.session.execute(insert(OrderLine), [
        {"order_id": oid, "product_id": pid, "quantity": 1 + rng.randrange(3), "allocated": 0, "picked": 0,
         "shipped": 0}
        for oid in ids for pid in rng.sample(product_ids, 3)])
    db.session.commit()
    return ids


def _allocate(count: int, batch: int) -> tuple[float, int]:
    with temp_database("sqlite", f"alloc{batch}") as bench_db, app_on(bench_db) as app:
        _seed(app, units_per_sku=count)  # enough for every order: the work measured is allocation itself
        ids = _queue_orders(app, count, random.Random(7))
        started = time.perf_counter()
        pipeline = pipeline_of(app)
        for i in range(0, len(ids), batch):
            pipeline.handle(AllocateWaitingOrders(tuple(ids[i:i + batch]), "bench"))
        seconds = time.perf_counter() - started
        allocated = db.session.scalar(select(db.func.count()).select_from(Order).where(Order.status == "allocated"))
    return seconds, allocated


def allocation_rows(quick: bool, echo: Callable[[str], None]) -> list[Row]:
    count = 1_000 if quick else 10_000
    naive_count = 300 if quick else 2_000
    ours_s, ours_done = _allocate(count, batch=200)
    naive_s, naive_done = _allocate(naive_count, batch=1)
    return [Row(f"allocation of {count:,} queued orders (3 lines), SQLite", count / ours_s,
                naive_count / naive_s, "orders/s", notes=(
                    f"{count:,} in {ours_s:.1f}s, {ours_done:,} allocated; batches of 200 per transaction; "
                    f"naive: one transaction per order, measured on {naive_count:,} ({naive_done:,} allocated)"))]


def rows(quick: bool, echo: Callable[[str], None] = print) -> list[Row]:
    return intake_rows(quick, echo) + allocation_rows(quick, echo)
