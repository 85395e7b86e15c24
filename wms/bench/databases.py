"""Throw-away benchmark databases: a SQLite file in a temp folder, or a PostgreSQL database
`wms_bench_<pid>_<tag>` made on the server named by WMS_BENCH_POSTGRES_URL and dropped afterwards."""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from wms.app import create_app
from wms.db import db

PG_ADMIN_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def pg_admin_url() -> str:
    return os.environ.get("WMS_BENCH_POSTGRES_URL", PG_ADMIN_DEFAULT)


@dataclass
class BenchDb:
    backend: str  # "sqlite" or "postgresql"
    url: str  # SQLAlchemy URL the service uses
    folder: Path  # instance folder (secret key, logs, the SQLite file)

    @property
    def dbapi_target(self) -> str:
        """What the raw driver connects to: the SQLite file path, or a libpq conninfo URL."""
        if self.backend == "sqlite":
            return make_url(self.url).database
        return make_url(self.url).set(drivername="postgresql").render_as_string(hide_password=False)

    def env(self, **extra: str) -> dict[str, str]:
        """Environment for a `wms` process on this database, scheduler off."""
        env = dict(os.environ)
        env.update({"WMS_DATABASE_URL": self.url, "WMS_INSTANCE_PATH": str(self.folder),
                    "WMS_SCHEDULER": "off"})
        env.update(extra)
        return env


def postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used for benchmarks, or None when it answers."""
    try:
        engine = create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT",
                               connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - anything that stops a connection means "no PostgreSQL here"
        return f"PostgreSQL not reachable at {make_url(pg_admin_url()).render_as_string()}: " \
               f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"


def wms_command(*args: str) -> list[str]:
    """The `wms` CLI run by this interpreter (works without the console script on PATH)."""
    return [sys.executable, "-c", "import sys; from wms.cli import main; sys.exit(main())", *args]


def migrate(bench_db: BenchDb) -> None:
    """`wms init` on the database, as an operator would run it."""
    done = subprocess.run(wms_command("init"), check=False, env=bench_db.env(), capture_output=True,
                          text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"wms init failed: {done.stderr.strip()[-2000:]}")


@contextlib.contextmanager
def temp_database(backend: str, tag: str, *, migrated: bool = True) -> Iterator[BenchDb]:
    """A fresh (migrated) database for one benchmark, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=f"wms-bench-{tag}-"))
    admin = None
    name = f"wms_bench_{os.getpid()}_{tag}"
    try:
        if backend == "sqlite":
            url = f"sqlite:///{folder / 'wms.db'}"
        else:
            admin = create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = make_url(pg_admin_url()).set(database=name).render_as_string(hide_password=False)
        bench_db = BenchDb(backend, url, folder)
        if migrated:
            migrate(bench_db)
        yield bench_db
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def app_on(bench_db: BenchDb, **config) -> Iterator:
    """The service on a benchmark database, inside an app context, disposed afterwards."""
    app = create_app({"WMS_DATABASE_URL": bench_db.url, "WMS_INSTANCE_PATH": str(bench_db.folder),
                      "WMS_SCHEDULER": "off", **config})
    try:
        with app.app_context():
            yield app
    finally:
        with app.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()
