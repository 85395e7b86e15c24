"""The fast validator only ever lets through what the reference one accepts: the reply never changes."""
from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wms.api.validation import validator_for
from wms.wiring import ROUTES

ORDER = {"external_id": "SO-1", "ship_to": {"name": "A", "street1": "1 Main St", "city": "Memphis", "state": "TN",
                                            "postal_code": "38103", "country": "US", "email": "a@b.co"},
         "lines": [{"sku": "MUG", "quantity": 2}], "priority": 3, "service_level": "express"}

# Values where Python's `re` and ECMA-262 regular expressions, or the two libraries' type rules, may part.
TRICKY = st.sampled_from([
    "US\n", "US", "us", "U", "\u0661\u0662", "a\x1c@b.c", "a\x85@b.c", "a\ufeff@b.c", "a\u3000@b.c", "a@b.c", " ", "", "\t", "\u00a0", "SO-1\n", "x" * 101,
    "😀", "A\u0301", 0, 1, -1, 1.0, 1.5, 2**31, 2**63, -(2**63) - 1, 10**30, True, False, None, [], {}, ["MUG"],
    {"sku": "MUG"}, "2026-12-07T10:00:00Z", "2026-13-07T10:00:00Z", "2026-12-07 10:00:00",
])


def _bodies() -> dict[str, dict]:
    """Every operation's request body schema, exactly as requests are checked against it, by operation."""
    return {f"{op.method} {op.rule}": op.body for feature in ROUTES for op in feature.operations
            if op.body is not None}


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


def _set(value, path, new):
    if not path:
        return new
    out = copy.deepcopy(value)
    target = out
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return out


def _agree(schema, instance) -> None:
    validators = validator_for(schema)
    if validators.fast.is_valid(instance):
        assert not list(validators.full.iter_errors(instance)), instance


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_an_order_the_fast_validator_accepts_the_reference_one_accepts(data):
    schema = _bodies()["POST /orders"]
    path = data.draw(st.sampled_from(list(_paths(ORDER))))
    _agree(schema, _set(ORDER, path, data.draw(TRICKY)))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_every_body_schema_agrees_on_tricky_values(data):
    bodies = _bodies()
    schema = bodies[data.draw(st.sampled_from(sorted(bodies)))]
    names = sorted(schema.get("properties", {})) or ["x"]
    instance = {name: data.draw(TRICKY) for name in data.draw(st.lists(st.sampled_from(names), max_size=4))}
    _agree(schema, instance)


def test_both_accept_a_good_order_and_the_reference_explains_a_bad_one():
    schema = _bodies()["POST /orders"]
    validators = validator_for(schema)
    assert validators.errors(ORDER) == []
    bad = _set(ORDER, ("lines", 0, "quantity"), 0)
    assert [e.validator for e in validators.errors(bad)] == ["minimum"]
