"""Who may call what: 401 without valid credentials, 403 for a role an endpoint does not admit.

The role matrix is read from the OpenAPI document's `x-roles`, so every endpoint, present and
future, is checked against what it declares; `test_declared_roles_follow_the_contract` then holds
those declarations to CONTRACT.md section 2.
"""
from __future__ import annotations

import pytest
from sqlalchemy import text
from werkzeug.security import check_password_hash

from tests.conftest import Api, stock_mug
from wms import auth
from wms.app import openapi_document
from wms.auth import ROLES
from wms.db import db

DOC = openapi_document()
OPERATIONS = [(method.upper(), path, op) for path, ops in DOC["paths"].items() for method, op in ops.items()]
IDS = [f"{m} {p}" for m, p, _ in OPERATIONS]


def _url(path: str, op: dict) -> str:
    for param in op["parameters"]:
        if param["in"] == "path":
            value = "1" if param["schema"].get("type") == "integer" else "X-1"
            path = path.replace("{" + param["name"] + "}", value)
    return "/api/v1" + path


def _call(app, method: str, path: str, op: dict, headers: dict):
    # An empty JSON object and an Idempotency-Key get every request past reading, so that what
    # answers is the auth check and not a missing body or header.
    return app.test_client().open(_url(path, op), method=method, json={} if "requestBody" in op else None,
                                  headers={"Idempotency-Key": "auth-test", **headers})


def _assert_error(r, status: int, code: str | None = None):
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True))
    assert set(r.json) == {"error"} and set(r.json["error"]) == {"code", "message", "details"}
    if code:
        assert r.json["error"]["code"] == code


@pytest.mark.parametrize("method, path, op", OPERATIONS, ids=IDS)
def test_missing_invalid_or_malformed_credentials_are_401(app, method, path, op):
    with app.app_context():
        good = auth.create_token("admin", "good")
    for header in (None, "Bearer wms_not-a-real-token", "Bearer " + good + "x", "Basic YWRtaW46YWRtaW4=",
                   "Bearer", "Bearer   ", good, "Token " + good):
        r = _call(app, method, path, op, {} if header is None else {"Authorization": header})
        _assert_error(r, 401, "unauthorized")
        assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_is_401(app):
    api = Api(app, "admin")
    assert api.get("/products").status_code == 200
    with app.app_context():
        db.session.execute(text("UPDATE api_tokens SET revoked = :yes"), {"yes": True})
        db.session.commit()
    _assert_error(api.get("/products"), 401, "unauthorized")


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_token_revoked_after_use_is_401_on_combined_writes_too(backend, tmp_path, request):
    """Orders and moves may take a token seen valid from memory; they check it again in their transaction."""
    from tests.conftest import _dispose, _fresh_app

    app = _fresh_app(backend, tmp_path, request)
    order = {"external_id": "SO-1", "ship_to": {"name": "A", "street1": "1 Main St", "city": "Berlin",
                                                 "postal_code": "10115", "country": "DE"},
             "lines": [{"sku": "MUG", "quantity": 1}]}
    move = {"sku": "MUG", "from_location": "A", "to_location": "B", "quantity": 1}

    def remembered_then_revoked():
        shop, picker = Api(app, "storefront"), Api(app, "picker")
        assert shop.post("/orders", order | {"external_id": f"SO-{shop.token}"},
                         headers={"Idempotency-Key": shop.token}).status_code == 201
        assert picker.post("/moves", move).status_code == 201  # both tokens now remembered
        with app.app_context():
            db.session.execute(text("UPDATE api_tokens SET revoked = :yes WHERE token_hash IN (:a, :b)"),
                               {"yes": True, "a": auth.hash_token(shop.token), "b": auth.hash_token(picker.token)})
            db.session.commit()
        return shop, picker

    try:
        admin = Api(app, "admin")
        admin.post("/products", {"sku": "MUG", "name": "Mug", "weight_g": 350})
        for code in ("A", "B"):
            admin.post("/locations", {"code": code, "type": "storage"})
        admin.post("/adjustments", {"sku": "MUG", "location": "A", "delta": 5, "reason": "stock"})
        # Checked again inside the write's transaction.
        shop, picker = remembered_then_revoked()
        _assert_error(shop.post("/orders", order | {"external_id": "SO-2"}, headers={"Idempotency-Key": "k-2"}),
                      401, "unauthorized")
        _assert_error(picker.post("/moves", move), 401, "unauthorized")
        # Refused before any transaction (no Idempotency-Key, a body that is not JSON): still 401 first.
        shop, picker = remembered_then_revoked()
        _assert_error(shop.post("/orders", order | {"external_id": "SO-3"}), 401, "unauthorized")
        _assert_error(picker.post("/moves", data="not json", content_type="application/json"), 401, "unauthorized")
        with app.app_context():
            orders = db.session.execute(text("SELECT count(*) FROM orders")).scalar()
            moves = db.session.execute(text("SELECT count(*) FROM moves WHERE kind = 'move'")).scalar()
        assert (orders, moves) == (2, 2)  # only the writes made before each revocation
    finally:
        _dispose(app)


@pytest.mark.parametrize("method, path, op", OPERATIONS, ids=IDS)
def test_each_role_gets_exactly_what_the_endpoint_declares(app, method, path, op):
    allowed = set(op["x-roles"])
    assert allowed <= set(ROLES)
    for role in ROLES:
        r = _call(app, method, path, op, Api(app, role).headers)
        if role in allowed:
            assert r.status_code not in (401, 403), (role, r.status_code, r.json)
        else:
            _assert_error(r, 403, "forbidden")


READ_BY_ALL = [("GET", p) for p in ("/products", "/products/{sku}", "/locations", "/locations/{code}",
                                    "/locations/{code}/stock", "/stock", "/inventory", "/layouts/current",
                                    "/warehouse")]


def _roles(method: str, path: str) -> set[str]:
    return set(DOC["paths"][path][method.lower()]["x-roles"])


@pytest.mark.parametrize("method, path", READ_BY_ALL, ids=[f"{m} {p}" for m, p in READ_BY_ALL])
def test_every_role_may_read_the_catalogue_layout_and_stock(method, path):
    assert _roles(method, path) == set(ROLES)


def test_declared_roles_follow_the_contract():
    for method, path, op in OPERATIONS:
        roles = set(op["x-roles"])
        assert "admin" in roles, (method, path)
        if not path.startswith(("/users", "/tokens")):
            assert "supervisor" in roles, (method, path)
        else:
            assert "supervisor" not in roles, (method, path)
        # The storefront writes only orders, webhooks and returns.
        if method != "GET" and not path.startswith(("/orders", "/webhooks", "/returns")):
            assert "storefront" not in roles, (method, path)
    assert {"receiver", "picker"} <= _roles("POST", "/moves")
    assert not {"packer", "storefront"} & _roles("POST", "/moves")


@pytest.fixture
def stocked(app):
    return stock_mug(app)


@pytest.mark.parametrize("role, allowed", [("admin", True), ("supervisor", True), ("receiver", True),
                                           ("picker", True), ("packer", False), ("storefront", False)])
def test_who_may_move_stock(app, stocked, role, allowed):
    caller = Api(app, role)
    r = caller.post("/moves", {"sku": "MUG", "from_location": "A-1", "to_location": "A-2", "quantity": 1})
    on_hand = {s["location"]: s["on_hand"] for s in stocked.get("/stock?sku=MUG").json["items"]}
    if allowed:
        assert r.status_code == 201, r.json
        assert on_hand == {"A-1": 9, "A-2": 1}
    else:
        _assert_error(r, 403, "forbidden")
        assert on_hand == {"A-1": 10}
    # Reading stock and inventory is open to every role, the storefront included.
    assert caller.get("/inventory?sku=MUG").status_code == 200
    assert caller.get("/products/MUG").status_code == 200


def test_tokens_are_stored_only_as_hashes(app):
    with app.app_context():
        token = auth.create_token("storefront", "shop")
        rows = db.session.execute(text("SELECT * FROM api_tokens")).mappings().all()
    secret = token.removeprefix(auth.TOKEN_PREFIX)
    assert len(rows) == 1
    for value in rows[0].values():
        assert secret not in str(value)
    assert rows[0]["token_hash"] == auth.hash_token(token)
    r = app.test_client().get("/api/v1/products", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200


def test_passwords_are_stored_only_as_hashes(app):
    with app.app_context():
        auth.create_user("ana", "picker", "correct horse battery")
        _, generated = auth.create_user("bo", "packer")
        rows = {r["name"]: r for r in db.session.execute(text("SELECT * FROM users")).mappings()}
        for name, password in (("ana", "correct horse battery"), ("bo", generated)):
            assert all(password not in str(v) for v in rows[name].values())
            assert check_password_hash(rows[name]["password_hash"], password)
            assert auth.principal_for_login(name, password).role == rows[name]["role"]
            assert auth.principal_for_login(name, password + "!") is None
        assert auth.principal_for_login("nobody", "correct horse battery") is None


# --- the signed-in session of the screens ---

MOVE = {"sku": "MUG", "from_location": "A-1", "to_location": "A-2", "quantity": 1}


def _signed_in(app, csrf: str | None = None):
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["user"] = {"id": 1, "name": "ana", "role": "supervisor"}
        if csrf is not None:
            sess["csrf_token"] = csrf
    return client


def test_a_session_reads_but_writes_only_with_its_csrf_token(app, stocked):
    """A browser sends the session cookie with any cross-site form; only the page itself knows the token."""
    client = _signed_in(app, csrf="t0ken")
    assert client.get("/api/v1/stock?sku=MUG").status_code == 200
    for headers in ({}, {"X-CSRF-Token": ""}, {"X-CSRF-Token": "t0kem"}):
        _assert_error(client.post("/api/v1/moves", json=MOVE, headers=headers), 403, "csrf_failed")
    # A session that was never given a token has none to match, not even an empty one.
    _assert_error(_signed_in(app).post("/api/v1/moves", json=MOVE, headers={"X-CSRF-Token": ""}), 403,
                  "csrf_failed")
    assert {s["location"]: s["on_hand"] for s in stocked.get("/stock?sku=MUG").json["items"]} == {"A-1": 10}
    r = client.post("/api/v1/moves", json=MOVE, headers={"X-CSRF-Token": "t0ken"})
    assert r.status_code == 201 and r.json["user"] == "ana", r.json


def test_the_csrf_token_is_kept_in_the_session_and_the_cookie_is_http_only_and_same_site(app):
    from flask import session

    from wms.api.auth import csrf_token

    with app.test_request_context("/ui/login"):
        session["user"] = {"id": 1, "name": "ana", "role": "supervisor"}
        token = csrf_token()
        assert len(token) >= 32 and csrf_token() == token == session["csrf_token"]
        response = app.make_response("")
        app.session_interface.save_session(app, session, response)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
