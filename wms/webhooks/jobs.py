"""Scheduled webhook work: draining the outbox every couple of seconds."""
from __future__ import annotations

import logging

from wms import config
from wms.scheduler import Jobs
from wms.webhooks import delivery
from wms.webhooks.courier import Courier, Report

# This package's jobs, declared below; create_app registers them (wms/wiring.py).
JOBS = Jobs()
job = JOBS.job

log = logging.getLogger(__name__)

_COURIER = "wms_webhook_courier"


# A backlog is drained for up to DRAIN_S in one run; the next tick (within a second) starts the next.
DRAIN_S = 10.0


@job("deliver-webhooks", seconds=1)
def deliver_webhooks(app) -> Report:
    """Send due deliveries. Not a singleton: every worker takes part, SKIP LOCKED keeps them apart."""
    # The courier lives as long as the app, so the next tick reuses this one's open connections.
    courier = app.extensions.get(_COURIER)
    if courier is None:
        courier = app.extensions[_COURIER] = Courier()
    report = delivery.drain(courier, config.settings(app), budget_s=DRAIN_S)
    if report.claimed:
        log.info("webhooks: %s", report)
    return report
