"""The wave figures for `wms bench`: releasing 10,000 open orders of about 3 lines as pick lists.

Runs the service's own code on a throw-away SQLite database holding 10,000 allocated orders
(loaded in bulk, with their reservations): `waves.release_wave` reads their reservations, plans
carts and routes them, and writes pick lists, totes and tasks. The naive run does the same on an
identical database with first-come-first-served carts routed S-shape. Allocation belongs to the
orders package (`allocate_orders`, each order allocated and settled with its events); its rate is
measured beside, on received orders of the same shape, so the whole "allocate, batch and route"
time can be read off.
Wall-clock time, since the wave uses every core; the machine's load is printed with the table.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, insert, select, update

from wms.db import db, utcnow
from wms.inventory.layout import LayoutSpec, bin_code
from wms.inventory.models import Location, Product, Quant
from wms.inventory.services import generate_layout
from wms.orders.models import Order, OrderLine, Reservation
from wms.orders.services import allocate_orders
from wms.picking import waves
from wms.picking.batching import fcfs_batches
from wms.picking.models import PickList
from wms.picking.planning import plan_carts
from wms.picking.routing import s_shape

# 20 aisles x 25 bay positions x 2 sides x 2 levels, two blocks; level 1 is pick faces.
SPEC = LayoutSpec(aisles=20, bays_per_aisle=25, levels=2, bay_width_m=1.2, aisle_width_m=3.0, cross_aisles=1)
SKUS = 1000  # one pick face (level 1) and one reserve bin (level 2) each
ALLOCATE_CHUNK = 200  # as the orders benchmark batches them
CARRIERS = ("fedex", "ups", "dhl", None)


def _fill(n_allocated: int, n_received: int, seed: int) -> None:
    """Layout, products, stock; `n_allocated` orders allocated from pick faces and `n_received` waiting."""
    generate_layout(SPEC, pick_face_levels=(1,))
    rng = random.Random(seed)
    now = utcnow()
    face = _fill_stock(rng, now)
    products = sorted(face)
    address = {"name": "Bench", "street1": "1 Main St", "city": "Memphis", "state": "TN", "postal_code": "38103",
               "country": "US"}
    total = n_allocated + n_received
    db.session.execute(insert(Order), [
        {"external_id": f"BENCH-{i}", "status": "allocated" if i < n_allocated else "received",
         "ship_to": address, "service_level": "standard", "carrier": rng.choice(CARRIERS),
         "priority": rng.choice((0, 0, 0, 1, 5)), "allocation": "partial", "created_by": "bench",
         "created_at": now + timedelta(seconds=i), "updated_at": now}
        for i in range(total)])
    order_ids = list(db.session.scalars(select(Order.id).order_by(Order.id)))
    lines = []
    for k, order_id in enumerate(order_ids):
        for product_id in rng.sample(products, rng.choice((1, 2, 3, 3, 4, 5))):
            quantity = rng.randint(1, 3)
            lines.append({"order_id": order_id, "product_id": product_id, "quantity": quantity,
                          "allocated": quantity if k < n_allocated else 0, "picked": 0, "shipped": 0})
    db.session.execute(insert(OrderLine), lines)
    # What allocation would have done for the allocated ones: each line from its product's pick face.
    allocated = db.session.execute(
        select(OrderLine.id, OrderLine.product_id, OrderLine.quantity).where(OrderLine.allocated > 0)).all()
    if allocated:
        db.session.execute(insert(Reservation), [{"order_line_id": line_id, "quant_id": face[product_id],
                                                  "quantity": quantity} for line_id, product_id, quantity in allocated])
        reserved: dict[int, int] = {}
        for _, product_id, quantity in allocated:
            reserved[face[product_id]] = reserved.get(face[product_id], 0) + quantity
        db.session.execute(update(Quant), [{"id": q, "reserved": n} for q, n in reserved.items()])
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
    seconds: float
    cpu_seconds: float  # this process only: the planning workers' CPU is not in it
    travel_m: float
    pick_lists: int
    allocated_per_s: float | None = None


def _run(n_orders: int, n_received: int, naive: bool) -> WaveRun:
    from wms.bench.databases import app_on, temp_database

    with temp_database("sqlite", "naive-wave" if naive else "wave") as bench_db, app_on(bench_db):
        _fill(n_orders, n_received, seed=n_orders)
        db.session.rollback()
        started, cpu = time.perf_counter(), time.process_time()
        wave = waves.release_wave({}, "bench", planner=_naive if naive else plan_carts)
        run = WaveRun(time.perf_counter() - started, time.process_time() - cpu, 0.0, 0)
        travel, lists = db.session.execute(
            select(func.sum(PickList.route_length_m), func.count()).where(PickList.wave_id == wave.id)).one()
        run.travel_m, run.pick_lists = float(travel), int(lists)
        if n_received:
            ids = list(db.session.scalars(select(Order.id).where(Order.status == "received").order_by(Order.id)))
            db.session.rollback()
            started = time.perf_counter()
            for k in range(0, len(ids), ALLOCATE_CHUNK):
                allocate_orders(ids[k:k + ALLOCATE_CHUNK], "bench")
            run.allocated_per_s = len(ids) / (time.perf_counter() - started)
        return run


def picking_rows(quick: bool = False) -> list[dict]:
    """Releasing a day's open orders as routed pick lists: time, and the travel those lists need."""
    n, sample = (1000, 200) if quick else (10_000, 1000)
    ours = _run(n, 0, naive=False)
    naive = _run(n, sample, naive=True)
    what = f"{n:,} open orders of ~3 lines, SQLite, carts of 12"
    allocating = n / naive.allocated_per_s  # the same for both: allocation does not depend on the wave
    return [
        {"what": f"release {what} ({ours.pick_lists} pick lists: read, batch, route, write): batch() vs FCFS + "
                 "S-shape", "ours": round(ours.seconds, 2), "naive": round(naive.seconds, 2), "unit": "s",
         "target": "< 10", "notes": f"CPU {ours.cpu_seconds:.1f} s in the web process"},
        {"what": f"allocate {sample:,} received orders of ~3 lines (orders.services.allocate_orders, "
                 f"{ALLOCATE_CHUNK} a transaction)",
         "ours": round(naive.allocated_per_s, 1), "naive": None, "unit": "orders/s", "target": None},
        {"what": f"allocate + batch + route {what} (allocation at the rate above)",
         "ours": round(allocating + ours.seconds, 1), "naive": round(allocating + naive.seconds, 1), "unit": "s",
         "target": "< 10", "notes": f"allocation {allocating:.1f} s of it"},
        {"what": "total route length of that wave: batch() + best_route vs FCFS + S-shape",
         "ours": round(ours.travel_m, 1), "naive": round(naive.travel_m, 1), "unit": "m", "target": "shorter"},
    ]
