"""Domain errors: what went wrong in warehouse terms, each kind with the HTTP status it is answered with."""
from __future__ import annotations

from typing import Any


class WmsError(Exception):
    """Base of every error a client can cause; `code` is the machine-readable reason."""

    code = "bad_request"
    status = 400

    def __init__(self, message: str, code: str | None = None, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or {}

    def body(self) -> dict:
        """The contract's error reply: `{"error": {code, message, details}}`."""
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class BadRequest(WmsError):
    """The request cannot be read at all (not JSON, a missing header)."""

    code = "bad_request"
    status = 400


class NotFound(WmsError):
    """A named thing (SKU, bin, order) does not exist."""

    code = "not_found"
    status = 404


class Conflict(WmsError):
    """The request is well-formed but the warehouse's state does not allow it now."""

    code = "conflict"
    status = 409


class Invalid(WmsError):
    """The request is well-formed JSON but its content breaks a rule."""

    code = "validation_error"
    status = 422


class Unauthorized(WmsError):
    code = "unauthorized"
    status = 401


class Forbidden(WmsError):
    code = "forbidden"
    status = 403


class UnsupportedMediaType(WmsError):
    """The request has a body in a form the API does not read (anything but JSON)."""

    code = "unsupported_media_type"
    status = 415


class Busy(WmsError):
    """A transaction kept losing lock races; the client may retry."""

    code = "busy"
    status = 503
