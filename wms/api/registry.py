"""Declaring an endpoint once: its route, roles, request and response schemas, and OpenAPI entry.

The same schema that the OpenAPI document publishes is the one that validates each request, so the
document cannot drift from what the server accepts.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, g, request

from wms.api import idempotency, pagination, replay
from wms.api.auth import authenticate
from wms.api.responses import to_response
from wms.api.validation import check_media_type, parse_body, parse_query, unstorable
from wms.errors import Forbidden, NotFound, Unauthorized, WmsError

bp = Blueprint("api", __name__, url_prefix="/api/v1")

_MAX_INT_PATH = 2**31 - 1
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The body of a write declared without fields: none, an empty one and `{}` alike; any field is unknown (422).
NO_FIELDS = {"type": "object", "properties": {}, "additionalProperties": False}
_FLASK_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


@dataclass
class Operation:
    method: str
    rule: str
    roles: tuple[str, ...]
    summary: str
    tag: str
    body: dict | None = None
    query: dict[str, dict] = field(default_factory=dict)
    required_query: tuple[str, ...] = ()
    responses: dict[int, dict | None] = field(default_factory=dict)
    errors: tuple[int, ...] = ()
    headers: dict[str, dict] = field(default_factory=dict)
    content_type: str | tuple[str, ...] = "application/json"
    description: str = ""

    @property
    def writes(self) -> bool:
        return self.method in WRITE_METHODS

    @property
    def openapi_path(self) -> str:
        return _FLASK_PARAM.sub(r"{\2}", self.rule)

    @property
    def path_params(self) -> list[tuple[str, str]]:
        return [(name, conv or "string") for conv, name in _FLASK_PARAM.findall(self.rule)]


OPERATIONS: list[Operation] = []


def endpoint(
    method: str,
    rule: str,
    *,
    roles: tuple[str, ...],
    summary: str,
    tag: str,
    body: dict | None = None,
    query: dict[str, dict] | None = None,
    required_query: tuple[str, ...] = (),
    response: dict | None = None,
    status: int = 200,
    also: dict[int, dict] | None = None,
    errors: tuple[int, ...] = (),
    paginated: bool = False,
    scan: bool = False,
    combined: bool = False,
    idempotent: bool = False,
    headers: dict[str, dict] | None = None,
    content_type: str | tuple[str, ...] = "application/json",
    description: str = "",
) -> Callable:
    """Register a view under /api/v1 with its contract.

    The view is called with the validated `body` (when the endpoint takes one), `query` (a dict of
    typed parameters) and the path parameters. It returns a JSON-able dict, or a Response.
    `scan=True` adds the optional client-made `scan_id` whose reply is stored and replayed; with
    `combined=True` concurrent scans are committed together: the view is called with `scans`, a list of
    `replay.Scan` (body, user, device), and returns a list in their order of results or the WmsErrors
    refusing them (wms/api/replay.py).
    `idempotent=True` requires an Idempotency-Key header and replays the stored reply to retries; the
    view is then called with `bodies`, the bodies of concurrent requests of the same caller, and returns
    a list in their order of results or the WmsErrors refusing them (wms/api/idempotency.py).
    A body whose schema requires no field may be empty or left out, and is then `{}`; a write declared
    without a body still reads one, so that a field sent to it is refused, not ignored.
    """
    query = dict(query or {})
    takes_body = body is not None
    if body is None and method.upper() in WRITE_METHODS:
        body = NO_FIELDS
    if paginated:
        query.update(pagination.QUERY)
        response = pagination.page_schema(response or {})
    if scan and body is not None:
        body = replay.with_scan_id(body)
    if idempotent:
        headers = {**(headers or {}), idempotency.HEADER: {"type": "string", "minLength": 1, "maxLength": 255,
                                                           "x-required": True}}
        errors = tuple(set(errors) | {400, 409, 422})
    responses: dict[int, dict | None] = {status: response}
    responses.update(also or {})
    op = Operation(
        method=method.upper(), rule=rule, roles=tuple(roles), summary=summary, tag=tag, body=body,
        query=query, required_query=required_query, responses=responses,
        errors=tuple(sorted(set(errors) | {401, 403} | ({400, 422} if body or query else set()))),
        headers=headers or {}, content_type=content_type, description=description,
    )
    if op.path_params:
        op.errors = tuple(sorted(set(op.errors) | {404}))
    if op.writes:
        op.errors = tuple(sorted(set(op.errors) | {415}))
    OPERATIONS.append(op)

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def handler(**path):
            # Combined writes check their callers' tokens again inside their own transaction, so they may
            # take a token from memory; should such a request be refused before that, a revoked token
            # must still be told 401 first.
            principal = authenticate(vouched=idempotent or combined)
            try:
                return serve(principal, path)
            except WmsError as err:
                if principal.vouched and not isinstance(err, Unauthorized):
                    authenticate()
                raise

        def serve(principal, path):
            if not principal.may(op.roles):
                raise Forbidden(f"the {principal.role} role may not {summary[0].lower() + summary[1:]}")
            if op.writes:
                # Here, before the Idempotency-Key and scan_id paths: a 415 is no outcome to replay.
                check_media_type()
            for name, conv in op.path_params:
                if conv == "int" and path[name] > _MAX_INT_PATH:
                    raise NotFound(f"no {name} {path[name]}")
                # Text no database can hold names nothing; PostgreSQL would fail on it, not find no row.
                if conv != "int" and unstorable(path[name]):
                    raise NotFound(f"no {name} {path[name]!r}")
            g.principal = principal
            kwargs = dict(path)
            if op.query:
                kwargs["query"] = parse_query(op.query, op.required_query)
            if idempotent:
                # Parsed before any transaction; a refused body is the reply stored for its key.
                try:
                    body, refusal = parse_body(op.body), None
                except WmsError as err:
                    body, refusal = None, err
                return idempotency.run(f"{principal.role}:{principal.name}", principal.token_hash, body, refusal,
                                       lambda bodies: view(**kwargs, bodies=bodies), status)
            if op.body is not None:
                payload = parse_body(op.body)
                if scan and combined:
                    return replay.run_combined(op, principal.token_hash, payload,
                                               lambda body: replay.Scan(body, principal.name, device()),
                                               lambda scans: view(**kwargs, scans=scans), status)
                if scan:
                    return replay.run_scan(op, payload, lambda data: _call(view, kwargs, data), status)
                if takes_body:
                    kwargs["body"] = payload
            return to_response(view(**kwargs), status)

        bp.add_url_rule(rule, endpoint=f"{view.__module__.replace('.', '_')}__{view.__name__}", view_func=handler,
                        methods=[op.method])
        return view

    return decorate


def _call(view: Callable, kwargs: dict, body: dict) -> Any:
    return view(**kwargs, body=body)


def current_principal():
    return g.principal


def device() -> str | None:
    """The handheld or station a request came from, as its client names itself."""
    value = request.headers.get("X-WMS-Device")
    return value[:100] if value else None
