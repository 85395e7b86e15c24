"""HTTP endpoints of webhooks: storefronts subscribe, watch their deliveries and ask for redelivery."""
from __future__ import annotations

from wms.api.pagination import page
from wms.api.registry import Routes
from wms.webhooks import services
from wms.webhooks.domain import SUBSCRIBERS, EnableEndpoint, Redeliver, Subscribe
from wms.webhooks.models import DELIVERY_STATUSES, WebhookDelivery, WebhookEndpoint
from wms.webhooks.schemas import (
    DELIVERY,
    ENDPOINT,
    ENDPOINT_CREATED,
    ENDPOINT_IN,
    delivery_json,
    endpoint_json,
)

# This package's endpoints, declared below; create_app registers them (wms/wiring.py).
ROUTES = Routes()
endpoint = ROUTES.endpoint


@endpoint("POST", "/webhooks", roles=Subscribe.ROLES, summary="Subscribe an endpoint to events", tag="webhooks",
          body=ENDPOINT_IN, response=ENDPOINT_CREATED, status=201)
def create_webhook(body, send):
    # The one reply that shows the signing secret.
    return send(Subscribe(body["url"], tuple(body["events"]), send.caller.name),
                lambda created: {**endpoint_json(created), "secret": created.secret})


@endpoint("GET", "/webhooks", roles=SUBSCRIBERS, summary="List webhook endpoints", tag="webhooks",
          response=ENDPOINT, paginated=True)
def list_webhooks(query):
    return page(services.endpoints_query(), WebhookEndpoint.id, query, endpoint_json)


@endpoint("GET", "/webhooks/<int:endpoint_id>", roles=SUBSCRIBERS, summary="Read a webhook endpoint", tag="webhooks",
          response=ENDPOINT)
def get_webhook(endpoint_id):
    return endpoint_json(services.endpoint_by_id(endpoint_id))


@endpoint("POST", "/webhooks/<int:endpoint_id>/enable", roles=EnableEndpoint.ROLES,
          summary="Enable a disabled webhook endpoint", tag="webhooks", response=ENDPOINT)
def enable_webhook(endpoint_id, send):
    return send(EnableEndpoint(endpoint_id), endpoint_json)


@endpoint("GET", "/webhooks/<int:endpoint_id>/deliveries", roles=SUBSCRIBERS, summary="List an endpoint's deliveries",
          tag="webhooks", query={"status": {"enum": list(DELIVERY_STATUSES)}}, response=DELIVERY, paginated=True)
def list_deliveries(endpoint_id, query):
    services.endpoint_by_id(endpoint_id)
    return page(services.deliveries_query(endpoint_id, query.get("status")), WebhookDelivery.id, query,
                delivery_json)


@endpoint("POST", "/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver", roles=Redeliver.ROLES,
          summary="Deliver an event again", tag="webhooks", response=DELIVERY, status=201, errors=(409,),
          description="A new pending delivery of the same event, with the same webhook-id, whatever became "
                      "of the old one (delivered, dead or disabled). 409 while one is still on its way.")
def redeliver(endpoint_id, delivery_id, send):
    return send(Redeliver(endpoint_id, delivery_id),
                lambda again: delivery_json(services.delivery_with_event(again.id)))
