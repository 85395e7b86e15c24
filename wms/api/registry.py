"""Declaring an endpoint once: its route, roles, request and response schemas, and OpenAPI entry.

The same schema that the OpenAPI document publishes is the one that validates each request, so the
document cannot drift from what the server accepts.

Each feature's views module keeps its own `Routes` and declares its endpoints on it; declaring
registers nothing. `create_app` hands the list of every feature's routes (wms/wiring.py) to
`wms.api.blueprint`, which puts them on a blueprint of that app's own.
"""
from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, current_app, g, request

from wms import replies
from wms.api import pagination
from wms.api.auth import authenticate
from wms.api.responses import to_response
from wms.api.validation import check_media_type, parse_body, parse_query, unstorable
from wms.auth import Principal
from wms.errors import BadRequest, Forbidden, Invalid, NotFound, Unauthorized, WmsError
from wms.pipeline import Pipeline, Reply, pipeline_of

_MAX_INT_PATH = 2**31 - 1
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The body of a write declared without fields: none, an empty one and `{}` alike; any field is unknown (422).
NO_FIELDS = {"type": "object", "properties": {}, "additionalProperties": False}
_FLASK_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
SCAN_ID_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[\\x21-\\x7e]+$"}


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


@dataclass(frozen=True)
class Route:
    operation: Operation
    name: str
    handler: Callable


class Routes:
    """One feature's endpoints, in the order its views module declares them."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    @property
    def operations(self) -> list[Operation]:
        return [r.operation for r in self.routes]

    def register(self, bp: Blueprint) -> None:
        for r in self.routes:
            bp.add_url_rule(r.operation.rule, endpoint=r.name, view_func=r.handler, methods=[r.operation.method])

    def endpoint(self, method: str, rule: str, **contract: Any) -> Callable:
        """Declare a view as an endpoint under /api/v1 with its contract (see `declare`)."""

        def decorate(view: Callable) -> Callable:
            op, handler = declare(method, rule, view, **contract)
            self.routes.append(Route(op, f"{view.__module__.replace('.', '_')}__{view.__name__}", handler))
            return view

        return decorate


def declare(
    method: str,
    rule: str,
    view: Callable,
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
    idempotent: bool = False,
    headers: dict[str, dict] | None = None,
    content_type: str | tuple[str, ...] = "application/json",
    description: str = "",
) -> tuple[Operation, Callable]:
    """The operation a view serves, and the Flask view function that serves it.

    The view is called with the validated `body` (when the endpoint takes one), `query` (a dict of
    typed parameters) and the path parameters. A read returns a JSON-able dict, or a Response. A write
    is also given `send`, which hands a command to the pipeline (wms/pipeline.py) for this caller, with
    this endpoint's status and replay key, and returns the reply.
    `scan=True` adds the optional client-made `scan_id`, `idempotent=True` requires an Idempotency-Key
    header: either way the reply is stored and replayed to retries (wms/replies.py).
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
        body = {**body, "properties": {**body.get("properties", {}), "scan_id": SCAN_ID_SCHEMA}}
    if idempotent:
        headers = {**(headers or {}), replies.IDEMPOTENCY_HEADER: {"type": "string", "minLength": 1, "maxLength": 255,
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
    sends = "send" in inspect.signature(view).parameters

    @functools.wraps(view)
    def handler(**path):
        # Writes check their callers' tokens again inside their own transaction (the pipeline), so they
        # may take a token from memory; should such a request be refused before that, a revoked token
        # must still be told 401 first.
        principal = authenticate(vouched=op.writes)
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
        if not op.writes:
            return to_response(view(**kwargs), status)
        pipeline = pipeline_of(current_app)
        if idempotent:
            key = replies.idempotency_key(f"{principal.role}:{principal.name}", _idempotency_key(),
                                          request.method, request.path, request.get_data(cache=True))
            try:
                payload = parse_body(op.body)
            except WmsError as err:
                # A refused body is the reply stored for its key, like any other.
                return _response(pipeline.refuse(err, principal, key), status)
        else:
            payload = parse_body(op.body)
            scan_id = payload.pop("scan_id", None) if scan else None
            key = replies.scan_key(scan_id, f"{op.method} {op.rule}", payload) if scan_id else None
        if takes_body:
            kwargs["body"] = payload
        if sends:
            kwargs["send"] = Sender(pipeline, principal, status, key, device())
        return _response(view(**kwargs), status)

    return op, handler


@dataclass(frozen=True)
class Sender:
    """What a write view sends its command with: the pipeline, bound to this request's caller, status and key."""

    pipeline: Pipeline
    caller: Principal
    status: int
    key: replies.Key | None
    device: str | None

    def __call__(self, command: Any, shape: Callable[[Any], Any]) -> Reply:
        return self.pipeline.send(command, self.caller, shape=shape, status=self.status, key=self.key)


def _response(result: Any, status: int) -> Response:
    if isinstance(result, Reply):
        response = Response(result.body, status=result.status, mimetype="application/json")
        if result.status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="wms"'
        return response
    return to_response(result, status)


def _idempotency_key() -> str:
    key = request.headers.get(replies.IDEMPOTENCY_HEADER, "")
    if not key:
        raise BadRequest(f"send an {replies.IDEMPOTENCY_HEADER} header so that a retried request cannot create a "
                         "second order", code="idempotency_key_required")
    if len(key) > 255 or not key.isprintable():
        raise Invalid(f"the {replies.IDEMPOTENCY_HEADER} must be at most 255 printable characters",
                      code="invalid_idempotency_key")
    return key


def current_principal():
    return g.principal


def device() -> str | None:
    """The handheld or station a request came from, as its client names itself."""
    value = request.headers.get("X-WMS-Device")
    return value[:100] if value else None
