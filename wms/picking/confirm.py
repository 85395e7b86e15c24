"""Picking by scan: confirm the current task, or close a task short; one transaction each.

A pick moves stock from the bin to staging and consumes the order line's reservation of it in the
same transaction as the scan's reply. Locks: the pick list, then the order, then the quants (the
ledger's ascending id order), the same order every picking write takes.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from wms.db import db, utcnow
from wms.errors import Conflict
from wms.inventory import ledger
from wms.inventory.ledger import Actor, Transfer
from wms.inventory.models import INVENTORY_LOSS, Location, Quant
from wms.inventory.services import location_by_code
from wms.orders import allocation
from wms.orders import services as orders
from wms.orders.models import Order, OrderLine, Reservation
from wms.picking import domain, services
from wms.picking.models import (
    DONE,
    TASK_OPEN,
    TASK_PICKED,
    TASK_SHORT,
    PickList,
    PickTask,
)
from wms.picking.waves import demands


@dataclass
class Outcome:
    """What a confirmation or short did, for the reply: the task, tasks added, and what comes next."""

    pick_list: PickList
    task: PickTask
    next_task: PickTask | None
    order: Order
    added: list[PickTask]


def _open_list(pick_list_id: int) -> PickList:
    pick_list = services.get_pick_list(pick_list_id, lock=True)
    if pick_list.status == DONE:
        raise Conflict(f"pick list {pick_list.id} is done", code="picklist_done",
                       details={"picklist_id": pick_list.id})
    return pick_list


def _expected(task: PickTask) -> domain.Expected:
    product = task.product
    return domain.Expected(task.location.code, product.sku, product.gtin, product.gtin14, task.lot,
                           task.quantity - task.picked - task.short)


def _live_order(task: PickTask) -> Order:
    order = orders.get_order(task.order_id, lock=True)
    if order.status == "cancelled":
        raise Conflict(f"order {order.id} was cancelled: leave its items in the bin", code="order_cancelled",
                       details={"order_id": order.id, "task_id": task.id})
    return order


def _reservation(task: PickTask) -> Reservation | None:
    return db.session.scalar(
        select(Reservation).join(Quant, Quant.id == Reservation.quant_id)
        .where(Reservation.order_line_id == task.order_line_id, Quant.product_id == task.product_id,
               Quant.location_id == task.location_id, Quant.lot == task.lot)
    )


def _consume(task: PickTask, units: int) -> OrderLine:
    """Take units off the line's reservation of this bin (the ledger takes them off the quant)."""
    reservation = _reservation(task)
    if reservation is None or reservation.quantity < units:
        held = reservation.quantity if reservation else 0
        raise Conflict(f"only {held} of {task.product.sku} are still reserved at {task.location.code} for "
                       f"order {task.order_id}; a supervisor must re-allocate it", code="reservation_missing",
                       details={"task_id": task.id, "reserved": held, "requested": units})
    reservation.quantity -= units
    if reservation.quantity == 0:
        db.session.delete(reservation)
    return db.session.get(OrderLine, task.order_line_id)


def _pick(pick_list: PickList, task: PickTask, units: int, actor: Actor) -> None:
    line = _consume(task, units)
    ledger.post([Transfer(task.product, task.location, location_by_code(services.STAGING), units, task.lot,
                          kind="pick", from_reserved=units, reference=f"picklist {pick_list.id}")], actor)
    line.picked += units
    task.picked += units


def _close(task: PickTask, status: str, actor: Actor) -> None:
    task.status = status
    task.done_by = actor.name
    task.done_at = utcnow()


def confirm(command: domain.ConfirmPick) -> Outcome:
    """Handler: the picker scanned the current task's bin and item: move the units into the tote."""
    pick_list_id, body, actor = command.pick_list_id, command.scan, command.actor
    pick_list = _open_list(pick_list_id)
    task = services.current_task(pick_list)
    if task is None:  # what is left belongs to cancelled orders
        raise Conflict(f"pick list {pick_list.id} has nothing left to pick", code="picklist_done",
                       details={"picklist_id": pick_list.id})
    expected = _expected(task)
    domain.check_location(expected, body["location_barcode"])
    domain.check_item(expected, body["item_barcode"])
    domain.check_quantity(expected, body["quantity"])
    order = _live_order(task)
    _pick(pick_list, task, body["quantity"], actor)
    if task.picked == task.quantity:
        _close(task, TASK_PICKED, actor)
    return _finish(pick_list, task, order, actor.name, [])


def short(command: domain.ShortPick) -> Outcome:
    """Handler: the bin holds fewer than the task asks: pick what is there, write off the rest, find it elsewhere."""
    pick_list_id, body, actor = command.pick_list_id, command.scan, command.actor
    pick_list = _open_list(pick_list_id)
    task = db.session.scalar(select(PickTask).where(PickTask.id == body["task_id"],
                                                    PickTask.pick_list_id == pick_list.id))
    if task is None:
        raise Conflict(f"task {body['task_id']} is not on pick list {pick_list.id}", code="unknown_task",
                       details={"task_id": body["task_id"], "picklist_id": pick_list.id})
    if task.status != TASK_OPEN:
        raise Conflict(f"task {task.id} is already {task.status}", code="task_closed",
                       details={"task_id": task.id, "status": task.status})
    remaining = task.quantity - task.picked - task.short
    found = body["quantity_found"]
    domain.check_short(remaining, found)
    order = _live_order(task)
    _lock_for_short(task)
    if found:
        _pick(pick_list, task, found, actor)
    missing = remaining - found
    line = _consume(task, missing)
    # Still reserved at the quant until now: the units leave it as reserved ones, promised to nobody after.
    ledger.post([Transfer(task.product, task.location, location_by_code(INVENTORY_LOSS), missing, task.lot,
                          kind="short", from_reserved=missing, reference=f"picklist {pick_list.id}",
                          reason=f"not found when picking task {task.id}; count the bin")], actor)
    line.allocated -= missing
    task.short = missing
    _close(task, TASK_SHORT, actor)
    allocation.allocate(allocation.needs_of([(order.id, order.allocation)]), exclude_locations={task.location_id})
    added = _add_tasks(pick_list, task, order)
    if any(line.allocated < line.quantity for line in order.lines) and order.status == "picking":
        orders.transition(order, "exception", actor.name,
                          f"short pick of {task.product.sku} on pick list {pick_list.id}: no other stock")
    return _finish(pick_list, task, order, actor.name, added)


def _lock_for_short(task: PickTask) -> None:
    """Lock every quant a short may touch in one go, so in the ledger's global id order.

    A short moves stock to staging and to loss and then re-allocates from other bins; locked
    batch by batch, two shorts of one SKU could each hold a bin the other waits for.
    """
    staging, loss = location_by_code(services.STAGING), location_by_code(INVENTORY_LOSS)
    elsewhere = db.session.execute(
        select(Quant.location_id, Quant.lot).join(Location, Location.id == Quant.location_id)
        .where(Quant.product_id == task.product_id, Location.sellable.is_(True), Quant.on_hand > Quant.reserved,
               Quant.location_id != task.location_id)
    ).all()
    keys = [(task.product_id, task.location_id, task.lot), (task.product_id, staging.id, task.lot),
            (task.product_id, loss.id, task.lot)] + [(task.product_id, loc, lot) for loc, lot in elsewhere]
    virtual = {loc: False for _, loc, _ in keys}
    virtual[loss.id] = True
    ledger.lock(keys, virtual)


def _add_tasks(pick_list: PickList, shorted: PickTask, order: Order) -> list[PickTask]:
    """Tasks for what re-allocation found, in the same tote, each where it lengthens the rest of the walk least."""
    plan = services.floor_plan()
    found = [d for d in demands(plan, [order.id]).get(order.id, []) if d.line_id == shorted.order_line_id]
    if not found:
        return []
    tasks = services.tasks_of(pick_list)
    route = [domain.pick_point(plan, t.location.aisle, t.location.y_m) for t in tasks]
    at = tasks.index(shorted)
    added = []
    for d in found:
        new = PickTask(pick_list_id=pick_list.id, seq=0, order_id=order.id, order_line_id=d.line_id,
                       tote_id=shorted.tote_id, product_id=d.product_id, location_id=d.location_id, lot=d.lot,
                       quantity=d.quantity, picked=0, short=0, status=TASK_OPEN)
        i = domain.cheapest_insertion(plan, route, at, d.point)
        tasks.insert(i, new)
        route.insert(i, d.point)
        added.append(new)
    db.session.add_all(added)
    for seq, t in enumerate(tasks, start=1):
        t.seq = seq
    db.session.flush()
    pick_list.route_length_m = services.route_length(plan, tasks)
    return added


def _finish(pick_list: PickList, task: PickTask, order: Order, actor: str, added: list[PickTask]) -> Outcome:
    db.session.flush()
    services.settle_order(order, actor)
    services.settle_list(pick_list)
    return Outcome(pick_list, task, services.current_task(pick_list), order, added)
