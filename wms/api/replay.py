"""Replay of scanner writes: a scan retried with the same `scan_id` gets the first reply back.

Handhelds resend when a reply is lost on Wi-Fi. The reply to a successful scan is stored in the same
transaction as the stock change it made, so a crash can never keep one without the other; a rejected
scan's reply is stored on its own, since it changed nothing. A 503 busy is not stored: it asks for the retry.
"""
from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Response, g, request
from sqlalchemy import (
    DateTime,
    Integer,
    String,
    Text,
    bindparam,
    delete,
    insert,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from wms.api.auth import invalid_token, refuse_revoked
from wms.api.combining import Failed, combiner_for, run_isolated
from wms.api.responses import to_response
from wms.db import RaceLost, db, is_postgres, utcnow
from wms.errors import Invalid, WmsError
from wms.unit_of_work import atomic

SCAN_ID_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[\\x21-\\x7e]+$"}


class ScanReply(db.Model):
    __tablename__ = "scan_replies"

    scan_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    endpoint: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


def with_scan_id(body_schema: dict) -> dict:
    schema = dict(body_schema)
    schema["properties"] = {**schema.get("properties", {}), "scan_id": SCAN_ID_SCHEMA}
    return schema


def _fingerprint(op_key: str, payload: dict) -> str:
    return hashlib.sha256(f"{op_key}\n{json.dumps(payload, sort_keys=True)}".encode()).hexdigest()


_REPLIES = ScanReply.__table__
# Built once: every scan runs them, and building a statement costs more than running it.
_STORED = select(_REPLIES.c.endpoint, _REPLIES.c.request_hash, _REPLIES.c.status_code, _REPLIES.c.body).where(
    _REPLIES.c.scan_id == bindparam("scan_id"))
_KEEP = insert(_REPLIES)
_STORED_MANY = select(_REPLIES.c.scan_id, _REPLIES.c.endpoint, _REPLIES.c.request_hash, _REPLIES.c.status_code,
                      _REPLIES.c.body).where(_REPLIES.c.scan_id.in_(bindparam("scan_ids", expanding=True)))
# A reply another process stored first is not an error here: the batch notices and runs again.
_KEEP_NEW = {name: dialect.insert(_REPLIES).on_conflict_do_nothing().returning(_REPLIES.c.scan_id)
             for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}


def _stored(scan_id: str, op_key: str, fingerprint: str) -> Response | None:
    reply = db.session.execute(_STORED, {"scan_id": scan_id}).first()
    return None if reply is None else _replay(reply, scan_id, op_key, fingerprint)


def _replay(reply, scan_id: str, op_key: str, fingerprint: str) -> Response:
    """The stored reply, if it was stored for this very scan; else the scan_id was reused (422)."""
    if reply.endpoint != op_key or reply.request_hash != fingerprint:
        raise _reused(scan_id)
    return Response(reply.body, status=reply.status_code, mimetype="application/json")


def _reused(scan_id: str) -> Invalid:
    return Invalid(f"scan_id {scan_id!r} was already used for a different scan", code="scan_id_reused",
                   details={"scan_id": scan_id})


def _keep(scan_id: str, op_key: str, fingerprint: str, status: int, body: dict) -> None:
    db.session.execute(_KEEP, {"scan_id": scan_id, "endpoint": op_key, "request_hash": fingerprint,
                               "status_code": status, "body": json.dumps(body), "actor": g.principal.name,
                               "created_at": utcnow()})


def run_scan(op, payload: dict, call: Callable[[dict], Any], status: int) -> Response:
    """Run a scanner write once per scan_id; `call` gets the body without the scan_id."""
    from wms.api.errors import error_body, status_for

    scan_id = payload.pop("scan_id", None)
    if scan_id is None:
        return to_response(atomic(call)(payload), status)
    op_key = f"{op.method} {op.rule}"
    fingerprint = _fingerprint(op_key, payload)
    earlier = _stored(scan_id, op_key, fingerprint)
    if earlier is not None:
        return earlier

    @atomic
    def apply() -> tuple[dict, int]:
        result = call(payload)
        code = status
        if isinstance(result, tuple):
            result, code = result
        _keep(scan_id, op_key, fingerprint, code, result)
        return result, code

    @atomic
    def keep_rejection(err: WmsError) -> tuple[dict, int]:
        body, code = error_body(err), status_for(err)
        _keep(scan_id, op_key, fingerprint, code, body)
        return body, code

    try:
        try:
            body, code = apply()
        except WmsError as err:
            # A 5xx (busy: the transaction lost every lock race) is no outcome of the scan but a request to
            # send it again; stored, it would be replayed to that retry forever and the scan never booked.
            if status_for(err) >= 500:
                raise
            body, code = keep_rejection(err)
    except IntegrityError:
        # Two copies of one scan ran at once and the other stored its reply first: ours rolled back.
        db.session.rollback()
        earlier = _stored(scan_id, op_key, fingerprint)
        if earlier is None:
            raise  # the integrity error was about something else
        return earlier
    return Response(json.dumps(body), status=code, mimetype="application/json")


@atomic
def forget_older_than(days: int) -> int:
    """Drop replies older than the replay window; scheduled daily."""
    cutoff = utcnow() - timedelta(days=days)
    return db.session.execute(delete(ScanReply).where(ScanReply.created_at < cutoff)).rowcount


# --- scans of one endpoint committed together ------------------------------------------------------


@dataclass(frozen=True)
class Scan:
    """One scanner write as a combined view gets it: the body (without scan_id) and who sent it from where."""

    body: dict
    user: str
    device: str | None


@dataclass(frozen=True)
class _Call:
    scan_id: str | None
    fingerprint: str | None
    scan: Scan
    token_hash: str | None  # the caller's bearer token, checked again inside the transaction


def run_combined(op, token_hash: str | None, payload: dict, scan: Callable[[dict], Scan],
                 view_many: Callable[[list[Scan]], Sequence[Any]], status: int) -> Response:
    """Answer a scanner write together with the concurrent ones to the same endpoint, each once per scan_id.

    `view_many(scans)` returns, for each scan in order, its result (or `(result, status)`) or the WmsError
    refusing it, having changed nothing for a refused one. Replies are stored and replayed as by
    `run_scan`; the first of two copies of one scan_id in a batch is run, the other gets its reply.
    """
    scan_id = payload.pop("scan_id", None)
    op_key = f"{op.method} {op.rule}"
    call = _Call(scan_id, _fingerprint(op_key, payload) if scan_id else None, scan(payload), token_hash)
    db.session.rollback()  # waiting for a batch with authentication's read still open would pin a snapshot
    combiner = combiner_for(("scan", request.path), lambda: functools.partial(_answer, op_key, view_many, status))
    return combiner.submit(call)


@atomic
def _answer(op_key: str, view_many, status: int, calls: Sequence[_Call]) -> list[Response | Failed]:
    """One transaction for a batch of scans: replay what is stored, run the rest, store their replies."""
    from wms.api.errors import error_body, handle_wms_error, status_for

    scan_ids = sorted({c.scan_id for c in calls if c.scan_id})
    stored = {row.scan_id: row for row in db.session.execute(_STORED_MANY, {"scan_ids": scan_ids})} \
        if scan_ids else {}
    replies: list[Response | Failed | None] = [None] * len(calls)
    revoked = refuse_revoked([c.token_hash for c in calls])
    first: dict[str, int] = {}
    todo: list[int] = []
    for i, call in enumerate(calls):
        if revoked[i]:
            replies[i] = handle_wms_error(invalid_token())
        elif call.scan_id in stored:
            try:
                replies[i] = _replay(stored[call.scan_id], call.scan_id, op_key, call.fingerprint)
            except WmsError as err:
                replies[i] = handle_wms_error(err)
        elif call.scan_id is None or call.scan_id not in first:
            todo.append(i)
            if call.scan_id:
                first[call.scan_id] = i
    kept = []
    now = utcnow()
    for i, outcome in zip(todo, run_isolated(view_many, [calls[i].scan for i in todo])):
        if isinstance(outcome, Failed):
            replies[i] = outcome  # not stored: the handheld's resend runs afresh
            continue
        body, code = (error_body(outcome), status_for(outcome)) if isinstance(outcome, WmsError) else \
            (outcome if isinstance(outcome, tuple) else (outcome, status))
        text = json.dumps(body)
        replies[i] = Response(text, status=code, mimetype="application/json")
        # A 503 asks for the resend rather than answering the scan: stored, it would be replayed forever.
        if calls[i].scan_id and code < 500:
            kept.append({"scan_id": calls[i].scan_id, "endpoint": op_key, "request_hash": calls[i].fingerprint,
                         "status_code": code, "body": text, "actor": calls[i].scan.user, "created_at": now})
    for i, call in enumerate(calls):  # second copies of a scan_id within this batch
        if replies[i] is None:
            j = first[call.scan_id]
            if call.fingerprint != calls[j].fingerprint:
                replies[i] = handle_wms_error(_reused(call.scan_id))
            elif isinstance(replies[j], Failed):
                replies[i] = replies[j]
            else:
                replies[i] = Response(replies[j].get_data(), status=replies[j].status_code,
                                      mimetype="application/json")
    if kept:
        written = db.session.execute(_KEEP_NEW["postgresql" if is_postgres() else "sqlite"], kept).scalars().all()
        if len(written) < len(kept):
            # Another process booked one of these scans meanwhile and stored its reply: ours is a second
            # booking. Run the batch again; it will find that reply and replay it.
            raise RaceLost("a scan of this batch was answered by another process first")
    return replies
