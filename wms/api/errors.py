"""Domain errors and HTTP errors as the contract's `{"error": {code, message, details}}`."""
from __future__ import annotations

import logging

from flask import Response
from werkzeug.exceptions import HTTPException

from wms import errors
from wms.serialise import dumps

log = logging.getLogger(__name__)

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "object"},
            },
            "required": ["code", "message", "details"],
        }
    },
    "required": ["error"],
}


def status_for(err: errors.WmsError) -> int:
    return err.status


def error_body(err: errors.WmsError) -> dict:
    return err.body()


def _json(code: str, message: str, status: int, details: dict | None = None) -> Response:
    return Response(dumps({"error": {"code": code, "message": message, "details": details or {}}}), status=status,
                    mimetype="application/json")


def handle_wms_error(err: errors.WmsError) -> Response:
    response = Response(dumps(error_body(err)), status=status_for(err), mimetype="application/json")
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="wms"'
    return response


def handle_http_error(err: HTTPException) -> Response:
    code = (err.name or "error").lower().replace(" ", "_")
    return _json(code, err.description or err.name, err.code or 500)


def handle_unexpected(err: Exception) -> Response:
    log.exception("unhandled error")
    return _json("internal_error", "the server failed; the error was logged", 500)


def init_app(app) -> None:
    app.register_error_handler(errors.WmsError, handle_wms_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
