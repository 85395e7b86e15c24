"""What is connected to what, in plain lists: `create_app` registers these and nothing registers itself.

Read this module to know every consequence of a domain event.
"""
from __future__ import annotations

from wms import housekeeping
from wms.api.registry import Routes
from wms.inventory import services as inventory
from wms.inventory import views as inventory_views
from wms.inventory.domain import (
    AdjustStock,
    CreateLocation,
    CreateProduct,
    GenerateLayout,
    LevelsChanged,
    MoveStock,
    StockArrived,
)
from wms.orders import jobs as order_jobs
from wms.orders import services as orders
from wms.orders import views as order_views
from wms.orders.domain import (
    AllocateOrder,
    AllocateWaitingOrders,
    CancelOrder,
    OrderStatusChanged,
    PlaceOrder,
    ServeBackorders,
)
from wms.picking import confirm as picking
from wms.picking import jobs as picking_jobs
from wms.picking import views as picking_views
from wms.picking import waves
from wms.picking.domain import ConfirmPick, ReleaseWave, ShortPick
from wms.receiving import jobs as receiving_jobs
from wms.receiving import labelling, putaway
from wms.receiving import services as receiving
from wms.receiving import views as receiving_views
from wms.receiving.domain import (
    ClearExpiredHolds,
    CloseReceipt,
    IssueSscc,
    OpenReceipt,
    PutAway,
    ReceiptClosed,
    ReceiveScan,
)
from wms.scheduler import Jobs
from wms.unit_of_work import EventTable
from wms.webhooks import jobs as webhook_jobs
from wms.webhooks import outbox
from wms.webhooks import services as webhooks
from wms.webhooks import views as webhook_views
from wms.webhooks.domain import EnableEndpoint, Redeliver, Subscribe

# Each command and its one handler. A handler with a batch form (`pipeline.batch_form`) is committed
# together with concurrent commands of its kind.
COMMAND_HANDLERS = {
    CreateProduct: inventory.create_product,
    CreateLocation: inventory.create_location,
    GenerateLayout: inventory.generate_layout,
    MoveStock: inventory.move_stock,
    AdjustStock: inventory.adjust_stock,
    PlaceOrder: orders.place_order,
    CancelOrder: orders.cancel_order,
    AllocateOrder: orders.reallocate,
    AllocateWaitingOrders: orders.allocate_waiting,
    ServeBackorders: orders.serve_all_backorders,
    OpenReceipt: receiving.open_receipt,
    ReceiveScan: receiving.receive_scan,
    CloseReceipt: receiving.close_receipt,
    PutAway: putaway.put_away,
    ClearExpiredHolds: putaway.clear_expired_holds,
    IssueSscc: labelling.issue_ssccs,
    ReleaseWave: waves.release_wave,
    ConfirmPick: picking.confirm,
    ShortPick: picking.short,
    Subscribe: webhooks.subscribe,
    EnableEndpoint: webhooks.enable_endpoint,
    Redeliver: webhooks.redeliver,
}

# Each event kind and its handlers, run inside the transaction that raised it, before commit. Kinds
# are handled in this order, each only once no kind above it waits, so a handler sees the events that
# the handlers above it raised: stock levels are published last, once, after backorders were served.
EVENT_HANDLERS: EventTable = {
    StockArrived: [orders.serve_arrivals],
    OrderStatusChanged: [outbox.publish_order_statuses],
    ReceiptClosed: [outbox.publish_receipts_closed],
    LevelsChanged: [outbox.publish_levels],
}

# Every feature's HTTP endpoints, served under /api/v1 and described by /api/v1/openapi.json in this order.
ROUTES: list[Routes] = [
    inventory_views.ROUTES,
    order_views.ROUTES,
    receiving_views.ROUTES,
    picking_views.ROUTES,
    webhook_views.ROUTES,
]

# Every feature's scheduled jobs, run by `wms run` (in-process) or `wms worker`.
JOBS: list[Jobs] = [
    order_jobs.JOBS,
    receiving_jobs.JOBS,
    picking_jobs.JOBS,
    webhook_jobs.JOBS,
    housekeeping.JOBS,
]
