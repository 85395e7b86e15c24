"""Bringing a database to the current schema and giving it the places every warehouse has."""
from __future__ import annotations

from alembic import command
from alembic.config import Config

from wms.db import db
from wms.inventory import services
from wms.inventory.models import DEFAULT_RECEIVING, VIRTUAL_LOCATIONS
from wms.unit_of_work import atomic

# Docks and work areas a fresh warehouse starts with, beside the virtual locations.
FIXED_LOCATIONS = {
    DEFAULT_RECEIVING: "receiving",
    "PACK-01": "packing",
    "SHIP-01": "shipping",
    "STAGE-01": "staging",
}


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "wms:migrations")
    return cfg


def upgrade_schema() -> None:
    """Run every migration not yet applied, on the app's own engine."""
    cfg = alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


# Not a command: this is installation, like the migrations above, run by `wms init` before anyone can
# send one; and it makes only what is missing, where CreateLocation refuses a code that exists.
@atomic
def ensure_fixed_locations() -> None:
    services.ensure_locations({**VIRTUAL_LOCATIONS, **FIXED_LOCATIONS})
