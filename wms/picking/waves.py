"""Releasing a wave: choose allocated orders, batch them onto carts, route each cart, record the work.

Planning a large wave takes seconds of CPU, so it happens before the command, outside any write
transaction (`plan_wave`): the orders and their reservations are read and carts planned. The
command `ReleaseWave` carries the plan, and its handler, one short transaction, locks the orders,
keeps those whose work is still exactly what was planned (an order cancelled or re-allocated
meanwhile drops out, its cart re-routed without it) and writes pick lists, totes and tasks. On
SQLite that keeps the single write lock for the writing alone; on PostgreSQL the orders are locked
with SKIP LOCKED so two supervisors' waves never share one.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

from sqlalchemy import and_, bindparam, case, func, insert, literal, select

from wms.config import Settings
from wms.db import db, insert_returning_ids, is_postgres, prebuilt
from wms.errors import Conflict
from wms.inventory.models import Location, Quant
from wms.orders import services as orders
from wms.orders.models import Order, OrderLine, Reservation
from wms.picking import domain
from wms.picking.batching import Cart
from wms.picking.domain import Demand, ReleaseWave, WavePlan
from wms.picking.geometry import FloorPlan, PickPoint, walk_length
from wms.picking.models import OPEN, TASK_OPEN, PickList, PickTask, Tote, Wave
from wms.picking.planning import plan_carts
from wms.picking.routing import best_route
from wms.picking.services import floor_plan

# Orders whose reservations are read per query; keeps IN lists far below every backend's limit.
_CHUNK = 500

# The release's statements are on the tables' own columns: an ORM-enabled select reads thousands of
# rows several times slower than a Core one.
_ORDERS, _LINES, _RESERVATIONS = Order.__table__.c, OrderLine.__table__.c, Reservation.__table__.c
_QUANTS, _LOCATIONS, _TASKS = Quant.__table__.c, Location.__table__.c, PickTask.__table__.c


@prebuilt
def _demands():
    order_ids = bindparam("order_ids", expanding=True)
    covered = (
        select(_TASKS.order_line_id, _TASKS.location_id, _TASKS.lot,
               func.sum(_TASKS.quantity - _TASKS.picked - _TASKS.short).label("covered"))
        .where(_TASKS.order_id.in_(order_ids), _TASKS.status == TASK_OPEN)
        .group_by(_TASKS.order_line_id, _TASKS.location_id, _TASKS.lot).subquery()
    )
    return (
        select(_LINES.order_id, _RESERVATIONS.order_line_id, _QUANTS.product_id, _QUANTS.location_id, _QUANTS.lot,
               _RESERVATIONS.quantity, func.coalesce(covered.c.covered, 0), _LOCATIONS.aisle, _LOCATIONS.y_m)
        .select_from(Reservation.__table__)
        .join(OrderLine.__table__, _LINES.id == _RESERVATIONS.order_line_id)
        .join(Quant.__table__, _QUANTS.id == _RESERVATIONS.quant_id)
        .join(Location.__table__, _LOCATIONS.id == _QUANTS.location_id)
        .outerjoin(covered, and_(covered.c.order_line_id == _RESERVATIONS.order_line_id,
                                 covered.c.location_id == _QUANTS.location_id, covered.c.lot == _QUANTS.lot))
        .where(_LINES.order_id.in_(order_ids))
        .order_by(_LINES.order_id, _RESERVATIONS.order_line_id, _RESERVATIONS.id)
    )


@prebuilt
def _still_allocated():
    return select(_ORDERS.id).where(_ORDERS.status == "allocated",
                                    _ORDERS.id.in_(bindparam("order_ids", expanding=True)))


@prebuilt
def _lock_allocated():
    # On PostgreSQL two supervisors' waves never share an order: each skips what the other holds.
    return _still_allocated().with_for_update(skip_locked=True)


@prebuilt
def _insert_task():
    return insert(PickTask.__table__)


Planner = Callable[[FloorPlan, Sequence[Sequence[PickPoint]], int], list[Cart]]


def plan_wave(params: Mapping, settings: Settings, *, planner: Planner = plan_carts) -> WavePlan:
    """Plan a wave of allocated orders (highest priority, earliest carrier cut-off, oldest first); writes nothing.

    `settings` give the cart capacity when `params` do not, and the carriers' cut-offs; `planner`
    puts the orders' pick points on carts (the benchmark swaps in the naive one).
    """
    capacity = params.get("cart_capacity") or settings.cart_capacity
    plan = floor_plan()
    limit = params.get("max_orders")
    if params.get("max_picklists"):
        limit = min(limit or 2**31, params["max_picklists"] * capacity)
    chosen = _choose(plan, params, limit, settings.carrier_cutoffs.as_dict())
    if not chosen:
        raise Conflict("no allocated orders are waiting to be picked" + _filters(params), code="no_orders",
                       details={k: params[k] for k in ("carrier", "cutoff") if k in params})
    ids = list(chosen)
    carts = planner(plan, [[d.point for d in chosen[o]] for o in ids], capacity)
    return WavePlan(params, capacity, plan, ids, chosen, carts)


def _filters(params: dict) -> str:
    said = [f"{k} {params[k]}" for k in ("carrier", "cutoff") if k in params]
    return f" ({', '.join(said)})" if said else ""


def _ranked(params: dict, carrier_cutoffs: Mapping[str, str]):
    """Ids of allocated orders in release order, filtered by carrier and cut-off."""
    cutoffs = domain.carrier_cutoffs(carrier_cutoffs)
    stmt = select(Order.id).where(Order.status == "allocated")
    if "carrier" in params:
        stmt = stmt.where(Order.carrier == params["carrier"])
    if "cutoff" in params:
        stmt = stmt.where(Order.carrier.in_(domain.carriers_due_by(cutoffs, params["cutoff"])))
    due = case(cutoffs, value=Order.carrier, else_=domain.NO_CUTOFF) if cutoffs else literal(domain.NO_CUTOFF)
    return stmt.order_by(Order.priority.desc(), due, Order.created_at, Order.id)


def _choose(plan: FloorPlan, params: dict, limit: int | None,
            carrier_cutoffs: Mapping[str, str]) -> dict[int, list[Demand]]:
    """Up to `limit` orders in release order, each with the tasks it still needs (orders needing none skipped)."""
    ranked = list(db.session.scalars(_ranked(params, carrier_cutoffs)))
    chosen: dict[int, list[Demand]] = {}
    for start in range(0, len(ranked), _CHUNK):
        wanted = ranked[start:start + _CHUNK]
        found = demands(plan, wanted)
        for order_id in wanted:
            if found.get(order_id):
                chosen[order_id] = found[order_id]
                if limit is not None and len(chosen) >= limit:
                    return chosen
    return chosen


def demands(plan: FloorPlan | None, order_ids: list[int]) -> dict[int, list[Demand]]:
    """Per order: its reservations less what open tasks already cover, as tasks to make.

    Without a plan the demands carry no pick points (enough to compare with an earlier read).
    """
    out: dict[int, list[Demand]] = defaultdict(list)
    # Many tasks share a bin: each bin's pick point is worked out once.
    points: dict[tuple, PickPoint] = {}
    for start in range(0, len(order_ids), _CHUNK):
        rows = db.session.execute(_demands(), {"order_ids": order_ids[start:start + _CHUNK]}).all()
        for order_id, line_id, product_id, location_id, lot, reserved, covered, aisle, y_m in rows:
            if reserved > covered:
                point = None
                if plan is not None:
                    point = points.get((aisle, y_m))
                    if point is None:
                        point = points[(aisle, y_m)] = domain.pick_point(plan, aisle, y_m)
                out[order_id].append(Demand(line_id, product_id, location_id, lot, int(reserved - covered), point))
    return dict(out)


def _key(ds: Sequence[Demand]) -> list[tuple]:
    return sorted((d.line_id, d.location_id, d.lot, d.quantity) for d in ds)


def release_wave(command: ReleaseWave) -> Wave:
    """Handler: write the planned wave for the orders still as planned, and start picking them."""
    wave_plan, actor = command.plan, command.actor
    plan, ids, chosen = wave_plan.floor, wave_plan.order_ids, wave_plan.work
    stmt = _lock_allocated() if is_postgres() else _still_allocated()
    locked: set[int] = set()
    for start in range(0, len(ids), _CHUNK):
        locked.update(db.session.scalars(stmt, {"order_ids": ids[start:start + _CHUNK]}))
    now = demands(None, sorted(locked))
    keep = {i for i, oid in enumerate(ids) if oid in locked and _key(now.get(oid, [])) == _key(chosen[oid])}
    if not keep:
        raise Conflict("the chosen orders changed while the wave was planned; release it again",
                       code="orders_changed")
    wave = Wave(cart_capacity=wave_plan.capacity, params=dict(wave_plan.params), created_by=actor)
    db.session.add(wave)
    db.session.flush()
    routes = _still_valid(plan, wave_plan.carts, keep, [chosen[o] for o in ids])
    # Carts of the most urgent orders first, so pickers taking lists in id order take those first.
    routes.sort(key=lambda r: min(r[0]))
    lists = [PickList(wave_id=wave.id, status=OPEN, route_length_m=length) for _, _, length in routes]
    db.session.add_all(lists)
    db.session.flush()
    tote_rows = [{"pick_list_id": pl.id, "order_id": ids[o], "slot": slot}
                 for pl, (members, _, _) in zip(lists, routes) for slot, o in enumerate(members, start=1)]
    tote_ids = insert_returning_ids(Tote, tote_rows, key=("pick_list_id", "order_id"))
    tote_of = {(row["pick_list_id"], row["order_id"]): tid for row, tid in zip(tote_rows, tote_ids)}
    task_rows = []
    for pl, (_, stops, _) in zip(lists, routes):
        for seq, (o, k) in enumerate(stops, start=1):
            d = chosen[ids[o]][k]
            task_rows.append({
                "pick_list_id": pl.id, "seq": seq, "order_id": ids[o], "order_line_id": d.line_id,
                "tote_id": tote_of[(pl.id, ids[o])], "product_id": d.product_id, "location_id": d.location_id,
                "lot": d.lot, "quantity": d.quantity, "picked": 0, "short": 0, "status": TASK_OPEN,
            })
    db.session.execute(_insert_task(), task_rows)
    orders.start_picking(sorted(ids[i] for i in keep), actor, f"wave {wave.id}")
    return wave


def _still_valid(plan: FloorPlan, carts: Sequence[Cart], keep: set[int],
                 work: list[Sequence[Demand]]) -> list[tuple[list[int], list[tuple[int, int]], float]]:
    """Each cart as (orders, stops in order, walk length), without orders that dropped out (re-routed then)."""
    out = []
    for cart in carts:
        members = [o for o in cart.orders if o in keep]
        if not members:
            continue
        if len(members) == len(cart.orders):
            stops = list(cart.route)
        else:
            flat = [(o, k) for o in members for k in range(len(work[o]))]
            route = best_route(plan, [work[o][k].point for o, k in flat])
            stops = [flat[i] for i in route.order]
        # Measured again from the stops themselves: route_length_m must be exactly this walk.
        out.append((members, stops, walk_length(plan, [work[o][k].point for o, k in stops])))
    return out
