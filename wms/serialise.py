"""The one JSON serialiser of replies and the contract's forms of values (times, dates).

Every reply of the API, whether answered now or replayed from the reply store, is these bytes:
compact, fields in the order the contract lists them, ending in a newline.
"""
from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

_ENCODER = json.JSONEncoder(separators=(",", ":"), sort_keys=False)


def dumps(value: Any) -> str:
    """A reply body as text."""
    return _ENCODER.encode(value) + "\n"


def iso(moment: datetime | None) -> str | None:
    """ISO-8601 UTC with a Z, as the contract writes times; SQLite hands back naive UTC values."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def iso_date(day: date | None) -> str | None:
    return day.isoformat() if day else None
