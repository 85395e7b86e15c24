"""Webhook delivery throughput for `wms bench`: deliveries per second from a backlog to a local receiver.

- ours: the delivery job's own rounds (`delivery.deliver_due`): up to 100 due deliveries per endpoint
  claimed in one commit, sent over the endpoint's 4 lanes (each order's events keep to one lane, so
  they stay in order), each lane a keep-alive `requests.Session` whose TCP connection is reused from
  one delivery and one round to the next, and their outcomes recorded in one commit.
- naive: one delivery at a time, the way a first outbox poller is often written: one transaction
  picks the oldest pending delivery, POSTs it with `requests.post` (a new TCP connection each time),
  marks it delivered and commits.
Both start from the same backlog (events of 50 orders, signed the same way) in a fresh temporary
SQLite database in this process, and send to the same threaded HTTP/1.1 receiver on 127.0.0.1 (in a
child process). A figure counts only if every delivery reached the receiver exactly once.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Self

import requests
from sqlalchemy import func, select

from wms import config, setup
from wms.app import create_app
from wms.db import db
from wms.pipeline import pipeline_of
from wms.unit_of_work import atomic
from wms.webhooks import delivery, outbox, signing
from wms.webhooks.courier import Courier
from wms.webhooks.domain import Subscribe
from wms.webhooks.models import (
    DELIVERED,
    PENDING,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

ORDERS = 50  # aggregates the backlog spreads over


# The receiver runs in its own process so that it does not compete with the sender for this one's GIL.
_RECEIVER = r"""
import sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
count, lock = 0, threading.Lock()
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers speak
    def do_POST(self):
        global count
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock:
            count += 1
        self._answer(b"")
    def do_GET(self):
        self._answer(str(count).encode())
    def _answer(self, body):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
"""


class _Receiver:
    """A threaded HTTP/1.1 server in a child process that answers every POST 200 and counts them."""

    def __enter__(self) -> Self:
        self.process = subprocess.Popen([sys.executable, "-c", _RECEIVER], stdout=subprocess.PIPE, text=True)
        port = int(self.process.stdout.readline())
        self.url = f"http://127.0.0.1:{port}/hooks"
        return self

    @property
    def count(self) -> int:
        return int(requests.get(self.url, timeout=5).text)

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(10)
        self.process.stdout.close()


def _backlog(app, url: str, n: int) -> None:
    pipeline_of(app).handle(Subscribe(url, ("order.allocated",), "bench"))

    @atomic
    def write(start: int, stop: int) -> None:
        for i in range(start, stop):
            outbox.emit("order.allocated", f"order:{i % ORDERS}", {"order_id": i % ORDERS, "n": i})

    for start in range(0, n, 200):
        write(start, min(start + 200, n))


def _ours(app) -> None:
    courier = Courier()
    try:
        while delivery.deliver_due(courier, config.settings(app)).claimed:
            pass
    finally:
        courier.close()


def _naive(app) -> None:
    timeout = config.settings(app).webhook_timeout_seconds

    @atomic
    def deliver_one() -> bool:
        d = db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.status == PENDING)
                               .order_by(WebhookDelivery.id).limit(1)).first()
        if d is None:
            return False
        endpoint = db.session.get(WebhookEndpoint, d.endpoint_id)
        event = db.session.get(WebhookEvent, d.event_id)
        body = event.body.encode("utf-8")
        headers = signing.headers(endpoint.secret, event.msg_id, int(time.time()), body)
        answer = requests.post(endpoint.url, data=body, headers={**headers, "Content-Type": "application/json"},
                               timeout=timeout)
        d.attempts += 1
        d.last_status_code = answer.status_code
        if not answer.ok:
            raise RuntimeError(f"the bench receiver answered {answer.status_code}")
        d.status = DELIVERED
        return True

    while deliver_one():
        pass


def _rate(folder: Path, receiver: _Receiver, n: int, drain: Callable) -> float:
    app = create_app({"WMS_DATABASE_URL": f"sqlite:///{folder / 'wms.db'}", "WMS_INSTANCE_PATH": str(folder),
                      "WMS_SCHEDULER": "off"})
    try:
        with app.app_context():
            setup.upgrade_schema()
            _backlog(app, receiver.url, n)
            before = receiver.count
            started = time.perf_counter()
            drain(app)
            elapsed = time.perf_counter() - started
            delivered = db.session.scalar(select(func.count()).select_from(WebhookDelivery)
                                          .where(WebhookDelivery.status == DELIVERED))
            # A figure only counts if the work was all done, each delivery exactly once.
            if delivered != n or receiver.count - before != n:
                raise RuntimeError(f"bench delivered {delivered} of {n}, receiver saw {receiver.count - before}")
            return n / elapsed
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def rows(quick: bool, echo: Callable[[str], None] = print) -> list[dict]:
    """Deliveries per second, ours beside the naive way; `quick` uses a smaller backlog (noisier)."""
    n = 300 if quick else 2000
    with _Receiver() as receiver, tempfile.TemporaryDirectory(prefix="wms-bench-webhooks-") as tmp:
        (Path(tmp) / "ours").mkdir()
        (Path(tmp) / "naive").mkdir()
        ours = _rate(Path(tmp) / "ours", receiver, n, _ours)
        naive = _rate(Path(tmp) / "naive", receiver, n, _naive)
    return [{
        "what": f"webhook deliveries from a backlog of {n} to a local receiver (SQLite)",
        "ours": round(ours, 1),
        "naive": round(naive, 1),
        "unit": "deliveries/s",
        "target": None,
        "notes": f"ours: one claim + one record commit per round of up to {delivery.LANES * delivery.PER_LANE}, "
                 f"{delivery.LANES} keep-alive connections per "
                 "endpoint (one lane per order, so order holds); naive: one commit and one new TCP connection "
                 "per delivery",
    }]


if __name__ == "__main__":  # python -m wms.bench.webhooks [--quick]
    for row in rows("--quick" in sys.argv):
        print(row)
