"""Order intake: orders from the storefront written and allocated, many in a few statements.

This is the storefront's hot path (DESIGN.md: >= 500 orders/s over HTTP), so it speaks SQLAlchemy
Core: a statement per step for every order of the batch together, instead of an ORM flush per
object. Each order is checked before anything is written, so a refused one writes nothing while
the others of its batch go ahead.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import NamedTuple

from sqlalchemy.exc import IntegrityError

from wms.db import chunks, db, insert_returning_ids, utcnow
from wms.errors import Conflict, NotFound, WmsError
from wms.orders import allocation, gateway
from wms.orders.domain import OrderStatusChanged, PlaceOrder
from wms.orders.models import Order, OrderLine
from wms.orders.schemas import order_json
from wms.unit_of_work import record


def receive_orders(commands: Sequence[PlaceOrder]) -> list[dict | WmsError]:
    """Inside the current transaction: create and allocate these orders, in their order.

    Returns, in the batch's order, each order's state as the API shows it, or the error that
    refused it (an unknown SKU, an external_id already received); the request schema has judged
    each address already.
    """
    batch = [c.order for c in commands]
    products = _products({line["sku"] for data in batch for line in data["lines"]})
    known = set(db.session.scalars(gateway.received_external_ids(),
                                   {"ids": [data["external_id"] for data in batch]}))
    outcomes: list[dict | WmsError | None] = [None] * len(batch)
    accepted: list[tuple[int, Mapping, dict[int, int]]] = []
    for i, data in enumerate(batch):
        try:
            if data["external_id"] in known:
                raise _duplicate(data["external_id"])
            lines = _merged_lines(data["lines"], products)
        except WmsError as err:
            outcomes[i] = err
            continue
        known.add(data["external_id"])
        accepted.append((i, data, lines))
    if not accepted:
        return outcomes

    # Planned before anything is written, so orders and lines are written once, with their outcome.
    needs = [allocation.Need(i, commands[i].allocation == "whole", tuple(
        allocation.OpenLine(_line_key(i, product_id), product_id, quantity, products[product_id].fefo)
        for product_id, quantity in lines.items())) for i, data, lines in accepted]
    planned = allocation.plan(needs)
    now = utcnow()
    rows = [{"external_id": data["external_id"], "status": planned.status(need), "ship_to": data["ship_to"],
             "service_level": data.get("service_level", "standard"), "carrier": data.get("carrier"),
             "service": data.get("service"), "priority": data.get("priority", 0),
             "allocation": commands[i].allocation, "created_by": commands[i].actor, "created_at": now,
             "updated_at": now} for (i, data, _), need in zip(accepted, needs)]
    try:
        order_ids = insert_returning_ids(Order, rows, key=("external_id",))
    except IntegrityError:
        if len(accepted) > 1:
            raise
        # Another process took this external_id between our check and insert.
        raise _duplicate(accepted[0][1]["external_id"]) from None
    reserved = planned.reserved
    line_rows = [{"order_id": order_id, "product_id": line.product_id, "quantity": line.missing,
                  "allocated": reserved.get(line.line_id, 0), "picked": 0, "shipped": 0}
                 for order_id, need in zip(order_ids, needs) for line in need.lines]
    line_ids = insert_returning_ids(OrderLine, line_rows, key=("order_id", "product_id"))
    allocation.reserve_new(planned, dict(zip((line.line_id for need in needs for line in need.lines), line_ids)))
    db.session.execute(gateway.insert_transition(), [
        {"order_id": order_id, "from_status": before, "to_status": after, "actor": row["created_by"], "note": None,
         "at": now}
        for order_id, row in zip(order_ids, rows) for before, after in ((None, "received"), ("received", row["status"]))])
    shown = [_state(order_id, row, need, products, reserved) for order_id, row, need in zip(order_ids, rows, needs)]
    for state in shown:
        record(OrderStatusChanged(state["id"], state["status"], state, first=True))
    for (i, _, _), state in zip(accepted, shown):
        outcomes[i] = state
    return outcomes


def _line_key(index: int, product_id: int) -> int:
    """A line's key in the plan before it has an id: its order's place in the batch and its product."""
    return -(index * 2**32 + product_id) - 1  # negative, so never mistaken for an id


class _Product(NamedTuple):
    id: int
    sku: str
    fefo: bool  # expiry-tracked: allocated first expired, first out


def _products(skus: set[str]) -> dict[object, _Product]:
    """The products named, by SKU and by id."""
    found: dict[object, _Product] = {}
    for part in chunks(sorted(skus)):
        for pid, sku, fefo in db.session.execute(gateway.products_by_sku(), {"skus": part}):
            found[sku] = found[pid] = _Product(pid, sku, bool(fefo))
    return found


def _merged_lines(lines: list[dict], products: dict[object, _Product]) -> dict[int, int]:
    """Product id -> quantity, lines of the same SKU added up; an unknown SKU refuses the order."""
    merged: dict[int, int] = {}
    for line in lines:
        product = products.get(line["sku"])
        if product is None:
            raise NotFound(f"no product with SKU {line['sku']!r}", code="unknown_product",
                           details={"sku": line["sku"]})
        merged[product.id] = merged.get(product.id, 0) + line["quantity"]
    return merged


def _duplicate(external_id: str) -> Conflict:
    return Conflict(f"order {external_id!r} was already received", code="duplicate_order",
                    details={"external_id": external_id})


def _state(order_id: int, row: dict, need: allocation.Need, products: dict[object, _Product],
           reserved: dict[int, int]) -> dict:
    """The new order as the API shows it (order_json's shape), from what was just written."""
    shown = [SimpleNamespace(sku=products[line.product_id].sku, quantity=line.missing,
                             allocated=reserved.get(line.line_id, 0), picked=0, shipped=0) for line in need.lines]
    return order_json(SimpleNamespace(id=order_id, **row), shown)
