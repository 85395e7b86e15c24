"""Every table, imported in one place so the metadata Alembic compares against is complete."""
from wms.auth import ApiToken, User  # noqa: F401
from wms.inventory.models import Layout, Location, Move, Product, Quant  # noqa: F401
from wms.orders.models import Order, OrderLine, OrderTransition, Reservation  # noqa: F401
from wms.picking.models import PickList, PickTask, Tote, Wave  # noqa: F401
from wms.receiving.models import (  # noqa: F401
    IssuedSscc,
    PutawayHold,
    PutawayTask,
    Receipt,
    ReceiptLine,
    ReceivedSerial,
    SsccSequence,
)
from wms.replies import Reply  # noqa: F401
from wms.webhooks.models import (  # noqa: F401
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookSequence,
)
