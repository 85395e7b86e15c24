"""Promising stock to orders, many at once: reserve bins for open lines, release them, find waiting orders.

Allocation is set-based. One locked read fetches every sellable quant with free units of the products
in play (FOR UPDATE in ascending quant id, the ledger's one global lock order); the plan is made in
plain Python against those counts, order after order in the order given, so a batch promises exactly
what the same orders allocated one by one would; a few executemany statements then write the
reservations, the quants' reserved counts and the lines' allocated counts. Two transactions never
both promise the last unit: the second reads the counts only after the first has committed.

The writes are Core statements, not ORM flushes (a flush per order was most of intake's time), so
ORM objects of the lines, quants and reservations touched are expired afterwards and reload fresh.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import delete, exists, select, update

from wms.db import chunks, db, expire_loaded
from wms.inventory import ledger
from wms.inventory.models import Location, Quant
from wms.orders import domain, gateway
from wms.orders.models import Order, OrderLine, Reservation

# How many waiting orders one stock arrival serves inside its own transaction; the scheduled
# backorder job serves the rest, so a large receipt never makes one scan's transaction huge.
BACKORDERS_PER_ARRIVAL = 50


_LINES = OrderLine.__table__
_RESERVATIONS = Reservation.__table__


@dataclass(frozen=True)
class OpenLine:
    """An order line still short of stock, as allocation sees it."""

    line_id: int
    product_id: int
    missing: int  # units not reserved yet
    fefo: bool  # an expiry-tracked product: first expired, first out
    allocated: int = 0  # units reserved (or picked) already: only then can the line hold reservations


@dataclass(frozen=True)
class Need:
    """An order's open lines; `whole` orders take stock only when every open line can be covered."""

    order_id: int
    whole: bool
    lines: tuple[OpenLine, ...]


def needs_of(orders: Sequence[tuple[int, str]]) -> list[Need]:
    """The open lines of (order id, allocation mode) pairs, as needs in the same order."""
    lines: dict[int, list[OpenLine]] = defaultdict(list)
    for part in chunks([order_id for order_id, _ in orders]):
        rows = db.session.execute(gateway.open_lines(), {"orders": part})
        for order_id, line_id, product_id, missing, fefo, allocated in rows:
            lines[order_id].append(OpenLine(line_id, product_id, missing, bool(fefo), allocated))
    return [Need(order_id, mode == "whole", tuple(lines.get(order_id, ()))) for order_id, mode in orders]


@dataclass
class Plan:
    """Which bins each open line takes: (line key, quant id, units), over stock locked for this transaction.

    A line key is the line's id, or for lines not written yet (intake) any key the caller maps to one.
    """

    stock: list[ledger.FreeStock]
    placements: list[tuple[int, int, int]]

    @cached_property
    def reserved(self) -> dict[int, int]:
        """Units taken per line key."""
        out: Counter[int] = Counter()
        for key, _, units in self.placements:
            out[key] += units
        return dict(out)

    def status(self, need: Need) -> str:
        """What the order becomes: allocated when every open line is covered, else backordered."""
        reserved = self.reserved
        return "allocated" if all(reserved.get(line.line_id, 0) == line.missing for line in need.lines) \
            else "backordered"


def plan(needs: Sequence[Need], *, exclude_locations: Collection[int] = ()) -> Plan:
    """Lock the free stock of the needs' products and plan them onto it, need by need, in their order.

    The caller holds the orders' row locks. `exclude_locations` are bins not to promise from (a bin a
    picker just found short holds less than its count says until it is counted).
    """
    products = {line.product_id for need in needs for line in need.lines}
    if not products:
        return Plan([], [])
    db.session.flush()  # pending ORM changes reach the database before the counts are read
    stock = ledger.lock_free_stock(products, exclude_locations)
    return Plan(stock, _placements(needs, stock) if stock else [])


def allocate(needs: Sequence[Need], *, exclude_locations: Collection[int] = ()) -> Plan:
    """Reserve what stock there is for the needs (lines already written), in their order."""
    planned = plan(needs, exclude_locations=exclude_locations)
    if planned.placements:
        # Only a line that has reserved before can hold a reservation of the same bin to add to.
        _reserve(planned, [line.line_id for need in needs for line in need.lines if line.allocated])
        db.session.execute(gateway.add_allocated(), [{"line_id": line_id, "units": units}
                                                     for line_id, units in planned.reserved.items()])
        expire_loaded(OrderLine, Quant, Reservation)
    return planned


def reserve_new(planned: Plan, line_ids: dict[int, int]) -> None:
    """Write a plan made for lines not written then; `line_ids` maps its line keys to the ids they got.

    The lines must have been written with their planned units as `allocated` already.
    """
    if planned.placements:
        _reserve(Plan(planned.stock, [(line_ids[key], q, u) for key, q, u in planned.placements]), [])


def _placements(needs: Sequence[Need], stock: list[ledger.FreeStock]) -> list[tuple[int, int, int]]:
    """(line key, quant id, units) for every bin each need takes, planned need by need."""
    pools: dict[int, list[ledger.FreeStock]] = defaultdict(list)
    free: dict[int, int] = {}
    for s in stock:
        pools[s.product_id].append(s)
        free[s.quant_id] = s.free
    placements: list[tuple[int, int, int]] = []
    for need in needs:
        taken: list[tuple[int, int, int]] = []
        short = False
        for line in need.lines:
            pool = [domain.Candidate(s.quant_id, free[s.quant_id], s.pick_face, s.expiry, s.in_date)
                    for s in pools.get(line.product_id, ())]
            line_plan = domain.plan_line(line.missing, pool, fefo=line.fefo)
            for quant_id, units in line_plan:
                free[quant_id] -= units  # later lines and orders see what this one took
                taken.append((line.line_id, quant_id, units))
            short = short or sum(units for _, units in line_plan) < line.missing
        if need.whole and short:
            for _, quant_id, units in taken:
                free[quant_id] += units  # a whole order takes nothing until it can take everything
            continue
        placements += taken
    return placements


def _reserve(planned: Plan, earlier: list[int]) -> None:
    """The quants' reserved counts and the reservations of a plan keyed by line id.

    `earlier` are lines that may hold reservations already, which the plan's units are added to.
    """
    per_quant: Counter[int] = Counter()
    per_pair: Counter[tuple[int, int]] = Counter()
    for line_id, quant_id, units in planned.placements:
        per_quant[quant_id] += units
        per_pair[(line_id, quant_id)] += units
    ledger.reserve_many(dict(per_quant), {s.quant_id: s.product_id for s in planned.stock})
    held: dict[tuple[int, int], int] = {}
    for part in chunks(earlier):
        held.update({(line_id, quant_id): rid for rid, line_id, quant_id in db.session.execute(
            select(Reservation.id, Reservation.order_line_id, Reservation.quant_id)
            .where(Reservation.order_line_id.in_(part)))})
    added = [{"reservation_id": held[pair], "units": units} for pair, units in per_pair.items() if pair in held]
    new = [{"order_line_id": line_id, "quant_id": quant_id, "quantity": units}
           for (line_id, quant_id), units in per_pair.items() if (line_id, quant_id) not in held]
    if added:
        db.session.execute(gateway.add_reserved(), added)
    if new:
        db.session.execute(gateway.insert_reservation(), new)


def release(order_ids: Sequence[int]) -> int:
    """Give back every unit reserved for these orders (their rows locked by the caller); returns how many."""
    rows = []
    for part in chunks(list(order_ids)):
        rows += db.session.execute(
            select(Reservation.id, Reservation.quant_id, Reservation.quantity, Quant.product_id, Location.sellable)
            .join(OrderLine, OrderLine.id == Reservation.order_line_id)
            .join(Quant, Quant.id == Reservation.quant_id)
            .join(Location, Location.id == Quant.location_id)
            .where(OrderLine.order_id.in_(part))).all()
    if not rows:
        return 0
    per_quant: Counter[int] = Counter()
    for _, quant_id, units, _, _ in rows:
        per_quant[quant_id] -= units
    ledger.lock_ids(per_quant)
    ledger.reserve_many(dict(per_quant), {quant_id: product_id for _, quant_id, _, product_id, sellable in rows
                                         if sellable})
    for part in chunks([rid for rid, *_ in rows]):
        db.session.execute(delete(_RESERVATIONS).where(_RESERVATIONS.c.id.in_(part)))
    for part in chunks(list(order_ids)):
        db.session.execute(update(_LINES).where(_LINES.c.order_id.in_(part)).values(allocated=0))
    expire_loaded(OrderLine, Quant, Reservation)
    return -sum(per_quant.values())


def waiting_orders(product_ids: list[int], limit: int) -> list[int]:
    """Ids of orders still short of stock for these products: highest priority first, then oldest."""
    short_line = exists().where(OrderLine.order_id == Order.id, OrderLine.product_id.in_(product_ids),
                                OrderLine.allocated < OrderLine.quantity)
    return list(db.session.scalars(
        select(Order.id).where(Order.status.in_(("backordered", "received")), short_line)
        .order_by(Order.priority.desc(), Order.id).limit(limit)
    ))
