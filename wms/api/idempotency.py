"""Idempotency-Key handling for storefront writes.

The first request with a key claims it in a transaction of its own, so a second copy arriving while the
first still runs sees the claim and gets 409. The reply (success or error) is stored with the key; the
success reply in the same transaction as the order it created, so a crash keeps both or neither. A
claim left by a crashed process is taken over once it is older than STALE_AFTER.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Response, request
from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from wms.api.responses import to_response
from wms.db import atomic, db, utcnow
from wms.errors import BadRequest, Conflict, Invalid, WmsError

HEADER = "Idempotency-Key"
STALE_AFTER = timedelta(minutes=5)


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


@atomic
def _claim(scope: str, key: str, digest: str) -> tuple[str, IdempotencyKey | None]:
    """('new', None) when this request owns the key now, else ('seen', the stored row)."""
    row = db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.scope == scope,
                                                         IdempotencyKey.key == key).with_for_update())
    now = utcnow()
    if row is None:
        db.session.add(IdempotencyKey(scope=scope, key=key, request_hash=digest, state="running",
                                      created_at=now, updated_at=now))
        db.session.flush()
        return "new", None
    if row.request_hash == digest and row.state == "running" and now - _aware(row.updated_at) > STALE_AFTER:
        row.updated_at = now  # the first attempt died mid-way: this one takes over
        return "new", None
    db.session.expunge(row)
    return "seen", row


def _finish(scope: str, key: str, status: int, body: bytes) -> None:
    db.session.execute(update(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
                       .values(state="done", status_code=status, body=body.decode(), updated_at=utcnow()))


def run(scope: str, handler: Callable[[], object], status: int) -> Response:
    """Run `handler` once per (scope, Idempotency-Key); replay its stored reply to identical retries."""
    from wms.api.errors import handle_wms_error

    key = _read_key()
    digest = fingerprint()
    try:
        state, row = _claim(scope, key, digest)
    except IntegrityError:  # another copy claimed the key between our read and insert
        db.session.rollback()
        state, row = _claim(scope, key, digest)
    if state == "seen":
        if row.request_hash != digest:
            raise Invalid(f"this {HEADER} was already used with a different request", code="idempotency_key_reused")
        if row.state == "running":
            raise Conflict(f"a request with this {HEADER} is still being processed; retry shortly",
                           code="request_in_progress")
        return Response(row.body, status=row.status_code, mimetype="application/json")

    @atomic
    def apply() -> Response:
        response = to_response(handler(), status)
        _finish(scope, key, response.status_code, response.get_data())
        return response

    try:
        return apply()
    except WmsError as err:
        response = handle_wms_error(err)
        if response.status_code >= 500:
            # Busy is no outcome of the request but a plea to resend it: storing it would answer every
            # retry with 503 forever. Free the key instead, as for any failure that is not the client's.
            _release(scope, key)
            return response
        atomic(_finish)(scope, key, response.status_code, response.get_data())
        return response
    except BaseException:
        _release(scope, key)
        raise


def _release(scope: str, key: str) -> None:
    """Make a claim stale at once, so the storefront's retry is processed afresh."""
    atomic(lambda: db.session.execute(
        update(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key,
                                     IdempotencyKey.state == "running")
        .values(updated_at=utcnow() - STALE_AFTER - timedelta(seconds=1))))()
