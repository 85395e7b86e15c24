"""The move ledger's one write path: lock the quants a change touches, check the rules, book the moves.

Every feature that changes stock (moving, receiving, picking, shipping, counting) calls `post` or
`lock` inside its own transaction. Quants are locked with SELECT ... FOR UPDATE in ascending id
order, the one global order that keeps two transactions from deadlocking (on SQLite, BEGIN IMMEDIATE
already serialises writers and FOR UPDATE is not emitted).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import select

from wms.db import db, dialect, expire_loaded, utcnow
from wms.errors import WmsError
from wms.inventory import domain, gateway
from wms.inventory.domain import Actor
from wms.inventory.models import Location, Product, Quant
from wms.unit_of_work import record

QuantKey = tuple[int, int, str]  # product id, location id, lot


@dataclass
class Transfer:
    product: Product
    source: Location
    destination: Location
    quantity: int
    lot: str = ""
    expiry: date | None = None
    kind: str = "move"
    reason: str | None = None
    reference: str | None = None
    # Units of this transfer that were reserved at the source for the work doing it (a pick).
    from_reserved: int = 0
    details: dict = field(default_factory=dict)


@dataclass
class Held:
    """A quant as this transaction holds it, locked: counts are changed here and written by `post`."""

    id: int
    product_id: int
    location_id: int
    lot: str
    expiry: date | None
    on_hand: int
    reserved: int
    in_date: datetime | None
    virtual: bool

    @property
    def balance(self) -> domain.Balance:
        return domain.Balance(self.on_hand, self.reserved, self.virtual)


@dataclass(frozen=True)
class Booked:
    """A move as booked: the ledger row's values, with the product and places it was booked with."""

    id: int
    product: Product
    from_location: Location
    to_location: Location
    lot: str
    quantity: int
    kind: str
    reason: str | None
    reference: str | None
    actor: str
    device: str | None
    created_at: datetime


# Quants and moves are read and written as Core rows (wms/inventory/gateway.py), so ORM objects of
# quants loaded elsewhere are expired after a write.
# Quant keys per locking query, far below every backend's limit of bound parameters (3 per key).
_KEY_CHUNK = 3_000


def lock(keys: Iterable[QuantKey], virtual_of: dict[int, bool]) -> dict[QuantKey, Held]:
    """Lock (creating when missing) the quants for `keys`, in ascending id order."""
    wanted = sorted(set(keys))
    db.session.flush()  # places and products made in this transaction reach the database first
    found = _read_locked(wanted)
    missing = [k for k in wanted if k not in found]
    if missing:
        now = utcnow()
        db.session.execute(gateway.create_quants(dialect()), [
            {"product_id": p, "location_id": loc, "lot": lot, "on_hand": 0, "reserved": 0,
             "virtual": virtual_of[loc], "updated_at": now} for p, loc, lot in missing])
        found.update(_read_locked(missing))
    return found


def _read_locked(keys: list[QuantKey]) -> dict[QuantKey, Held]:
    out = {}
    for start in range(0, len(keys), _KEY_CHUNK):
        for row in db.session.execute(gateway.lock_quants(), {"keys": keys[start:start + _KEY_CHUNK]}):
            held = Held(*row)
            out[(held.product_id, held.location_id, held.lot)] = held
    return out


def post(transfers: list[Transfer], actor: Actor) -> list[Booked]:
    """Book transfers as moves, all or nothing; raises InsufficientStock and books none if one cannot go."""
    (outcome,) = post_each([transfers], [actor])
    if isinstance(outcome, WmsError):
        raise outcome
    return outcome


def post_each(groups: Sequence[Sequence[Transfer]], actors: Sequence[Actor]) -> list[list[Booked] | WmsError]:
    """Book each group of transfers all or nothing, group after group; a group that cannot go gets its error.

    Every quant of every group is locked at once (one ascending id order); the groups are then played
    against those counts in memory, so a group sees what the ones before it did, and one that would
    take more than is there books nothing and leaves the counts as they were.
    """
    virtual_of = {}
    keys = []
    for t in (t for group in groups for t in group):
        virtual_of[t.source.id] = t.source.virtual
        virtual_of[t.destination.id] = t.destination.virtual
        keys += [(t.product.id, t.source.id, t.lot), (t.product.id, t.destination.id, t.lot)]
    quants = lock(keys, virtual_of)
    now = utcnow()
    touched: dict[int, Held] = {}
    outcomes: list[list[Transfer] | WmsError] = []
    for group in groups:
        held = {id(q): q for t in group for q in (quants[(t.product.id, t.source.id, t.lot)],
                                                  quants[(t.product.id, t.destination.id, t.lot)])}
        before = {key: replace(q) for key, q in held.items()}
        try:
            for t in group:
                _apply(t, quants, now)
        except WmsError as err:
            for key, q in held.items():  # as they were before this group
                q.on_hand, q.reserved, q.in_date, q.expiry = (before[key].on_hand, before[key].reserved,
                                                              before[key].in_date, before[key].expiry)
            outcomes.append(err)
            continue
        touched.update((q.id, q) for q in held.values())
        outcomes.append(list(group))
    if touched:
        db.session.execute(gateway.write_quant(), [
            {"quant_id": q.id, "on_hand": q.on_hand, "reserved": q.reserved, "expiry": q.expiry, "in_date": q.in_date,
             "now": now} for q in touched.values()])
    booked = [(t, actor) for outcome, actor in zip(outcomes, actors) if isinstance(outcome, list) for t in outcome]
    if not booked:
        return outcomes
    ids = iter(db.session.execute(gateway.book_moves(), [
        {"product_id": t.product.id, "from_location_id": t.source.id, "to_location_id": t.destination.id,
         "lot": t.lot, "quantity": t.quantity, "kind": t.kind, "reason": t.reason, "reference": t.reference,
         "actor": actor.name, "device": actor.device, "created_at": now} for t, actor in booked]).scalars().all())
    expire_loaded(Quant)
    results: list[list[Booked] | WmsError] = []
    for outcome, actor in zip(outcomes, actors):
        if isinstance(outcome, WmsError):
            results.append(outcome)
            continue
        results.append([Booked(next(ids), t.product, t.source, t.destination, t.lot, t.quantity, t.kind, t.reason,
                               t.reference, actor.name, actor.device, now) for t in outcome])
        _announce(outcome, actor)
    return results


def _apply(t: Transfer, quants: dict[QuantKey, Held], now: datetime) -> None:
    """One transfer against the held counts; raises (changing nothing of its own) if the source lacks the units."""
    src = quants[(t.product.id, t.source.id, t.lot)]
    dst = quants[(t.product.id, t.destination.id, t.lot)]
    where = {"sku": t.product.sku, "location": t.source.code, **({"lot": t.lot} if t.lot else {})}
    taken = domain.take(src.balance, t.quantity, from_reserved=t.from_reserved, where=where)
    src.on_hand, src.reserved = taken.on_hand, taken.reserved
    if dst.on_hand <= 0 and not dst.virtual:
        dst.in_date = now  # the stock here now arrived now: allocation's first in, first out
    dst.on_hand += t.quantity
    if t.expiry and not dst.expiry:
        dst.expiry = t.expiry
    if dst.expiry is None and src.expiry is not None:
        dst.expiry = src.expiry


def _announce(transfers: list[Transfer], actor: Actor) -> None:
    """Raise what a booked group did to sellable stock: levels changed, and units that became available."""
    on_hand: dict[int, int] = {}  # net change of units at sellable places, per product
    reserved: dict[int, int] = {}  # net change of those units' reservations (a pick takes its own along)
    for t in transfers:
        if t.source.sellable:
            on_hand[t.product.id] = on_hand.get(t.product.id, 0) - t.quantity
            reserved[t.product.id] = reserved.get(t.product.id, 0) - t.from_reserved
        if t.destination.sellable:
            on_hand[t.product.id] = on_hand.get(t.product.id, 0) + t.quantity
    changes = {p: (units, reserved.get(p, 0)) for p, units in on_hand.items() if units or reserved.get(p, 0)}
    if changes:
        record(domain.LevelsChanged(changes))
    increased = tuple(sorted(p for p, units in on_hand.items() if units - reserved.get(p, 0) > 0))
    if increased:
        record(domain.StockArrived(increased, actor.name))


@dataclass(frozen=True)
class FreeStock:
    """A sellable quant with unreserved units, as read under its row lock."""

    quant_id: int
    product_id: int
    location_id: int
    lot: str
    expiry: date | None
    in_date: datetime | None  # naive from SQLite, aware from PostgreSQL
    free: int
    pick_face: bool


# Product ids per locking query: below every backend's limit of bound parameters, and big enough
# that a wave's worth of orders locks its stock in one statement, so in one ascending id order.
_LOCK_CHUNK = 10_000


def lock_free_stock(product_ids: Iterable[int], exclude_locations: Iterable[int] = ()) -> list[FreeStock]:
    """Lock the sellable quants of these products that hold unreserved units, in ascending id order.

    The counts are read under the lock, so whatever is planned from them holds until commit.
    """
    wanted = sorted(set(product_ids))
    excluded = sorted(set(exclude_locations))
    stmt = gateway.free_stock_elsewhere() if excluded else gateway.free_stock()
    out: list[FreeStock] = []
    for start in range(0, len(wanted), _LOCK_CHUNK):
        params = {"products": wanted[start:start + _LOCK_CHUNK], **({"excluded": excluded} if excluded else {})}
        out += [FreeStock(*row[:7], pick_face=row[7] == "pick_face") for row in db.session.execute(stmt, params)]
    return out


def lock_ids(quant_ids: Iterable[int]) -> None:
    """Lock quants known by id, in ascending id order."""
    wanted = sorted(set(quant_ids))
    for start in range(0, len(wanted), _LOCK_CHUNK):
        db.session.execute(select(Quant.id).where(Quant.id.in_(wanted[start:start + _LOCK_CHUNK]))
                           .order_by(Quant.id).with_for_update())


def reserve_many(units_by_quant: dict[int, int], sellable_product_of: dict[int, int]) -> None:
    """Promise (units > 0) or release (units < 0) units of quants this transaction holds locked.

    `sellable_product_of` maps the quants at sellable places to their product, whose reserved
    total the change then moves (inventory.level_changed).
    """
    if not units_by_quant:
        return
    now = utcnow()
    # By quant id in one executemany: the rows are locked by lock_free_stock (or lock) already, and the
    # database's own CHECK refuses a reservation beyond what is on hand.
    db.session.execute(gateway.reserve_units(),
                       [{"quant_id": q, "units": u, "now": now} for q, u in units_by_quant.items()])
    per_product: dict[int, int] = {}
    for quant_id, units in units_by_quant.items():
        if quant_id in sellable_product_of:
            product_id = sellable_product_of[quant_id]
            per_product[product_id] = per_product.get(product_id, 0) + units
    changes = {product_id: (0, units) for product_id, units in per_product.items() if units}
    if changes:
        record(domain.LevelsChanged(changes))
