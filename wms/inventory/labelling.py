"""Product and bin labels: what each shows, from the catalogue and the floor."""
from __future__ import annotations

from wms.inventory.services import location_by_code, product_by_sku
from wms.labels.domain import LocationLabel, ProductLabel


def product_label(sku: str) -> ProductLabel:
    product = product_by_sku(sku)
    return ProductLabel(product.sku, product.name, product.gtin)


def location_label(code: str) -> LocationLabel:
    loc = location_by_code(code)
    if loc.aisle is not None:
        parts = [f"Aisle {loc.aisle}", f"Bay {loc.bay}" if loc.bay is not None else "",
                 f"Level {loc.level}" if loc.level is not None else ""]
        caption = " · ".join(p for p in parts if p)
    else:
        caption = loc.type.replace("_", " ").capitalize() + (f" · zone {loc.zone}" if loc.zone else "")
    return LocationLabel(loc.code, caption)
