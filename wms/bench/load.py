"""Load generators: keep-alive HTTP clients posting moves, and raw DB-API single-statement writers.

Both run `clients` concurrent workers for a warm-up and then a measured window, and report
completions and per-request latency. HTTP clients may be spread over several processes so that one
client interpreter's GIL does not become the limit; the client's own CPU use is reported so a reader
can see whether it was.
"""
from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    completed: int = 0  # successful requests that finished inside the measured window
    errors: int = 0
    seconds: float = 0.0  # the measured window
    latencies: list[float] = field(default_factory=list)  # seconds, of the requests counted in `completed`
    client_cpu: float = 0.0  # CPU seconds the client processes used in the window
    first_error: str = ""

    @property
    def rate(self) -> float:
        return self.completed / self.seconds if self.seconds > 0 else 0.0

    def percentile_ms(self, p: float) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        k = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
        return ordered[k] * 1000

    def merge(self, other: LoadResult) -> None:
        self.completed += other.completed
        self.errors += other.errors
        self.seconds = max(self.seconds, other.seconds)
        self.latencies += other.latencies
        self.client_cpu += other.client_cpu
        self.first_error = self.first_error or other.first_error


def _run_workers(n: int, work: Callable[[int, float, float, LoadResult], None], start_at: float,
                 warmup: float, duration: float) -> LoadResult:
    """Run `work(i, measure_from, stop_at, result)` on n threads starting at wall time `start_at`."""
    results = [LoadResult() for _ in range(n)]
    measure_from = start_at + warmup
    stop_at = measure_from + duration
    threads = [threading.Thread(target=work, args=(i, measure_from, stop_at, results[i]), daemon=True)
               for i in range(n)]
    for t in threads:
        t.start()
    time.sleep(max(0.0, measure_from - time.time()))
    cpu0 = time.process_time()
    for t in threads:
        t.join()
    ran = max(1e-9, time.time() - measure_from)  # the window and the tail of requests still in flight
    total = LoadResult(client_cpu=(time.process_time() - cpu0) * duration / ran)
    for r in results:
        total.merge(r)
    total.seconds = duration
    return total


# --- HTTP ---------------------------------------------------------------------------------------------

def _http_worker(port: int, token: str, job: tuple[str, str, str], tag: str, scan_ids: bool,
                 interval: float | None):
    """A handheld: moves one unit of its SKU back and forth, as fast as it can or every `interval` s."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
               "X-WMS-Device": f"bench-{tag}"}
    sku, bin_a, bin_b = job

    def work(i: int, measure_from: float, stop_at: float, out: LoadResult) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        forward, n = True, 0
        # Paced clients start spread over one interval so that their requests do not arrive in waves.
        next_at = time.time() + (random.random() * interval if interval else 0.0)
        while time.time() < stop_at:
            if interval:
                time.sleep(max(0.0, next_at - time.time()))
                # A client that fell behind sends at once but builds no backlog, as a person would.
                next_at = max(next_at + interval, time.time())
            src, dst = (bin_a, bin_b) if forward else (bin_b, bin_a)
            body = {"sku": sku, "from_location": src, "to_location": dst, "quantity": 1}
            if scan_ids:
                body["scan_id"] = f"bench-{tag}-{i}-{n}"
            n += 1
            payload = json.dumps(body)
            t0 = time.perf_counter()
            try:
                conn.request("POST", "/api/v1/moves", payload, headers)
                response = conn.getresponse()
                data = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status, data = 0, repr(exc).encode()
            elapsed, done_at = time.perf_counter() - t0, time.time()
            counted = measure_from <= done_at <= stop_at
            if status == 201:
                forward = not forward
                if counted:
                    out.completed += 1
                    out.latencies.append(elapsed)
            elif counted or status == 0:
                out.errors += 1
                out.first_error = out.first_error or f"{status}: {data[:300].decode(errors='replace')}"
        conn.close()

    return work


def _http_process(args) -> LoadResult:
    port, token, jobs, tag, scan_ids, interval, start_at, warmup, duration = args
    tag = f"{tag}-{os.getpid()}-{uuid.uuid4().hex[:8]}"  # scan_ids never repeat across runs on one database
    workers = [_http_worker(port, token, job, tag, scan_ids, interval) for job in jobs]
    return _run_workers(len(jobs), lambda i, a, b, out: workers[i](i, a, b, out), start_at, warmup, duration)


def http_moves(port: int, token: str, jobs: list[tuple[str, str, str]], *, warmup: float, duration: float,
               processes: int = 1, scan_ids: bool = True, tag: str = "m",
               start_at: float | None = None, rate: float | None = None) -> LoadResult:
    """One client per job (sku, bin_a, bin_b), moving one unit back and forth, spread over `processes`.

    The clients start at wall time `start_at` (default: as soon as they can), warm up for `warmup`
    seconds, and are measured for `duration` seconds after that. Without `rate` each client sends its
    next request as soon as the last is answered (saturation); with it, all clients together offer
    about `rate` requests per second, each at a steady pace.
    """
    interval = len(jobs) / rate if rate else None
    processes = max(1, min(processes, len(jobs)))
    start_at = start_at or time.time() + (1.5 if processes > 1 else 0.1)
    slices = [jobs[k::processes] for k in range(processes)]
    args = [(port, token, s, f"{tag}{k}", scan_ids, interval, start_at, warmup, duration)
            for k, s in enumerate(slices)]
    if processes == 1:
        return _http_process(args[0])
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    with ctx.Pool(processes) as pool:
        parts = pool.map(_http_process, args)
    total = LoadResult()
    for part in parts:
        total.merge(part)
    return total


# --- raw DB-API -----------------------------------------------------------------------------------------

def raw_inserts(connect: Callable[[], object], sql: str, params: list[tuple], *, warmup: float,
                duration: float) -> LoadResult:
    """One autocommitted single-statement INSERT per move, one connection per worker (params[i])."""

    def work(i: int, measure_from: float, stop_at: float, out: LoadResult) -> None:
        conn = connect()
        cur = conn.cursor()
        try:
            while time.time() < stop_at:
                t0 = time.perf_counter()
                try:
                    cur.execute(sql, params[i])
                except Exception as exc:  # noqa: BLE001 - a lock timeout counts as an error, not a crash
                    out.errors += 1
                    out.first_error = out.first_error or repr(exc)[:300]
                    continue
                if measure_from <= time.time() <= stop_at:
                    out.completed += 1
                    out.latencies.append(time.perf_counter() - t0)
        finally:
            conn.close()

    return _run_workers(len(params), work, time.time() + 0.2, warmup, duration)

