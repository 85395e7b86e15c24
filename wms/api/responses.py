"""Turning what a view returns into a response, and values into the contract's JSON forms."""
from __future__ import annotations

from typing import Any

from flask import Response

from wms.serialise import dumps


def to_response(result: Any, status: int) -> Response:
    """A view may return a Response, a JSON-able value, or (value, status)."""
    if isinstance(result, Response):
        return result
    if isinstance(result, tuple):
        result, status = result
    return json_response(result, status)


def json_response(body: Any, status: int) -> Response:
    """A JSON reply, serialised the one way every reply is (wms/serialise.py)."""
    return Response(dumps(body), status=status, mimetype="application/json")
