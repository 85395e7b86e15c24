"""The database: one SQLAlchemy handle, engine tuning per backend, and prebuilt statements (`prebuilt`)."""
from __future__ import annotations

import contextvars
import functools
import logging
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from types import ModuleType
from typing import Any, ParamSpec, TypeVar, cast

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase

log = logging.getLogger(__name__)

# Stable constraint names so Alembic migrations can name what they alter, on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)

# Set while a write transaction is open in this context (wms/unit_of_work.py): SQLite then begins
# with BEGIN IMMEDIATE, taking the write lock up front, so two writers never both read and then fail
# to upgrade.
writing: contextvars.ContextVar[bool] = contextvars.ContextVar("wms_writing", default=False)

T = TypeVar("T")
P = ParamSpec("P")

# SQLite admits one writer at a time and makes the others poll for its lock with sleeps that back off
# to 100 ms, so under many request threads most time went to sleeping (41 moves/s with 32 clients).
# Write transactions of one process therefore queue on a lock per SQLite engine before BEGIN IMMEDIATE;
# other processes still meet SQLite's own lock and busy_timeout. The wait is bounded like busy_timeout.
_sqlite_write_locks: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()

# PostgreSQL SQLSTATEs worth running the transaction again for.
_RETRY_SQLSTATES = {"40001", "40P01", "55P03"}
# PostgreSQL's unique_violation (SQLite, with one writer at a time, never loses such a race).
_UNIQUE_VIOLATION = "23505"


def prebuilt(build: Callable[P, T]) -> Callable[P, T]:
    """Build a statement on its first use and hand out that same object ever after.

    Why: building a SQLAlchemy statement (its clauses, columns and bound parameters), and working out
    the cache key SQLAlchemy finds its compiled SQL by, costs about as much as running it, often more:
    on SQLite, a select of three columns by an IN list built afresh for each run took twice as long as
    the same select built once. SQLAlchemy keeps the key on the statement object, so a statement built
    once is also keyed once. Every scan, order and API request runs such statements.

    How: `build` takes no arguments, or hashable ones (a table, a dialect package, a limit), and runs
    once per distinct set of them. It runs on first call, not at import, so whatever it names need not
    be ready when the module declaring it is imported. Two threads calling first may both build; either
    result serves, since they are alike.
    """
    return cast(Callable[P, T], functools.cache(build))


def dialect() -> ModuleType:
    """This database's SQLAlchemy dialect package, whose `insert` has the ON CONFLICT clauses: a `prebuilt` key."""
    return postgresql if is_postgres() else sqlite


# Values per IN list: far below every backend's limit of bound parameters.
IN_LIST_CHUNK = 5_000


def chunks(values: Sequence[T], size: int = IN_LIST_CHUNK) -> Iterable[Sequence[T]]:
    """The values in slices short enough for one IN list."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def utcnow() -> datetime:
    return datetime.now(UTC)


def engine_options(url: str) -> dict[str, Any]:
    """Pool and driver settings that suit each backend."""
    if url.startswith("sqlite"):
        # A connection per request thread stays open: with SQLAlchemy's default pool of 5 (plus overflow
        # closed on return), busy servers opened a connection, ran its PRAGMAs and closed it per request.
        return {"connect_args": {"timeout": 30, "check_same_thread": False}, "pool_size": 32, "max_overflow": 32}
    return {"pool_size": 20, "max_overflow": 20, "pool_pre_ping": True}


def init_app(app) -> None:
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _tune_sqlite(db.engine)
        else:
            # Many-row INSERTs as one multi-row statement (SQLAlchemy's "insertmanyvalues"), as the
            # psycopg2 dialect does by default: psycopg 3 otherwise sends a statement per row, and
            # each cost a storefront batch more Python than the rest of its order.
            db.engine.dialect.use_insertmanyvalues_wo_returning = True


def _tune_sqlite(engine: Engine) -> None:
    _sqlite_write_locks[engine] = threading.Lock()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy's "begin" event below issue BEGIN itself; pysqlite's own would be deferred.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writing.get() else "BEGIN")


def row_by_id(model: type[T], ident: int, missing: Exception, *, lock: bool = False) -> T:
    """The `model` row with that id, else raise `missing`; with `lock`, row-locked and re-read under the lock."""
    if lock:
        found = db.session.scalar(select(model).where(model.id == ident).with_for_update()
                                  .execution_options(populate_existing=True))
    else:
        found = db.session.get(model, ident)
    if found is None:
        raise missing
    return found


def insert_returning_ids(model, rows: list[dict], *, key: Sequence[str]) -> list[int]:
    """Insert many rows in a few statements (Core, not ORM flushes) and get their ids in the rows' order.

    `key` names columns whose values tell the rows apart (a unique constraint): each row's id is
    matched back by them, since a many-row INSERT ... RETURNING promises no order (and asking
    SQLAlchemy to keep the rows' order makes it insert one row per statement on SQLite).
    """
    if not rows:
        return []
    made = {tuple(found): row_id for row_id, *found in
            db.session.execute(_insert_returning(model.__table__, tuple(key)), rows)}
    return [made[tuple(row[k] for k in key)] for row in rows]


@prebuilt
def _insert_returning(table, key: tuple[str, ...]):
    return insert(table).returning(table.c.id, *(table.c[k] for k in key))


def expire_loaded(*models: type) -> None:
    """Expire the session's loaded objects of these models after Core statements changed their rows."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, models):
            db.session.expire(obj)


def is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


class RaceLost(Exception):
    """Raised inside `atomic` when another transaction committed first what this one meant to write.

    The transaction is rolled back and run again, as for a lost lock race; the second run sees the
    other's work (a scan's stored reply, say) and answers from it.
    """


def lost_lock_race(exc: Exception) -> bool:
    """Whether the error only says the transaction lost a race: running it again may succeed."""
    if isinstance(exc, RaceLost):
        return True
    if sqlstate(exc) in _RETRY_SQLSTATES:
        return True
    # SQLite reports a lost lock race as "database is locked" / "database table is locked".
    return isinstance(exc, OperationalError) and "locked" in str(exc.orig).lower()


def lost_unique_race(exc: Exception) -> bool:
    """Whether the error says another transaction inserted first a unique key this one meant to insert."""
    return sqlstate(exc) == _UNIQUE_VIOLATION


def sqlstate(exc: Exception) -> str | None:
    """The PostgreSQL SQLSTATE behind a database error; None for SQLite's and for our own."""
    return getattr(getattr(exc, "orig", None), "sqlstate", None)


def sqlite_write_lock() -> threading.Lock | None:
    """The lock this process's SQLite writers queue on before BEGIN IMMEDIATE; None on PostgreSQL."""
    return _sqlite_write_locks.get(db.engine)
