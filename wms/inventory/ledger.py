"""The move ledger's one write path: lock the quants a change touches, check the rules, book the moves.

Every feature that changes stock (moving, receiving, picking, shipping, counting) calls `post` or
`lock` inside its own transaction. Quants are locked with SELECT ... FOR UPDATE in ascending id
order, the one global order that keeps two transactions from deadlocking (on SQLite, BEGIN IMMEDIATE
already serialises writers and FOR UPDATE is not emitted).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from blinker import Namespace
from sqlalchemy import bindparam, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from wms.db import db, tx_info, utcnow
from wms.inventory import domain
from wms.inventory.models import Location, Move, Product, Quant

_signals = Namespace()
# Sent inside the transaction after stock changed, with the product ids whose quants changed and
# those whose sellable available stock went up, so orders can serve backorders in the same commit.
stock_changed = _signals.signal("stock-changed")

QuantKey = tuple[int, int, str]  # product id, location id, lot

_AVAILABLE = "available_delta"


def note_available(product_id: int, delta: int) -> None:
    """Add to this transaction's net change of a product's sellable available quantity."""
    if delta:
        changes = tx_info().setdefault(_AVAILABLE, {})
        changes[product_id] = changes.get(product_id, 0) + delta


def available_changes(info: dict) -> dict[int, int]:
    """Products whose sellable available quantity this transaction changed, with the net change."""
    return {p: d for p, d in info.get(_AVAILABLE, {}).items() if d}


@dataclass(frozen=True)
class Actor:
    """Who booked a change and from which handheld or station."""

    name: str
    device: str | None = None


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


def _insert_missing(keys: list[QuantKey], virtual_of: dict[int, bool]) -> None:
    dialect = db.engine.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    rows = [
        {"product_id": p, "location_id": loc, "lot": lot, "on_hand": 0, "reserved": 0,
         "virtual": virtual_of[loc], "updated_at": utcnow()}
        for p, loc, lot in keys
    ]
    db.session.execute(insert(Quant).values(rows).on_conflict_do_nothing())


def lock(keys: Iterable[QuantKey], virtual_of: dict[int, bool]) -> dict[QuantKey, Quant]:
    """Lock (creating when missing) the quants for `keys`, in ascending id order."""
    wanted = sorted(set(keys))
    stmt = (
        select(Quant)
        .where(tuple_(Quant.product_id, Quant.location_id, Quant.lot).in_(wanted))
        .order_by(Quant.id)
        .with_for_update(of=Quant)
        .execution_options(populate_existing=True)
    )
    found = {(q.product_id, q.location_id, q.lot): q for q in db.session.scalars(stmt).unique()}
    missing = [k for k in wanted if k not in found]
    if missing:
        _insert_missing(missing, virtual_of)
        found.update({(q.product_id, q.location_id, q.lot): q for q in db.session.scalars(stmt).unique()})
    return found


def _balance(q: Quant) -> domain.Balance:
    return domain.Balance(q.on_hand, q.reserved, q.virtual)


def _store(q: Quant, b: domain.Balance) -> None:
    q.on_hand, q.reserved = b.on_hand, b.reserved


def post(transfers: list[Transfer], actor: Actor) -> list[Move]:
    """Book transfers as moves, all or nothing; raises InsufficientStock and books none if one cannot go."""
    virtual_of = {}
    keys = []
    for t in transfers:
        virtual_of[t.source.id] = t.source.virtual
        virtual_of[t.destination.id] = t.destination.virtual
        keys += [(t.product.id, t.source.id, t.lot), (t.product.id, t.destination.id, t.lot)]
    quants = lock(keys, virtual_of)
    moves = []
    gained: dict[int, int] = {}  # net change of sellable available stock, per product
    for t in transfers:
        src = quants[(t.product.id, t.source.id, t.lot)]
        dst = quants[(t.product.id, t.destination.id, t.lot)]
        where = {"sku": t.product.sku, "location": t.source.code, **({"lot": t.lot} if t.lot else {})}
        _store(src, domain.take(_balance(src), t.quantity, from_reserved=t.from_reserved, where=where))
        if dst.on_hand <= 0 and not dst.virtual:
            dst.in_date = utcnow()
        _store(dst, domain.put(_balance(dst), t.quantity))
        if t.expiry and not dst.expiry:
            dst.expiry = t.expiry
        if dst.expiry is None and src.expiry is not None:
            dst.expiry = src.expiry
        if t.source.sellable:
            gained[t.product.id] = gained.get(t.product.id, 0) - (t.quantity - t.from_reserved)
        if t.destination.sellable:
            gained[t.product.id] = gained.get(t.product.id, 0) + t.quantity
        # The related objects are set too, not only their ids: views read move.product and both locations
        # after the flush, and the session's identity map holds objects only weakly, so by then it could
        # have dropped them and each read was a SELECT (3 per move).
        moves.append(Move(
            product_id=t.product.id, from_location_id=t.source.id, to_location_id=t.destination.id,
            product=t.product, from_location=t.source, to_location=t.destination,
            lot=t.lot, quantity=t.quantity, kind=t.kind, reason=t.reason, reference=t.reference,
            actor=actor.name, device=actor.device, created_at=utcnow(),
        ))
    db.session.add_all(moves)
    db.session.flush()
    for product_id, delta in gained.items():
        note_available(product_id, delta)
    stock_changed.send(None, product_ids=sorted({t.product.id for t in transfers}), actor=actor,
                       increased=sorted(p for p, d in gained.items() if d > 0))
    return moves


def set_reserved(quant: Quant, delta: int) -> None:
    """Promise (delta > 0) or release (delta < 0) units of a quant locked by `lock`."""
    b = _balance(quant)
    _store(quant, domain.reserve(b, delta) if delta > 0 else domain.release(b, -delta))
    if quant.location.sellable:
        note_available(quant.product_id, -delta)


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


_Q, _L = Quant.__table__.c, Location.__table__.c
# Built once (building a select costs SQLAlchemy more than running it); IN lists bound as expanding parameters.
_FREE_STOCK = (
    select(_Q.id, _Q.product_id, _Q.location_id, _Q.lot, _Q.expiry, _Q.in_date, _Q.on_hand - _Q.reserved, _L.type)
    .join_from(Quant.__table__, Location.__table__, _L.id == _Q.location_id)
    .where(_Q.product_id.in_(bindparam("products", expanding=True)), _L.sellable.is_(True), _Q.on_hand > _Q.reserved)
    .order_by(_Q.id)
    .with_for_update(of=Quant.__table__)
)
_FREE_STOCK_ELSEWHERE = _FREE_STOCK.where(_Q.location_id.not_in(bindparam("excluded", expanding=True)))


def lock_free_stock(product_ids: Iterable[int], exclude_locations: Iterable[int] = ()) -> list[FreeStock]:
    """Lock the sellable quants of these products that hold unreserved units, in ascending id order.

    The counts are read under the lock, so whatever is planned from them holds until commit.
    """
    wanted = sorted(set(product_ids))
    excluded = sorted(set(exclude_locations))
    stmt = _FREE_STOCK_ELSEWHERE if excluded else _FREE_STOCK
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


# Reserving by quant id in one executemany: the rows are locked by lock_free_stock (or lock) already,
# and the database's own CHECK refuses a reservation beyond what is on hand.
_RESERVE = (update(Quant.__table__).where(Quant.__table__.c.id == bindparam("quant_id"))
            .values(reserved=Quant.__table__.c.reserved + bindparam("units"), updated_at=bindparam("now")))


def reserve_many(units_by_quant: dict[int, int], sellable_product_of: dict[int, int]) -> None:
    """Promise (units > 0) or release (units < 0) units of quants this transaction holds locked.

    `sellable_product_of` maps the quants at sellable places to their product, whose available
    quantity the change then moves (inventory.level_changed).
    """
    if not units_by_quant:
        return
    now = utcnow()
    db.session.execute(_RESERVE, [{"quant_id": q, "units": u, "now": now} for q, u in units_by_quant.items()])
    per_product: dict[int, int] = {}
    for quant_id, units in units_by_quant.items():
        if quant_id in sellable_product_of:
            product_id = sellable_product_of[quant_id]
            per_product[product_id] = per_product.get(product_id, 0) - units
    for product_id, delta in per_product.items():
        note_available(product_id, delta)
