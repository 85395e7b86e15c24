"""The signature check docs/storefront.md gives storefronts, run against signatures wms makes: the guide cannot drift."""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from werkzeug.datastructures import Headers

from wms.webhooks import signing

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "storefront.md"
EVENT = {"id": "msg_01M99M5ZCYWH398N6XXY4K3TK6", "type": "order.allocated", "timestamp": "2026-12-08T01:27:08Z",
         "sequence": 1, "data": {"order_id": 1, "external_id": "SO-1001", "ship_to": {"name": "Zoë Müller"}}}
# As the outbox writes it: compact, UTF-8 rather than \u escapes, so the bytes signed are not the ASCII ones.
BODY = json.dumps(EVENT, ensure_ascii=False, separators=(",", ":")).encode()


@pytest.fixture(scope="module")
def verify():
    blocks = re.findall(r"^```python\n(.*?)^```$", GUIDE.read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL)
    assert len(blocks) == 1, "the guide's one Python block is the signature check"
    namespace: dict = {}
    exec(compile(blocks[0], str(GUIDE), "exec"), namespace)  # noqa: S102 - the guide is ours, in this repository
    return namespace["verify_webhook"]


@pytest.fixture(scope="module")
def secret():
    return signing.new_secret()


def signed(secret, body=BODY, msg_id=EVENT["id"], at=None):
    return signing.headers(secret, msg_id, int(time.time()) if at is None else at, body)


def test_a_delivery_wms_signed_is_accepted_with_its_event(verify, secret):
    assert verify(secret, signed(secret), BODY) == EVENT


def test_headers_are_read_whatever_their_case_as_a_web_framework_hands_them(verify, secret):
    headers = Headers([(name.title(), value) for name, value in signed(secret).items()])
    assert verify(secret, headers, BODY) == EVENT


@pytest.mark.parametrize("tamper", [
    lambda secret, headers, body: (secret, headers, body.replace(b"SO-1001", b"SO-1002")),
    lambda secret, headers, body: (signing.new_secret(), headers, body),
    lambda secret, headers, body: (secret, {**headers, "webhook-id": "msg_other"}, body),
    lambda secret, headers, body: (secret, {**headers, "webhook-timestamp": str(int(headers["webhook-timestamp"]) + 1)},
                                   body),
    lambda secret, headers, body: (secret, {**headers, "webhook-signature": "v1,"}, body),
    lambda secret, headers, body: (secret, {k: v for k, v in headers.items() if k != "webhook-signature"}, body),
    lambda secret, headers, body: (secret, {**headers, "webhook-timestamp": "soon"}, body),
    # The right digest under another version is no v1 signature.
    lambda secret, headers, body: (secret, {**headers, "webhook-signature": "v2," + headers["webhook-signature"][3:]},
                                   body),
])
def test_anything_wms_did_not_sign_is_refused(verify, secret, tamper):
    with pytest.raises(ValueError):
        verify(*tamper(secret, signed(secret), BODY))


@pytest.mark.parametrize("age_s", [-6 * 60, 6 * 60, 24 * 3600])
def test_a_correctly_signed_request_too_far_from_now_is_refused(verify, secret, age_s):
    headers = signed(secret, at=int(time.time()) - age_s)
    with pytest.raises(ValueError, match="timestamp"):
        verify(secret, headers, BODY)


def test_a_request_within_the_tolerance_is_accepted(verify, secret):
    sent = int(time.time()) - 4 * 60
    assert verify(secret, signed(secret, at=sent), BODY, now=sent + 4 * 60) == EVENT


def test_one_good_signature_among_several_is_enough(verify, secret):
    headers = signed(secret)
    other = signing.sign(signing.new_secret(), EVENT["id"], int(headers["webhook-timestamp"]), BODY)
    headers["webhook-signature"] = f"{other} {headers['webhook-signature']}"
    assert verify(secret, headers, BODY) == EVENT
