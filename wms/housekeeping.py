"""Jobs that keep the database tidy."""
from __future__ import annotations

import logging

from wms import config, replies
from wms.scheduler import Jobs

# This package's jobs, declared below; create_app registers them (wms/wiring.py).
JOBS = Jobs()
job = JOBS.job

log = logging.getLogger(__name__)


@job("forget-old-scan-replies", singleton=True, hours=6)
def forget_old_scan_replies(app) -> int:
    """Replies are kept for replay only as long as a handheld or a storefront could still retry."""
    removed = replies.forget_older_than(config.settings(app).scan_replay_days)
    if removed:
        log.info("forgot %d stored replies", removed)
    return removed
