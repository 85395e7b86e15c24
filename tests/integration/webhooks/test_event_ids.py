"""Public event ids: the webhook-id every attempt of an event carries."""
from __future__ import annotations

import re
import time

from wms.webhooks.outbox import new_msg_id

ULID = re.compile(r"^msg_[0-7][0-9A-HJKMNP-TV-Z]{25}$")  # 128 bits in 26 Crockford base32 characters


def test_ids_are_msg_and_a_ulid_unique_and_ordered_by_time():
    ids = [new_msg_id() for _ in range(20000)]
    assert all(ULID.match(i) for i in ids)
    assert len(set(ids)) == len(ids)
    earlier = new_msg_id()
    time.sleep(0.002)
    assert new_msg_id()[4:14] > earlier[4:14]  # the first 10 characters are the milliseconds
