"""HTTP endpoints of picking: releasing waves, reading pick lists, confirming and shorting picks."""
from __future__ import annotations

from flask import Response, url_for
from sqlalchemy import func, select

from wms import config
from wms.api.pagination import page
from wms.api.registry import Routes
from wms.db import db
from wms.inventory.domain import Actor
from wms.picking import pdf, services, waves
from wms.picking import schemas as s
from wms.picking.domain import PICKERS, ConfirmPick, ReleaseWave, ShortPick
from wms.picking.models import PickList, PickTask, Tote

# This package's endpoints, declared below; create_app registers them (wms/wiring.py).
ROUTES = Routes()
endpoint = ROUTES.endpoint


def _wave_json(wave) -> dict:
    """The wave as the API shows it, each pick list's totes and task count read in one query for all."""
    counts = dict(db.session.execute(
        select(PickTask.pick_list_id, func.count()).join(PickList, PickList.id == PickTask.pick_list_id)
        .where(PickList.wave_id == wave.id).group_by(PickTask.pick_list_id)).all())
    totes: dict[int, list[Tote]] = {}
    for t in db.session.scalars(select(Tote).join(PickList).where(PickList.wave_id == wave.id)
                                .order_by(Tote.pick_list_id, Tote.slot)):
        totes.setdefault(t.pick_list_id, []).append(t)
    return s.wave_json(wave, totes, counts, _pick_list_url)


def _pick_list_url(picklist_id: int) -> str:
    return url_for("api.wms_picking_views__get_pick_list", picklist_id=picklist_id)


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
        return s.pick_list_summary_json(
            pl, pl.totes, db.session.scalar(select(func.count()).where(PickTask.pick_list_id == pl.id)),
            _pick_list_url(pl.id))

    return page(stmt, PickList.id, query, summary)


@endpoint("GET", "/picklists/<int:picklist_id>", roles=PICKERS, summary="Read a pick list", tag="picking",
          response=s.PICKLIST,
          description="Tasks in walking order. `route_length_m` is the closed walk depot -> each task's bin in "
                      "`seq` order -> depot along the aisle centre lines of `GET /layouts/current`.")
def get_pick_list(picklist_id):
    pick_list = services.get_pick_list(picklist_id)
    return s.pick_list_json(pick_list, services.tasks_of(pick_list))


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
    return send(ConfirmPick(picklist_id, body, Actor.of(send)), s.outcome_json)


@endpoint("POST", "/picklists/<int:picklist_id>/short", roles=PICKERS, summary="Close a pick short",
          tag="picking", body=s.SHORT_IN, response=s.OUTCOME, errors=(404, 409), scan=True,
          description="The units found are picked; the missing ones leave the bin for inventory loss (count the "
                      "bin). The line is re-allocated from other bins when there is stock (new tasks on this "
                      "list, in the same tote, in `added`); otherwise the order goes to `exception`.")
def short_pick(picklist_id, body, send):
    return send(ShortPick(picklist_id, body, Actor.of(send)), s.outcome_json)
