"""The OpenAPI 3.1 document, built from the endpoints as they are declared."""
from __future__ import annotations

from flask import current_app

from wms.api.errors import ERROR_SCHEMA
from wms.api.registry import OPERATIONS, Operation

_REASONS = {
    200: "OK", 201: "Created", 400: "The request cannot be read", 401: "No valid credentials",
    403: "The caller's role may not do this", 404: "Not found", 409: "Conflicts with the warehouse's state",
    422: "The content breaks a rule", 503: "The database stayed busy; retry",
}


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
        content_type = op.content_type if 200 <= status < 300 else "application/json"
        entry: dict = {"description": _REASONS.get(status, "OK")}
        if schema is not None or content_type != "application/json":
            entry["content"] = {content_type: {"schema": schema or {}}}
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
        "security": [{"bearer": []}],
        "x-roles": list(op.roles),
        "parameters": _parameters(op),
        "responses": responses,
    }
    if op.description:
        out["description"] = op.description
    if op.body is not None:
        out["requestBody"] = {"required": True, "content": {"application/json": {"schema": op.body}}}
    return out


def document() -> dict:
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        paths.setdefault(op.openapi_path, {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {"title": "wms", "version": current_app.config.get("WMS_VERSION", "0.1.0"),
                 "description": "Warehouse and order-fulfillment service. See CONTRACT.md."},
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
