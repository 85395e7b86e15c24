"""Checking a request against the endpoint's published schema before any service sees it."""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

import jsonschema_rs
from flask import request
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from wms.errors import BadRequest, Invalid, UnsupportedMediaType


@dataclass(frozen=True)
class Validators:
    """One schema's two validators: the reference one, which explains, and a fast one that only judges.

    jsonschema-rs (Rust) tells whether a body is valid about a hundred times faster than the
    reference `jsonschema`, which every request paid for; only a body it rejects is run through
    the reference one, whose errors make the reply. A body the reference one accepts is accepted.
    (The two differ only where ECMA-262 and Python regular expressions do, such as `$` before a
    final newline, which Python matches; there the fast one is the stricter.)
    """

    full: Draft202012Validator
    fast: jsonschema_rs.Draft202012Validator

    def errors(self, instance: Any) -> list[ValidationError]:
        if self.fast.is_valid(instance):
            return []
        return sorted(self.full.iter_errors(instance), key=lambda e: list(e.absolute_path))


@functools.cache
def _validators(schema_json: str) -> Validators:
    schema = json.loads(schema_json)
    return Validators(Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER),
                      jsonschema_rs.Draft202012Validator(schema, validate_formats=True))


def validator_for(schema: dict) -> Validators:
    return _validators(json.dumps(schema, sort_keys=True))


# Endpoint body schemas are module constants: their validators are found by identity, sparing every
# request a canonical dump of the schema (the schema is kept here, so its id is never reused).
_by_identity: dict[int, tuple[dict, Validators]] = {}


def _body_validator(schema: dict) -> Validators:
    found = _by_identity.get(id(schema))
    if found is None:
        found = _by_identity[id(schema)] = (schema, validator_for(schema))
    return found[1]


def _field(error: ValidationError) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "(body)"


# Longer enumerations are named by their description in a refusal, not quoted.
_ENUM_SHOWN = 10


def _problem(error: ValidationError) -> tuple[str, str]:
    """Turn a schema error into (field, words a client developer understands)."""
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        path = _field(error)
        prefix = "" if path == "(body)" else path + "."
        return prefix + (extra[0] if extra else "?"), "unknown field"
    if error.validator == "enum" and len(error.validator_value) > _ENUM_SHOWN:
        # A country or a state: quoting all 249 countries in a reply helps nobody; the schema lists them.
        described = f": {error.schema['description']}" if "description" in error.schema else ""
        return _field(error), f"{error.instance!r} is not one of the allowed values{described}"
    return _field(error), error.message


def check(schema: dict, instance: Any, what: str = "body", validators: Validators | None = None) -> None:
    errors = (validators or validator_for(schema)).errors(instance)
    if not errors:
        return
    problems = dict(_problem(e) for e in errors)
    unknown = [f for f, msg in problems.items() if msg == "unknown field"]
    if unknown:
        raise Invalid(f"unknown field {unknown[0]!r}", code="unknown_field", details={"fields": problems})
    first_field, first_msg = next(iter(problems.items()))
    raise Invalid(f"{what} field {first_field!r}: {first_msg}", code="validation_error", details={"fields": problems})


def unstorable(value: Any) -> str | None:
    """Find text no database can keep (NUL, lone surrogates) before it reaches one."""
    if isinstance(value, str):
        if "\x00" in value:
            return "contains a NUL character"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "is not valid Unicode"
    elif isinstance(value, dict):
        for k, v in value.items():
            problem = unstorable(k) or unstorable(v)
            if problem:
                return problem
    elif isinstance(value, list):
        for v in value:
            problem = unstorable(v)
            if problem:
                return problem
    return None


def _not_json(constant: str) -> Any:
    # Python's json reads NaN and Infinity, which JSON has not: NaN passes every minimum/maximum and
    # would end up in bin coordinates and in replies no JSON parser reads.
    raise ValueError(f"{constant} is not a JSON value")


def _number(text: str) -> int | float:
    # JSON Schema counts 1.0 as an integer, so an "integer" field may arrive as 1.0: hand views the int
    # they were promised, not a float that breaks range() or an integer column.
    value = float(text)
    return int(value) if value.is_integer() else value


def check_media_type() -> None:
    """Refuse a body that is not declared JSON (UTF-8): 415, before anything reads or writes it.

    Browsers send text/plain, form and multipart bodies to any site without asking; only a JSON body
    needs the CORS preflight another site's page cannot pass. A request without a body has nothing to
    misread, whatever its Content-Type says (what no body means is parse_body's to say).
    """
    if not request.get_data(cache=True):
        return
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    # is_json: application/json or application/<something>+json, parameters aside.
    if request.is_json and charset in ("utf-8", "utf8"):
        return
    declared = request.content_type or ""
    raise UnsupportedMediaType(
        f"send the body as application/json (UTF-8), not {declared or 'without a Content-Type'}",
        details={"content_type": declared, "accepted": ["application/json"]})


def parse_body(schema: dict) -> Any:
    raw = request.get_data(cache=True)
    if not raw.strip():
        if schema.get("required"):
            raise BadRequest("this request needs a JSON body", code="invalid_json")
        # A write whose fields are all optional (a cancel, a close) takes an empty body or none (CONTRACT.md).
        raw = b"{}"
    try:
        payload = json.loads(raw, parse_constant=_not_json, parse_float=_number)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}", code="invalid_json") from None
    except RecursionError:
        raise BadRequest("the body is not valid JSON: nested too deeply", code="invalid_json") from None
    problem = unstorable(payload)
    if problem:
        raise Invalid(f"a text value {problem}", code="validation_error")
    check(schema, payload, validators=_body_validator(schema))
    return payload


def _typed(name: str, raw: str, schema: dict) -> Any:
    kind = schema.get("type")
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
        if kind == "boolean":
            return {"true": True, "false": False}[raw.lower()]
    except (ValueError, KeyError):
        raise Invalid(f"query parameter {name!r} must be {kind}", code="validation_error") from None
    return raw


def parse_query(params: dict[str, dict], required: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, schema in params.items():
        raw = request.args.get(name)
        if raw is None:
            if name in required:
                raise Invalid(f"query parameter {name!r} is required", code="validation_error")
            if "default" in schema:
                out[name] = schema["default"]
            continue
        problem = unstorable(raw)
        if problem:
            raise Invalid(f"query parameter {name!r} {problem}", code="validation_error")
        value = _typed(name, raw, schema)
        check({"type": "object", "properties": {name: schema}}, {name: value}, what="query")
        out[name] = value
    return out
