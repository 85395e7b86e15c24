"""Many scanners at once, through the real HTTP app, on SQLite and real PostgreSQL: the ledger stays true.

Each thread has its own Flask test client, so every request runs in its own app context, session and
database connection, as it would under a threaded server. The assertions are the invariants of
DESIGN.md ("The stock ledger", "Concurrency") checked after the storm, plus one stronger check: replaying
the booked moves in id order never takes a bin below zero and lands on the database's quants. Id order is
commit order for any two moves that touch one quant (the move row is inserted after the quant lock is
taken), so a lost update or a double take anywhere would show up there.
"""
from __future__ import annotations

import json
import random
import threading
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select, text, update

from tests.conftest import Api, _dispose, _fresh_app
from wms.cli import main as wms_cli
from wms.db import db
from wms.inventory.models import Location, Move, Product, Quant
from wms.inventory.queries import check_ledger

THREADS = 16
OPS_PER_THREAD = 20  # 320 scans in all
BINS = ("C-1", "C-2", "C-3", "C-4")
SKUS = ("BOLT", "NUT")
OPENING = 12  # per SKU per bin: small, so that moves often run into an empty bin and get 409
LOSS = "VIRTUAL-LOSS"


def setup_floor(app, opening: int = OPENING, bins=BINS, stocked=None) -> Api:
    """Products, bins and opening stock in `stocked` (default: every bin), booked as adjustments like a
    first count; returns a supervisor client."""
    api = Api(app, "supervisor")
    for sku in SKUS:
        assert api.post("/products", {"sku": sku, "name": sku.title(), "weight_g": 10}).status_code == 201
    for code in bins:
        assert api.post("/locations", {"code": code, "type": "storage"}).status_code == 201
        for sku in SKUS if stocked is None or code in stocked else ():
            r = api.post("/adjustments", {"sku": sku, "location": code, "delta": opening,
                                          "reason": "opening"})
            assert r.status_code == 201, r.json
    return api


def run_threads(n: int, work):
    """Run work(index, barrier) on n threads released together; re-raise the first failure of any."""
    barrier = threading.Barrier(n, timeout=30)
    with ThreadPoolExecutor(max_workers=n) as pool:
        futures = [pool.submit(work, i, barrier) for i in range(n)]
        return [f.result(timeout=120) for f in futures]


def post(client, headers, path, body):
    r = client.post("/api/v1" + path, json=body, headers=headers)
    return r.status_code, r.get_json(), r.get_data()


def wms_check(app):
    """`wms check` as an operator runs it: a new app built from WMS_* variables only."""
    env = {"WMS_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "WMS_INSTANCE_PATH": app.instance_path,
           "WMS_SCHEDULER": "off"}
    return CliRunner().invoke(wms_cli, ["check"], env=env)


def real_quants(app) -> dict[tuple[str, str], int]:
    with app.app_context():
        rows = db.session.execute(
            select(Product.sku, Location.code, Quant.on_hand)
            .join(Product, Product.id == Quant.product_id).join(Location, Location.id == Quant.location_id)
            .where(Quant.virtual.is_(False))
        ).all()
    return {(sku, code): on_hand for sku, code, on_hand in rows if on_hand}


def ledger_rows(app) -> list[tuple]:
    with app.app_context():
        moves = db.session.scalars(select(Move).order_by(Move.id)).unique().all()
        return [(m.id, m.product.sku, m.from_location.code, m.to_location.code, m.quantity, m.kind)
                for m in moves]


def assert_invariants(app):
    """Everything DESIGN.md promises about the ledger, checked from the database itself."""
    with app.app_context():
        assert check_ledger() == []
        negative = db.session.execute(
            select(Quant.id, Quant.on_hand).where(Quant.virtual.is_(False), Quant.on_hand < 0)).all()
        assert negative == []
        over = db.session.execute(select(Quant.id).where(
            (Quant.reserved < 0) | (~Quant.virtual & (Quant.reserved > Quant.on_hand)))).all()
        assert over == []
        sums = dict(db.session.execute(
            select(Quant.product_id, func.sum(Quant.on_hand)).group_by(Quant.product_id)).all())
        assert sums and all(total == 0 for total in sums.values()), sums
    result = wms_check(app)
    assert result.exit_code == 0, result.output
    assert "ledger ok" in result.output


def random_scan(rng: random.Random) -> tuple[str, dict]:
    sku = rng.choice(SKUS)
    roll = rng.random()
    if roll < 0.6:
        src, dst = rng.sample(BINS, 2)
        return "/moves", {"sku": sku, "from_location": src, "to_location": dst,
                          "quantity": rng.randint(1, 6)}
    if roll < 0.85:
        delta = rng.choice([-5, -3, -2, -1, 1, 2, 3, 4])
        return "/adjustments", {"sku": sku, "location": rng.choice(BINS), "delta": delta,
                                "reason": "found/lost"}
    return "/adjustments", {"sku": sku, "location": rng.choice(BINS), "counted": rng.randint(0, 15),
                            "reason": "cycle count"}


@pytest.mark.parametrize("seed", [20240611])
def test_random_moves_and_adjustments_keep_every_invariant(any_app, seed):
    api = setup_floor(any_app)
    opening = ledger_rows(any_app)
    headers = api.headers

    finished = threading.Semaphore(0)

    def scanner(index, barrier):
        rng = random.Random(seed * 100 + index)
        client = any_app.test_client()
        barrier.wait()
        out, scanned = [], []
        device = {**headers, "X-WMS-Device": f"hh-{index}"}
        try:
            for n in range(OPS_PER_THREAD):
                path, body = random_scan(rng)
                if rng.random() < 0.3:
                    body["scan_id"] = f"hh-{index}-{n}"
                status, reply, raw = post(client, device, path, body)
                out.append((path, body, status, reply))
                if "scan_id" in body:
                    scanned.append((path, body, status, raw))
            # Lost replies re-sent while the other scanners still write: each gets its first answer back,
            # byte for byte, and books nothing (the ledger count below would show a second booking).
            for path, body, status, raw in scanned:
                again = post(client, device, path, body)
                assert (again[0], again[2]) == (status, raw)
        finally:
            finished.release()
        return out

    def auditor(barrier):
        """An operator running `wms check` on the live system must not get false alarms mid-storm."""
        barrier.wait()
        audits, done = 0, 0
        while done < THREADS:
            with any_app.app_context():
                assert check_ledger() == [], f"audit {audits} saw a problem while scanners were writing"
            audits += 1
            # Pace the audits (each is a few queries of pure Python) so they sample the storm without
            # starving the scanners of the GIL; a finishing scanner wakes the auditor at once.
            if finished.acquire(timeout=0.1):
                done += 1
            while finished.acquire(blocking=False):
                done += 1
        return audits

    *threads, audits = run_threads(THREADS + 1, lambda i, b: scanner(i, b) if i < THREADS else auditor(b))
    assert audits > 1
    replies = [r for thread in threads for r in thread]
    statuses = Counter((path, status) for path, _, status, _ in replies)
    # Only outcomes a client may see for these requests: booked, nothing to change, or not enough stock.
    # A 500, or a 503 from retries running out, fails the test.
    assert set(statuses) <= {("/moves", 201), ("/moves", 409), ("/adjustments", 201), ("/adjustments", 200),
                             ("/adjustments", 409)}, statuses
    for _, _, status, reply in replies:
        if status == 409:
            assert reply["error"]["code"] in ("insufficient_stock",), reply
    # The run is only a test of concurrency if stock really ran out under contention, and moves went through.
    assert statuses[("/moves", 201)] > 50 and statuses[("/moves", 409)] > 5, statuses

    assert_invariants(any_app)

    # The ledger is exactly the opening lines plus one line per 201 reply, each as the reply described it:
    # nothing booked that the client was told failed, nothing lost that the client was told succeeded.
    booked = {reply["id"]: (path, body, reply) for path, body, status, reply in replies if status == 201}
    rows = ledger_rows(any_app)
    assert len(rows) == len(opening) + len(booked)
    assert {r[0] for r in rows} == {r[0] for r in opening} | set(booked)
    for move_id, sku, src, dst, qty, kind in rows[len(opening):]:
        path, body, reply = booked[move_id]
        assert (sku, src, dst, qty) == (
            reply["sku"], reply["from_location"], reply["to_location"], reply["quantity"])
        if path == "/moves":
            assert (kind, src, dst, qty) == (
                "move", body["from_location"], body["to_location"], body["quantity"])
        else:
            assert kind == "adjustment" and body["location"] in (src, dst)

    # Replay in id order: no bin ever below zero, every count lands the bin on the counted figure,
    # and the end state is the database's quants.
    stock: dict[tuple[str, str], int] = defaultdict(int)
    for move_id, sku, src, dst, qty, _ in rows:
        stock[(sku, src)] -= qty
        stock[(sku, dst)] += qty
        if src != LOSS and not src.startswith("VIRTUAL-"):
            assert stock[(sku, src)] >= 0, f"move {move_id} took {sku} at {src} below zero"
        if move_id in booked and "counted" in booked[move_id][1]:
            body = booked[move_id][1]
            assert stock[(sku, body["location"])] == body["counted"], \
                f"count {move_id} was booked on a stale figure"
    expected = {k: v for k, v in stock.items() if v and not k[1].startswith("VIRTUAL-")}
    assert real_quants(any_app) == expected

    # And what the scanners read back over HTTP agrees.
    for sku in SKUS:
        items = api.get(f"/stock?sku={sku}&limit=500").json["items"]
        assert {(sku, i["location"]): i["on_hand"] for i in items} == {
            k: v for k, v in expected.items() if k[0] == sku}


def test_threads_racing_for_the_last_units_move_exactly_what_is_there(any_app):
    stock_in_bin = 40
    api = setup_floor(any_app, opening=stock_in_bin, stocked=("C-1",),
                      bins=("C-1",) + tuple(f"D-{i}" for i in range(THREADS)))
    headers = api.headers

    def picker(index, barrier):
        client = any_app.test_client()
        barrier.wait()
        moved = 0
        while True:
            status, reply, _ = post(client, headers, "/moves", {
                "sku": "BOLT", "from_location": "C-1", "to_location": f"D-{index}", "quantity": 1})
            if status == 409:
                # Once the bin is empty it stays empty: nothing moves stock into C-1 during the race.
                assert reply["error"]["code"] == "insufficient_stock"
                assert reply["error"]["details"]["available"] == 0
                return moved
            assert status == 201, reply
            moved += 1

    moved = run_threads(THREADS, picker)
    assert sum(moved) == stock_in_bin
    assert sum(1 for m in moved if m) > 1, "the race needs more than one winner to prove anything"
    quants = real_quants(any_app)
    assert ("BOLT", "C-1") not in quants
    assert {k: v for k, v in quants.items() if k[0] == "BOLT" and k[1].startswith("D-")} == {
        ("BOLT", f"D-{i}"): n for i, n in enumerate(moved) if n}
    assert_invariants(any_app)


@pytest.mark.parametrize("quantity, status", [(3, 201), (500, 409)], ids=["booked", "rejected"])
def test_one_scan_resent_by_many_threads_is_booked_once_with_one_reply(any_app, quantity, status):
    api = setup_floor(any_app)
    before = ledger_rows(any_app)
    scans = [f"hh1-{n}" for n in range(4)]

    def handheld(index, barrier):
        client = any_app.test_client()
        body = {"sku": "BOLT", "from_location": "C-1", "to_location": "C-2", "quantity": quantity,
                "scan_id": scans[index % len(scans)]}
        barrier.wait()
        code, _, raw = post(client, api.headers, "/moves", body)
        return body["scan_id"], code, raw

    replies = run_threads(THREADS, handheld)
    by_scan = defaultdict(set)
    for scan_id, code, raw in replies:
        assert code == status, raw
        by_scan[scan_id].add(raw)
    # Every copy of one scan got byte-for-byte the same reply; distinct scans got their own.
    assert all(len(bodies) == 1 for bodies in by_scan.values()) and len(by_scan) == len(scans)
    after = ledger_rows(any_app)
    assert len(after) == len(before) + (len(scans) if status == 201 else 0)
    if status == 201:
        booked = {db_row[0] for db_row in after[len(before):]}
        assert booked == {json.loads(next(iter(b)))["id"] for b in by_scan.values()}
    taken = len(scans) * quantity if status == 201 else 0
    assert real_quants(any_app).get(("BOLT", "C-1"), 0) == OPENING - taken
    assert_invariants(any_app)


@pytest.mark.postgres
def test_a_scan_that_stayed_busy_is_not_stored_so_its_resend_is_booked(tmp_path, request):
    """503 busy says "try again": a handheld's retry carries the same scan_id and must then be booked.

    A real lock race, not a simulated one: another transaction holds the bin's quant, and the server runs
    with a lock_timeout (a setting production PostgreSQL servers commonly have) and one retry.
    """
    app = _fresh_app("postgresql", tmp_path, request, WMS_TRANSACTION_RETRIES=1, SQLALCHEMY_ENGINE_OPTIONS={
        "pool_size": 4, "connect_args": {"options": "-c lock_timeout=100"}})
    holder = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        api = setup_floor(app, bins=("C-1", "C-2"))
        before = len(ledger_rows(app))
        body = {"sku": "BOLT", "from_location": "C-1", "to_location": "C-2", "quantity": 2,
                "scan_id": "hh-busy-1"}
        with holder.connect() as conn:
            conn.execute(text(
                "SELECT q.id FROM quants q JOIN products p ON p.id = q.product_id JOIN locations l"
                " ON l.id = q.location_id WHERE p.sku = 'BOLT' AND l.code = 'C-1' FOR UPDATE"))
            busy = api.post("/moves", body)
            assert busy.status_code == 503 and busy.json["error"]["code"] == "busy", busy.json
            conn.rollback()
        again = api.post("/moves", body)
        assert again.status_code == 201, again.json
        assert api.post("/moves", body).get_data() == again.get_data()  # from here on it replays as usual
        assert len(ledger_rows(app)) == before + 1
        assert_invariants(app)
    finally:
        holder.dispose()
        _dispose(app)


def test_the_invariant_checks_catch_a_tampered_quant(app):
    """The checks above can fail: a quant changed behind the ledger's back is reported; `wms check` fails."""
    setup_floor(app, bins=("C-1",))
    with app.app_context():
        db.session.execute(update(Quant).where(Quant.virtual.is_(False)).values(on_hand=Quant.on_hand + 1))
        db.session.commit()
        kinds = {p.kind for p in check_ledger()}
    assert {"quant_mismatch", "unbalanced_sku"} <= kinds
    result = wms_check(app)
    assert result.exit_code == 1 and "quant_mismatch" in result.output
