"""Replay of scanner writes: a scan retried with the same `scan_id` gets the first reply back.

Handhelds resend when a reply is lost on Wi-Fi. The reply to a successful scan is stored in the same
transaction as the stock change it made, so a crash can never keep one without the other; a rejected
scan's reply is stored on its own, since it changed nothing. A 503 busy is not stored: it asks for the retry.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Response, g
from sqlalchemy import DateTime, Integer, String, Text, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from wms.api.responses import to_response
from wms.db import atomic, db, utcnow
from wms.errors import Invalid, WmsError

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


def _stored(scan_id: str, op_key: str, fingerprint: str) -> Response | None:
    reply = db.session.get(ScanReply, scan_id)
    if reply is None:
        return None
    if reply.endpoint != op_key or reply.request_hash != fingerprint:
        raise Invalid(
            f"scan_id {scan_id!r} was already used for a different scan", code="scan_id_reused",
            details={"scan_id": scan_id},
        )
    return Response(reply.body, status=reply.status_code, mimetype="application/json")


def _keep(scan_id: str, op_key: str, fingerprint: str, status: int, body: dict) -> None:
    db.session.add(ScanReply(scan_id=scan_id, endpoint=op_key, request_hash=fingerprint, status_code=status,
                             body=json.dumps(body), actor=g.principal.name))
    db.session.flush()


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
