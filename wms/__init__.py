"""wms: a warehouse and order-fulfillment service. `create_app` is the Flask application factory.

Nothing inside wms imports this package itself (only its modules), so that re-exporting the factory
here makes no import cycle.
"""
from wms.app import create_app
from wms.version import __version__

__all__ = ["__version__", "create_app"]
