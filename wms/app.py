"""The application factory: settings, database, and every feature registered from the lists in wms/wiring.py."""
from __future__ import annotations

import gc
import os

from flask import Flask

from wms import api, db, scheduler, wiring
from wms import models as _tables  # noqa: F401 - every table on the metadata, for Alembic and the tests
from wms.api import openapi
from wms.config import Settings, install
from wms.pipeline import PIPELINE_KEY, Pipeline
from wms.unit_of_work import EVENT_TABLE_KEY
from wms.version import __version__


def create_app(test_config: dict | None = None) -> Flask:
    """Build the service: settings, database, API, jobs, pipeline; `test_config` overrides settings."""
    instance_path = (test_config or {}).get("WMS_INSTANCE_PATH") or os.environ.get("WMS_INSTANCE_PATH") or None
    app = Flask("wms", instance_path=instance_path, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    install(app, Settings.from_env().with_overrides(test_config or {}))
    app.config["WMS_VERSION"] = __version__
    app.config.update({k: v for k, v in (test_config or {}).items() if not k.startswith("WMS_")})

    app.json.sort_keys = False  # keep fields in the order the contract lists them
    db.init_app(app)
    api.init_app(app, wiring.ROUTES)
    scheduler.init_app(app, wiring.JOBS)
    app.extensions[EVENT_TABLE_KEY] = wiring.EVENT_HANDLERS
    app.extensions[PIPELINE_KEY] = Pipeline(wiring.COMMAND_HANDLERS)
    return app


def openapi_document() -> dict:
    """The document /api/v1/openapi.json serves; it needs no app, so tools and tests can load it up front."""
    return openapi.document(wiring.ROUTES)


def tune_gc_for_serving() -> None:
    """Fewer, cheaper garbage collections for a long-running server process, once its app is built.

    Requests allocate many short-lived objects: at CPython's default (a collection every 700 net
    allocations) a busy server collected every few requests, each time pausing every thread, which
    cost `wms bench` a tenth of its orders a second and a third of its p99. What is alive once the
    app is built (modules, schemas, routes) is frozen out of collections altogether; prebuilt statements
    (wms/db.py) are built by the first requests, after the freeze, and soon settle in the oldest generation.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
