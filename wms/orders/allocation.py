"""Promising stock to orders: reserve bins for open lines, release them, and serve backorders as stock arrives.

Every reservation is made on quants locked through the ledger (ascending id order), and the plan is
computed from the counts read under that lock, so two orders can never both be promised the last unit.
"""
from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import exists, select

from wms.db import db
from wms.inventory import ledger
from wms.inventory.models import Location, Product, Quant
from wms.orders import domain
from wms.orders.models import Order, OrderLine, Reservation

# How many waiting orders one stock arrival serves inside its own transaction; the scheduled
# backorder job serves the rest, so a large receipt never makes one scan's transaction huge.
BACKORDERS_PER_ARRIVAL = 50


def _candidates(product_ids: set[int], exclude_locations: Collection[int] = ()) -> dict[ledger.QuantKey, bool]:
    """Quants at sellable places with free stock, and whether each sits in a pick face."""
    stmt = (
        select(Quant.product_id, Quant.location_id, Quant.lot, Location.type)
        .join(Location, Location.id == Quant.location_id)
        .where(Quant.product_id.in_(product_ids), Location.sellable.is_(True), Quant.on_hand > Quant.reserved)
    )
    if exclude_locations:
        stmt = stmt.where(Quant.location_id.not_in(list(exclude_locations)))
    rows = db.session.execute(stmt).all()
    return {(r.product_id, r.location_id, r.lot): r.type == "pick_face" for r in rows}


def allocate(order: Order, *, exclude_locations: Collection[int] = ()) -> int:
    """Reserve stock for the order's open lines as far as it goes; returns the units newly reserved.

    The caller holds the order's row lock. With `allocation == "whole"` nothing is reserved unless
    every open line can be covered in full. `exclude_locations` are bins not to promise from (a bin
    a picker just found short holds less than its count says until it is counted).
    """
    open_lines = [line for line in order.lines if line.allocated < line.quantity]
    if not open_lines:
        return 0
    faces = _candidates({line.product_id for line in open_lines}, exclude_locations)
    if not faces:
        return 0
    quants = ledger.lock(faces.keys(), {key[1]: False for key in faces})
    free = {q.id: q.on_hand - q.reserved for q in quants.values()}
    by_product: dict[int, list[Quant]] = {}
    for q in quants.values():
        by_product.setdefault(q.product_id, []).append(q)
    products = {p.id: p for p in db.session.scalars(select(Product).where(Product.id.in_(by_product)))}

    plans: list[tuple[OrderLine, list[tuple[int, int]]]] = []
    for line in open_lines:
        product = products.get(line.product_id)
        pool = [domain.Candidate(q.id, free[q.id], faces[(q.product_id, q.location_id, q.lot)], q.expiry, q.in_date)
                for q in by_product.get(line.product_id, [])]
        plan = domain.plan_line(line.quantity - line.allocated, pool, fefo=bool(product and product.expiry_tracked))
        for quant_id, units in plan:
            free[quant_id] -= units  # two lines of one product share the same bins
        plans.append((line, plan))

    if order.allocation == "whole" and any(
            sum(u for _, u in plan) < line.quantity - line.allocated for line, plan in plans):
        return 0
    by_id = {q.id: q for q in quants.values()}
    # The lines' reservations so far, read once: a query per reserved bin (each autoflushing the
    # session first) was most of an order's allocation time.
    held = {(r.order_line_id, r.quant_id): r for r in db.session.scalars(
        select(Reservation).where(Reservation.order_line_id.in_([line.id for line, _ in plans])))}
    reserved = 0
    for line, plan in plans:
        for quant_id, units in plan:
            ledger.set_reserved(by_id[quant_id], units)
            existing = held.get((line.id, quant_id))
            if existing is None:
                held[(line.id, quant_id)] = Reservation(order_line_id=line.id, quant_id=quant_id, quantity=units)
                db.session.add(held[(line.id, quant_id)])
            else:
                existing.quantity += units
            line.allocated += units
            reserved += units
    return reserved


def release(order: Order) -> int:
    """Give back every unit reserved for the order; returns how many."""
    reservations = db.session.scalars(
        select(Reservation).join(OrderLine, OrderLine.id == Reservation.order_line_id)
        .where(OrderLine.order_id == order.id)
    ).all()
    if not reservations:
        return 0
    keys = {(r.quant.product_id, r.quant.location_id, r.quant.lot): r for r in reservations}
    locked = ledger.lock(keys.keys(), {k[1]: r.quant.virtual for k, r in keys.items()})
    released = 0
    for key, reservation in keys.items():
        ledger.set_reserved(locked[key], -reservation.quantity)
        released += reservation.quantity
        db.session.delete(reservation)
    for line in order.lines:
        line.allocated = 0
    return released


def waiting_orders(product_ids: list[int], limit: int) -> list[int]:
    """Ids of orders still short of stock for these products: highest priority first, then oldest."""
    short_line = exists().where(OrderLine.order_id == Order.id, OrderLine.product_id.in_(product_ids),
                                OrderLine.allocated < OrderLine.quantity)
    return list(db.session.scalars(
        select(Order.id).where(Order.status.in_(("backordered", "received")), short_line)
        .order_by(Order.priority.desc(), Order.id).limit(limit)
    ))
