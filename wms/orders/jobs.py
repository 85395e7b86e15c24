"""Scheduled order work."""
from __future__ import annotations

import logging

from wms.orders.domain import ServeBackorders
from wms.pipeline import pipeline_of
from wms.scheduler import Jobs

# This package's jobs, declared below; create_app registers them (wms/wiring.py).
JOBS = Jobs()
job = JOBS.job

log = logging.getLogger(__name__)


@job("serve-backorders", singleton=True, minutes=1)
def serve_backorders(app) -> int:
    """Stock arrivals serve waiting orders at once, up to a limit; this sweep serves whatever is left."""
    served = pipeline_of(app).handle(ServeBackorders())
    if served:
        log.info("allocated %d backordered orders", served)
    return served
