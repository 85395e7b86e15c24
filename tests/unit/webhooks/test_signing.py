"""Webhook signatures, checked against the official Standard Webhooks verifier."""

import base64
import json
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from wms.webhooks.signing import headers, new_secret, sign

BODY = json.dumps(
    {"id": "msg_1", "type": "order.shipped", "timestamp": "2025-01-01T00:00:00Z", "sequence": 3,
     "data": {"order_id": 7, "ship_to": "Zoë Ångström, 東京"}},
    ensure_ascii=False,
).encode("utf-8")


def _now() -> int:
    # The official verifier refuses timestamps more than 5 minutes from its own clock.
    return int(time.time())


def test_the_published_test_vector():
    assert (
        sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
             b'{"test": 2432232314}')
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_same_signature_as_the_reference_library():
    secret, ts = new_secret(), 1700000000
    at = datetime.fromtimestamp(ts, tz=UTC)
    theirs = Webhook(secret).sign("msg_abc", at, BODY.decode("utf-8"))
    assert sign(secret, "msg_abc", ts, BODY) == theirs


def test_official_verifier_accepts_our_headers():
    secret = new_secret()
    sent = headers(secret, "msg_2Yh8", _now(), BODY)
    assert Webhook(secret).verify(BODY, sent) == json.loads(BODY)


def test_headers_are_exactly_the_three_standard_ones():
    sent = headers(new_secret(), "msg_x", 1700000000, b"{}")
    assert set(sent) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert sent["webhook-id"] == "msg_x"
    assert sent["webhook-timestamp"] == "1700000000"
    version, signature = sent["webhook-signature"].split(",")
    assert version == "v1"
    assert len(base64.b64decode(signature, validate=True)) == 32  # SHA-256


@pytest.mark.parametrize(
    "tamper",
    [
        lambda h, b: (h, b.replace(b'"sequence": 3', b'"sequence": 4')),
        lambda h, b: (h, b + b" "),
        lambda h, b: ({**h, "webhook-id": "msg_other"}, b),
        lambda h, b: ({**h, "webhook-timestamp": str(int(h["webhook-timestamp"]) - 1)}, b),
    ],
    ids=["body", "trailing-byte", "id", "timestamp"],
)
def test_official_verifier_rejects_tampering(tamper):
    secret = new_secret()
    sent, body = tamper(headers(secret, "msg_2Yh8", _now(), BODY), BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, sent)


def test_official_verifier_rejects_another_secret():
    sent = headers(new_secret(), "msg_2Yh8", _now(), BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, sent)


def test_new_secret_format():
    secret = new_secret()
    assert secret.startswith("whsec_")
    key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    assert 24 <= len(key) <= 32
    assert len({new_secret() for _ in range(50)}) == 50


@pytest.mark.parametrize("secret", ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_not base64!", "whsec_"])
def test_bad_secret_is_refused_without_echoing_it(secret):
    with pytest.raises(ValueError) as err:
        sign(secret, "msg_1", 1700000000, b"{}")
    assert secret.removeprefix("whsec_") not in str(err.value) or secret == "whsec_"


@pytest.mark.parametrize(
    ("msg_id", "timestamp", "body", "error"),
    [
        ("msg_1", 1700000000.5, b"{}", TypeError),
        ("msg_1", True, b"{}", TypeError),
        ("msg_1", 1700000000, "{}", TypeError),
        ("", 1700000000, b"{}", ValueError),
    ],
)
def test_bad_arguments(msg_id, timestamp, body, error):
    with pytest.raises(error):
        sign(new_secret(), msg_id, timestamp, body)
