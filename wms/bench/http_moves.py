"""Moves per second over HTTP with 32 concurrent clients, beside raw single-statement SQL moves.

Ours: a real server process (`wms run` on SQLite; on PostgreSQL the fastest of a few gunicorn and
waitress configurations, each measured) on a fresh migrated database; each of 32 keep-alive clients
owns one SKU and two bins and POSTs /api/v1/moves of one unit back and forth, with a scan_id as a
handheld sends it. Every move is the full service path: token check, schema validation, the quants
locked, the rules checked, the move booked, the scan reply stored, one commit.

Naive: on the same database, 32 threads each with its own raw DB-API connection, autocommitting one
`INSERT INTO moves ...` per move: no HTTP, no quants, no locks, no checks; the floor of what a write
costs on that database. The ratio is ours / naive.
"""
from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from sqlalchemy import make_url

from wms import auth
from wms.bench import servers
from wms.bench.databases import BenchDb, app_on, postgres_problem, temp_database
from wms.bench.load import LoadResult, http_moves, raw_inserts
from wms.bench.table import Row, skipped
from wms.inventory.domain import Actor, AdjustStock, CreateLocation, CreateProduct
from wms.inventory.queries import check_ledger
from wms.pipeline import pipeline_of

CLIENTS = 32
TARGETS = {"sqlite": 400, "postgresql": 1000}
P99_TARGET_MS = 50
# Latency is also measured with the clients offering this share of the throughput measured at
# saturation: service time without the queue that a saturated closed loop builds.
PACED_SHARE = 0.5
BACKEND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


Job = tuple[str, str, str]  # sku, bin A, bin B
Ids = tuple[int, int, int]  # product id, bin A id, bin B id


def seed(bench_db: BenchDb, clients: int) -> tuple[str, list[Job], list[Ids]]:
    """A picker token, and per client a SKU with stock in one of its two bins; returns (token, jobs, ids)."""
    jobs, ids = [], []
    with app_on(bench_db) as app:
        token = auth.create_token("picker", "bench-picker")
        pipeline = pipeline_of(app)
        for i in range(clients):
            sku, a, b = f"BENCH-{i:03d}", f"BENCH-{i:03d}-A", f"BENCH-{i:03d}-B"
            product = pipeline.handle(CreateProduct({"sku": sku, "name": f"Bench item {i}", "weight_g": 100}))
            la = pipeline.handle(CreateLocation({"code": a, "type": "storage"}))
            lb = pipeline.handle(CreateLocation({"code": b, "type": "storage"}))
            pipeline.handle(AdjustStock(sku, a, "bench opening stock", Actor("bench"), delta=1000))
            jobs.append((sku, a, b))
            ids.append((product.id, la.id, lb.id))
    return token, jobs, ids


def ledger_ok(bench_db: BenchDb) -> bool:
    with app_on(bench_db):
        return not check_ledger()


def _connector(bench_db: BenchDb) -> Callable[[], object]:
    """Raw DB-API connections in autocommit, with the durability and constraint settings the service uses."""
    if bench_db.backend == "sqlite":
        def connect():
            conn = sqlite3.connect(bench_db.dbapi_target, timeout=30, isolation_level=None,
                                   check_same_thread=False)
            for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=30000"):
                conn.execute(f"PRAGMA {pragma}")
            return conn
        return connect
    return lambda: psycopg.connect(bench_db.dbapi_target, autocommit=True)


def naive_moves(bench_db: BenchDb, ids: list[Ids], warmup: float, duration: float) -> LoadResult:
    mark = "?" if bench_db.backend == "sqlite" else "%s"
    now = "CURRENT_TIMESTAMP"
    sql = (f"INSERT INTO moves (product_id, from_location_id, to_location_id, lot, quantity, kind, actor, "
           f"created_at) VALUES ({mark}, {mark}, {mark}, '', 1, 'move', 'bench', {now})")
    return raw_inserts(_connector(bench_db), sql, list(ids), warmup=warmup, duration=duration)


@dataclass
class ServerRun:
    config: servers.ServerConfig
    load: LoadResult
    server_cpu: float  # CPU seconds of the server process(es) in the measured window
    db_cpu: float  # CPU seconds of this database's PostgreSQL backends in the window (0 on SQLite)
    machine_busy: float  # share of the machine's CPUs busy in the window, everything included

    def per_move_ms(self, cpu: float) -> float:
        return cpu / max(1, self.load.completed) * 1000

    @property
    def ceiling(self) -> float:
        """Moves/s that server + database CPU alone would allow on this machine's cores, idle.

        A server process runs Python on one core at a time (the GIL), so `workers` processes use
        at most that many cores however many the machine has.
        """
        served = max(1, self.load.completed)
        server, both = self.server_cpu / served, (self.server_cpu + self.db_cpu) / served
        if server <= 0:
            return 0.0
        return min((os.cpu_count() or 1) / both, self.config.workers / server)

    def summary(self) -> str:
        r = self.load
        return (f"{r.rate:,.0f}/s, p50 {r.percentile_ms(50) or 0:.1f} ms, "
                f"p99 {r.percentile_ms(99) or 0:.1f} ms, {r.errors} errors; "
                f"CPU per move: server {self.per_move_ms(self.server_cpu):.2f} ms"
                + (f" + PostgreSQL {self.per_move_ms(self.db_cpu):.2f} ms" if self.db_cpu else "")
                + f", clients {self.per_move_ms(r.client_cpu):.2f} ms; machine {self.machine_busy:.0%} busy")


def measure_server(config: servers.ServerConfig, bench_db: BenchDb, token: str, jobs, *, warmup: float,
                   duration: float, processes: int, rate: float | None = None) -> ServerRun:
    """Run the load against a fresh server process, with the CPU it and the database used."""
    dbname = make_url(bench_db.url).database if bench_db.backend == "postgresql" else None
    with servers.Server(config, bench_db) as server:
        start_at = time.time() + 1.5
        window = (start_at + warmup, start_at + warmup + duration)
        server_cpu = servers.CpuWindow(server.pids, *window)
        db_cpu = servers.CpuWindow(lambda: servers.postgres_backends(dbname) if dbname else [], *window)
        result = http_moves(server.port, token, jobs, warmup=warmup, duration=duration, processes=processes,
                            start_at=start_at, rate=rate)
        used, busy = server_cpu.result()
        db_used, _ = db_cpu.result()
    return ServerRun(config, result, used, db_used, busy)


def candidates(backend: str, quick: bool) -> list[servers.ServerConfig]:
    """Server configurations to measure; the fastest one gives the row."""
    if backend == "sqlite":
        # The embedded default, as `wms run` starts it: one process (SQLite has one writer anyway).
        return [servers.ServerConfig("waitress", threads=32)]
    found = [servers.ServerConfig("waitress", threads=32)]
    if servers.gunicorn_available():
        gunicorn = [servers.ServerConfig("gunicorn", threads=8, workers=4)]
        if not quick:
            gunicorn += [servers.ServerConfig("gunicorn", threads=16, workers=2),
                         servers.ServerConfig("gunicorn", threads=4, workers=8)]
        found = gunicorn + found
    return found


def run_backend(backend: str, quick: bool, echo: Callable[[str], None]) -> list[Row]:
    name = BACKEND_NAMES[backend]
    warmup = 1.0 if quick else 2.0
    trial = 3.0 if quick else 5.0  # per candidate server configuration
    duration = 3.0 if quick else 20.0  # the measured run of the chosen one
    processes = int(os.environ.get("WMS_BENCH_CLIENT_PROCESSES", "2"))
    with temp_database(backend, "moves") as bench_db:
        token, jobs, ids = seed(bench_db, CLIENTS)
        configs = candidates(backend, quick)
        tried: list[ServerRun] = []
        for config in configs:
            echo(f"  {name}: {config.label} ...")
            run = measure_server(config, bench_db, token, jobs, warmup=warmup,
                                 duration=trial if len(configs) > 1 else duration, processes=processes)
            echo(f"    {run.summary()}")
            tried.append(run)
        best = max(tried, key=lambda run: run.load.rate)
        if len(configs) > 1 and not quick:
            echo(f"  {name}: {best.config.label}, measured run ...")
            best = measure_server(best.config, bench_db, token, jobs, warmup=warmup, duration=duration,
                                  processes=processes)
            echo(f"    {best.summary()}")
        offered = best.load.rate * PACED_SHARE
        echo(f"  {name}: {best.config.label}, latency with clients offering {offered:,.0f}/s ...")
        paced = measure_server(best.config, bench_db, token, jobs, warmup=warmup, duration=trial,
                               processes=processes, rate=offered)
        echo(f"    {paced.summary()}")
        ok = ledger_ok(bench_db)
        echo(f"  {name}: raw single-statement inserts ...")
        naive = naive_moves(bench_db, ids, warmup=min(warmup, 1.0), duration=min(duration, 5.0))
    result, served = best.load, paced.load
    return [
        Row(f"moves over HTTP, {CLIENTS} clients, {name}", result.rate, naive.rate, "moves/s",
            TARGETS[backend], _notes(best, tried, ok, naive, trial)),
        Row(f"  move latency p50, {name}", result.percentile_ms(50), naive.percentile_ms(50), "ms", None,
            "naive: one raw INSERT"),
        Row(f"  move latency p99, {name}", result.percentile_ms(99), naive.percentile_ms(99), "ms",
            P99_TARGET_MS, f"saturated: {CLIENTS} clients in a closed loop wait ~{CLIENTS}/rate per move"),
        Row(f"  move latency p99 at {PACED_SHARE:.0%} of that rate, {name}", served.percentile_ms(99),
            None, "ms", P99_TARGET_MS,
            f"p50 {served.percentile_ms(50) or 0:.1f} ms; {CLIENTS} clients pacing {offered:,.0f}/s in all, "
            f"{served.rate:,.0f}/s served, {served.errors} errors"),
    ]


def _notes(best: ServerRun, tried: list[ServerRun], ok: bool, naive: LoadResult, trial: float) -> str:
    result = best.load
    cpu = f"server {best.per_move_ms(best.server_cpu):.2f} ms"
    if best.db_cpu:
        cpu += f" + PostgreSQL {best.per_move_ms(best.db_cpu):.2f} ms"
    notes = [f"server: {best.config.label}",
             f"{result.completed:,} moves in {result.seconds:.1f}s, {result.errors} errors",
             "wms check ok" if ok else "wms check FAILED",
             f"CPU per move {cpu}, clients {best.per_move_ms(result.client_cpu):.2f} ms",
             (f"CPU-bound ceiling ~{best.ceiling:,.0f}/s ({best.config.workers} server process(es), "
              f"{os.cpu_count()} cores, nothing else running)"),
             f"machine {best.machine_busy:.0%} busy during the run"]
    others = ", ".join(f"{run.config.label} {run.load.rate:,.0f}/s"
                       for run in tried if run.config != best.config)
    if others:
        notes.append(f"also tried ({trial:g}s each): {others}")
    if result.first_error:
        notes.append(f"first error: {result.first_error[:120]}")
    if naive.errors:
        notes.append(f"raw errors {naive.errors}")
    return "; ".join(notes)


def rows(quick: bool, echo: Callable[[str], None] = print) -> list[Row]:
    out: list[Row] = []
    for backend in ("sqlite", "postgresql"):
        what = f"moves over HTTP, {CLIENTS} clients, {BACKEND_NAMES[backend]}"
        if backend == "postgresql":
            problem = postgres_problem()
            if problem:
                out.append(skipped(what, problem, "moves/s", TARGETS[backend]))
                continue
        try:
            out += run_backend(backend, quick, echo)
        except Exception as exc:  # noqa: BLE001 - one backend failing must not hide the other's figures
            out.append(skipped(what, f"{type(exc).__name__}: {str(exc)[:300]}", "moves/s", TARGETS[backend]))
    return out
