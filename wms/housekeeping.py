"""Jobs that keep the database tidy."""
from __future__ import annotations

import logging

from wms import config
from wms.api import replay
from wms.scheduler import job

log = logging.getLogger(__name__)


@job("forget-old-scan-replies", singleton=True, hours=6)
def forget_old_scan_replies(app) -> int:
    """Scanner replies are kept for replay only as long as a handheld could still retry."""
    removed = replay.forget_older_than(config.settings(app).scan_replay_days)
    if removed:
        log.info("forgot %d scan replies", removed)
    return removed
