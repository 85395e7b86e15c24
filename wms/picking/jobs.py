"""Scheduled picking work: releasing waves on the WMS_AUTO_WAVE cron schedule, when one is set."""
from __future__ import annotations

import logging

from wms import config
from wms.errors import Conflict
from wms.picking import waves
from wms.picking.domain import ReleaseWave
from wms.pipeline import pipeline_of
from wms.scheduler import Jobs

# This package's jobs, declared below; create_app registers them (wms/wiring.py).
JOBS = Jobs()
job = JOBS.job

log = logging.getLogger(__name__)


@job("release-wave", singleton=True, cron_setting="auto_wave")
def release_wave(app) -> int | None:
    """Release every allocated order waiting, as POST /waves with no limits would; returns the wave id."""
    try:
        wave = pipeline_of(app).handle(ReleaseWave(waves.plan_wave({}, config.settings(app)), "scheduler"))
    except Conflict as err:
        # Nothing waiting (or no layout yet) is an ordinary tick, not a failure.
        log.info("no wave released: %s", err.message)
        return None
    log.info("released wave %d", wave.id)
    return wave.id
