"""Allocating many orders in one transaction promises exactly what allocating them one by one would."""
from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import insert, select

from tests.conftest import _dispose, _fresh_app

SCENARIOS = 4


def _world(app, seed: int) -> list[int]:
    """Products with stock spread over pick faces and reserve bins (some expiry-tracked), and received orders."""
    from wms.db import db, utcnow
    from wms.inventory import ledger, services
    from wms.inventory.domain import CreateLocation, CreateProduct
    from wms.inventory.ledger import Actor, Transfer
    from wms.inventory.models import SUPPLIER
    from wms.orders.models import Order, OrderLine
    from wms.pipeline import pipeline_of
    from wms.unit_of_work import atomic

    rng = random.Random(seed)
    pipeline = pipeline_of(app)
    with app.app_context():
        @atomic
        def stock():
            supplier = services.location_by_code(SUPPLIER)
            products, transfers = [], []
            for p in range(5):
                fefo = p % 2 == 0
                product = pipeline.handle(CreateProduct({"sku": f"S{seed}-P{p}", "name": "thing", "weight_g": 10,
                                                         "lot_tracked": fefo, "expiry_tracked": fefo}))
                products.append(product)
                for b in range(rng.randint(1, 4)):
                    kind = "pick_face" if b % 2 == 0 else "storage"
                    bin_ = pipeline.handle(CreateLocation({"code": f"S{seed}-P{p}-B{b}", "type": kind}))
                    lot = f"L{b}" if fefo else ""
                    expiry = date(2030, 1, 1) + timedelta(days=rng.randint(0, 5)) if fefo else None
                    transfers.append(Transfer(product, supplier, bin_, rng.randint(1, 12), lot, expiry, kind="receipt"))
            ledger.post(transfers, Actor("test"))
            return [p.id for p in products]

        product_ids = stock()
        now = utcnow()
        db.session.execute(insert(Order), [
            {"external_id": f"S{seed}-O{i}", "status": "received", "ship_to": {}, "service_level": "standard",
             "priority": 0, "allocation": rng.choice(("partial", "partial", "whole")), "created_by": "test",
             "created_at": now, "updated_at": now} for i in range(25)])
        ids = list(db.session.scalars(select(Order.id).where(Order.external_id.like(f"S{seed}-O%"))
                                      .order_by(Order.id)))
        db.session.execute(insert(OrderLine), [
            {"order_id": order_id, "product_id": pid, "quantity": rng.randint(1, 6), "allocated": 0, "picked": 0,
             "shipped": 0} for order_id in ids for pid in rng.sample(product_ids, rng.randint(1, 3))])
        db.session.commit()
    return ids


def _outcome(app) -> tuple[dict, dict]:
    """Each order's status, and each line's reservations as {bin code: units}."""
    from wms.db import db
    from wms.inventory.models import Location, Quant
    from wms.orders.models import Order, OrderLine, Reservation

    with app.app_context():
        statuses = dict(db.session.execute(select(Order.external_id, Order.status)).all())
        held: dict = {}
        for external_id, line_id, code, units in db.session.execute(
                select(Order.external_id, OrderLine.id, Location.code, Reservation.quantity)
                .join(OrderLine, OrderLine.order_id == Order.id)
                .join(Reservation, Reservation.order_line_id == OrderLine.id)
                .join(Quant, Quant.id == Reservation.quant_id).join(Location, Location.id == Quant.location_id)):
            held.setdefault((external_id, line_id), {})[code] = units
        return statuses, held


def test_a_batch_promises_what_orders_one_by_one_would(tmp_path, request):
    """Same stock and orders on two databases: one allocates them all at once, the other order by order."""
    from wms.inventory.queries import check_ledger
    from wms.orders.domain import AllocateWaitingOrders
    from wms.orders.queries import check_reservations
    from wms.pipeline import pipeline_of

    apps = []
    try:
        for name in ("together", "one-by-one"):
            (tmp_path / name).mkdir()
            apps.append(_fresh_app("sqlite", tmp_path / name, request))
        for app, batched in zip(apps, (True, False)):
            ids = [i for seed in range(SCENARIOS) for i in _world(app, seed)]
            with app.app_context():
                if batched:
                    pipeline_of(app).handle(AllocateWaitingOrders(tuple(ids), "test"))
                else:
                    for order_id in ids:
                        pipeline_of(app).handle(AllocateWaitingOrders((order_id,), "test"))
                assert check_ledger() == [] and check_reservations() == []
        statuses, held = _outcome(apps[0])
        assert (statuses, held) == _outcome(apps[1])
        assert set(statuses.values()) >= {"allocated", "backordered"}  # stock ran short: the order mattered
        assert any(len(bins) > 1 for bins in held.values())  # and lines were split over bins
    finally:
        for app in apps:
            _dispose(app)
