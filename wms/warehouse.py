"""The warehouse itself: its code, name and ship-from address, as configured."""
from __future__ import annotations

import dataclasses

from wms import config
from wms.api import endpoint
from wms.auth import EVERYONE
from wms.inventory.schemas import WAREHOUSE


@endpoint("GET", "/warehouse", roles=EVERYONE, summary="Read the warehouse and its ship-from address",
          tag="layout", response=WAREHOUSE)
def get_warehouse():
    return dataclasses.asdict(config.settings().warehouse)
