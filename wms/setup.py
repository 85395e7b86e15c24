"""Bringing a database to the current schema and giving it the places every warehouse has."""
from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import select

from wms.db import db
from wms.inventory import services
from wms.inventory.models import DEFAULT_RECEIVING, Location
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


@atomic
def ensure_fixed_locations() -> None:
    services.ensure_virtual_locations()
    have = set(db.session.scalars(select(Location.code).where(Location.code.in_(FIXED_LOCATIONS))))
    for code, kind in FIXED_LOCATIONS.items():
        if code not in have:
            services.create_location({"code": code, "type": kind})
