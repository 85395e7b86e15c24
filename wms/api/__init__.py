"""The JSON API under /api/v1: the blueprint built from every feature's routes, errors, OpenAPI."""
from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, Flask, jsonify, request

from wms.api import errors, openapi
from wms.api.auth import SessionOnlyWithCookie
from wms.api.registry import Routes


def blueprint(routes: Sequence[Routes]) -> Blueprint:
    """A blueprint serving these routes and the OpenAPI document that describes exactly them."""
    bp = Blueprint("api", __name__, url_prefix="/api/v1")
    for feature in routes:
        feature.register(bp)
    document = openapi.document(routes)

    @bp.get("/openapi.json")
    def openapi_json():
        return jsonify(document)

    return bp


def init_app(app: Flask, routes: Sequence[Routes]) -> None:
    app.session_interface = SessionOnlyWithCookie()
    app.register_blueprint(blueprint(routes))
    errors.init_app(app)

    @app.after_request
    def _no_store(response):
        if request.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
