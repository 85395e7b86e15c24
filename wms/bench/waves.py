"""The wave figures for `wms bench`: 10,000 open orders of about 3 lines allocated, batched and routed.

Runs the service's own code on a throw-away SQLite database holding 10,000 received orders (loaded
in bulk): `AllocateWaitingOrders` promises them stock (1,000 orders a transaction), then
`waves.plan_wave` reads their reservations, plans carts and routes them, and `ReleaseWave` writes pick
lists, totes and tasks. The whole sequence is timed as one. The naive run releases the same orders,
allocated the same way, onto first-come-first-served carts routed S-shape; its allocation is the
per-order kind (one transaction each, as the orders benchmark's naive row), timed on a sample and
scaled, since 10,000 of them would take minutes.
Wall-clock time, since the wave uses every core; the machine's load is printed with the table.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, insert, select

from wms import config
from wms.bench.databases import app_on, temp_database
from wms.db import db, utcnow
from wms.inventory.domain import GenerateLayout
from wms.inventory.layout import LayoutSpec, bin_code
from wms.inventory.models import Location, Product, Quant
from wms.orders.domain import AllocateWaitingOrders
from wms.orders.models import Order, OrderLine
from wms.picking import waves
from wms.picking.batching import fcfs_batches
from wms.picking.domain import ReleaseWave
from wms.picking.models import PickList
from wms.picking.planning import plan_carts
from wms.picking.routing import s_shape
from wms.pipeline import pipeline_of

# 20 aisles x 25 bay positions x 2 sides x 2 levels, two blocks; level 1 is pick faces.
SPEC = LayoutSpec(aisles=20, bays_per_aisle=25, levels=2, bay_width_m=1.2, aisle_width_m=3.0, cross_aisles=1)
SKUS = 1000  # one pick face (level 1) and one reserve bin (level 2) each
ALLOCATE_CHUNK = 1000  # orders allocated per transaction
CARRIERS = ("fedex", "ups", "dhl", None)


def _fill(n_orders: int, seed: int) -> None:
    """Layout, products, stock, and `n_orders` received orders waiting to be allocated."""
    pipeline_of(current_app).handle(GenerateLayout(SPEC, pick_face_levels=(1,)))
    rng = random.Random(seed)
    now = utcnow()
    products = sorted(_fill_stock(rng, now))
    address = {"name": "Bench", "street1": "1 Main St", "city": "Memphis", "state": "TN", "postal_code": "38103",
               "country": "US"}
    db.session.execute(insert(Order), [
        {"external_id": f"BENCH-{i}", "status": "received", "ship_to": address, "service_level": "standard",
         "carrier": rng.choice(CARRIERS), "priority": rng.choice((0, 0, 0, 1, 5)), "allocation": "partial",
         "created_by": "bench", "created_at": now + timedelta(seconds=i), "updated_at": now}
        for i in range(n_orders)])
    order_ids = list(db.session.scalars(select(Order.id).order_by(Order.id)))
    lines = []
    for order_id in order_ids:
        for product_id in rng.sample(products, rng.choice((1, 2, 3, 3, 4, 5))):
            lines.append({"order_id": order_id, "product_id": product_id, "quantity": rng.randint(1, 3),
                          "allocated": 0, "picked": 0, "shipped": 0})
    db.session.execute(insert(OrderLine), lines)
    db.session.commit()


def _fill_stock(rng: random.Random, now) -> dict[int, int]:
    """Each product in one pick face (level 1) and the reserve bin above it; returns product -> face quant id."""
    positions = [(a, b) for a in range(1, SPEC.aisles + 1) for b in range(1, 2 * SPEC.bays_per_aisle + 1)]
    rng.shuffle(positions)
    db.session.execute(insert(Product), [{"sku": f"BENCH-{i:05d}", "name": f"Bench product {i}", "weight_g": 100}
                                         for i in range(SKUS)])
    product_ids = list(db.session.scalars(select(Product.id).order_by(Product.id)))
    codes = {code: loc_id for code, loc_id in db.session.execute(select(Location.code, Location.id))}
    quants = []
    for product_id, (aisle, bay) in zip(product_ids, positions):
        for level, on_hand in ((1, 500), (2, 1000)):
            quants.append({"product_id": product_id, "location_id": codes[bin_code(aisle, bay, level)], "lot": "",
                           "on_hand": on_hand, "reserved": 0, "virtual": False, "in_date": now, "updated_at": now})
    db.session.execute(insert(Quant), quants)
    faces = db.session.execute(select(Quant.product_id, Quant.id).join(Location, Location.id == Quant.location_id)
                               .where(Location.type == "pick_face")).all()
    return dict(faces)


def _naive(plan, orders, capacity):
    return fcfs_batches(plan, orders, capacity, router=s_shape)


@dataclass
class WaveRun:
    allocate_s: float  # allocating every received order
    release_s: float  # releasing them as routed pick lists
    cpu_seconds: float  # this process only: the planning workers' CPU is not in it
    travel_m: float
    pick_lists: int
    allocated: int


def _allocate_all(chunk: int) -> tuple[float, int]:
    """Allocate every received order, `chunk` orders a transaction; returns (seconds, orders served)."""
    ids = list(db.session.scalars(select(Order.id).where(Order.status == "received").order_by(Order.id)))
    db.session.rollback()
    pipeline = pipeline_of(current_app)
    started = time.perf_counter()
    for k in range(0, len(ids), chunk):
        pipeline.handle(AllocateWaitingOrders(tuple(ids[k:k + chunk]), "bench"))
    return time.perf_counter() - started, len(ids)


def _run(n_orders: int, naive: bool) -> WaveRun:
    with temp_database("sqlite", "naive-wave" if naive else "wave") as bench_db, app_on(bench_db) as app:
        _fill(n_orders, seed=n_orders)
        db.session.rollback()
        cpu = time.process_time()
        allocate_s, allocated = _allocate_all(ALLOCATE_CHUNK)
        started = time.perf_counter()
        plan = waves.plan_wave({}, config.settings(), planner=_naive if naive else plan_carts)
        wave = pipeline_of(app).handle(ReleaseWave(plan, "bench"))
        release_s = time.perf_counter() - started
        cpu = time.process_time() - cpu
        travel, lists = db.session.execute(
            select(func.sum(PickList.route_length_m), func.count()).where(PickList.wave_id == wave.id)).one()
        return WaveRun(allocate_s, release_s, cpu, float(travel), int(lists), allocated)


def _per_order_allocation_s(sample: int) -> float:
    """Seconds per order when each order is allocated in a transaction of its own (the naive way)."""
    with temp_database("sqlite", "naive-alloc") as bench_db, app_on(bench_db):
        _fill(sample, seed=sample)
        db.session.rollback()
        seconds, served = _allocate_all(1)
        return seconds / served


def rows(quick: bool, echo: Callable[[str], None] = print) -> list[dict]:
    """A day's open orders allocated and released as routed pick lists: time, and the travel those lists need."""
    n, sample = (1000, 200) if quick else (10_000, 1000)
    ours = _run(n, naive=False)
    naive = _run(n, naive=True)
    naive_allocate_s = n * _per_order_allocation_s(sample)
    what = f"{n:,} open orders of ~3 lines, SQLite, carts of 12"
    return [
        {"what": f"allocate + batch + route {what}: AllocateWaitingOrders ({ALLOCATE_CHUNK:,} a transaction), batch(), "
                 "best_route vs one transaction per order, FCFS, S-shape",
         "ours": round(ours.allocate_s + ours.release_s, 2),
         "naive": round(naive_allocate_s + naive.release_s, 2), "unit": "s", "target": "< 10",
         "notes": f"allocation {ours.allocate_s:.2f} s ({ours.allocated:,} orders), release {ours.release_s:.2f} s "
                  f"({ours.pick_lists} pick lists: read, batch, route, write); CPU {ours.cpu_seconds:.1f} s in this "
                  f"process; naive allocation timed on {sample:,} orders and scaled"},
        {"what": f"  allocation alone, {n:,} received orders", "ours": round(n / ours.allocate_s),
         "naive": round(1 / naive_allocate_s * n), "unit": "orders/s", "target": None},
        {"what": "  release alone: batch() + best_route vs FCFS + S-shape", "ours": round(ours.release_s, 2),
         "naive": round(naive.release_s, 2), "unit": "s", "target": None},
        {"what": "total route length of that wave: batch() + best_route vs FCFS + S-shape",
         "ours": round(ours.travel_m, 1), "naive": round(naive.travel_m, 1), "unit": "m", "target": "shorter"},
    ]
