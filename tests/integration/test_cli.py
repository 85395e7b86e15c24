"""The `wms` command as an operator uses it: init, the demo, users, tokens, and the ledger check.

Each test points WMS_DATABASE_URL and WMS_INSTANCE_PATH at its own temporary folder, runs the
command through click's runner (as the console script would), and then looks at the result through
the HTTP API, the way a storefront or scanner would see it.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from biip.gtin import Gtin
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, text

from tests.conftest import make_app
from wms import auth
from wms.cli import main


class Wms:
    """`wms ...` against one instance folder, and an API client onto the same database."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.url = f"sqlite:///{folder / 'wms.db'}"
        self.env = {"WMS_DATABASE_URL": self.url, "WMS_INSTANCE_PATH": str(folder), "WMS_CONFIG": None}

    def __call__(self, *args: str):
        return CliRunner().invoke(main, list(args), env=self.env, catch_exceptions=False)

    def client(self):
        return make_app(self.url, self.folder).test_client()

    def get(self, path: str, token: str):
        return self.client().get("/api/v1" + path, headers={"Authorization": f"Bearer {token}"})

    def post(self, path: str, token: str, json: dict):
        return self.client().post("/api/v1" + path, json=json, headers={"Authorization": f"Bearer {token}"})

    def sql(self, statement: str, **params):
        engine = create_engine(self.url)
        try:
            with engine.begin() as conn:
                return conn.execute(text(statement), params).all() if statement.lstrip().upper().startswith(
                    "SELECT") else conn.execute(text(statement), params).rowcount
        finally:
            engine.dispose()


@pytest.fixture
def wms(tmp_path) -> Wms:
    return Wms(tmp_path)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One demo install shared by the read-only tests below (it takes a few seconds)."""
    w = Wms(tmp_path_factory.mktemp("demo"))
    result = w("init", "--demo")
    assert result.exit_code == 0, result.output
    return w, result.output


def _printed(output: str, label: str) -> str:
    match = re.search(rf"^{label}: (.+)$", output, re.MULTILINE)
    assert match, f"no '{label}:' line in:\n{output}"
    return match.group(1).strip()


def test_init_creates_the_schema_and_a_second_run_changes_nothing(wms):
    first = wms("init")
    assert first.exit_code == 0, first.output
    engine = create_engine(wms.url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"alembic_version", "products", "locations", "quants", "moves", "users", "api_tokens"} <= tables
    locations = wms.sql("SELECT code FROM locations ORDER BY code")
    second = wms("init")
    assert second.exit_code == 0, second.output
    # The fixed docks and virtual places are made once, not once per run.
    assert wms.sql("SELECT code FROM locations ORDER BY code") == locations
    assert len(wms.sql("SELECT version_num FROM alembic_version")) == 1
    assert wms("check").exit_code == 0


def test_demo_prints_an_admin_login_and_a_storefront_token_that_works(demo):
    w, output = demo
    user, _, password = _printed(output, "admin login").partition(" / ")
    assert user == "admin" and password
    with make_app(w.url, w.folder).app_context():
        assert auth.principal_for_login("admin", password).role == "admin"
    token = _printed(output, "storefront token")
    assert w.get("/inventory", token).status_code == 200
    # It is a storefront token: it reads stock but may not move it.
    r = w.post("/moves", token, {"sku": "MUG-S", "from_location": "A01-B01-L1", "to_location": "A01-B02-L1",
                                 "quantity": 1})
    assert r.status_code == 403
    assert w.get("/products/NOPE", "wms_not-a-token").status_code == 401


def test_demo_has_about_fifty_products_with_gtins_and_stock_in_bins(demo):
    w, output = demo
    token = _printed(output, "storefront token")
    products = w.get("/products?limit=500", token).json["items"]
    assert 40 <= len(products) <= 60
    for p in products:
        # Answered as the demo gave it, a GTIN-13 with a correct check digit (Gtin.parse verifies it).
        assert len(p["gtin"]) == 13 and Gtin.parse(p["gtin"]).as_gtin_13() == p["gtin"]
    assert len({p["gtin"] for p in products}) == len(products)
    inventory = {i["sku"]: i["available"] for i in w.get("/inventory?limit=500", token).json["items"]}
    assert set(inventory) == {p["sku"] for p in products} and min(inventory.values()) > 0
    stock = w.get("/stock?limit=500", token).json["items"]
    assert stock and all(re.fullmatch(r"A\d\d-B\d\d-L\d", s["location"]) for s in stock)
    layout = w.get("/layouts/current", token).json
    assert len(layout["aisles"]) == 10
    check = w("check")
    assert check.exit_code == 0, check.output


def test_demo_again_keeps_the_data_and_prints_fresh_credentials(wms):
    # Its own instance: running the demo again resets the admin password the shared one printed.
    first = wms("init", "--demo")
    again = wms("init", "--demo")
    assert again.exit_code == 0, again.output
    assert "already present" in again.output
    token = _printed(again.output, "storefront token")
    assert token != _printed(first.output, "storefront token")
    assert len(wms.get("/products?limit=500", token).json["items"]) == 50
    password = _printed(again.output, "admin login").partition(" / ")[2]
    with make_app(wms.url, wms.folder).app_context():
        assert auth.principal_for_login("admin", password) is not None
    assert wms("check").exit_code == 0


def test_user_create_with_and_without_a_password(wms):
    assert wms("init").exit_code == 0
    given = wms("user", "create", "ana", "--role", "picker", "--password", "s3cret-enough")
    assert given.exit_code == 0, given.output
    assert "s3cret-enough" not in given.output
    made = wms("user", "create", "bo", "--role", "packer")
    assert made.exit_code == 0, made.output
    generated = _printed(made.output, "password")
    with make_app(wms.url, wms.folder).app_context():
        assert auth.principal_for_login("ana", "s3cret-enough").role == "picker"
        assert auth.principal_for_login("bo", generated).role == "packer"


def test_user_create_twice_fails_clearly_and_keeps_the_first(wms):
    assert wms("init").exit_code == 0
    assert wms("user", "create", "ana", "--role", "picker", "--password", "first-pass").exit_code == 0
    again = wms("user", "create", "ana", "--role", "admin", "--password", "second-pass")
    assert again.exit_code != 0
    assert "already exists" in again.output and "ana" in again.output
    assert wms.sql("SELECT role FROM users WHERE name = 'ana'") == [("picker",)]


def test_user_create_refuses_an_unknown_role(wms):
    assert wms("init").exit_code == 0
    r = wms("user", "create", "cy", "--role", "boss")
    assert r.exit_code != 0 and "boss" in r.output
    assert wms.sql("SELECT count(*) FROM users") == [(0,)]


def test_token_create_prints_a_token_whose_role_is_enforced(wms):
    assert wms("init").exit_code == 0
    r = wms("token", "create", "--role", "picker", "--name", "scanner-7")
    assert r.exit_code == 0, r.output
    token = r.output.strip()
    assert "\n" not in token and token.startswith(auth.TOKEN_PREFIX)
    assert wms.sql("SELECT name, role FROM api_tokens") == [("scanner-7", "picker")]
    assert wms.get("/products", token).status_code == 200
    r = wms.post("/products", token, {"sku": "X", "name": "X", "weight_g": 1})
    assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"


def test_check_reports_a_quant_that_disagrees_with_its_moves(wms):
    assert wms("init", "--demo").exit_code == 0
    (quant_id, sku, code, on_hand), *_ = wms.sql(
        "SELECT q.id, p.sku, l.code, q.on_hand FROM quants q JOIN products p ON p.id = q.product_id "
        "JOIN locations l ON l.id = q.location_id WHERE NOT q.virtual AND q.on_hand > 0 ORDER BY q.id")
    # Someone edits the table behind the ledger's back: the quant no longer equals the sum of its moves.
    assert wms.sql("UPDATE quants SET on_hand = on_hand + 5 WHERE id = :id", id=quant_id) == 1
    r = wms("check")
    assert r.exit_code == 1
    assert "quant_mismatch" in r.output and sku in r.output and code in r.output
    assert f"{on_hand + 5}" in r.output


def test_the_installed_command_runs(tmp_path):
    # The console script, as `make run` and operators call it, not just the click group.
    wms_bin = Path(sys.executable).parent / "wms"
    env = {"WMS_DATABASE_URL": f"sqlite:///{tmp_path / 'wms.db'}", "WMS_INSTANCE_PATH": str(tmp_path),
           "PATH": str(wms_bin.parent)}
    def run(*args):
        return subprocess.run([wms_bin, *args], env=env, capture_output=True, text=True, timeout=120,
                              check=False)

    init = run("init")
    assert init.returncode == 0, init.stderr
    check = run("check")
    assert check.returncode == 0 and "ledger ok" in check.stdout
