"""Real server processes for the HTTP benchmarks: `wms run` (waitress) or gunicorn, on a free port."""
from __future__ import annotations

import http.client
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from wms.bench.databases import BenchDb, wms_command

READY_PATH = "/api/v1/openapi.json"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_available() -> bool:
    return importlib.util.find_spec("gunicorn") is not None


@dataclass(frozen=True)
class ServerConfig:
    """How to serve: `kind` is "waitress" (`wms run`) or "gunicorn"; workers only for gunicorn."""

    kind: str
    threads: int
    workers: int = 1

    @property
    def label(self) -> str:
        if self.kind == "waitress":
            return f"wms run (waitress, {self.threads} threads)"
        return f"gunicorn -w {self.workers} --threads {self.threads}"

    def argv(self, port: int) -> list[str]:
        if self.kind == "waitress":
            return wms_command("run", "--host", "127.0.0.1", "--port", str(port),
                               "--threads", str(self.threads))
        return [sys.executable, "-m", "gunicorn", "-w", str(self.workers), "--threads", str(self.threads),
                "--worker-class", "gthread", "-b", f"127.0.0.1:{port}", "--keep-alive", "30",
                "--log-level", "warning", "wms:create_app()"]


class Server:
    """A server process on `bench_db`; use as a context manager (started and ready inside)."""

    def __init__(self, config: ServerConfig, bench_db: BenchDb, *, ready_timeout: float = 60.0):
        self.config = config
        self.bench_db = bench_db
        self.port = free_port()
        self.ready_timeout = ready_timeout
        self.log_path = Path(bench_db.folder) / f"server-{config.kind}-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(self.config.argv(self.port), env=self.bench_db.env(), stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_ready()

    def log_tail(self, chars: int = 1500) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def wait_ready(self) -> None:
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.config.label} exited with {self.proc.returncode}: "
                                   f"{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", READY_PATH)
                if conn.getresponse().status == 200:
                    conn.close()
                    # Under gunicorn each worker loads the app itself; let them all finish booting.
                    if self.config.kind == "gunicorn":
                        self._warm_workers()
                    return
                conn.close()
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.config.label} not ready after {self.ready_timeout:.0f}s: "
                           f"{self.log_tail()}")

    def _warm_workers(self) -> None:
        conns = [http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                 for _ in range(self.config.workers * 4)]
        for c in conns:
            c.request("GET", READY_PATH)
            c.getresponse().read()
        for c in conns:
            c.close()

    def pids(self) -> list[int]:
        """The server process and its children (gunicorn workers)."""
        if self.proc is None:
            return []
        return [self.proc.pid] + children(self.proc.pid)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
        except ProcessLookupError:
            pass


def children(pid: int) -> list[int]:
    out = []
    try:
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    if int(fields[1]) == pid:
                        out.append(int(entry))
                except (OSError, IndexError, ValueError):
                    continue
    except OSError:
        return []
    return out


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by these processes (Linux /proc; 0 elsewhere)."""
    total = 0
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return total / ticks


def postgres_backends(dbname: str) -> list[int]:
    """PostgreSQL backend processes serving `dbname` on this machine (their title names the database)."""
    out = []
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return []
    for entry in entries:
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                title = f.read(300).replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres:") and f" {dbname} " in title:
            out.append(int(entry))
    return out


class CpuWindow:
    """CPU seconds used by some processes (and by the whole machine) between two wall-clock times.

    A background thread samples at `start` and at `stop`, so the window is exactly the clients'
    measured window even when the clients run in other processes.
    """

    def __init__(self, pids_at_start, start: float, stop: float):
        self.pids_at_start = pids_at_start
        self.start, self.stop = start, stop
        self.used = 0.0
        self.machine_busy = 0.0  # share of all CPUs busy in the window, 0..1
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        time.sleep(max(0.0, self.start - time.time()))
        pids = self.pids_at_start()
        cpu0, (busy0, total0) = cpu_seconds(pids), machine_busy_seconds()
        time.sleep(max(0.0, self.stop - time.time()))
        cpu1, (busy1, total1) = cpu_seconds(pids), machine_busy_seconds()
        self.used = cpu1 - cpu0
        self.machine_busy = (busy1 - busy0) / (total1 - total0) if total1 > total0 else 0.0

    def result(self) -> tuple[float, float]:
        self._thread.join()
        return self.used, self.machine_busy


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return 0.0, 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values) - idle) / ticks, sum(values) / ticks
