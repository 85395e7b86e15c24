"""The demo warehouse of `wms init --demo`: a generated floor, ~50 products with GTINs, stock, users, a token."""
from __future__ import annotations

import random
import secrets

from flask import current_app
from sqlalchemy import func, select

from wms import auth
from wms.barcodes import check_digit
from wms.db import db
from wms.inventory import ledger, services
from wms.inventory.domain import CreateProduct, GenerateLayout
from wms.inventory.layout import LayoutSpec
from wms.inventory.ledger import Actor, Transfer
from wms.inventory.models import SUPPLIER, Location, Product
from wms.pipeline import pipeline_of
from wms.unit_of_work import atomic

DEMO_LAYOUT = LayoutSpec(aisles=10, bays_per_aisle=10, levels=3, bay_width_m=1.3, aisle_width_m=3.0, cross_aisles=1)
COMPANY_PREFIX = "0614141"  # GS1's own example prefix, never a real company's

_KINDS = [
    ("TSHIRT", "T-shirt", 180, (300, 250, 20)),
    ("MUG", "Ceramic mug", 350, (120, 90, 100)),
    ("BOTTLE", "Steel bottle", 300, (260, 75, 75)),
    ("SOCKS", "Socks, pair", 60, (200, 90, 20)),
    ("CAP", "Baseball cap", 110, (270, 190, 120)),
    ("VITAMINS", "Vitamin tablets", 150, (110, 60, 60)),
    ("TEA", "Green tea, 50 bags", 120, (160, 80, 70)),
    ("CANDLE", "Scented candle", 400, (100, 100, 110)),
    ("NOTEBOOK", "A5 notebook", 250, (210, 148, 15)),
    ("CABLE", "USB-C cable", 45, (150, 100, 20)),
]
_SIZES = ["S", "M", "L", "XL", "01"]


def demo_gtin(item_reference: int) -> str:
    body = f"{COMPANY_PREFIX}{item_reference:05d}"
    return body + str(check_digit(body))


@atomic
def _catalogue_and_stock(rng: random.Random) -> int:
    """The floor, the catalogue and the opening stock, in one transaction: the demo is there whole or not at all.

    The floor and the products go through the pipeline as any supervisor's would (their commands join
    this transaction); the opening stock is booked on the ledger directly, having come from no receipt.
    """
    pipeline = pipeline_of(current_app)
    pipeline.handle(GenerateLayout(DEMO_LAYOUT, pick_face_levels=(1,)))
    faces = db.session.scalars(select(Location).where(Location.type == "pick_face").order_by(Location.id)).all()
    reserve = db.session.scalars(select(Location).where(Location.type == "storage").order_by(Location.id)).all()
    supplier = services.location_by_code(SUPPLIER)
    actor = Actor("demo")
    transfers = []
    ref = 1
    for kind, name, weight, (length, width, height) in _KINDS:
        for size in _SIZES:
            perishable = kind in ("VITAMINS", "TEA")
            product = pipeline.handle(CreateProduct({
                "sku": f"{kind}-{size}", "name": f"{name} {size}", "gtin": demo_gtin(ref), "weight_g": weight,
                "length_mm": length, "width_mm": width, "height_mm": height, "lot_tracked": perishable,
                "expiry_tracked": perishable, "hs_code": "610910" if kind == "TSHIRT" else "392410",
                "country_of_origin": "PT", "unit_value": f"{rng.randint(3, 40)}.{rng.randint(0, 99):02d}",
                "currency": "USD",
            }))
            lot = f"L{2026}{ref:03d}" if perishable else ""
            transfers.append(Transfer(product, supplier, faces[(ref * 7) % len(faces)], rng.randint(20, 60), lot,
                                      kind="receipt", reference="DEMO-OPENING"))
            transfers.append(Transfer(product, supplier, reserve[(ref * 13) % len(reserve)], rng.randint(50, 200),
                                      lot, kind="receipt", reference="DEMO-OPENING"))
            ref += 1
    ledger.post(transfers, actor)
    return ref - 1


def install() -> list[str]:
    """Add the demo data once; every call prints a fresh admin password and storefront token."""
    lines = []
    if db.session.scalar(select(func.count(Product.id))) == 0:
        count = _catalogue_and_stock(random.Random(42))
        lines.append(f"demo warehouse: {DEMO_LAYOUT.aisles} aisles, {count} products with stock")
        for role in ("supervisor", "receiver", "picker", "packer"):
            auth.create_user(role, role, role)  # demo staff sign in as e.g. picker/picker
        lines.append("demo staff: supervisor, receiver, picker, packer (password = user name)")
    else:
        lines.append("demo warehouse already present")
    password = secrets.token_urlsafe(9)
    if db.session.scalar(select(auth.User.id).where(auth.User.name == "admin")) is None:
        auth.create_user("admin", "admin", password)
    else:
        auth.set_password("admin", password)
    token = auth.create_token("storefront", "demo-storefront")
    lines += [f"admin login: admin / {password}", f"storefront token: {token}"]
    return lines
