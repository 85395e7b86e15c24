"""The stock API against a model a person can check by eye: a dict of (SKU, bin) -> units.

Hypothesis drives random sequences of moves (some asking for more than is there), adjustments by delta
and by count, and re-sent scans, over HTTP on a fresh SQLite database per example. After every step the
stock the API reports must equal the model, and the ledger's own audit must be clean. Scans that were
re-sent must get their first reply back byte for byte and change nothing, even when the stock has since
changed so that the same request would now get another answer.
"""
from __future__ import annotations

import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.conftest import Api, _dispose, make_app
from wms.inventory.queries import check_ledger

SKUS = ("MUG", "CUP")
BINS = ("S-1", "S-2", "S-3")

skus = st.sampled_from(SKUS)
bins = st.sampled_from(BINS)
# Small numbers so that bins often run dry and the model's arithmetic is exercised at zero.
quantities = st.integers(1, 12)
deltas = st.integers(-8, 8).filter(bool)
counts = st.integers(0, 15)
with_scan_id = st.booleans()


@dataclass(frozen=True)
class Scan:
    """A scanner write the server answered, kept so the machine can re-send it."""

    path: str
    body: dict
    status: int
    raw: bytes


class LedgerMachine(RuleBasedStateMachine):
    # Set by the test below: the session's migrated SQLite file, and the test's own temporary folder.
    template: Path
    base: Path

    def __init__(self):
        super().__init__()
        # A fresh database per example: Hypothesis replays and shrinks sequences from an empty warehouse.
        self.folder = Path(tempfile.mkdtemp(prefix="example-", dir=self.base))
        shutil.copy(self.template, self.folder / "wms.db")
        self.app = make_app(f"sqlite:///{self.folder / 'wms.db'}", self.folder)
        self.api = Api(self.app, "supervisor")
        for sku in SKUS:
            assert self.api.post("/products", {"sku": sku, "name": sku, "weight_g": 100}).status_code == 201
        for code in BINS:
            assert self.api.post("/locations", {"code": code, "type": "storage"}).status_code == 201
        self.stock: dict[tuple[str, str], int] = defaultdict(int)
        self.scans: dict[str, Scan] = {}
        self.serial = 0

    def teardown(self):
        _dispose(self.app)
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- helpers -----------------------------------------------------------------------------------

    def send(self, path: str, body: dict, scanned: bool):
        if scanned:
            self.serial += 1
            body = {**body, "scan_id": f"scan-{self.serial}"}
        r = self.api.post(path, body)
        if scanned:
            self.scans[body["scan_id"]] = Scan(path, body, r.status_code, r.get_data())
        return r

    # -- rules -------------------------------------------------------------------------------------

    @rule(sku=skus, src=bins, dst=bins, quantity=quantities, scanned=with_scan_id)
    def move(self, sku, src, dst, quantity, scanned):
        body = {"sku": sku, "from_location": src, "to_location": dst, "quantity": quantity}
        r = self.send("/moves", body, scanned)
        if src == dst:
            assert r.status_code == 422 and r.json["error"]["code"] == "same_location"
        elif quantity > self.stock[(sku, src)]:
            assert r.status_code == 409, r.json
            assert r.json["error"]["code"] == "insufficient_stock"
            assert r.json["error"]["details"]["available"] == self.stock[(sku, src)]
        else:
            assert r.status_code == 201, r.json
            assert (r.json["from_location"], r.json["to_location"], r.json["quantity"]) == (
                src, dst, quantity)
            self.stock[(sku, src)] -= quantity
            self.stock[(sku, dst)] += quantity

    @rule(sku=skus, code=bins, delta=deltas, scanned=with_scan_id)
    def adjust_by_delta(self, sku, code, delta, scanned):
        body = {"sku": sku, "location": code, "delta": delta, "reason": "found"}
        r = self.send("/adjustments", body, scanned)
        if self.stock[(sku, code)] + delta < 0:
            assert r.status_code == 409 and r.json["error"]["code"] == "insufficient_stock", r.json
        else:
            assert r.status_code == 201, r.json
            self._check_adjustment(r.json, code, delta)
            self.stock[(sku, code)] += delta

    @rule(sku=skus, code=bins, counted=counts, scanned=with_scan_id)
    def adjust_to_count(self, sku, code, counted, scanned):
        body = {"sku": sku, "location": code, "counted": counted, "reason": "count"}
        r = self.send("/adjustments", body, scanned)
        change = counted - self.stock[(sku, code)]
        if change == 0:
            assert r.status_code == 200, r.json
            assert r.json == {"adjusted": False, "sku": sku, "location": code, "on_hand": counted}
        else:
            assert r.status_code == 201, r.json
            self._check_adjustment(r.json, code, change)
            self.stock[(sku, code)] = counted

    @staticmethod
    def _check_adjustment(move: dict, code: str, change: int):
        expected = ("VIRTUAL-LOSS", code) if change > 0 else (code, "VIRTUAL-LOSS")
        assert (move["from_location"], move["to_location"], move["quantity"], move["kind"]) == (
            *expected, abs(change), "adjustment")

    @precondition(lambda self: self.scans)
    @rule(data=st.data())
    def resend_a_scan(self, data):
        """A handheld that lost the reply sends the same scan again: same reply, nothing changes."""
        scan = self.scans[data.draw(st.sampled_from(sorted(self.scans)), label="scan_id")]
        r = self.api.post(scan.path, scan.body)
        assert (r.status_code, r.get_data()) == (scan.status, scan.raw)

    @precondition(lambda self: any(s.status == 409 and s.path == "/moves" for s in self.scans.values()))
    @rule(data=st.data())
    def resend_a_rejected_move_after_stock_arrived(self, data):
        """The stored rejection stands even once the bin holds enough: the scan was answered, once."""
        rejected = sorted(k for k, s in self.scans.items() if s.status == 409 and s.path == "/moves")
        scan = self.scans[data.draw(st.sampled_from(rejected), label="scan_id")]
        sku, src, quantity = scan.body["sku"], scan.body["from_location"], scan.body["quantity"]
        top_up = quantity - self.stock[(sku, src)]
        if top_up > 0:
            r = self.api.post("/adjustments", {"sku": sku, "location": src, "delta": top_up,
                                               "reason": "found"})
            assert r.status_code == 201, r.json
            self.stock[(sku, src)] += top_up
        assert self.stock[(sku, src)] >= quantity  # the same request without its scan_id would now be booked
        r = self.api.post(scan.path, scan.body)
        assert (r.status_code, r.get_data()) == (409, scan.raw)

    @precondition(lambda self: self.scans)
    @rule(data=st.data(), quantity=quantities)
    def reuse_a_scan_id_for_another_scan(self, data, quantity):
        scan_id = data.draw(st.sampled_from(sorted(self.scans)), label="scan_id")
        body = {"sku": SKUS[0], "from_location": BINS[0], "to_location": BINS[1], "quantity": quantity,
                "scan_id": scan_id}
        if body == self.scans[scan_id].body:
            return  # that is a plain re-send, covered above
        r = self.api.post("/moves", body)
        assert r.status_code == 422 and r.json["error"]["code"] == "scan_id_reused"

    # -- invariants --------------------------------------------------------------------------------

    @invariant()
    def stock_matches_the_model(self):
        items = self.api.get("/stock?limit=500").json["items"]
        reported = {(i["sku"], i["location"]): i["on_hand"] for i in items}
        assert reported == {k: v for k, v in self.stock.items() if v}
        assert all(i["reserved"] == 0 and i["available"] == i["on_hand"] for i in items)

    @invariant()
    def ledger_audit_is_clean(self):
        with self.app.app_context():
            assert check_ledger() == []


def test_ledger_behaves_like_the_model(sqlite_template, tmp_path):
    LedgerMachine.template, LedgerMachine.base = sqlite_template, tmp_path
    run_state_machine_as_test(LedgerMachine, settings=settings(
        max_examples=10, stateful_step_count=20, deadline=None,
        # Each example builds an app on a copied database; that is the point, not a slow strategy.
        suppress_health_check=[HealthCheck.too_slow],
        # Shrink one failure to its shortest sequence rather than several: every step is a few HTTP calls.
        report_multiple_bugs=False,
    ))

