"""Picking fixtures: a generated floor with stock in its bins, orders placed through the API, and helpers
that walk a pick list the way a handheld does.
"""
from __future__ import annotations

import itertools
import uuid

import pytest

from tests.conftest import Api

# Real decoders for the pick list PDF: pages rendered by pdftoppm, barcodes read by zxing-cpp.
from tests.unit.labels.conftest import decode, pdf_images  # noqa: F401

ADDRESS = {"name": "Ada Lovelace", "street1": "1 Main St", "city": "Memphis", "state": "TN",
           "postal_code": "38103", "country": "US"}
# Two blocks: the exact router's case the contract names, and where a middle cross aisle matters.
FLOOR = {"aisles": 4, "bays_per_aisle": 6, "levels": 1, "bay_width_m": 1.2, "aisle_width_m": 3.0,
         "cross_aisles": 1}
PRODUCTS = [
    {"sku": "MUG", "name": "Mug", "weight_g": 350, "gtin": "4006381333931"},
    {"sku": "CAP", "name": "Cap", "weight_g": 110, "gtin": "036000291452"},
    {"sku": "TEA", "name": "Green tea", "weight_g": 120, "gtin": "09506000134352", "lot_tracked": True},
    {"sku": "PEN", "name": "Pen", "weight_g": 20},
]


def adjust(api: Api, sku: str, location: str, qty: int, lot: str | None = None) -> None:
    body = {"sku": sku, "location": location, "delta": qty, "reason": "test stock", **({"lot": lot} if lot else {})}
    r = api.post("/adjustments", body)
    assert r.status_code == 201, r.json


def place_order(api: Api, external_id: str, lines, **extra) -> dict:
    body = {"external_id": external_id, "ship_to": ADDRESS,
            "lines": [{"sku": s, "quantity": q} for s, q in lines], **extra}
    r = api.post("/orders", body, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 201, r.json
    return r.json


def ledger_is_clean(app) -> None:
    """`wms check`: quants equal their moves, no negative or over-reserved stock, reservations add up."""
    from wms.inventory.queries import check_ledger
    from wms.orders.queries import check_reservations

    with app.app_context():
        assert check_ledger() == []
        assert check_reservations() == []


def snapshot(api: Api) -> dict:
    """Everything a pick could change: stock everywhere, every order, every open pick list."""
    stock = sorted((s["sku"], s["location"], s["lot"], s["on_hand"], s["reserved"])
                   for s in api.get("/stock?limit=500").json["items"])
    orders = sorted((o["id"], o["status"], str(o["lines"])) for o in api.get("/orders?limit=500").json["items"])
    lists = [api.get(f"/picklists/{p['id']}").json for p in api.get("/picklists?limit=500").json["items"]]
    return {"stock": stock, "orders": orders, "lists": lists}


def current(api: Api, list_id: int) -> dict | None:
    """The task a handheld shows: the first open one in seq order."""
    tasks = api.get(f"/picklists/{list_id}").json["tasks"]
    return next((t for t in tasks if t["status"] == "open"), None)


def pick(api: Api, list_id: int, task: dict, **extra):
    body = {"location_barcode": task["location"], "item_barcode": task["sku"], "quantity": task["quantity"],
            **extra}
    return api.post(f"/picklists/{list_id}/confirm", body)


def pick_all(api: Api, list_id: int) -> list[dict]:
    """Confirm every task in order, as scanned from the labels; returns the replies."""
    replies = []
    task = current(api, list_id)
    while task is not None:
        r = pick(api, list_id, task)
        assert r.status_code == 200, r.json
        replies.append(r.json)
        task = r.json["next"]
    return replies


def leg(cross: list[float], a: tuple[float, float], b: tuple[float, float]) -> float:
    """Shortest walk between two points on aisle centre lines: along the aisle, else via the best cross aisle."""
    (xa, ya), (xb, yb) = a, b
    if abs(xa - xb) < 1e-9:
        return abs(ya - yb)
    return abs(xa - xb) + min(abs(ya - c) + abs(yb - c) for c in cross)


def measured_walk(api: Api, codes: list[str]) -> float:
    """The closed walk depot -> bins -> depot as anyone can measure it from the API alone."""
    geo = api.get("/layouts/current").json
    cross = geo["cross_aisles_y_m"]
    x_of = {a["index"]: a["x_m"] for a in geo["aisles"]}
    depot = (geo["depot"]["x_m"], geo["depot"]["y_m"])
    stops = []
    for code in codes:
        loc = api.get(f"/locations/{code}").json
        stops.append((x_of[loc["aisle"]], loc["y_m"]))
    walk = [depot, *stops, depot]
    return sum(leg(cross, p, q) for p, q in itertools.pairwise(walk))


@pytest.fixture
def floor(any_app) -> Api:
    """A two-block floor of 4 aisles x 12 bins, the products above, and an admin client."""
    api = Api(any_app)
    assert api.post("/layouts", FLOOR).status_code == 201
    for body in PRODUCTS:
        assert api.post("/products", body).status_code == 201, body
    return api
