"""Migrations on live data: `wms init` upgrades a warehouse made by an earlier version in place."""
from __future__ import annotations

import contextlib
import os
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from tests.conftest import Api, _dispose, fresh_pg_database, make_app
from wms import setup
from wms.db import db
from wms.webhooks.models import WebhookQueue


@contextlib.contextmanager
def _empty_database(backend: str, tmp_path):
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'wms.db'}"
    else:
        with fresh_pg_database(f"wms_test_migrations_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_"
                               f"{os.getpid()}") as url:
            yield url


@contextlib.contextmanager
def _upgraded_to(revision: str):
    """In an app context: a transaction on the database migrated up to `revision` only, committed on leaving."""
    cfg = setup.alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        yield conn


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_gtins_stored_before_0006_still_match_scans_and_duplicates_by_value(backend, tmp_path):
    with _empty_database(backend, tmp_path) as url:
        app = make_app(url, tmp_path)
        try:
            with app.app_context():
                with _upgraded_to("0005") as conn:
                    # Before 0006 a product's GTIN was kept only as the GTIN-14.
                    conn.execute(text("INSERT INTO products (sku, name, gtin, weight_g, lot_tracked, expiry_tracked, "
                                      "serial_tracked, created_at) VALUES ('MUG', 'Mug', '04006381333931', 350, "
                                      ":no, :no, :no, CURRENT_TIMESTAMP)"), {"no": False})
                setup.upgrade_schema()
                setup.ensure_fixed_locations()
            api = Api(app)
            # What the client sent then is not known any more; the GTIN-14 it was answered with stays.
            assert api.get("/products/MUG").json["gtin"] == "04006381333931"
            rid = api.post("/receipts", {"reference": "PO-1", "lines": [{"sku": "MUG", "quantity": 5}]}).json["id"]
            r = api.post(f"/receipts/{rid}/scan", {"barcode": "4006381333931"})
            assert r.status_code == 201 and r.json["sku"] == "MUG", r.json
            r = api.post("/products", {"sku": "MUG-2", "name": "Mug", "weight_g": 350, "gtin": "4006381333931"})
            assert r.status_code == 409 and r.json["error"]["code"] == "gtin_exists"
        finally:
            _dispose(app)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_deliveries_in_flight_before_0007_wait_in_queues_due_with_their_heads(backend, tmp_path):
    with _empty_database(backend, tmp_path) as url:
        app = make_app(url, tmp_path)
        try:
            with app.app_context():
                with _upgraded_to("0006") as conn:
                    conn.execute(text("INSERT INTO webhook_endpoints (id, url, events, secret, active, created_by, "
                                      "created_at) VALUES (1, 'https://shop.example/hooks', '[]', 'whsec_x', :yes, "
                                      "'test', CURRENT_TIMESTAMP)"), {"yes": True})
                    for n in range(1, 6):
                        conn.execute(text("INSERT INTO webhook_events (id, msg_id, type, aggregate, sequence, body, "
                                          "created_at) VALUES (:n, :msg, 'order.picked', :agg, :n, '{}', "
                                          "CURRENT_TIMESTAMP)"),
                                     {"n": n, "msg": f"msg_{n}", "agg": "order:1" if n <= 3 else "order:2"})
                    # order:1: delivered, then a failed head waiting for its retry, then one behind it;
                    # order:2: a delivery a worker held when the upgrade ran, then one behind it.
                    for n, status, due in ((1, "delivered", "2026-01-01 00:00:00"), (2, "pending", "2026-01-01 10:00:00"),
                                           (3, "pending", "2026-01-01 00:00:01"), (4, "delivering", "2026-01-01 00:00:02"),
                                           (5, "pending", "2026-01-01 00:00:03")):
                        conn.execute(text("INSERT INTO webhook_deliveries (endpoint_id, event_id, aggregate, status, "
                                          "attempts, next_attempt_at, lease_until, claimed_by, created_at) VALUES "
                                          "(1, :n, :agg, :status, 0, :due, NULL, NULL, CURRENT_TIMESTAMP)"),
                                     {"n": n, "agg": "order:1" if n <= 3 else "order:2", "status": status,
                                      "due": datetime.fromisoformat(due).replace(tzinfo=UTC)})
                setup.upgrade_schema()
                queues = {a: (t if t.tzinfo else t.replace(tzinfo=UTC)) for a, t in db.session.execute(
                    select(WebhookQueue.aggregate, WebhookQueue.next_attempt_at))}
                statuses = dict(db.session.execute(text("SELECT event_id, status FROM webhook_deliveries")).all())
                db.session.rollback()
            assert queues == {"order:1": datetime(2026, 1, 1, 10, tzinfo=UTC),
                              "order:2": datetime(2026, 1, 1, 0, 0, 2, tzinfo=UTC)}
            assert statuses == {1: "delivered", 2: "pending", 3: "pending", 4: "pending", 5: "pending"}
        finally:
            _dispose(app)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_the_migrated_schema_is_the_models_schema(backend, tmp_path):
    with _empty_database(backend, tmp_path) as url:
        app = make_app(url, tmp_path)
        try:
            with app.app_context():
                setup.upgrade_schema()
                with db.engine.connect() as conn:
                    assert compare_metadata(MigrationContext.configure(conn), db.metadata) == []
        finally:
            _dispose(app)
