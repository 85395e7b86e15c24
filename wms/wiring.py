"""What is connected to what, in plain lists: `create_app` registers these and nothing registers itself.

Read this module to know every consequence of a domain event.
"""
from __future__ import annotations

from wms.inventory.domain import LevelsChanged, StockArrived
from wms.orders import services as orders
from wms.orders.domain import OrderStatusChanged
from wms.receiving.domain import ReceiptClosed
from wms.unit_of_work import EventTable
from wms.webhooks import outbox

# Each event kind and its handlers, run inside the transaction that raised it, before commit. Kinds
# are handled in this order, each only once no kind above it waits, so a handler sees the events that
# the handlers above it raised: stock levels are published last, once, after backorders were served.
EVENT_HANDLERS: EventTable = {
    StockArrived: [orders.serve_arrivals],
    OrderStatusChanged: [outbox.publish_order_statuses],
    ReceiptClosed: [outbox.publish_receipts_closed],
    LevelsChanged: [outbox.publish_levels],
}
