"""HTTP endpoints of the stock core: writes send a command, reads call a query; both shape the reply."""
from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from sqlalchemy import select

from wms import config
from wms.api.pagination import page
from wms.api.registry import Routes
from wms.auth import EVERYONE, STAFF
from wms.db import db
from wms.errors import Invalid
from wms.inventory import labelling, queries, services
from wms.inventory import schemas as s
from wms.inventory.domain import (
    Actor,
    AdjustStock,
    CreateLocation,
    CreateProduct,
    GenerateLayout,
    MoveStock,
)
from wms.inventory.layout import LayoutSpec
from wms.inventory.models import Location, Move, Product, Quant
from wms.inventory.schemas import location_json, move_json, product_json, stock_json
from wms.labels.response import LABEL_QUERY, LABEL_TYPES, label_response

# This package's endpoints, declared below; create_app registers them (wms/wiring.py).
ROUTES = Routes()
endpoint = ROUTES.endpoint

STOCK_READERS = EVERYONE
LABEL_PRINTERS = ("receiver", "supervisor")


@endpoint("POST", "/products", roles=CreateProduct.ROLES, summary="Create a product", tag="catalogue",
          body=s.PRODUCT_IN, response=s.PRODUCT, status=201, errors=(409,))
def create_product(body, send):
    return send(CreateProduct(body), product_json)


@endpoint("GET", "/products", roles=EVERYONE, summary="List products", tag="catalogue",
          response=s.PRODUCT, paginated=True)
def list_products(query):
    return page(select(Product), Product.id, query, product_json)


@endpoint("GET", "/products/<sku>", roles=EVERYONE, summary="Read a product", tag="catalogue",
          response=s.PRODUCT)
def get_product(sku):
    return product_json(services.product_by_sku(sku))


@endpoint("POST", "/locations", roles=CreateLocation.ROLES, summary="Create a location", tag="layout",
          body=s.LOCATION_IN, response=s.LOCATION, status=201, errors=(409,))
def create_location(body, send):
    return send(CreateLocation(body), location_json)


@endpoint("GET", "/locations", roles=EVERYONE, summary="List locations", tag="layout",
          query={"type": {"enum": list(s.LOCATION["properties"]["type"]["enum"])}},
          response=s.LOCATION, paginated=True)
def list_locations(query):
    stmt = select(Location)
    if "type" in query:
        stmt = stmt.where(Location.type == query["type"])
    return page(stmt, Location.id, query, location_json)


@endpoint("GET", "/locations/<code>", roles=EVERYONE, summary="Read a location", tag="layout",
          response=s.LOCATION)
def get_location(code):
    return location_json(services.location_by_code(code))


@endpoint("GET", "/locations/<code>/stock", roles=STOCK_READERS, summary="List the stock in one location",
          tag="stock", response=s.STOCK, paginated=True)
def location_stock(code, query):
    services.location_by_code(code)
    return page(queries.stock_query(None, code), Quant.id, query, stock_json)


@endpoint("POST", "/layouts", roles=GenerateLayout.ROLES, summary="Generate the warehouse layout", tag="layout",
          body=s.LAYOUT_IN, response=s.LAYOUT, status=201, errors=(409,))
def create_layout(body, send):
    faces = tuple(body.pop("pick_face_levels", ()))
    spec = LayoutSpec(**body)

    def shape(layout):
        return {"id": layout.id, **layout.geometry,
                "locations_created": spec.aisles * spec.bays_per_aisle * 2 * spec.levels}

    return send(GenerateLayout(spec, faces), shape)


@endpoint("GET", "/warehouse", roles=EVERYONE, summary="Read the warehouse and its ship-from address",
          tag="layout", response=s.WAREHOUSE)
def get_warehouse():
    return dataclasses.asdict(config.settings().warehouse)


@endpoint("GET", "/layouts/current", roles=EVERYONE, summary="Read the floor geometry routes are measured on",
          tag="layout", response=s.GEOMETRY, errors=(404,))
def current_layout():
    return services.current_layout().geometry


@endpoint("GET", "/stock", roles=STOCK_READERS, summary="List stock by SKU and location", tag="stock",
          query={"sku": s.CODE, "location": s.CODE}, response=s.STOCK, paginated=True)
def list_stock(query):
    return page(queries.stock_query(query.get("sku"), query.get("location")), Quant.id, query, stock_json)


@endpoint("GET", "/inventory", roles=STOCK_READERS, summary="Sellable stock per SKU", tag="stock",
          query={"sku": s.CODE}, response=s.INVENTORY, paginated=True)
def inventory(query):
    return page(queries.inventory_query(query.get("sku")), Product.id, query, lambda r: {
        "sku": r.sku, "on_hand": r.on_hand, "reserved": r.reserved, "available": r.on_hand - r.reserved,
    }, entities=False)


@endpoint("POST", "/moves", roles=MoveStock.ROLES, summary="Move stock between locations", tag="stock",
          body=s.MOVE_IN, response=s.MOVE, status=201, errors=(404, 409), scan=True)
def create_move(body, send):
    return send(MoveStock(body["sku"], body["from_location"], body["to_location"], body["quantity"], body.get("lot"),
                          Actor.of(send)), move_json)


@endpoint("GET", "/moves", roles=STAFF, summary="Read the move ledger", tag="stock",
          query={"sku": s.CODE, "location": s.CODE, "since": {"type": "string", "format": "date-time"}},
          response=s.MOVE, paginated=True)
def list_moves(query):
    since = None
    if "since" in query:
        try:
            since = datetime.fromisoformat(query["since"])  # Python 3.11 reads a trailing Z
        except ValueError:
            raise Invalid("since must be an ISO-8601 time", code="validation_error") from None
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
    return page(queries.moves_query(query.get("sku"), query.get("location"), since), Move.id, query, move_json)


@endpoint("POST", "/adjustments", roles=AdjustStock.ROLES, summary="Correct the stock in a location",
          tag="stock", body=s.ADJUSTMENT_IN, response=s.MOVE, status=201, also={200: s.NO_CHANGE},
          errors=(404, 409), scan=True)
def create_adjustment(body, send):
    command = AdjustStock(body["sku"], body["location"], body["reason"], Actor.of(send),
                          counted=body.get("counted"), delta=body.get("delta"), lot=body.get("lot"))

    def shape(move):
        if move is not None:
            return move_json(move)
        stock = db.session.scalars(queries.stock_query(body["sku"], body["location"])
                                   .where(Quant.lot == (body.get("lot") or ""))).first()
        return {"adjusted": False, "sku": body["sku"], "location": body["location"],
                "on_hand": stock.on_hand if stock else 0}, 200

    return send(command, shape)


@endpoint("GET", "/products/<sku>/label", roles=LABEL_PRINTERS, summary="Print a product label", tag="labels",
          query=LABEL_QUERY, errors=(409,), response=None, content_type=LABEL_TYPES)
def product_label(sku, query):
    return label_response(labelling.product_label(sku), query["format"], f"product-{sku}")


@endpoint("GET", "/locations/<code>/label", roles=LABEL_PRINTERS, summary="Print a bin label", tag="labels",
          query=LABEL_QUERY, errors=(409,), response=None, content_type=LABEL_TYPES)
def location_label(code, query):
    return label_response(labelling.location_label(code), query["format"], f"location-{code}")
