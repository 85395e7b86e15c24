"""Inventory handlers and lookups: catalogue, bins, layout, moves, adjustments."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from sqlalchemy import exists, select

from wms.barcodes import normalise_gtin
from wms.db import db, utcnow
from wms.errors import Conflict, Invalid, NotFound, WmsError
from wms.inventory import domain, gateway, ledger
from wms.inventory import layout as floor
from wms.inventory.domain import (
    AdjustStock,
    CreateLocation,
    CreateProduct,
    GenerateLayout,
    MoveStock,
)
from wms.inventory.ledger import Transfer
from wms.inventory.models import (
    INVENTORY_LOSS,
    SELLABLE_TYPES,
    VIRTUAL_LOCATIONS,
    Layout,
    Location,
    Move,
    Product,
)
from wms.pipeline import batch_form, one_of


def product_by_sku(sku: str) -> Product:
    product = db.session.scalar(gateway.product_by_sku(), {"sku": sku})
    if product is None:
        raise _unknown_product(sku)
    return product


def _unknown_product(sku: str) -> NotFound:
    return NotFound(f"no product with SKU {sku!r}", code="unknown_product", details={"sku": sku})


def _unknown_location(code: str) -> NotFound:
    return NotFound(f"no location {code!r}", code="unknown_location", details={"location": code})


def product_by_gtin(gtin14: str) -> Product | None:
    """The product with this GTIN, given as a GTIN-14 (as scans and normalise_gtin make it)."""
    return db.session.scalar(select(Product).where(Product.gtin14 == gtin14))


def location_by_code(code: str) -> Location:
    location = db.session.scalar(gateway.location_by_code(), {"code": code})
    if location is None:
        raise _unknown_location(code)
    return location


def create_product(command: CreateProduct) -> Product:
    """Handler: add a product; its SKU and GTIN are its own, its home bin one that stock can be put into."""
    data = dict(command.product)
    if db.session.scalar(select(exists().where(Product.sku == data["sku"]))):
        raise Conflict(f"SKU {data['sku']!r} already exists", code="product_exists")
    if data.get("gtin"):
        # Kept as given, to be answered as given; matched and kept unique as the GTIN-14 it stands for.
        data["gtin14"] = normalise_gtin(data["gtin"])
        taken = product_by_gtin(data["gtin14"])
        if taken is not None:
            raise Conflict(f"GTIN {data['gtin']} already belongs to product {taken.sku}", code="gtin_exists",
                           details={"gtin": data["gtin"], "sku": taken.sku})
    if data.get("unit_value") is not None:
        data["unit_value"] = Decimal(data["unit_value"])
        if not data.get("currency"):
            raise Invalid("unit_value needs a currency", code="currency_required")
    if "home_location" in data:
        data["home_location"] = _home_bin(data["home_location"])
    product = Product(**data)
    db.session.add(product)
    db.session.flush()
    return product


def _home_bin(code: str) -> Location:
    """A product's fixed bin must be one that stock can be put away into."""
    bin_ = db.session.scalar(select(Location).where(Location.code == code))
    if bin_ is None:  # a field of the body, not the resource asked for: 422, not 404
        raise Invalid(f"no location {code!r} for home_location", code="unknown_location",
                      details={"home_location": code})
    if bin_.type not in SELLABLE_TYPES:
        raise Invalid(f"{code} is a {bin_.type} location; a home bin is a storage bin or pick face",
                      code="invalid_home_location", details={"home_location": code})
    return bin_


def _new_location(data: Mapping) -> Location:
    kind = data["type"]
    return Location(**data, virtual=kind in VIRTUAL_LOCATIONS.values(), sellable=kind in SELLABLE_TYPES)


def create_location(command: CreateLocation) -> Location:
    """Handler: set up one place by hand under a code nobody uses yet."""
    data = command.location
    if db.session.scalar(select(exists().where(Location.code == data["code"]))):
        raise Conflict(f"location {data['code']!r} already exists", code="location_exists")
    location = _new_location(data)
    db.session.add(location)
    db.session.flush()
    return location


def ensure_locations(kinds: Mapping[str, str]) -> None:
    """Inside the current transaction: the places of `kinds` (code -> type) that are not there yet.

    Every warehouse has the same few: the virtual places stock comes from and goes to outside the
    walls (VIRTUAL_LOCATIONS), and the docks and work areas it starts with; made once, at setup.
    """
    have = set(db.session.scalars(select(Location.code).where(Location.code.in_(list(kinds)))))
    for code, kind in kinds.items():
        if code not in have:
            db.session.add(_new_location({"code": code, "type": kind}))


def generate_layout(command: GenerateLayout) -> Layout:
    """Handler: the generated floor's bins, and the geometry routes are measured on."""
    spec, pick_face_levels = command.spec, command.pick_face_levels
    if spec.cross_aisles >= spec.bays_per_aisle:
        # Each block between two cross aisles needs a bay position, else cross aisles lie side by side.
        raise Invalid(f"{spec.cross_aisles} cross aisles need more than {spec.bays_per_aisle} bays per side",
                      code="invalid_layout",
                      details={"fields": {"cross_aisles": "must be below bays_per_aisle"}})
    # The contract's rule: no generated floor over bins someone already set up by hand.
    if db.session.scalar(select(exists().where(Location.type.in_(("storage", "pick_face"))))):
        raise Conflict("this warehouse already has storage bins", code="layout_exists")
    spots = floor.bins(spec)
    taken = set(db.session.scalars(select(Location.code).where(Location.code.in_([s.code for s in spots]))))
    if taken:
        raise Conflict(f"bin codes already in use: {sorted(taken)[:5]}", code="layout_exists")
    db.session.execute(
        Location.__table__.insert(),
        [
            {"code": s.code, "type": "pick_face" if s.level in pick_face_levels else "storage", "zone": None,
             "aisle": s.aisle, "bay": s.bay, "level": s.level, "x_m": s.x_m, "y_m": s.y_m,
             "virtual": False, "sellable": True, "created_at": utcnow()}
            for s in spots
        ],
    )
    params = {k: getattr(spec, k) for k in spec.__dataclass_fields__}
    params["pick_face_levels"] = list(pick_face_levels)
    current = Layout(params=params, geometry=floor.geometry(spec))
    db.session.add(current)
    db.session.flush()
    return current


def current_layout() -> Layout:
    current = db.session.scalar(select(Layout).order_by(Layout.id.desc()).limit(1))
    if current is None:
        raise NotFound("no layout has been generated yet", code="no_layout")
    return current


def _transfer_lot(product: Product, lot: str | None) -> str:
    return domain.check_lot(product.sku, product.lot_tracked or product.serial_tracked, lot)


def move_stock(command: MoveStock) -> ledger.Booked:
    """Handler: move units between two real places; the ledger refuses more than is available there."""
    return one_of(move_stocks, command)


@batch_form(move_stock)
def move_stocks(commands: Sequence[MoveStock]) -> list[ledger.Booked | WmsError]:
    """Each move in turn, in one transaction; a refused one (unknown SKU or bin, too few units) moves nothing."""
    products = {p.sku: p for p in db.session.scalars(gateway.products_by_sku(),
                                                     {"skus": sorted({c.sku for c in commands})})}
    places = {loc.code: loc for loc in db.session.scalars(gateway.locations_by_code(), {
        "codes": sorted({code for c in commands for code in (c.from_location, c.to_location)})})}
    outcomes: list[ledger.Booked | WmsError | None] = [None] * len(commands)
    groups, actors, slots = [], [], []
    for i, c in enumerate(commands):
        try:
            groups.append([_move_transfer(c, products, places)])
        except WmsError as err:
            outcomes[i] = err
            continue
        actors.append(c.actor)
        slots.append(i)
    for i, booked in zip(slots, ledger.post_each(groups, actors)):
        outcomes[i] = booked if isinstance(booked, WmsError) else booked[0]
    return outcomes


def _move_transfer(r: MoveStock, products: dict[str, Product], places: dict[str, Location]) -> Transfer:
    """The transfer a move asks for, checked as the single lookups would check it."""
    product = products.get(r.sku)
    if product is None:
        raise _unknown_product(r.sku)
    source, destination = places.get(r.from_location), places.get(r.to_location)
    if source is None:
        raise _unknown_location(r.from_location)
    if destination is None:
        raise _unknown_location(r.to_location)
    if source.id == destination.id:
        raise Invalid("from_location and to_location are the same bin", code="same_location")
    for place in (source, destination):
        if place.virtual:
            raise Invalid(f"{place.code} is not a physical place; use an adjustment", code="virtual_location")
    return Transfer(product, source, destination, r.quantity, _transfer_lot(product, r.lot), kind=r.kind,
                    reference=r.reference)


def adjust_stock(command: AdjustStock) -> Move | None:
    """Handler: correct a bin to a count (or by a delta) with a move to or from inventory loss; None if nothing changes."""
    product = product_by_sku(command.sku)
    place, loss = location_by_code(command.location), location_by_code(INVENTORY_LOSS)
    if place.virtual:
        raise Invalid(f"{place.code} is not a physical place", code="virtual_location")
    lot_key = _transfer_lot(product, command.lot)
    # Lock before reading the count, so the delta is computed from what is really there.
    quants = ledger.lock([(product.id, place.id, lot_key), (product.id, loss.id, lot_key)],
                         {place.id: False, loss.id: True})
    held = quants[(product.id, place.id, lot_key)]
    balance = domain.Balance(held.on_hand, held.reserved, False)
    change = domain.count_delta(balance, command.counted) if command.counted is not None else command.delta or 0
    if change == 0:
        return None
    source, destination = (loss, place) if change > 0 else (place, loss)
    (move,) = ledger.post([Transfer(product, source, destination, abs(change), lot_key, kind="adjustment",
                                    reason=command.reason)], command.actor)
    return move
