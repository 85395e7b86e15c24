"""Standard Webhooks signing: endpoint secrets and the headers that let a storefront trust a delivery.

https://www.standardwebhooks.com/ — the signature is HMAC-SHA256 over "id.timestamp.body", keyed
with the secret's base64 part decoded, sent as "v1,<base64>". Never log a secret or a key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # the specification allows 24 to 64 bytes
SIGNATURE_VERSION = "v1"


def new_secret() -> str:
    """A fresh endpoint secret: "whsec_" and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value for one delivery: "v1," and the base64 HMAC-SHA256."""
    if not msg_id:
        raise ValueError("a webhook message id must not be empty")
    # bool is an int, and a float would be formatted differently from what the receiver sees.
    if isinstance(timestamp, bool) or not isinstance(timestamp, int):
        raise TypeError(f"webhook timestamp must be whole seconds (int), got {type(timestamp).__name__}")
    if not isinstance(body, bytes):
        raise TypeError(f"webhook body must be the exact bytes sent, got {type(body).__name__}")
    signed = msg_id.encode("utf-8") + b"." + str(timestamp).encode("ascii") + b"." + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers for one delivery of `body`."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
    }


def _key(secret: str) -> bytes:
    # Error messages never include the secret: they may end up in logs.
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"a webhook secret starts with {SECRET_PREFIX!r}")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except binascii.Error:
        raise ValueError("a webhook secret's part after 'whsec_' must be base64") from None
    if not key:
        raise ValueError("a webhook secret must not be empty")
    return key
