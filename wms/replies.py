"""The reply store: every reply to a write sent with an `Idempotency-Key` or a `scan_id`, kept for its retries.

A storefront retries an order when its reply is lost; a handheld resends a scan on flaky Wi-Fi. Each
reply is stored under its key in the same transaction as the change it reports, so a crash keeps both
or neither, and a retry with the same key and request gets those very bytes back. A key used again for
another request is refused (422). The store also says which keys are being answered right now: a copy
of a request still running is told 409 instead of being carried out twice.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    delete,
    select,
    text,
    tuple_,
)
from sqlalchemy.orm import Mapped, mapped_column

from wms.db import RaceLost, db, dialect, is_postgres, prebuilt, utcnow
from wms.errors import Conflict, Invalid
from wms.unit_of_work import atomic

SCAN = "scan"  # a scanner write's scan_id: one namespace for every handheld
IDEMPOTENCY = "idempotency"  # a storefront's Idempotency-Key: one namespace per caller
IDEMPOTENCY_HEADER = "Idempotency-Key"


class Reply(db.Model):
    """The reply to one keyed write: what a retry of it is answered."""

    __tablename__ = "replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(String(100))  # the caller, for Idempotency-Keys; "" for scan_ids
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    __table_args__ = (UniqueConstraint("kind", "scope", "key", name="uq_replies_kind_scope_key"),)


@dataclass(frozen=True)
class Key:
    """Where a write's reply is kept, and the identity of the request it answers."""

    kind: str
    scope: str
    key: str
    fingerprint: str

    @property
    def slot(self) -> tuple[str, str, str]:
        return (self.kind, self.scope, self.key)


@dataclass(frozen=True)
class Stored:
    status: int
    body: str


def scan_key(scan_id: str, endpoint: str, payload: object) -> Key:
    """A scan's key; its identity is the endpoint (method and rule) and the body without the scan_id."""
    digest = hashlib.sha256(f"{endpoint}\n{json.dumps(payload, sort_keys=True)}".encode()).hexdigest()
    return Key(SCAN, "", scan_id, digest)


def idempotency_key(caller: str, key: str, method: str, path: str, raw_body: bytes) -> Key:
    """A storefront request's key; its identity is method, path and body (canonical JSON when it parses)."""
    try:
        canonical = json.dumps(json.loads(raw_body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, UnicodeDecodeError, RecursionError):  # too deeply nested is not JSON either
        canonical = raw_body
    digest = hashlib.sha256(method.encode() + path.encode() + b"\n" + canonical).hexdigest()
    return Key(IDEMPOTENCY, caller, key, digest)


def reused(key: Key) -> Invalid:
    if key.kind == SCAN:
        return Invalid(f"scan_id {key.key!r} was already used for a different scan", code="scan_id_reused",
                       details={"scan_id": key.key})
    return Invalid(f"this {IDEMPOTENCY_HEADER} was already used with a different request",
                   code="idempotency_key_reused")


def in_progress() -> Conflict:
    return Conflict(f"a request with this {IDEMPOTENCY_HEADER} is still being processed; retry shortly",
                    code="request_in_progress")


_R = Reply.__table__


@prebuilt
def _find():
    return select(_R.c.kind, _R.c.scope, _R.c.key, _R.c.request_hash, _R.c.status_code, _R.c.body).where(
        tuple_(_R.c.kind, _R.c.scope, _R.c.key).in_(bindparam("slots", expanding=True)))


@prebuilt
def _keep(backend):
    # A reply another process stored first is not an error here: the caller notices the gap and runs again.
    return backend.insert(_R).on_conflict_do_nothing().returning(_R.c.key)


@prebuilt
def _try_locks():
    return text("SELECT pg_try_advisory_xact_lock(k) FROM unnest(CAST(:lock_ids AS bigint[])) "
                "WITH ORDINALITY AS t(k, n) ORDER BY n")


def find(keys: Sequence[Key]) -> dict[tuple[str, str, str], Stored | Invalid]:
    """Inside the write's transaction: the stored reply of each key that has one, or the 422 of a reused key."""
    slots = sorted({k.slot for k in keys})
    if not slots:
        return {}
    rows = {(r.kind, r.scope, r.key): r for r in db.session.execute(_find(), {"slots": slots})}
    found: dict[tuple[str, str, str], Stored | Invalid] = {}
    for k in keys:
        row = rows.get(k.slot)
        if row is not None:
            found[k.slot] = Stored(row.status_code, row.body) if row.request_hash == k.fingerprint else reused(k)
    return found


def keep(entries: Sequence[tuple[Key, Stored, str]]) -> None:
    """Inside the write's transaction: store each (key, reply, actor); raises RaceLost if another stored one first."""
    if not entries:
        return
    now = utcnow()
    rows = [{"kind": k.kind, "scope": k.scope, "key": k.key, "request_hash": k.fingerprint,
             "status_code": reply.status, "body": reply.body, "actor": actor, "created_at": now}
            for k, reply, actor in entries]
    written = db.session.execute(_keep(dialect()), rows).scalars().all()
    if len(written) < len(rows):
        # Another process answered one of these requests meanwhile: ours would be a second booking. The
        # unit of work runs again; it then finds that reply and answers it.
        raise RaceLost("a request of this batch was answered by another process first")


def claim_running(keys: Sequence[Key]) -> list[bool]:
    """Inside the write's transaction: for each key, whether no other process is answering it right now.

    On PostgreSQL, a transaction-scoped advisory lock per Idempotency-Key tells processes apart; on
    SQLite, writers of other processes queue on the database's own lock, so a copy waits for the
    first to commit and then finds its reply.
    """
    if not is_postgres():
        return [True] * len(keys)
    wanted = [i for i, k in enumerate(keys) if k.kind == IDEMPOTENCY]
    free = [True] * len(keys)
    if wanted:
        got = db.session.scalars(_try_locks(), {"lock_ids": [_advisory_key(keys[i]) for i in wanted]})
        for i, ok in zip(wanted, got):
            free[i] = bool(ok)
    return free


def _advisory_key(key: Key) -> int:
    """A 64-bit lock id for the key, with bit 62 set: scheduler job locks (CRC-32 values) never collide."""
    digest = int.from_bytes(hashlib.blake2b(f"{key.scope}\0{key.key}".encode(), digest_size=8).digest(), "big")
    return (1 << 62) | (digest & ((1 << 62) - 1))


_running: set[tuple[str, str, str]] = set()
_running_lock = threading.Lock()


@contextlib.contextmanager
def running(key: Key | None) -> Iterator[None]:
    """Hold an Idempotency-Key as being answered in this process, or refuse a copy with 409."""
    if key is None or key.kind != IDEMPOTENCY:
        yield
        return
    with _running_lock:
        if key.slot in _running:
            raise in_progress()
        _running.add(key.slot)
    try:
        yield
    finally:
        with _running_lock:
            _running.discard(key.slot)


@atomic
def forget_older_than(days: int) -> int:
    """Drop replies older than the window in which a client could still retry; scheduled daily."""
    cutoff = utcnow() - timedelta(days=days)
    return db.session.execute(delete(Reply).where(Reply.created_at < cutoff)).rowcount
