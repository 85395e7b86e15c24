"""Migrations on live data: `wms init` upgrades a warehouse made by an earlier version in place."""
from __future__ import annotations

import contextlib
import os

import pytest
from alembic import command
from sqlalchemy import text

from tests.conftest import Api, _dispose, fresh_pg_database, make_app
from wms import setup
from wms.db import db


@contextlib.contextmanager
def _empty_database(backend: str, tmp_path):
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'wms.db'}"
    else:
        with fresh_pg_database(f"wms_test_migrations_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_"
                               f"{os.getpid()}") as url:
            yield url


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_gtins_stored_before_0006_still_match_scans_and_duplicates_by_value(backend, tmp_path):
    with _empty_database(backend, tmp_path) as url:
        app = make_app(url, tmp_path)
        try:
            with app.app_context():
                cfg = setup.alembic_config()
                with db.engine.begin() as conn:
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "0005")
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
