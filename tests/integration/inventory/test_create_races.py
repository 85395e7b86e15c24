"""Two clerks create the same product or bin at the same moment: one gets 201, the other 409, never a 500."""
from __future__ import annotations

import threading
from collections import Counter

from tests.conftest import Api

CLERKS = 8
ROUNDS = 5  # a race each round; on PostgreSQL, 4 of 8 clerks got a 500 in the first before the fix


def _together(app, path: str, bodies: list[dict]) -> Counter:
    api = Api(app)
    start = threading.Barrier(len(bodies))
    answers: list[int] = []

    def clerk(body):
        client = app.test_client()  # one client a thread
        start.wait()
        r = client.post("/api/v1" + path, json=body, headers=api.headers)
        answers.append(r.status_code)

    threads = [threading.Thread(target=clerk, args=(body,)) for body in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return Counter(answers)


def test_the_same_sku_gtin_or_bin_created_at_once_is_one_201_and_the_rest_409(any_app):
    for n in range(ROUNDS):
        same_sku = [{"sku": f"MUG-{n}", "name": "Mug", "weight_g": 350} for _ in range(CLERKS)]
        assert _together(any_app, "/products", same_sku) == {201: 1, 409: CLERKS - 1}
        gtin = f"{400638133393 + n * 10:012d}"
        same_gtin = [{"sku": f"CUP-{n}-{i}", "name": "Cup", "weight_g": 200, "gtin": _with_check_digit(gtin)}
                     for i in range(CLERKS)]
        assert _together(any_app, "/products", same_gtin) == {201: 1, 409: CLERKS - 1}
        same_bin = [{"code": f"X-{n}", "type": "storage"} for _ in range(CLERKS)]
        assert _together(any_app, "/locations", same_bin) == {201: 1, 409: CLERKS - 1}


def _with_check_digit(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)
