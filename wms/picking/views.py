"""HTTP endpoints of picking: releasing waves, reading pick lists, confirming and shorting picks."""
from __future__ import annotations

from flask import Response, url_for
from sqlalchemy import func, select

from wms import config
from wms.api.pagination import page
from wms.api.registry import Routes
from wms.db import db
from wms.inventory.domain import Actor
from wms.picking import confirm, pdf, services, waves
from wms.picking import schemas as s
from wms.picking.domain import PICKERS, ConfirmPick, ReleaseWave, ShortPick
from wms.picking.models import PickList, PickTask, Tote
from wms.serialise import iso

# This package's endpoints, declared below; create_app registers them (wms/wiring.py).
ROUTES = Routes()
endpoint = ROUTES.endpoint


def task_json(t: PickTask) -> dict:
    return {"id": t.id, "seq": t.seq, "location": t.location.code, "sku": t.product.sku, "quantity": t.quantity,
            "lot": t.lot or None, "order_id": t.order_id, "tote": t.tote.slot, "status": t.status,
            "picked": t.picked, "short": t.short}


def _totes(pick_list: PickList) -> list[dict]:
    return [{"tote": t.slot, "order_id": t.order_id} for t in pick_list.totes]


def pick_list_json(pick_list: PickList) -> dict:
    return {"id": pick_list.id, "wave_id": pick_list.wave_id, "status": pick_list.status,
            "route_length_m": round(pick_list.route_length_m, 3), "totes": _totes(pick_list),
            "tasks": [task_json(t) for t in services.tasks_of(pick_list)],
            "created_at": iso(pick_list.created_at), "completed_at": iso(pick_list.completed_at)}


def _wave_json(wave) -> dict:
    lists = wave.pick_lists
    counts = dict(db.session.execute(
        select(PickTask.pick_list_id, func.count()).join(PickList, PickList.id == PickTask.pick_list_id)
        .where(PickList.wave_id == wave.id).group_by(PickTask.pick_list_id)).all())
    totes: dict[int, list[dict]] = {}
    for t in db.session.scalars(select(Tote).join(PickList).where(PickList.wave_id == wave.id)
                                .order_by(Tote.pick_list_id, Tote.slot)):
        totes.setdefault(t.pick_list_id, []).append({"tote": t.slot, "order_id": t.order_id})
    return {
        "id": wave.id, "cart_capacity": wave.cart_capacity, "params": wave.params, "created_by": wave.created_by,
        "created_at": iso(wave.created_at), "orders": sum(len(v) for v in totes.values()),
        "route_length_m": round(sum(pl.route_length_m for pl in lists), 3),
        "picklists": [{"id": pl.id, "wave_id": wave.id, "status": pl.status,
                       "route_length_m": round(pl.route_length_m, 3), "totes": totes.get(pl.id, []),
                       "task_count": counts.get(pl.id, 0),
                       "url": url_for("api.wms_picking_views__get_pick_list", picklist_id=pl.id)}
                      for pl in lists],
    }


def _outcome_json(o: confirm.Outcome) -> dict:
    return {"picklist": {"id": o.pick_list.id, "status": o.pick_list.status,
                         "route_length_m": round(o.pick_list.route_length_m, 3)},
            "task": task_json(o.task), "next": task_json(o.next_task) if o.next_task else None,
            "added": [task_json(t) for t in o.added], "order": {"id": o.order.id, "status": o.order.status}}


@endpoint("POST", "/waves", roles=ReleaseWave.ROLES, summary="Release a wave of allocated orders", tag="picking",
          body=s.WAVE_IN, response=s.WAVE, status=201, errors=(409,),
          description="Takes allocated orders with work not yet on an open pick list: highest `priority` first, "
                      "then the earliest carrier cut-off (`[carrier_cutoffs]` settings), then the oldest; up to "
                      "`max_orders` (and `max_picklists` x `cart_capacity`). `carrier` takes only that carrier's "
                      "orders, `cutoff` (HH:MM, UTC) only those of carriers collecting by then. Orders are batched "
                      "onto carts of `cart_capacity` totes, one tote per order, to walk as little as possible; "
                      "each pick list is routed on the layout. 409 `no_orders` when nothing is waiting, "
                      "`no_layout` before a layout exists.")
def release_wave(body, send):
    # Planned here, before the command's transaction begins: see wms/picking/waves.py.
    return send(ReleaseWave(waves.plan_wave(body, config.settings()), send.caller.name), _wave_json)


@endpoint("GET", "/waves/<int:wave_id>", roles=PICKERS, summary="Read a wave", tag="picking", response=s.WAVE)
def get_wave(wave_id):
    return _wave_json(services.get_wave(wave_id))


@endpoint("GET", "/picklists", roles=PICKERS, summary="List pick lists", tag="picking",
          query={"status": s.LIST_STATUS, "wave": s.ID}, response=s.PICKLIST_SUMMARY, paginated=True)
def list_pick_lists(query):
    stmt = select(PickList)
    if "status" in query:
        stmt = stmt.where(PickList.status == query["status"])
    if "wave" in query:
        stmt = stmt.where(PickList.wave_id == query["wave"])

    def summary(pl: PickList) -> dict:
        return {"id": pl.id, "wave_id": pl.wave_id, "status": pl.status,
                "route_length_m": round(pl.route_length_m, 3), "totes": _totes(pl),
                "task_count": db.session.scalar(select(func.count()).where(PickTask.pick_list_id == pl.id)),
                "url": url_for("api.wms_picking_views__get_pick_list", picklist_id=pl.id)}

    return page(stmt, PickList.id, query, summary)


@endpoint("GET", "/picklists/<int:picklist_id>", roles=PICKERS, summary="Read a pick list", tag="picking",
          response=s.PICKLIST,
          description="Tasks in walking order. `route_length_m` is the closed walk depot -> each task's bin in "
                      "`seq` order -> depot along the aisle centre lines of `GET /layouts/current`.")
def get_pick_list(picklist_id):
    return pick_list_json(services.get_pick_list(picklist_id))


@endpoint("GET", "/picklists/<int:picklist_id>.pdf", roles=PICKERS, summary="Print a pick list", tag="picking",
          response=None, content_type="application/pdf",
          description="Tasks in order with Code 128 barcodes of each bin code and SKU, the totes, and the floor "
                      "plan with the route drawn.")
def pick_list_pdf(picklist_id):
    pick_list = services.get_pick_list(picklist_id)
    body = pdf.pick_list_pdf(pick_list, services.tasks_of(pick_list), services.floor_plan())
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="picklist-{pick_list.id}.pdf"'
    return response


@endpoint("POST", "/picklists/<int:picklist_id>/confirm", roles=PICKERS, summary="Confirm the current pick",
          tag="picking", body=s.CONFIRM_IN, response=s.OUTCOME, errors=(404, 409), scan=True,
          description="`location_barcode` must be the current task's bin; `item_barcode` its product as SKU, "
                      "GTIN or GS1 element string (a GS1 lot must be the task's lot). A wrong bin or item is "
                      "409 (`wrong_location`, `wrong_item`, `wrong_lot`) with what was expected, and changes "
                      "nothing. `quantity` may be less than the task asks (the task stays current). Replies "
                      "with the next task.")
def confirm_pick(picklist_id, body, send):
    return send(ConfirmPick(picklist_id, body, Actor.of(send)), _outcome_json)


@endpoint("POST", "/picklists/<int:picklist_id>/short", roles=PICKERS, summary="Close a pick short",
          tag="picking", body=s.SHORT_IN, response=s.OUTCOME, errors=(404, 409), scan=True,
          description="The units found are picked; the missing ones leave the bin for inventory loss (count the "
                      "bin). The line is re-allocated from other bins when there is stock (new tasks on this "
                      "list, in the same tote, in `added`); otherwise the order goes to `exception`.")
def short_pick(picklist_id, body, send):
    return send(ShortPick(picklist_id, body, Actor.of(send)), _outcome_json)
