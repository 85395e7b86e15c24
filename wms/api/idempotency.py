"""Idempotency-Key handling for storefront writes, concurrent requests committed together.

Each request with a key is answered once: its reply, success or error, is stored with the key in the
same commit as the change it made, so a crash keeps both or neither, and a retry with the same key
and body gets the stored reply. Concurrent requests of one caller to one endpoint are combined
(wms/api/combining.py): one transaction checks all their keys, runs the endpoint's view on all their
bodies at once and stores all the replies. A view refuses a body by returning its error in that
body's place, having written nothing for it; should a batch raise instead, its bodies are run again
one by one, each behind a savepoint, so one bad request never takes the others down.

A copy arriving while the first still runs gets 409: within a process an in-flight registry tells;
across processes on PostgreSQL, a transaction-scoped advisory lock on the key. (On SQLite, writers
of other processes queue on the database's own lock, so such a copy waits for the first to commit
and gets its reply.) A `running` row, which earlier versions wrote before the work, is still
honoured, and taken over once older than STALE_AFTER.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Response, request
from sqlalchemy import (
    DateTime,
    Integer,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from wms.api.auth import invalid_token, refuse_revoked
from wms.api.combining import Failed, combiner_for, run_isolated
from wms.api.responses import to_response
from wms.db import db, is_postgres, utcnow
from wms.errors import BadRequest, Conflict, Invalid, WmsError
from wms.unit_of_work import atomic

HEADER = "Idempotency-Key"
STALE_AFTER = timedelta(minutes=5)

_in_flight: set[tuple[str, str]] = set()
_in_flight_lock = threading.Lock()


class IdempotencyKey(db.Model):
    """One storefront request by its Idempotency-Key: running, or done with the reply to replay."""

    __tablename__ = "idempotency_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(100))  # the caller the key belongs to
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(10))  # running | done
    status_code: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("scope", "key", name="uq_idempotency_keys_scope_key"),)


_KEYS = IdempotencyKey.__table__
# Built once: every storefront write runs them, and building a statement costs more than running it.
_STORED = select(_KEYS.c.key, _KEYS.c.request_hash, _KEYS.c.state, _KEYS.c.status_code, _KEYS.c.body,
                 _KEYS.c.updated_at).where(_KEYS.c.scope == bindparam("scope"),
                                           _KEYS.c.key.in_(bindparam("keys", expanding=True)))
_INSERT = insert(_KEYS)
_FINISH = update(_KEYS).where(_KEYS.c.scope == bindparam("scope_"), _KEYS.c.key == bindparam("key_"))
_TRY_LOCKS = text("SELECT pg_try_advisory_xact_lock(k) FROM unnest(CAST(:lock_ids AS bigint[])) "
                  "WITH ORDINALITY AS t(k, n) ORDER BY n")


def fingerprint() -> str:
    """The body's identity: canonical JSON when it parses, else its raw bytes."""
    raw = request.get_data(cache=True)
    try:
        canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, UnicodeDecodeError, RecursionError):  # too deeply nested is not JSON either
        canonical = raw
    return hashlib.sha256(request.method.encode() + request.path.encode() + b"\n" + canonical).hexdigest()


def _read_key() -> str:
    key = request.headers.get(HEADER, "")
    if not key:
        raise BadRequest(f"send an {HEADER} header so that a retried request cannot create a second order",
                         code="idempotency_key_required")
    if len(key) > 255 or not key.isprintable():
        raise Invalid(f"the {HEADER} must be at most 255 printable characters", code="invalid_idempotency_key")
    return key


def _aware(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def _in_progress() -> Conflict:
    return Conflict(f"a request with this {HEADER} is still being processed; retry shortly",
                    code="request_in_progress")


@contextlib.contextmanager
def _flight(scope: str, key: str) -> Iterator[None]:
    """Hold (scope, key) as running in this process, or refuse with 409 if a copy already does."""
    with _in_flight_lock:
        if (scope, key) in _in_flight:
            raise _in_progress()
        _in_flight.add((scope, key))
    try:
        yield
    finally:
        with _in_flight_lock:
            _in_flight.discard((scope, key))


def _advisory_key(scope: str, key: str) -> int:
    """A 64-bit lock id for the key, with bit 62 set: scheduler job locks (CRC-32 values) never collide."""
    digest = int.from_bytes(hashlib.blake2b(f"{scope}\0{key}".encode(), digest_size=8).digest(), "big")
    return (1 << 62) | (digest & ((1 << 62) - 1))


@dataclass(frozen=True)
class Call:
    """One request as its batch sees it: the key, the body's fingerprint, and the body or why it was refused."""

    key: str
    digest: str
    body: Any
    refusal: WmsError | None = None
    token_hash: str | None = None  # the caller's bearer token, checked again inside the transaction


ViewMany = Callable[[list[Any]], Sequence[Any]]


def run(scope: str, token_hash: str | None, body: Any, refusal: WmsError | None, view_many: ViewMany,
        status: int) -> Response:
    """Answer this request once per (scope, Idempotency-Key), combined with concurrent ones of the same caller.

    `view_many(bodies)` returns, for each body in order, a JSON-able result or the WmsError refusing it.
    `refusal` is the error the body already got from validation (then `body` is unused).
    """
    key = _read_key()
    call = Call(key, fingerprint(), body, refusal, token_hash)
    # End the read transaction authentication opened: a request may wait through several batches, and
    # on SQLite an open read pins its WAL snapshot, so the log could not be checkpointed meanwhile.
    db.session.rollback()
    with _flight(scope, key):
        combiner = combiner_for(("idempotent", request.path, scope),
                                lambda: functools.partial(_answer, scope, view_many, status))
        return combiner.submit(call)


@atomic
def _answer(scope: str, view_many: ViewMany, status: int, calls: Sequence[Call]) -> list[Response | Failed]:
    """One transaction for a batch of calls: replay what is stored, run the rest, store their replies."""
    from wms.api.errors import handle_wms_error

    replies: list[Response | Failed | None] = [None] * len(calls)
    locked = [True] * len(calls)
    if is_postgres():
        locked = list(db.session.scalars(_TRY_LOCKS, {"lock_ids": [_advisory_key(scope, c.key) for c in calls]}))
    stored = {row.key: row for row in db.session.execute(_STORED, {"scope": scope, "keys": [c.key for c in calls]})}
    revoked = refuse_revoked([c.token_hash for c in calls])
    todo: list[int] = []
    for i, call in enumerate(calls):
        row = stored.get(call.key)
        if revoked[i]:
            replies[i] = handle_wms_error(invalid_token())
        elif not locked[i]:
            replies[i] = handle_wms_error(_in_progress())
        elif row is None:
            todo.append(i)
        elif row.request_hash != call.digest:
            replies[i] = handle_wms_error(Invalid(f"this {HEADER} was already used with a different request",
                                                  code="idempotency_key_reused"))
        elif row.state == "done":
            replies[i] = Response(row.body, status=row.status_code, mimetype="application/json")
        elif utcnow() - _aware(row.updated_at) <= STALE_AFTER:
            replies[i] = handle_wms_error(_in_progress())
        else:
            todo.append(i)  # a stale claim of a crashed earlier version: this request takes over
    now = utcnow()
    fresh, taken_over = [], []
    for i, outcome in zip(todo, _outcomes(view_many, [calls[i] for i in todo])):
        if isinstance(outcome, Failed):
            replies[i] = outcome  # not stored: the storefront's retry is processed afresh
            continue
        response = handle_wms_error(outcome) if isinstance(outcome, WmsError) else to_response(outcome, status)
        replies[i] = response
        # Busy is no outcome of the request but a plea to resend it: storing it would answer every retry
        # with 503 forever.
        if response.status_code >= 500:
            continue
        done = {"state": "done", "status_code": response.status_code, "body": response.get_data(as_text=True),
                "updated_at": now}
        if calls[i].key in stored:
            taken_over.append({"scope_": scope, "key_": calls[i].key, **done})
        else:
            fresh.append({"scope": scope, "key": calls[i].key, "request_hash": calls[i].digest, "created_at": now,
                          **done})
    if fresh:
        db.session.execute(_INSERT, fresh)
    if taken_over:
        db.session.execute(_FINISH, taken_over)
    return replies


def _outcomes(view_many: ViewMany, calls: Sequence[Call]) -> list[Any]:
    """Each call's result or error: refused bodies keep their refusal, the others go to the view together."""
    results = iter(run_isolated(view_many, [c.body for c in calls if c.refusal is None]))
    return [c.refusal if c.refusal is not None else next(results) for c in calls]
