"""The inventory's hot-path statements: quants locked, made and written, moves booked, products and bins found.

Every scan runs them, so each is `prebuilt` (wms/db.py says why). They read and write Core rows, not
ORM objects: an ORM flush per move was most of a move's time.
"""
from __future__ import annotations

from types import ModuleType

from sqlalchemy import Insert, Select, Update, bindparam, insert, select, tuple_, update

from wms.db import prebuilt
from wms.inventory.models import Location, Move, Product, Quant

_QUANTS, _LOCATIONS, _MOVES = Quant.__table__, Location.__table__, Move.__table__
_Q, _L = _QUANTS.c, _LOCATIONS.c


@prebuilt
def lock_quants() -> Select:
    """The quants of (product id, location id, lot) `keys`, row-locked in ascending id order."""
    return (
        select(_Q.id, _Q.product_id, _Q.location_id, _Q.lot, _Q.expiry, _Q.on_hand, _Q.reserved, _Q.in_date,
               _Q.virtual)
        .where(tuple_(_Q.product_id, _Q.location_id, _Q.lot).in_(bindparam("keys", expanding=True)))
        .order_by(_Q.id)
        .with_for_update()
    )


@prebuilt
def create_quants(backend: ModuleType) -> Insert:
    """Quants inserted, each skipped when another transaction made it first."""
    return backend.insert(_QUANTS).on_conflict_do_nothing()


@prebuilt
def write_quant() -> Update:
    """A held quant's counts, dates and expiry written back, by `quant_id`."""
    return (update(_QUANTS).where(_Q.id == bindparam("quant_id"))
            .values(on_hand=bindparam("on_hand"), reserved=bindparam("reserved"), expiry=bindparam("expiry"),
                    in_date=bindparam("in_date"), updated_at=bindparam("now")))


@prebuilt
def book_moves() -> Insert:
    """Ledger rows, answering their ids in the order of the rows given."""
    return insert(_MOVES).returning(_MOVES.c.id, sort_by_parameter_order=True)


@prebuilt
def free_stock() -> Select:
    """Sellable quants of the `products` with unreserved units, and their place's type, row-locked by id."""
    return (
        select(_Q.id, _Q.product_id, _Q.location_id, _Q.lot, _Q.expiry, _Q.in_date, _Q.on_hand - _Q.reserved,
               _L.type)
        .join_from(_QUANTS, _LOCATIONS, _L.id == _Q.location_id)
        .where(_Q.product_id.in_(bindparam("products", expanding=True)), _L.sellable.is_(True),
               _Q.on_hand > _Q.reserved)
        .order_by(_Q.id)
        .with_for_update(of=_QUANTS)
    )


@prebuilt
def free_stock_elsewhere() -> Select:
    """`free_stock` outside the `excluded` locations."""
    return free_stock().where(_Q.location_id.not_in(bindparam("excluded", expanding=True)))


@prebuilt
def reserve_units() -> Update:
    """`units` added to a quant's reserved count, by `quant_id`."""
    return (update(_QUANTS).where(_Q.id == bindparam("quant_id"))
            .values(reserved=_Q.reserved + bindparam("units"), updated_at=bindparam("now")))


@prebuilt
def product_by_sku() -> Select:
    return select(Product).where(Product.sku == bindparam("sku"))


@prebuilt
def location_by_code() -> Select:
    return select(Location).where(Location.code == bindparam("code"))


@prebuilt
def products_by_sku() -> Select:
    """The products of these `skus`: a batch of moves looks its products up at once."""
    return select(Product).where(Product.sku.in_(bindparam("skus", expanding=True)))


@prebuilt
def locations_by_code() -> Select:
    """The locations of these `codes`: a batch of moves looks its bins up at once."""
    return select(Location).where(Location.code.in_(bindparam("codes", expanding=True)))
