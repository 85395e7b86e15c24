"""Domain errors: what went wrong in warehouse terms; the API layer maps each kind to a status code."""
from __future__ import annotations

from typing import Any


class WmsError(Exception):
    """Base of every error a client can cause; `code` is the machine-readable reason."""

    code = "bad_request"

    def __init__(self, message: str, code: str | None = None, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or {}


class BadRequest(WmsError):
    """The request cannot be read at all (not JSON, a missing header)."""

    code = "bad_request"


class NotFound(WmsError):
    """A named thing (SKU, bin, order) does not exist."""

    code = "not_found"


class Conflict(WmsError):
    """The request is well-formed but the warehouse's state does not allow it now."""

    code = "conflict"


class Invalid(WmsError):
    """The request is well-formed JSON but its content breaks a rule."""

    code = "validation_error"


class Unauthorized(WmsError):
    code = "unauthorized"


class Forbidden(WmsError):
    code = "forbidden"


class UnsupportedMediaType(WmsError):
    """The request has a body in a form the API does not read (anything but JSON)."""

    code = "unsupported_media_type"


class Busy(WmsError):
    """A transaction kept losing lock races; the client may retry."""

    code = "busy"
