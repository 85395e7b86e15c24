"""Fixtures shared by every tier: an app on a fresh database (SQLite or real PostgreSQL), clients, tokens.

PostgreSQL tests need a server (WMS_TEST_POSTGRES_URL, default postgres@127.0.0.1:5432). Without one
they skip with the reason, except under CI=true, where a missing server fails the run.
"""
from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from wms import create_app
from wms.config import install, settings
from wms.db import db

PG_ADMIN_URL = os.environ.get("WMS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def make_app(url: str, instance: Path, **extra):
    config = {"TESTING": True, "WMS_DATABASE_URL": url, "WMS_INSTANCE_PATH": str(instance), **extra}
    return create_app(config)


def configure(app, **overrides) -> None:
    """Change a built app's settings, as create_app's test_config would have set them."""
    install(app, settings(app).with_overrides(overrides))


def _migrate(app) -> None:
    from wms import setup

    with app.app_context():
        setup.upgrade_schema()
        setup.ensure_fixed_locations()


def _dispose(app) -> None:
    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """One migrated SQLite file per worker; each test gets a copy, which is much faster than migrating."""
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "wms.db"
    app = make_app(f"sqlite:///{path}", folder)
    _migrate(app)
    _dispose(app)
    return path


def _pg_available() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server means "no PostgreSQL here"
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"


@contextlib.contextmanager
def fresh_pg_database(name: str):
    """An empty PostgreSQL database of that name, dropped afterwards; skips without a server, fails in CI."""
    problem = _pg_available()
    if problem:
        message = f"PostgreSQL not reachable at {PG_ADMIN_URL}: {problem}"
        if IN_CI:
            pytest.fail(message + " (CI requires PostgreSQL)", pytrace=False)
        pytest.skip(message)
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_database(tmp_path_factory) -> str:
    """A migrated PostgreSQL database for this worker, made fresh for the session."""
    # The pid keeps concurrent pytest runs on one machine (and one server) out of each other's way.
    with fresh_pg_database(f"wms_test_{_worker()}_{os.getpid()}") as url:
        app = make_app(url, tmp_path_factory.mktemp("pg-instance"))
        _migrate(app)
        _dispose(app)
        yield url


def _truncate_pg(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = [r[0] for r in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"))]
        conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    engine.dispose()


def _fresh_app(backend: str, tmp_path: Path, request, **extra):
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "wms.db"
        shutil.copy(template, path)
        app = make_app(f"sqlite:///{path}", tmp_path, **extra)
    else:
        url = request.getfixturevalue("pg_database")
        _truncate_pg(url)
        app = make_app(url, tmp_path, **extra)
        from wms import setup

        with app.app_context():
            setup.ensure_fixed_locations()
    return app


@pytest.fixture
def app(tmp_path, request):
    """The service on a fresh SQLite database."""
    app = _fresh_app("sqlite", tmp_path, request)
    yield app
    _dispose(app)


@pytest.fixture
def pg_app(tmp_path, request):
    """The service on a fresh real PostgreSQL database."""
    app = _fresh_app("postgresql", tmp_path, request)
    yield app
    _dispose(app)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_app(tmp_path, request):
    """The service on each backend in turn."""
    app = _fresh_app(request.param, tmp_path, request)
    yield app
    _dispose(app)


class Api:
    """A test client that sends one role's bearer token and the /api/v1 prefix."""

    def __init__(self, app, role: str = "admin"):
        from wms import auth

        self.app = app
        self.client = app.test_client()
        with app.app_context():
            self.token = auth.create_token(role, f"test-{role}")
        self.headers = {"Authorization": f"Bearer {self.token}"}

    def _call(self, method, path, **kw):
        headers = {**self.headers, **kw.pop("headers", {})}
        return self.client.open("/api/v1" + path, method=method, headers=headers, **kw)

    def get(self, path, **kw):
        return self._call("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self._call("POST", path, json=json, **kw)


@pytest.fixture
def api(app) -> Api:
    return Api(app)


@pytest.fixture
def as_role(app):
    return lambda role: Api(app, role)


def stock_mug(app) -> Api:
    """MUG with 10 units in storage bin A-1 and an empty storage bin A-2, made as an admin; returns that admin."""
    api = Api(app)
    assert api.post("/products", {"sku": "MUG", "name": "Mug", "weight_g": 350}).status_code == 201
    for code in ("A-1", "A-2"):
        assert api.post("/locations", {"code": code, "type": "storage"}).status_code == 201
    r = api.post("/adjustments", {"sku": "MUG", "location": "A-1", "delta": 10, "reason": "opening"})
    assert r.status_code == 201
    return api
