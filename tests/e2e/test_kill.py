"""SIGKILL the real server in the middle of a burst of moves: no committed move is lost, none is half-applied.

DESIGN.md, "Reliability": killing the process at any point loses no committed move and leaves no
half-applied one. The server is the installed `wms run` (waitress, 16 request threads) on a database
migrated by `wms init`; afterwards `wms check`, run as an operator would, must pass, and every move the
client was told about (201) must be in the ledger exactly as described.
"""
from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import select
from urllib3.exceptions import NewConnectionError

from tests.conftest import Api, _dispose, fresh_pg_database, make_app
from wms.db import db
from wms.inventory.models import Move

pytestmark = pytest.mark.slow

WMS = str(Path(sys.executable).with_name("wms"))  # the console script installed beside this interpreter
CLIENTS = 16
KILL_AFTER = 60  # booked moves seen by the clients before the kill; the burst is still running then
BINS = ("K-1", "K-2", "K-3", "K-4")
SKUS = ("BOLT", "NUT")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wms_env(url: str, instance: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WMS_")}
    env.update(WMS_DATABASE_URL=url, WMS_INSTANCE_PATH=str(instance), WMS_SCHEDULER="off",
               WMS_SECRET_KEY="kill-test", PYTHONUNBUFFERED="1")
    return env


def wms(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([WMS, *args], check=False, env=env, capture_output=True, text=True, timeout=120)


def prepare(url: str, instance: Path) -> str:
    """Migrate with `wms init`, then add bins and plenty of stock; returns a picker's bearer token."""
    init = wms(wms_env(url, instance), "init")
    assert init.returncode == 0, init.stderr
    app = make_app(url, instance)
    try:
        admin = Api(app)
        for sku in SKUS:
            assert admin.post("/products", {"sku": sku, "name": sku, "weight_g": 5}).status_code == 201
        for code in BINS:
            assert admin.post("/locations", {"code": code, "type": "storage"}).status_code == 201
            for sku in SKUS:
                r = admin.post("/adjustments", {"sku": sku, "location": code, "delta": 10_000,
                                                "reason": "opening"})
                assert r.status_code == 201
        return Api(app, "picker").token
    finally:
        _dispose(app)


class Server:
    """`wms run` in a child process; its log is drained by a thread so it can never block on a full pipe."""

    def __init__(self, env: dict):
        self.port = free_port()
        self.proc = subprocess.Popen([WMS, "run", "--host", "127.0.0.1", "--port", str(self.port)], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.log: list[str] = []
        self.ready = threading.Event()
        threading.Thread(target=self._drain, daemon=True).start()
        # waitress logs "Serving on ..." once its socket listens: wait for that line, not for a fixed time.
        if not self.ready.wait(60) or self.proc.poll() is not None:
            self.proc.kill()
            raise AssertionError("wms run did not start:\n" + "".join(self.log))

    def _drain(self):
        for line in self.proc.stdout:
            self.log.append(line)
            if "Serving on" in line:
                self.ready.set()
        self.ready.set()  # the process ended: let the waiter look at why

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"

    def kill(self):
        os.kill(self.proc.pid, signal.SIGKILL)
        assert self.proc.wait(30) == -signal.SIGKILL


def never_reached_the_server(exc: requests.RequestException) -> bool:
    """A connection refused after the kill, as opposed to a request cut off in flight."""
    return isinstance(getattr(exc.args[0] if exc.args else None, "reason", None), NewConnectionError)


def burst_then_kill(server: Server, token: str):
    """Clients fire moves until the server dies under them; returns the 201 replies and cut-off requests."""
    booked, cut_off = [], []
    lock = threading.Lock()
    enough = threading.Event()

    def client(index: int):
        rng = random.Random(index)
        session = requests.Session()
        session.headers.update({"Authorization": f"Bearer {token}", "X-WMS-Device": f"hh-{index}"})
        try:
            while True:
                src, dst = rng.sample(BINS, 2)
                body = {"sku": rng.choice(SKUS), "from_location": src, "to_location": dst,
                        "quantity": rng.randint(1, 3)}
                try:
                    r = session.post(server.url + "/moves", json=body, timeout=30)
                except requests.RequestException as exc:
                    if not never_reached_the_server(exc):
                        # Sent, and the kill came before the reply: it may or may not have been booked.
                        with lock:
                            cut_off.append(body)
                    return
                assert r.status_code == 201, r.text
                with lock:
                    booked.append(r.json())
                    if len(booked) >= KILL_AFTER:
                        enough.set()
        except BaseException:
            enough.set()  # do not keep the main thread waiting for a burst that has failed
            raise

    with ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(client, i) for i in range(CLIENTS)]
        assert enough.wait(120), "too few moves were booked before the deadline:\n" + "".join(server.log)
        server.kill()
        for f in futures:
            f.result(timeout=60)
    return booked, cut_off


def assert_nothing_lost(url: str, instance: Path, booked: list[dict], cut_off: list[dict]):
    check = wms(wms_env(url, instance), "check")
    assert check.returncode == 0, check.stdout + check.stderr
    app = make_app(url, instance)
    try:
        with app.app_context():
            ledger = {m.id: m for m in db.session.scalars(select(Move).where(Move.kind == "move")).unique()}
            for reply in booked:
                move = ledger.get(reply["id"])
                assert move is not None, f"move {reply['id']} was answered 201 but is not in the ledger"
                assert (move.product.sku, move.from_location.code, move.to_location.code, move.quantity) == (
                    reply["sku"], reply["from_location"], reply["to_location"], reply["quantity"])
    finally:
        _dispose(app)
    # Only requests that were cut off may have been booked without their client hearing of it.
    assert len(booked) <= len(ledger) <= len(booked) + len(cut_off)


def run_kill_test(url: str, instance: Path):
    token = prepare(url, instance)
    server = Server(wms_env(url, instance))
    try:
        booked, cut_off = burst_then_kill(server, token)
    finally:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait(30)
    assert len(booked) >= KILL_AFTER
    # Some request must have been on the wire when the process died, else the kill was not "mid-burst"
    # and the test would prove less than it claims.
    assert cut_off, "no request was in flight when the server was killed"
    assert_nothing_lost(url, instance, booked, cut_off)


def test_sigkill_mid_burst_on_sqlite_loses_no_committed_move(tmp_path):
    run_kill_test(f"sqlite:///{tmp_path / 'wms.db'}", tmp_path)


@pytest.fixture
def pg_url():
    """A fresh PostgreSQL database of this test's own (the server is another process), dropped afterwards."""
    with fresh_pg_database(f"wms_kill_{os.getpid()}") as url:
        yield url


@pytest.mark.postgres
def test_sigkill_mid_burst_on_postgresql_loses_no_committed_move(pg_url, tmp_path):
    run_kill_test(pg_url, tmp_path)
