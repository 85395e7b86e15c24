"""`wms worker` processes against a real receiver: one is SIGKILLed after sending, the next redelivers.

The kill lands while the receiver holds the request, so the event has left the worker but its
outcome was never recorded. The lease, no longer renewed, must then run out and a second worker
process must send the same webhook-id again, within about 30 s of the death even at the default
15 s request timeout; the receiver applies it once.
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
from wms.db import db
from wms.pipeline import pipeline_of
from wms.unit_of_work import atomic
from wms.webhooks import delivery, outbox
from wms.webhooks.domain import Subscribe
from wms.webhooks.models import WebhookDelivery

pytestmark = pytest.mark.slow

# Beyond the lease, the second worker's start and the delivery job's 1 s tick; the issue asks for about 30 s.
TAKEOVER_BOUND_S = delivery.LEASE.total_seconds() + 12


def wms(*args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from wms.cli import main; sys.exit(main())", *args]


def start_worker(env: dict, log: Path) -> subprocess.Popen:
    with log.open("w") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(wms("worker"), env=env, stdout=out, stderr=subprocess.STDOUT)


def delivery_rows(app) -> list[WebhookDelivery]:
    with app.app_context():
        rows = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.event_id)).all()
        db.session.expunge_all()
        db.session.rollback()
        return rows


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


def test_killed_worker_leaves_a_lease_and_the_next_worker_redelivers_the_same_id(tmp_path: Path):
    # The default request timeout (15 s): the lease must not depend on it.
    env = {**os.environ, "WMS_DATABASE_URL": f"sqlite:///{tmp_path / 'wms.db'}", "WMS_INSTANCE_PATH": str(tmp_path)}
    env.pop("WMS_WEBHOOK_TIMEOUT_SECONDS", None)
    subprocess.run(wms("init"), env=env, check=True, capture_output=True, timeout=120)
    app = create_app({"WMS_DATABASE_URL": env["WMS_DATABASE_URL"], "WMS_INSTANCE_PATH": str(tmp_path)})
    receiver = Receiver().start()
    receiver.script = ["hold"]
    workers: list[subprocess.Popen] = []
    try:
        with app.app_context():
            endpoint = pipeline_of(app).handle(Subscribe(receiver.url, ("order.shipped",), "e2e"))
            receiver.secret = endpoint.secret
            # A whole lane's run of one order: the old lease covered every send's worst case (about 305 s).
            msg_ids = atomic(lambda: [outbox.emit("order.shipped", "order:1", {"order_id": 1, "n": n})
                                      for n in range(delivery.PER_LANE)])()

        workers.append(start_worker(env, tmp_path / "worker1.log"))
        assert receiver.holding.wait(30), (tmp_path / "worker1.log").read_text()
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(10)
        killed_at = time.monotonic()
        receiver.release.set()  # the receiver finishes with it; nobody is left to hear the 200

        assert {(d.status, d.attempts) for d in delivery_rows(app)} == {("delivering", 0)}

        workers.append(start_worker(env, tmp_path / "worker2.log"))
        receiver.wait_for(delivery.PER_LANE + 1, timeout=TAKEOVER_BOUND_S + 10)
        wait_until(lambda: {d.status for d in delivery_rows(app)} == {"delivered"}, 10,
                   "the redeliveries to be recorded")
    finally:
        for w in workers:
            if w.poll() is None:
                w.terminate()
                w.wait(10)
        receiver.stop()
    assert {(d.attempts, d.last_status_code) for d in delivery_rows(app)} == {(1, 200)}
    assert [s.msg_id for s in receiver.seen] == [msg_ids[0], *msg_ids]
    assert list(receiver.applied) == msg_ids and not receiver.bad
    print(f"\nkilled worker's deliveries sent again {receiver.seen[1].at - killed_at:.1f} s after the kill")
    # The second send came only after the first worker's lease ran out, and soon after its death.
    assert receiver.seen[1].at - receiver.seen[0].at >= delivery.LEASE.total_seconds() - 1
    assert receiver.seen[1].at - killed_at <= TAKEOVER_BOUND_S
