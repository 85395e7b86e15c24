"""Fixtures for webhook tests: a local receiver, a clock the test moves, and a subscribed endpoint."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import Api, configure
from tests.integration.webhooks.receiver import Receiver
from wms import config
from wms.db import db
from wms.unit_of_work import atomic
from wms.webhooks import delivery, outbox
from wms.webhooks.courier import Courier, Report
from wms.webhooks.domain import EVENT_TYPES
from wms.webhooks.models import DELIVERING, PENDING, WebhookDelivery, WebhookQueue

# Short enough that a "slow" receiver costs the test well under a second per timeout. Only the
# tests that script a slow answer use it: on a loaded two-core CI machine an ordinary answer can
# take longer than this, and an exact attempt count would then fail for the wrong reason.
TIMEOUT_S = 0.3
# What every other test waits for an answer: long enough that a busy machine never times out.
PATIENT_TIMEOUT_S = 10.0


class SimClock:
    """The scheduling clock delivery reads: it moves only when the test says so."""

    def __init__(self):
        # A little ahead of the real clock, so what the test writes next (stamped by it) is already due.
        self.now = datetime.now(UTC) + timedelta(seconds=2)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)

    def to(self, moment: datetime) -> None:
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        self.now = max(self.now, moment)


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def clock() -> SimClock:
    return SimClock()


@pytest.fixture
def courier():
    c = Courier()
    yield c
    c.close()


def subscribe(app, url: str, events: list[str], role: str = "storefront") -> dict:
    configure(app, WMS_WEBHOOK_TIMEOUT_SECONDS=PATIENT_TIMEOUT_S)
    r = Api(app, role).post("/webhooks", {"url": url, "events": events})
    assert r.status_code == 201, r.json
    return r.json


@pytest.fixture
def hooked(any_app, receiver):
    """The app (on each backend) with the receiver subscribed to every event; returns (app, endpoint reply)."""
    created = subscribe(any_app, receiver.url, list(EVENT_TYPES))
    receiver.secret = created["secret"]
    return any_app, created


def emit_events(app, events: list[tuple[str, str, dict]]) -> list[str]:
    """Write events in one transaction, as a feature's service would; returns their webhook-ids."""

    @atomic
    def write():
        return [outbox.emit(kind, aggregate, data) for kind, aggregate, data in events]

    with app.app_context():
        return write()


def next_due(app, after: datetime) -> datetime | None:
    """The next time after `after` when a queue comes due: its head's retry, or a lapsed lease."""
    with app.app_context():
        due = db.session.scalar(select(func.min(WebhookQueue.next_attempt_at))
                                .where(WebhookQueue.next_attempt_at > after))
        db.session.rollback()
    return None if due is None else due if due.tzinfo else due.replace(tzinfo=UTC)


def unfinished(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(WebhookDelivery)
                                  .where(WebhookDelivery.status.in_((PENDING, DELIVERING))))
        db.session.rollback()
    return count


def settle(app, courier: Courier, clock: SimClock, max_rounds: int = 300) -> Report:
    """Run delivery rounds, moving the clock to the next due time whenever nothing is due, until all finish."""
    total = Report()
    for _ in range(max_rounds):
        with app.app_context():
            report = delivery.deliver_due(courier, config.settings(), now=clock)
        total.add(report)
        if report.claimed:
            continue
        if not unfinished(app):
            return total
        due = next_due(app, clock.now)
        if due is None:
            raise AssertionError("deliveries are due but none can be claimed")
        clock.to(due)
    raise AssertionError(f"deliveries still unfinished after {max_rounds} rounds: {total}")


def run_threads(target, count: int, timeout: float = 300) -> list[BaseException]:
    """Run target(0..count-1) in threads that start together; returns what they raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def guarded(i):
        try:
            start.wait()
            target(i)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread, which fails with it
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return errors
