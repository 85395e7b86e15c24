"""The OpenAPI 3.1 document, built from the endpoints as they are declared."""
from __future__ import annotations

from collections.abc import Sequence

from wms.api.auth import CSRF_HEADER, SESSION_COOKIE
from wms.api.errors import ERROR_SCHEMA
from wms.api.registry import Operation, Routes
from wms.auth import allowed_roles
from wms.version import __version__

_REASONS = {
    200: "OK", 201: "Created", 400: "The request cannot be read", 401: "No valid credentials",
    403: "The caller's role may not do this (or a session write came without its CSRF token)", 404: "Not found",
    409: "Conflicts with the warehouse's state", 415: "The body is not declared application/json",
    422: "The content breaks a rule", 503: "The database stayed busy; retry",
}

# A bearer token, or the screens' session cookie; a write on a session also sends the session's CSRF token.
_READ_SECURITY = [{"bearer": []}, {"session": []}]
_WRITE_SECURITY = [{"bearer": []}, {"session": [], "csrf": []}]


def _parameters(op: Operation) -> list[dict]:
    params = []
    for name, conv in op.path_params:
        schema = {"type": "integer", "minimum": 0} if conv == "int" else {"type": "string", "minLength": 1}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    for name, schema in op.query.items():
        params.append({"name": name, "in": "query", "required": name in op.required_query, "schema": schema})
    for name, schema in op.headers.items():
        params.append({"name": name, "in": "header", "required": schema.get("x-required", False),
                       "schema": {k: v for k, v in schema.items() if k != "x-required"}})
    return params


def _operation(op: Operation) -> dict:
    responses: dict[str, dict] = {}
    for status, schema in op.responses.items():
        # An endpoint may answer in several media types (a label as ZPL or PDF, chosen by a parameter).
        types = (op.content_type,) if isinstance(op.content_type, str) else op.content_type
        types = types if 200 <= status < 300 else ("application/json",)
        entry: dict = {"description": _REASONS.get(status, "OK")}
        if schema is not None or types != ("application/json",):
            entry["content"] = {t: {"schema": schema or {}} for t in types}
        responses[str(status)] = entry
    for status in sorted(set(op.errors) | {503}):
        responses[str(status)] = {
            "description": _REASONS[status],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    out = {
        "operationId": op.rule.strip("/").replace("/", "_").replace("<", "").replace(">", "").replace(":", "_")
        + "_" + op.method.lower(),
        "summary": op.summary,
        "tags": [op.tag],
        "security": _WRITE_SECURITY if op.writes else _READ_SECURITY,
        "x-roles": allowed_roles(op.roles),
        "parameters": _parameters(op),
        "responses": responses,
    }
    if op.description:
        out["description"] = op.description
    if op.body is not None:
        # A body that requires no field may be left out (CONTRACT.md: "takes an empty body or none").
        out["requestBody"] = {"required": bool(op.body.get("required")),
                              "content": {"application/json": {"schema": op.body}}}
    return out


def document(routes: Sequence[Routes]) -> dict:
    """The document of these features' endpoints: the same schemas that validate their requests."""
    paths: dict[str, dict] = {}
    for op in (op for feature in routes for op in feature.operations):
        paths.setdefault(op.openapi_path, {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {"title": "wms", "version": __version__,
                 "description": "Warehouse and order-fulfillment service. Every write's body, "
                                "when it has one, is JSON, declared `application/json` (a UTF-8 `charset` "
                                "may be named): any other Content-Type is refused with 415 and changes nothing."},
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE,
                            "description": "The signed-in session of the screens (/ui/login)."},
                "csrf": {"type": "apiKey", "in": "header", "name": CSRF_HEADER,
                         "description": "The session's CSRF token, which its screens carry in their page; "
                                        "any write (POST, PUT, PATCH, DELETE) on a session needs it."},
            },
        },
    }
