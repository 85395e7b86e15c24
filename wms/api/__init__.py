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
    from wms import warehouse as _warehouse  # noqa: F401
    from wms.inventory import views as _inventory  # noqa: F401
    from wms.orders import views as _orders  # noqa: F401
    from wms.picking import views as _picking  # noqa: F401
    from wms.receiving import views as _receiving  # noqa: F401
    from wms.webhooks import views as _webhooks  # noqa: F401

    @bp.get("/openapi.json")
    def openapi_json():
        return jsonify(openapi_document())

    _loaded = True


def openapi_document() -> dict:
    """The document /api/v1/openapi.json serves; it needs no app, so tools and tests can load it up front."""
    from wms.api.openapi import document

    _load_views()
    return document()


def init_app(app) -> None:
    from wms.api.auth import SessionOnlyWithCookie

    _load_views()
    app.session_interface = SessionOnlyWithCookie()
    app.register_blueprint(bp)
    errors.init_app(app)

    @app.after_request
    def _no_store(response):
        if request.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
