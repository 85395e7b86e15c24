"""wms: a warehouse and order-fulfillment service. `create_app` is the Flask application factory.

`wms.create_app` (what `gunicorn "wms:create_app()"` names) is looked up on first use rather than
imported here: importing any plain module of the package (the wave planner in the helper processes
it spawns, barcode reading) would otherwise build the whole service first, 1.8 s instead of 0.2 s
on the development machine, which a spawned planning helper pays before its first job. It is the
one import inside a function that is not an optional dependency (tests/unit/test_architecture.py).
"""
from wms.version import __version__

__all__ = ["__version__", "create_app"]


def __getattr__(name: str):
    if name == "create_app":
        from wms.app import create_app

        return create_app
    raise AttributeError(f"module 'wms' has no attribute {name!r}")
