"""Scheduled receiving work."""
from __future__ import annotations

from wms.pipeline import pipeline_of
from wms.receiving.domain import ClearExpiredHolds
from wms.scheduler import Jobs

# This package's jobs, declared below; create_app registers them (wms/wiring.py).
JOBS = Jobs()
job = JOBS.job


@job("forget-expired-putaway-holds", singleton=True, minutes=15)
def forget_expired_putaway_holds(app) -> int:
    """Expired holds already count for nothing; removing them keeps the hold table as small as the work."""
    return pipeline_of(app).handle(ClearExpiredHolds())
