"""Turning what a view returns into a response, and values into the contract's JSON forms."""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import Response, jsonify


def to_response(result: Any, status: int) -> Response:
    """A view may return a Response, a JSON-able value, or (value, status)."""
    if isinstance(result, Response):
        return result
    if isinstance(result, tuple):
        result, status = result
    response = jsonify(result)
    response.status_code = status
    return response


def iso(moment: datetime | None) -> str | None:
    """ISO-8601 UTC with a Z, as the contract writes times; SQLite hands back naive UTC values."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def iso_date(day: date | None) -> str | None:
    return day.isoformat() if day else None
