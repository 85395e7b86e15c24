"""Jobs that keep the database tidy."""
from __future__ import annotations

import logging

from wms import replies
from wms.scheduler import job

log = logging.getLogger(__name__)


@job("forget-old-scan-replies", singleton=True, hours=6)
def forget_old_scan_replies(app) -> int:
    """Replies are kept for replay only as long as a handheld or a storefront could still retry."""
    removed = replies.forget_older_than(app.config["WMS_SCAN_REPLAY_DAYS"])
    if removed:
        log.info("forgot %d stored replies", removed)
    return removed
