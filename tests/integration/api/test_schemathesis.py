"""Property-based fuzzing of the whole API against its own OpenAPI document, on SQLite and PostgreSQL.

Every operation the document lists is called with generated valid and invalid requests as admin. A
500, an undocumented status or content type, a body that breaks its documented schema, or invalid
data that the server accepts, fails the run. PostgreSQL gets its own run because it refuses NUL
characters and out-of-range integers where SQLite quietly stores them.

The schema is loaded from the document up front (not through `schemathesis.pytest.from_fixture`,
which breaks on pytest >= 9.2), so each operation is its own test item (on one seeded database per backend);
`test_fuzzed_document_is_the_served_one` keeps that copy honest.
"""
from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import Api, _dispose, _fresh_app
from wms.app import openapi_document

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]

schema = schemathesis.openapi.from_dict(openapi_document())
# Every call carries the admin's real token (below); generating or mutating the Authorization header
# would only test 401s, which test_auth.py does, and would make a negative case look positive.
schema.config.generation.update(with_security_parameters=False)

FUZZ = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _seeded(app) -> dict:
    """A few products, bins and quants, so reads and moves meet real rows and not only 404s."""
    api = Api(app)
    for body in ({"sku": "MUG", "name": "Mug", "weight_g": 350, "gtin": "4006381333931"},
                 {"sku": "CAP", "name": "Cap", "weight_g": 110},
                 {"sku": "TEA", "name": "Tea", "weight_g": 120, "lot_tracked": True}):
        assert api.post("/products", body).status_code == 201
    for code in ("A-1", "A-2", "B-1"):
        assert api.post("/locations", {"code": code, "type": "storage"}).status_code == 201
    for sku, loc, extra in (("MUG", "A-1", {}), ("CAP", "A-2", {}), ("TEA", "B-1", {"lot": "L1"})):
        r = api.post("/adjustments", {"sku": sku, "location": loc, "delta": 50, "reason": "opening", **extra})
        assert r.status_code == 201, r.json
    return api.headers


def _fuzzed_app(backend: str, tmp_path_factory, request):
    # One database per backend for every operation: setting one up per operation cost more than the
    # fuzzing itself, and the rows earlier operations create give later ones more to meet.
    app = _fresh_app(backend, tmp_path_factory.mktemp(f"fuzz-{backend}"), request)
    yield app, _seeded(app)
    _dispose(app)


@pytest.fixture(scope="module")
def sqlite_admin(tmp_path_factory, request):
    yield from _fuzzed_app("sqlite", tmp_path_factory, request)


@pytest.fixture(scope="module")
def pg_admin(tmp_path_factory, request):
    yield from _fuzzed_app("postgresql", tmp_path_factory, request)


# One pytest item per operation, each with its own node id: schemathesis's own parametrize gives every
# operation the same node id, and pytest-xdist, which schedules by node id, then ran only one of them.
OPERATIONS = [result.ok() for result in schema.get_all_operations()]
BY_OPERATION = pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])


def _cases(operation):
    """Valid requests and ones the schema forbids (negative_data_rejection judges the latter)."""
    return st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))


def _fuzz(operation, data, app, headers) -> None:
    case = data.draw(_cases(operation))
    response = case.call_and_validate(app=app, headers=headers, checks=CHECKS)
    assert response.status_code not in (401, 403), "the admin's token must reach the endpoint itself"


@BY_OPERATION
@FUZZ
@given(data=st.data())
def test_api_on_sqlite(operation, data, sqlite_admin):
    _fuzz(operation, data, *sqlite_admin)


@pytest.mark.postgres
@BY_OPERATION
@FUZZ
@given(data=st.data())
def test_api_on_postgresql(operation, data, pg_admin):
    _fuzz(operation, data, *pg_admin)


def test_every_operation_is_fuzzed_under_its_own_node_id():
    ids = [op.label for op in OPERATIONS]
    assert len(ids) == len(set(ids)) == sum(len(methods) for methods in openapi_document()["paths"].values())


def test_fuzzed_document_is_the_served_one(app):
    assert app.test_client().get("/api/v1/openapi.json").json == openapi_document()


def test_document_is_valid_openapi_3_1():
    doc = openapi_document()
    assert doc["openapi"].startswith("3.1")
    validate(doc, cls=OpenAPIV31SpecValidator)


def test_every_api_route_is_documented(app):
    doc = openapi_document()
    documented = {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1/openapi.json":
            continue  # the document does not describe itself
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        routes |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes - documented == set()
    assert documented - routes == set()


# Inputs the fuzzer makes rarely (a NUL inside a path segment) or never (bodies that are not JSON at
# all), pinned here for every operation in the document so that new endpoints are covered too.

def _operations(doc: dict) -> list[tuple[str, str, dict]]:
    return [(method.upper(), path, op) for path, ops in doc["paths"].items() for method, op in ops.items()]


def _with_params(path: str, op: dict, text: str, number: int) -> str:
    for param in op["parameters"]:
        if param["in"] == "path":
            value = str(number) if param["schema"].get("type") == "integer" else text
            path = path.replace("{" + param["name"] + "}", value)
    return "/api/v1" + path


PATH_OPS = [(m, p, op) for m, p, op in _operations(openapi_document())
            if any(param["in"] == "path" for param in op["parameters"])]
BODY_OPS = [(m, p, op) for m, p, op in _operations(openapi_document()) if "requestBody" in op]


@pytest.mark.parametrize("method, path, op", PATH_OPS, ids=[f"{m} {p}" for m, p, _ in PATH_OPS])
def test_path_values_no_database_holds_are_404(any_app, method, path, op):
    api = Api(any_app)
    # PostgreSQL refuses NUL in text and integers beyond bigint; neither can name a stored row.
    url = _with_params(path, op, "A%00B", 2**70)
    r = api.client.open(url, method=method, headers={**api.headers, "Idempotency-Key": "k"}, json={})
    assert r.status_code == 404, (url, r.status_code, r.json)
    assert set(r.json["error"]) == {"code", "message", "details"}


@pytest.mark.parametrize("raw", ["[" * 100_000, '{"x": NaN}', '{"x": -Infinity}'],
                         ids=["nested-too-deep", "NaN", "Infinity"])
@pytest.mark.parametrize("method, path, op", BODY_OPS, ids=[f"{m} {p}" for m, p, _ in BODY_OPS])
def test_bodies_that_are_not_json_are_400(app, method, path, op, raw):
    api = Api(app)
    # Python's json module reads NaN/Infinity and recurses on nesting; JSON has neither, and neither may
    # reach a view (NaN passes every minimum and maximum) or end in a 500.
    url = _with_params(path, op, "A-1", 1)
    r = api.client.open(url, method=method, data=raw, content_type="application/json",
                        headers={**api.headers, "Idempotency-Key": "k"})
    assert r.status_code == 400, (url, r.status_code, r.json)
    assert r.json["error"]["code"] == "invalid_json"


def test_an_integer_written_as_a_float_is_read_as_that_integer(app):
    # JSON Schema counts 2.0 as an integer, so the server accepts it; views must then get 2, not 2.0.
    api = Api(app)
    _seeded(app)
    r = api.post("/moves", {"sku": "MUG", "from_location": "A-1", "to_location": "A-2", "quantity": 2.0})
    assert r.status_code == 201
    # Compared as JSON text: 2 == 2.0 in Python, but a reply saying 2.0 breaks the documented integer.
    assert '"quantity":2,' in r.get_data(as_text=True).replace(" ", "")
    stock = api.get("/stock?sku=MUG&location=A-2").get_data(as_text=True).replace(" ", "")
    assert '"on_hand":2,' in stock
    r = api.post("/moves", {"sku": "MUG", "from_location": "A-1", "to_location": "A-2", "quantity": 2.5})
    assert r.status_code == 422
