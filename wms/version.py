"""The release of wms, in one place: the OpenAPI document and the webhook sender's User-Agent name it."""
__version__ = "0.1.0"
