"""Concurrent moves are committed together: each booked once, refusals isolated, scan_id replay intact."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import Api
from wms.inventory import services
from wms.replies import scan_key


@pytest.fixture
def floor(any_app):
    api = Api(any_app)
    api.post("/products", {"sku": "MUG", "name": "Mug", "weight_g": 350})
    for code in ("A", "B", "C"):
        assert api.post("/locations", {"code": code, "type": "storage"}).status_code == 201
    assert api.post("/adjustments", {"sku": "MUG", "location": "A", "delta": 10, "reason": "stock"}).status_code == 201
    return api


def _held_first_batch(monkeypatch) -> tuple[threading.Event, threading.Event, list[list[str]]]:
    """The first batch of moves waits until released; returns (started, release, every batch's scan bins)."""
    started, release, batches = threading.Event(), threading.Event(), []
    real = services.move_stock.batch

    def move_stocks(commands):
        batches.append([f"{c.from_location}>{c.to_location}:{c.quantity}" for c in commands])
        if len(batches) == 1:
            started.set()
            release.wait(10)
        return real(commands)

    monkeypatch.setattr(services.move_stock, "batch", move_stocks)
    return started, release, batches


def _send_during_first_batch(api, monkeypatch, first_body, bodies):
    started, release, batches = _held_first_batch(monkeypatch)
    replies = {}

    def send(name, body):
        replies[name] = api.post("/moves", body)

    lead = threading.Thread(target=send, args=("lead", first_body))
    lead.start()
    assert started.wait(10)
    others = [threading.Thread(target=send, args=(name, body)) for name, body in bodies.items()]
    for t in others:
        t.start()
    time.sleep(0.5)  # they queue behind the first batch
    release.set()
    for t in [lead, *others]:
        t.join(30)
    return replies, batches


def _move(src, dst, qty, scan_id=None):
    body = {"sku": "MUG", "from_location": src, "to_location": dst, "quantity": qty}
    return body | ({"scan_id": scan_id} if scan_id else {})


def test_a_batch_books_each_scan_once_and_refuses_only_what_cannot_go(floor, any_app, monkeypatch):
    replies, batches = _send_during_first_batch(floor, monkeypatch, _move("A", "B", 1, "s-lead"), {
        "ok-1": _move("A", "B", 2, "s-1"),
        "too-many": _move("A", "C", 50, "s-2"),
        "ok-2": _move("A", "C", 3, "s-3"),
        "copy-of-ok-1": _move("A", "B", 2, "s-1"),
        "reused": _move("B", "C", 1, "s-1"),
        "no-scan-id": _move("A", "B", 1),
    })
    assert max(len(b) for b in batches[1:]) > 1  # they did go together
    assert replies["lead"].status_code == 201
    assert replies["ok-1"].status_code == 201 and replies["ok-2"].status_code == 201
    assert replies["no-scan-id"].status_code == 201
    assert replies["too-many"].status_code == 409
    assert replies["too-many"].json["error"]["code"] == "insufficient_stock"
    # A second copy of a scan gets the reply of the one booked, a different scan under its id is refused.
    assert replies["copy-of-ok-1"].status_code == 201 and replies["copy-of-ok-1"].json == replies["ok-1"].json
    assert replies["reused"].status_code == 422 and replies["reused"].json["error"]["code"] == "scan_id_reused"
    stock = {s["location"]: s["on_hand"] for s in floor.get("/stock?sku=MUG").json["items"]}
    assert stock == {"A": 10 - 1 - 2 - 3 - 1, "B": 1 + 2 + 1, "C": 3}  # s-1 booked once, s-2 not at all
    # Every stored reply replays, the refusal included.
    again = floor.post("/moves", _move("A", "C", 50, "s-2"))
    assert (again.status_code, again.json) == (409, replies["too-many"].json)
    from wms.inventory.queries import check_ledger

    with any_app.app_context():
        assert check_ledger() == []


@pytest.mark.postgres
def test_a_scan_another_process_answered_first_is_replayed_not_booked_twice(pg_app, monkeypatch):
    """The other process stores its reply while our batch runs: ours notices, runs again and replays it."""
    api = Api(pg_app)
    api.post("/products", {"sku": "MUG", "name": "Mug", "weight_g": 350})
    for code in ("A", "B"):
        api.post("/locations", {"code": code, "type": "storage"})
    api.post("/adjustments", {"sku": "MUG", "location": "A", "delta": 10, "reason": "stock"})
    other = create_engine(pg_app.config["SQLALCHEMY_DATABASE_URI"], isolation_level="AUTOCOMMIT")
    real, runs = services.move_stock.batch, []

    def move_stocks(commands):
        runs.append(len(commands))
        if len(runs) == 1:  # meanwhile the other process books the same scan and stores its reply
            with other.connect() as conn:
                conn.execute(text(
                    "INSERT INTO replies (kind, scope, key, request_hash, status_code, body, actor, created_at)"
                    " SELECT 'scan', '', 's-x', request_hash, 201, '{\"elsewhere\": true}', 'other', now()"
                    " FROM (SELECT :h AS request_hash) h"), {"h": _fingerprint(_move("A", "B", 1))})
        return real(commands)

    monkeypatch.setattr(services.move_stock, "batch", move_stocks)
    try:
        reply = api.post("/moves", _move("A", "B", 1, "s-x"))
    finally:
        other.dispose()
    assert len(runs) == 1  # the second run found the reply and did not move anything
    assert (reply.status_code, reply.json) == (201, {"elsewhere": True})
    stock = {s["location"]: s["on_hand"] for s in api.get("/stock?sku=MUG").json["items"]}
    assert stock == {"A": 10}  # our first run's move was rolled back with its batch


def _fingerprint(body: dict) -> str:
    return scan_key("unused", "POST /moves", body).fingerprint
