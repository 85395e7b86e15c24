"""Putaway use cases: suggest bins for what a receipt left on the dock (holding empty ones), and book putaways.

A suggested empty bin is held for its receiver and receipt for HOLD_MINUTES. The hold table has one
row per bin, written with INSERT ... ON CONFLICT, so when two receivers ask at once the second one's
insert waits for the first to commit, finds the bin taken, and plans again without it.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, delete, exists, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from wms.db import db, is_postgres, utcnow
from wms.errors import Busy, Conflict, Invalid
from wms.inventory import domain as stock_rules
from wms.inventory import ledger
from wms.inventory.ledger import Transfer
from wms.inventory.models import SELLABLE_TYPES, Layout, Location, Move, Product, Quant
from wms.inventory.services import location_by_code, product_by_sku
from wms.receiving import putaway_rules as rules
from wms.receiving.domain import ClearExpiredHolds, PutAway
from wms.receiving.models import PutawayHold, PutawayTask
from wms.receiving.services import get_receipt, settle_expiry
from wms.unit_of_work import atomic

HOLD_MINUTES = 15
_PLAN_ATTEMPTS = 10

Point = tuple[float, float]


class _Floor:
    """Where bins and docks are, for measuring walks: a bin is reached from its aisle's centre line."""

    def __init__(self) -> None:
        layout = db.session.scalar(select(Layout).order_by(Layout.id.desc()).limit(1))
        geometry = layout.geometry if layout else {}
        self.aisle_x = {a["index"]: a["x_m"] for a in geometry.get("aisles", [])}
        depot = geometry.get("depot")
        self.depot: Point = (depot["x_m"], depot["y_m"]) if depot else (0.0, 0.0)

    def point(self, loc: Location) -> Point | None:
        if loc.y_m is not None and loc.aisle in self.aisle_x:
            return (self.aisle_x[loc.aisle], loc.y_m)
        if loc.x_m is not None and loc.y_m is not None:
            return (loc.x_m, loc.y_m)
        return None

    def origin(self, dock: Location) -> Point:
        """Docks without coordinates are taken to open onto the depot."""
        return self.point(dock) or self.depot


def _volume_mm3(product: Product) -> int | None:
    dims = (product.length_mm, product.width_mm, product.height_mm)
    return dims[0] * dims[1] * dims[2] if all(dims) else None


def _item(product: Product, lot: str, expiry, quantity: int, source: Location, origin: Point) -> rules.Item:
    home = product.home_location.code if product.home_location else None
    return rules.Item(product.sku, lot, expiry, quantity, source.code, origin, product.weight_g,
                      _volume_mm3(product), bool(product.lot_tracked), bool(product.expiry_tracked),
                      bool(product.serial_tracked), home)


def _occupied():
    return exists().where(Quant.location_id == Location.id, Quant.on_hand > 0)


def _load_bins(locations: list[Location], floor: _Floor) -> list[rules.Bin]:
    """Bins as the rules see them, with what each holds now (weight and volume of every SKU in it)."""
    bins = {loc.id: rules.Bin(loc.code, loc.type, loc.level, floor.point(loc), loc.max_weight_g, loc.max_volume_cm3,
                              bool(loc.allow_mixed_lots)) for loc in locations}
    if not bins:
        return []
    rows = db.session.execute(
        select(Quant.location_id, Quant.lot, Quant.expiry, Quant.on_hand, Product)
        .join(Product, Product.id == Quant.product_id)
        .where(Quant.location_id.in_(list(bins)), Quant.on_hand > 0)
    ).all()
    for location_id, lot, expiry, on_hand, product in rows:
        b = bins[location_id]
        b.weight_g += on_hand * product.weight_g
        b.volume_mm3 += on_hand * (_volume_mm3(product) or 0)
        b.stock.append(rules.Held(product.sku, lot, expiry, on_hand))
    return list(bins.values())


def _candidates(products: list[Product], floor: _Floor, excluded: set[int]) -> tuple[list[rules.Bin], dict]:
    """Home bins, bins holding these products, and empty storage bins nobody else holds; and their ids by code."""
    product_ids = [p.id for p in products]
    holding = select(Quant.location_id).where(Quant.product_id.in_(product_ids), Quant.on_hand > 0)
    homes = [p.home_location_id for p in products if p.home_location_id]
    stmt = select(Location).where(
        Location.type.in_(SELLABLE_TYPES),
        or_(Location.id.in_(holding), Location.id.in_(homes), and_(Location.type == "storage", ~_occupied())),
    )
    if excluded:
        stmt = stmt.where(Location.id.not_in(excluded))
    locations = list(db.session.scalars(stmt))
    return _load_bins(locations, floor), {loc.code: loc.id for loc in locations}


def _held_by_others(holder: str, receipt_id: int) -> set[int]:
    mine = and_(PutawayHold.holder == holder, PutawayHold.receipt_id == receipt_id)
    return set(db.session.scalars(select(PutawayHold.location_id).where(PutawayHold.expires_at > utcnow(), ~mine)))


def _hold(location_ids: list[int], holder: str, receipt_id: int, until) -> set[int]:
    """Hold these bins for the receiver; returns those someone else holds (committed meanwhile)."""
    insert = postgresql.insert if is_postgres() else sqlite.insert
    now = utcnow()
    taken = set()
    for location_id in sorted(location_ids):  # one order for everyone: no two requests wait on each other
        stmt = insert(PutawayHold).values(location_id=location_id, holder=holder, receipt_id=receipt_id,
                                          expires_at=until)
        stmt = stmt.on_conflict_do_update(
            index_elements=[PutawayHold.location_id],
            set_={"holder": holder, "receipt_id": receipt_id, "expires_at": until},
            # Renew one's own hold or take over an expired one; anyone else's stays theirs.
            where=or_(and_(PutawayHold.holder == holder, PutawayHold.receipt_id == receipt_id),
                      PutawayHold.expires_at <= now),
        ).returning(PutawayHold.location_id)
        if db.session.execute(stmt).scalar() is None:
            taken.add(location_id)
    return taken


def _waiting(receipt_id: int, floor: _Floor) -> list[rules.Item]:
    """What the receipt left on docks and is not yet put away, as far as it is still there and free."""
    tasks = db.session.scalars(select(PutawayTask).where(PutawayTask.receipt_id == receipt_id,
                                                         PutawayTask.received > PutawayTask.put_away)
                               .order_by(PutawayTask.id)).all()
    items = []
    for task in tasks:
        quant = db.session.scalar(select(Quant).where(Quant.product_id == task.product_id,
                                                      Quant.location_id == task.location_id, Quant.lot == task.lot))
        # Moved or promised elsewhere since it was received: only what is still free here can go.
        units = min(task.received - task.put_away, quant.on_hand - quant.reserved if quant else 0)
        if units > 0:
            items.append(_item(task.product, task.lot, quant.expiry, units, task.location,
                               floor.origin(task.location)))
    return sorted(items, key=lambda i: (i.sku, i.lot))


@atomic
def suggest(receipt_id: int, holder: str) -> tuple[list[rules.Suggestion], object]:
    """Bins for what a receipt left to put away; the empty ones are held for `holder` until the time returned."""
    get_receipt(receipt_id)
    floor = _Floor()
    items = _waiting(receipt_id, floor)
    until = utcnow() + timedelta(minutes=HOLD_MINUTES)
    products = list({p.id: p for p in db.session.scalars(select(Product).where(
        Product.sku.in_({i.sku for i in items})))}.values())
    excluded = _held_by_others(holder, receipt_id)
    for _attempt in range(_PLAN_ATTEMPTS):
        bins, ids = _candidates(products, floor, excluded) if items else ([], {})
        plan = rules.plan(items, bins)
        chosen = sorted({ids[s.to_location] for s in plan if s.rule == rules.EMPTY})
        taken = _hold(chosen, holder, receipt_id, until)
        if not taken:
            break
        excluded |= taken
    else:
        raise Busy("other receivers kept taking the suggested bins; ask again")
    # Bins this receiver held for the receipt but no longer needs go back to everyone.
    db.session.execute(delete(PutawayHold).where(PutawayHold.holder == holder, PutawayHold.receipt_id == receipt_id,
                                                 PutawayHold.location_id.not_in(chosen)))
    return plan, until


def put_away(command: PutAway) -> Move:
    """Handler: move received units into a bin, refusing a bin held for someone else, full, or holding another lot."""
    product = product_by_sku(command.sku)
    source, dest = location_by_code(command.from_location), location_by_code(command.to_location)
    quantity, holder, actor = command.quantity, command.holder, command.actor
    if dest.type not in SELLABLE_TYPES:
        raise Invalid(f"{dest.code} is a {dest.type} location; put away into a storage bin or pick face",
                      code="not_a_bin", details={"location": dest.code})
    if source.virtual:
        raise Invalid(f"{source.code} is not a physical place", code="virtual_location")
    if source.id == dest.id:
        raise Invalid("from_location and to_location are the same bin", code="same_location")
    lot = stock_rules.check_lot(product.sku, product.lot_tracked or product.serial_tracked, command.lot)
    # The bin's row lock makes the capacity and lot checks below hold until this putaway is booked.
    db.session.execute(select(Location.id).where(Location.id == dest.id).with_for_update())
    holder_now = db.session.scalar(select(PutawayHold.holder).where(
        PutawayHold.location_id == dest.id, PutawayHold.expires_at > utcnow(), PutawayHold.holder != holder))
    if holder_now is not None:
        raise Conflict(f"{dest.code} is being filled by {holder_now}; ask for suggestions again",
                       code="bin_held", details={"location": dest.code, "holder": holder_now})
    expiry = db.session.scalar(select(Quant.expiry).where(Quant.product_id == product.id,
                                                          Quant.location_id == source.id, Quant.lot == lot))
    floor = _Floor()
    item = _item(product, lot, expiry, quantity, source, floor.origin(source))
    (bin_,) = _load_bins([dest], floor)
    if not rules.batches_fit(item, bin_):
        raise Conflict(f"{dest.code} holds another lot or expiry date of {product.sku}, and lots are kept apart",
                       code="lots_would_mix", details={"location": dest.code, "sku": product.sku})
    fits = rules.room(item, bin_, quantity)
    if fits < quantity:
        raise Conflict(f"{dest.code} has room for {fits} more of {product.sku}, not {quantity}", code="bin_full",
                       details={"location": dest.code, "room": fits})
    tasks = db.session.scalars(select(PutawayTask).where(
        PutawayTask.product_id == product.id, PutawayTask.location_id == source.id, PutawayTask.lot == lot,
        PutawayTask.received > PutawayTask.put_away).order_by(PutawayTask.id).with_for_update()).all()
    reference = f"receipt:{tasks[0].receipt_id}" if tasks else None
    (move,) = ledger.post([Transfer(product, source, dest, quantity, lot, kind="putaway", reference=reference)], actor)
    settle_expiry(product, dest, lot, expiry, quantity)
    left = quantity
    for task in tasks:  # oldest receipt first: the dock is emptied in the order it filled
        units = min(left, task.received - task.put_away)
        task.put_away += units
        left -= units
    db.session.execute(delete(PutawayHold).where(PutawayHold.location_id == dest.id, PutawayHold.holder == holder))
    return move


def clear_expired_holds(command: ClearExpiredHolds) -> int:
    """Handler: remove the holds whose time ran out; returns how many there were."""
    return db.session.execute(delete(PutawayHold).where(PutawayHold.expires_at <= utcnow())).rowcount
