"""The JSON API under /api/v1: each feature's views declare their endpoints on one blueprint."""
from __future__ import annotations

from flask import jsonify, request

from wms.api import errors
from wms.api.registry import bp, endpoint  # noqa: F401 - the names feature views import

_loaded = False


def _load_views() -> None:
    """Import every feature's views once; importing declares their endpoints on the blueprint."""
    global _loaded
    if _loaded:
        return
    from wms.inventory import views as _inventory  # noqa: F401
    from wms import warehouse as _warehouse  # noqa: F401

    @bp.get("/openapi.json")
    def openapi_json():
        from wms.api.openapi import document

        return jsonify(document())

    _loaded = True


def init_app(app) -> None:
    _load_views()
    app.register_blueprint(bp)
    errors.init_app(app)

    @app.after_request
    def _no_store(response):
        if request.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
