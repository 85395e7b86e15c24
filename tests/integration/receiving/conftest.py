"""Receiving fixtures: a catalogue of tracked and untracked products, named receivers, label decoders."""
from __future__ import annotations

import pytest

from tests.conftest import Api

# Real decoders for label endpoints: ZPL rendered by zplkit, PDF by pdftoppm, both read by zxing-cpp.
from tests.unit.labels.conftest import decode, pdf_images, zpl_image  # noqa: F401

GS = "\x1d"
GTIN = {"MUG": "04006381333931", "TEA": "09506000134352", "PHONE": "05901234123457", "CAP": "00036000291452"}
PRODUCTS = [
    {"sku": "MUG", "name": "Mug", "weight_g": 350, "gtin": "4006381333931", "length_mm": 100, "width_mm": 100,
     "height_mm": 120},
    {"sku": "TEA", "name": "Green tea", "weight_g": 120, "gtin": "09506000134352", "lot_tracked": True,
     "expiry_tracked": True},
    {"sku": "PHONE", "name": "Phone", "weight_g": 200, "gtin": "5901234123457", "serial_tracked": True},
    {"sku": "CAP", "name": "Cap", "weight_g": 110, "gtin": "036000291452"},
]


class Receiver(Api):
    """A client whose token carries its own name: suggestions are held per receiver name."""

    def __init__(self, app, name: str, role: str = "receiver"):
        from wms import auth

        self.app = app
        self.client = app.test_client()
        with app.app_context():
            self.token = auth.create_token(role, name)
        self.headers = {"Authorization": f"Bearer {self.token}"}


def gs1(*elements: str) -> str:
    """A GS1-128 scan as a scanner sends it: the AIM prefix, elements joined by FNC1 (GS) where needed."""
    return "]C1" + GS.join(elements)


def stock(api, sku: str, location: str | None = None) -> list[tuple]:
    query = f"/stock?sku={sku}" + (f"&location={location}" if location else "")
    return sorted((s["location"], s["lot"], s["expiry"], s["on_hand"]) for s in api.get(query).json["items"])


def ledger_is_clean(app) -> None:
    from wms.inventory.queries import check_ledger
    from wms.orders.queries import check_reservations

    with app.app_context():
        assert check_ledger() == []
        assert check_reservations() == []


def seed(app, layout: dict | None = None) -> Api:
    """The products above and two storage bins, A-1 and A-2; returns an admin client.

    A `layout` is generated first: the contract refuses a generated floor once hand-made bins exist.
    """
    api = Api(app)
    if layout is not None:
        assert api.post("/layouts", layout).status_code == 201
    for body in PRODUCTS:
        assert api.post("/products", body).status_code == 201, body
    for code in ("A-1", "A-2"):
        assert api.post("/locations", {"code": code, "type": "storage", "x_m": 1.0, "y_m": 1.0}).status_code == 201
    return api


@pytest.fixture
def catalogue(any_app) -> Api:
    return seed(any_app)
