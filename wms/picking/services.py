"""Picking use cases shared by waves and confirmations: reading pick lists, the floor, finishing work.

Writes live in `waves.py` (releasing a wave) and `confirm.py` (confirm and short), one transaction
per call; what they share is here. Locks are always taken pick list, then order, then quants
(through the ledger), so two confirmations never wait on each other in a cycle.
"""
from __future__ import annotations

from sqlalchemy import exists, select

from wms.db import db, row_by_id, utcnow
from wms.errors import Conflict, NotFound
from wms.inventory.services import current_layout
from wms.orders import services as orders
from wms.orders.models import Order
from wms.picking.domain import pick_point
from wms.picking.geometry import FloorPlan, walk_length
from wms.picking.models import DONE, OPEN, TASK_OPEN, PickList, PickTask, Wave

# Where picked stock waits for packing (one of wms.setup.FIXED_LOCATIONS).
STAGING = "STAGE-01"


def floor_plan() -> FloorPlan:
    """The floor every route is measured on (`GET /layouts/current`); no layout, no routes."""
    try:
        layout = current_layout()
    except NotFound:
        raise Conflict("no layout yet: generate one (POST /layouts) so pick routes can be measured",
                       code="no_layout") from None
    return FloorPlan.from_dict(layout.geometry)


def get_wave(wave_id: int) -> Wave:
    return row_by_id(Wave, wave_id, NotFound(f"no wave {wave_id}", code="unknown_wave",
                                             details={"wave_id": wave_id}))


def get_pick_list(pick_list_id: int, *, lock: bool = False) -> PickList:
    return row_by_id(PickList, pick_list_id, NotFound(f"no pick list {pick_list_id}", code="unknown_picklist",
                                                      details={"picklist_id": pick_list_id}), lock=lock)


def tasks_of(pick_list: PickList) -> list[PickTask]:
    """Its tasks in walking order, read fresh (a locked list's tasks may have changed since it was loaded)."""
    return list(db.session.scalars(
        select(PickTask).where(PickTask.pick_list_id == pick_list.id).order_by(PickTask.seq, PickTask.id)
        .execution_options(populate_existing=True)
    ).unique())


def _live(task: PickTask, status_of: dict[int, str]) -> bool:
    # A cancelled order's tasks are skipped: its stock was released and nobody should walk for it.
    return task.status == TASK_OPEN and status_of.get(task.order_id) != "cancelled"


def order_statuses(tasks: list[PickTask]) -> dict[int, str]:
    ids = {t.order_id for t in tasks}
    if not ids:
        return {}
    return dict(db.session.execute(select(Order.id, Order.status).where(Order.id.in_(ids))).all())


def current_task(pick_list: PickList) -> PickTask | None:
    """The next task to walk to: the first open one in seq order whose order still wants it."""
    tasks = tasks_of(pick_list)
    status_of = order_statuses(tasks)
    return next((t for t in tasks if _live(t, status_of)), None)


def route_length(plan: FloorPlan, tasks: list[PickTask]) -> float:
    """The closed walk depot -> the tasks' bins in seq order -> depot."""
    ordered = sorted(tasks, key=lambda t: (t.seq, t.id))
    return walk_length(plan, [pick_point(plan, t.location.aisle, t.location.y_m) for t in ordered])


def settle_order(order: Order, actor: str) -> None:
    """An order in picking whose tasks are all done and whose lines are all picked becomes picked."""
    if order.status != "picking":
        return
    open_left = db.session.scalar(select(exists().where(PickTask.order_id == order.id,
                                                        PickTask.status == TASK_OPEN)))
    if open_left:
        return
    if all(line.picked >= line.quantity for line in order.lines):
        orders.transition(order, "picked", actor)


def settle_list(pick_list: PickList) -> None:
    """A pick list with nothing left to walk for is done."""
    if pick_list.status == OPEN and current_task(pick_list) is None:
        pick_list.status = DONE
        pick_list.completed_at = utcnow()
