"""`wms worker` processes against a real receiver: one is SIGKILLed after sending, the next redelivers.

The kill lands while the receiver holds the request, so the event has left the worker but its
outcome was never recorded. The lease must then run out and a second worker process must send the
same webhook-id again; the receiver applies it once.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.integration.webhooks.receiver import Receiver
from wms import create_app
from wms.db import atomic, db
from wms.webhooks import outbox, services
from wms.webhooks.models import WebhookDelivery

pytestmark = pytest.mark.slow

TIMEOUT_S = "1"  # the lease is then 2 x 1 s + 5 s margin for a one-delivery batch


def wms(*args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from wms.cli import main; sys.exit(main())", *args]


def start_worker(env: dict, log: Path) -> subprocess.Popen:
    with log.open("w") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(wms("worker"), env=env, stdout=out, stderr=subprocess.STDOUT)


def delivery_row(app) -> WebhookDelivery:
    with app.app_context():
        row = db.session.scalars(select(WebhookDelivery)).one()
        db.session.expunge(row)
        db.session.rollback()
        return row


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


def test_killed_worker_leaves_a_lease_and_the_next_worker_redelivers_the_same_id(tmp_path: Path):
    env = {**os.environ, "WMS_DATABASE_URL": f"sqlite:///{tmp_path / 'wms.db'}", "WMS_INSTANCE_PATH": str(tmp_path),
           "WMS_WEBHOOK_TIMEOUT_SECONDS": TIMEOUT_S}
    subprocess.run(wms("init"), env=env, check=True, capture_output=True, timeout=120)
    app = create_app({"WMS_DATABASE_URL": env["WMS_DATABASE_URL"], "WMS_INSTANCE_PATH": str(tmp_path)})
    receiver = Receiver().start()
    receiver.script = ["hold"]
    workers: list[subprocess.Popen] = []
    try:
        with app.app_context():
            endpoint = services.create_endpoint(receiver.url, ["order.shipped"], "e2e")
            receiver.secret = endpoint.secret
            msg_id = atomic(lambda: outbox.emit("order.shipped", "order:1", {"order_id": 1}))()

        workers.append(start_worker(env, tmp_path / "worker1.log"))
        assert receiver.holding.wait(30), (tmp_path / "worker1.log").read_text()
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(10)
        receiver.release.set()  # the receiver finishes with it; nobody is left to hear the 200

        leased = delivery_row(app)
        assert (leased.status, leased.attempts, leased.delivered_at) == ("delivering", 0, None)

        workers.append(start_worker(env, tmp_path / "worker2.log"))
        receiver.wait_for(2, timeout=30)
        wait_until(lambda: delivery_row(app).status == "delivered", 10, "the redelivery to be recorded")
    finally:
        for w in workers:
            if w.poll() is None:
                w.terminate()
                w.wait(10)
        receiver.stop()
    done = delivery_row(app)
    assert done.attempts == 1 and done.last_status_code == 200
    assert [s.msg_id for s in receiver.seen] == [msg_id, msg_id]
    assert list(receiver.applied) == [msg_id] and not receiver.bad
    # The second send came only after the first worker's lease ran out.
    assert receiver.seen[1].at - receiver.seen[0].at >= 2 * float(TIMEOUT_S)
