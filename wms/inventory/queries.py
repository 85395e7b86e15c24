"""Reading stock: quants by SKU or bin, totals per SKU, the ledger, and the ledger's own audit."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import BigInteger, Select, and_, cast, func, select
from sqlalchemy.orm import aliased

from wms.db import db
from wms.inventory.models import Location, Move, Product, Quant


def stock_query(sku: str | None, location: str | None) -> Select:
    """Quants at real places that hold or promise something, filtered by SKU and/or bin code."""
    stmt = select(Quant).where(Quant.virtual.is_(False), (Quant.on_hand != 0) | (Quant.reserved != 0))
    if sku is not None:
        stmt = stmt.where(Quant.product_id == select(Product.id).where(Product.sku == sku).scalar_subquery())
    if location is not None:
        stmt = stmt.where(Quant.location_id == select(Location.id).where(Location.code == location).scalar_subquery())
    return stmt


def inventory_query(sku: str | None) -> Select:
    """Per SKU, the sellable totals; one row per product even when it has no stock."""
    sellable = (
        # PostgreSQL sums a bigint as numeric; cast back so the API reports integers.
        select(Quant.product_id, cast(func.sum(Quant.on_hand), BigInteger).label("on_hand"),
               cast(func.sum(Quant.reserved), BigInteger).label("reserved"))
        .join(Location, Location.id == Quant.location_id)
        .where(Location.sellable.is_(True))
        .group_by(Quant.product_id)
        .subquery()
    )
    stmt = select(
        Product.id, Product.sku,
        func.coalesce(sellable.c.on_hand, 0).label("on_hand"),
        func.coalesce(sellable.c.reserved, 0).label("reserved"),
    ).outerjoin(sellable, sellable.c.product_id == Product.id)
    if sku is not None:
        stmt = stmt.where(Product.sku == sku)
    return stmt


def moves_query(sku: str | None, location: str | None, since) -> Select:
    stmt = select(Move)
    if sku is not None:
        stmt = stmt.where(Move.product_id == select(Product.id).where(Product.sku == sku).scalar_subquery())
    if location is not None:
        loc_id = select(Location.id).where(Location.code == location).scalar_subquery()
        stmt = stmt.where((Move.from_location_id == loc_id) | (Move.to_location_id == loc_id))
    if since is not None:
        stmt = stmt.where(Move.created_at >= since)
    return stmt


@dataclass
class LedgerProblem:
    kind: str
    sku: str
    location: str
    lot: str
    detail: str


def check_ledger() -> list[LedgerProblem]:
    """Every quant equals the sum of its moves; no negative stock at a real place; no over-promising.

    Each comparison of quants with moves is one statement, so it sees one snapshot of both even on
    PostgreSQL's default READ COMMITTED, where separate statements may see different commits.
    """
    incoming = (
        select(Move.product_id.label("p"), Move.to_location_id.label("l"), Move.lot.label("lot"),
               Move.quantity.label("q"))
    )
    outgoing = (
        select(Move.product_id.label("p"), Move.from_location_id.label("l"), Move.lot.label("lot"),
               (-Move.quantity).label("q"))
    )
    flows = incoming.union_all(outgoing).subquery()
    sums = select(flows.c.p, flows.c.l, flows.c.lot, func.sum(flows.c.q).label("total")).group_by(
        flows.c.p, flows.c.l, flows.c.lot).subquery()
    prod, loc = aliased(Product), aliased(Location)
    q = aliased(Quant)
    # Full outer join written as two left joins so SQLite (no FULL JOIN before 3.39) can run it too.
    quant_side = (
        select(q.product_id, q.location_id, q.lot, q.on_hand, q.reserved, q.virtual,
               func.coalesce(sums.c.total, 0).label("total"))
        .outerjoin(sums, and_(sums.c.p == q.product_id, sums.c.l == q.location_id, sums.c.lot == q.lot))
    )
    moves_only = (
        select(sums.c.p, sums.c.l, sums.c.lot, sums.c.total)
        .outerjoin(q, and_(sums.c.p == q.product_id, sums.c.l == q.location_id, sums.c.lot == q.lot))
        .where(q.id.is_(None), sums.c.total != 0)
    )
    names = dict(db.session.execute(select(prod.id, prod.sku)).all())
    places = dict(db.session.execute(select(loc.id, loc.code)).all())
    problems: list[LedgerProblem] = []

    def problem(kind, p, l, lot, detail):
        problems.append(LedgerProblem(kind, names.get(p, str(p)), places.get(l, str(l)), lot, detail))

    for row in db.session.execute(quant_side):
        if row.on_hand != row.total:
            problem("quant_mismatch", row.product_id, row.location_id, row.lot,
                    f"quant on_hand {row.on_hand} but moves sum to {row.total}")
        if not row.virtual and row.on_hand < 0:
            problem("negative_stock", row.product_id, row.location_id, row.lot, f"on_hand {row.on_hand}")
        if row.reserved < 0 or (not row.virtual and row.reserved > row.on_hand):
            problem("over_reserved", row.product_id, row.location_id, row.lot,
                    f"reserved {row.reserved} of on_hand {row.on_hand}")
    for row in db.session.execute(moves_only):
        problem("missing_quant", row.p, row.l, row.lot, f"moves sum to {row.total} but there is no quant")
    for p, total in db.session.execute(select(Quant.product_id, func.sum(Quant.on_hand)).group_by(Quant.product_id)):
        if total != 0:
            problem("unbalanced_sku", p, 0, "", f"quants of this SKU sum to {total}, not 0")
    return problems
