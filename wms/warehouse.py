"""The warehouse itself: its code, name and ship-from address, as configured."""
from __future__ import annotations

from flask import current_app

from wms.api import endpoint
from wms.auth import EVERYONE
from wms.inventory.schemas import WAREHOUSE


def settings() -> dict:
    configured = current_app.config["WMS_WAREHOUSE"]
    return {"code": configured["code"], "name": configured["name"], "address": dict(configured.get("address", {}))}


@endpoint("GET", "/warehouse", roles=EVERYONE, summary="Read the warehouse and its ship-from address",
          tag="layout", response=WAREHOUSE)
def get_warehouse():
    return settings()
