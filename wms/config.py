"""The one place configuration is read: config/default.toml, then the WMS_CONFIG file, then WMS_* variables.

The rest of wms sees one frozen, typed `Settings`, checked once when the app is built. Every default
is written in config/default.toml and nowhere else; the fields below give each setting its type and
meaning. The reference in docs/configuration.md is made from both (wms/config_reference.py).
"""
from __future__ import annotations

import dataclasses
import difflib
import functools
import math
import os
import secrets
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, NamedTuple, get_args, get_origin, get_type_hints

from flask import Flask, current_app

DEFAULTS_FILE = Path(__file__).resolve().parent.parent / "config" / "default.toml"
EXTENSION = "wms.settings"
# WMS_* variables that say where things are, not how wms behaves: read before any setting is.
NOT_SETTINGS = frozenset({"WMS_CONFIG", "WMS_INSTANCE_PATH"})

_ON_OFF = {"on": True, "off": False, "true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}


class ConfigError(ValueError):
    """A setting has a value wms cannot use."""


def _doc(text: str, *, minimum: int | None = None) -> dict[str, Any]:
    """A field's meaning and least value. Fields have no default: config/default.toml holds them all.

    Secrets are the fields with repr=False, so that logging a Settings never shows them.
    """
    return {"doc": text, "minimum": minimum}


@dataclass(frozen=True)
class Address:
    name: str = field(metadata=_doc("Who parcels are sent from."))
    company: str = field(metadata=_doc("Company."))
    street1: str = field(metadata=_doc("Street and number."))
    street2: str = field(metadata=_doc("A second street line; empty for none."))
    city: str = field(metadata=_doc("City."))
    state: str = field(metadata=_doc("State or province code."))
    postal_code: str = field(metadata=_doc("Postal code."))
    country: str = field(metadata=_doc("Two-letter ISO 3166 country code."))
    phone: str = field(metadata=_doc("Phone number for the carrier."))


@dataclass(frozen=True)
class Warehouse:
    code: str = field(metadata=_doc("Short code of this warehouse."))
    name: str = field(metadata=_doc("Its name, as screens and `GET /warehouse` show it."))
    address: Address = field(metadata=_doc("Ship-from address on labels and shipments."))


@dataclass(frozen=True)
class CarrierCutoffs:
    dhl: str = field(metadata=_doc("When DHL collects the day's parcels (UTC, HH:MM)."))
    fedex: str = field(metadata=_doc("When FedEx collects the day's parcels (UTC, HH:MM)."))
    ups: str = field(metadata=_doc("When UPS collects the day's parcels (UTC, HH:MM)."))

    def as_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Settings:
    database_url: str = field(repr=False, metadata=_doc(
        "Any SQLAlchemy URL. Empty: an embedded SQLite database at `<instance>/wms.db`. "
        "Production: `postgresql+psycopg://user:password@host/dbname`."))
    secret_key: str = field(repr=False, metadata=_doc(
        "Session signing key. Empty: a random key made once and kept in `<instance>/secret_key`."))
    scheduler: Literal["auto", "on", "off"] = field(metadata=_doc(
        "Run scheduler jobs in this process; `auto`: on for `wms run`, off under gunicorn."))
    carriers: Literal["sandbox", "live"] = field(metadata=_doc(
        "`sandbox`: built-in simulated FedEx, UPS and DHL; `live`: the carriers' real APIs."))
    fedex_base_url: str = field(metadata=_doc("FedEx API root in live mode."))
    ups_base_url: str = field(metadata=_doc("UPS API root in live mode."))
    dhl_base_url: str = field(metadata=_doc("DHL API root in live mode."))
    dhl_api: Literal["rest", "soap"] = field(metadata=_doc(
        "`rest`: the MyDHL API; `soap`: DHL's legacy SOAP web services."))
    fedex_client_id: str = field(metadata=_doc("FedEx API client id."))
    fedex_client_secret: str = field(repr=False, metadata=_doc("FedEx API client secret."))
    fedex_account: str = field(metadata=_doc("FedEx account number."))
    ups_client_id: str = field(metadata=_doc("UPS API client id."))
    ups_client_secret: str = field(repr=False, metadata=_doc("UPS API client secret."))
    ups_account: str = field(metadata=_doc("UPS account number."))
    dhl_username: str = field(metadata=_doc("DHL API user name."))
    dhl_password: str = field(repr=False, metadata=_doc("DHL API password."))
    dhl_account: str = field(metadata=_doc("DHL account number."))
    webhook_max_age_hours: int = field(metadata=_doc(
        "How long a webhook delivery is retried before it is dead-lettered.", minimum=1))
    webhook_timeout_seconds: float = field(metadata=_doc(
        "Seconds a webhook request may take (to connect, and to answer) before it counts as failed.", minimum=0))
    over_receipt_tolerance: Decimal = field(metadata=_doc(
        "Share of an expected receipt line that may be received beyond it (0.10: 10 %).", minimum=0))
    auto_wave: str = field(metadata=_doc(
        "A cron expression (`*/15 6-22 * * 1-5`, UTC) releases waves on that schedule; "
        "`off`: only `POST /waves` does."))
    cart_capacity: int = field(metadata=_doc(
        "Totes on a picking cart: the most orders one pick list takes when a wave does not say.", minimum=1))
    gs1_company_prefix: str = field(metadata=_doc(
        "The GS1 company prefix (6 to 12 digits) SSCCs are made from; the default is GS1's example."))
    transaction_retries: int = field(metadata=_doc(
        "How many times a transaction that lost a lock race (deadlock, serialization failure, SQLite busy) "
        "is run again before the request fails with 503.", minimum=0))
    scan_replay_days: int = field(metadata=_doc(
        "How long replies to scanner writes are kept for replay by `scan_id`.", minimum=0))
    allocation: Literal["partial", "whole"] = field(metadata=_doc(
        "When stock is short, `partial` reserves what there is and backorders the rest; `whole` reserves "
        "nothing until every line can be covered. An order may say otherwise."))
    carrier_cutoffs: CarrierCutoffs = field(metadata=_doc(
        "When each carrier collects: waves release orders for the earliest collection first (after "
        "priority); orders without a carrier come after all of these."))
    warehouse: Warehouse = field(metadata=_doc("The warehouse itself: code, name and ship-from address."))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """config/default.toml, overridden by the file named in WMS_CONFIG, then by WMS_<KEY> variables."""
        environ = os.environ if environ is None else environ
        loaded = _build(cls, _read(DEFAULTS_FILE, "config/default.toml"), _Source(str, " in default.toml"))
        path = environ.get("WMS_CONFIG")
        if path:
            loaded = _apply(loaded, _read(Path(path), f"WMS_CONFIG={path}"),
                            _Source(str, f" in WMS_CONFIG file {path}"))
        # Tables ([warehouse], [carrier_cutoffs]) are set in the file only.
        scalars = [name for name, (_, kind) in typed_fields(cls).items() if not dataclasses.is_dataclass(kind)]
        return _apply(loaded, {name: environ[variable(name)] for name in scalars if variable(name) in environ},
                      _VARIABLES)

    def with_overrides(self, overrides: Mapping[str, Any]) -> Settings:
        """A copy with the `WMS_<KEY>` entries of create_app's test_config applied; other keys are Flask's."""
        found = {key[4:].lower(): value for key, value in overrides.items()
                 if key.startswith("WMS_") and key not in NOT_SETTINGS}
        return _apply(self, found, _VARIABLES)


def variable(key: str) -> str:
    """The environment variable of a setting: WMS_ and its key in capitals."""
    return "WMS_" + key.upper()


def settings(app: Flask | None = None) -> Settings:
    """The settings create_app built for `app` (the current app when none is given)."""
    return (current_app if app is None else app).extensions[EXTENSION]


def install(app: Flask, settings: Settings) -> None:
    """Keep `settings` on the app, with app.config filled from them for Flask and Flask-SQLAlchemy."""
    app.extensions[EXTENSION] = settings
    app.config.update(flask_config(settings, app.instance_path))


def flask_config(settings: Settings, instance_path: str) -> dict[str, Any]:
    """What Flask and Flask-SQLAlchemy read, plus every setting as a WMS_* key for readers not yet moved over."""
    out = {variable(k): v for k, v in dataclasses.asdict(settings).items()}
    url = settings.database_url or f"sqlite:///{Path(instance_path) / 'wms.db'}"
    out["WMS_DATABASE_URL"] = url
    out["SQLALCHEMY_DATABASE_URI"] = url
    out["SECRET_KEY"] = settings.secret_key or _instance_secret(instance_path)
    # The screens' session cookie: out of reach of page scripts, and not sent with cross-site POSTs.
    # (API writes on a session also need its CSRF token: wms/api/auth.py.)
    out["SESSION_COOKIE_HTTPONLY"] = True
    out["SESSION_COOKIE_SAMESITE"] = "Lax"
    return out


def _instance_secret(instance_path: str) -> str:
    """A random key made once per install and kept beside the database."""
    path = Path(instance_path) / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return path.read_text().strip()
        with os.fdopen(fd, "w") as f:
            f.write(key)
        return key


def _read(path: Path, name: str) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            # Decimals keep 0.10 as written, for the decimal settings and the reference's defaults.
            return tomllib.load(f, parse_float=Decimal)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{name}: {exc}") from exc


@functools.cache
def typed_fields(cls: type) -> dict[str, tuple[dataclasses.Field, Any]]:
    """Each field of a settings dataclass by name, with its type resolved (annotations are strings here)."""
    hints = get_type_hints(cls)
    return {f.name: (f, hints[f.name]) for f in dataclasses.fields(cls)}


class _Source(NamedTuple):
    """How errors name a key of one source: `name(key)` as its reader writes it, then where it was."""

    name: Callable[[str], str]
    context: str = ""

    def where(self, key: str) -> str:
        return self.name(key) + self.context


_VARIABLES = _Source(variable)


def _build(cls: type, data: Mapping[str, Any], source: _Source, prefix: str = "") -> Any:
    """A `cls` from a table that has every key (config/default.toml)."""
    missing = [prefix + name for name in typed_fields(cls) if name not in data]
    if missing:
        raise ConfigError(f"{source.where(missing[0])}: no default is given")
    return cls(**_converted(cls, data, source, prefix, None))


def _apply(current: Any, data: Mapping[str, Any], source: _Source, prefix: str = "") -> Any:
    """`current` with the keys of a partial table laid over it; tables within merge key by key."""
    return dataclasses.replace(current, **_converted(type(current), data, source, prefix, current))


def _converted(cls: type, data: Mapping[str, Any], source: _Source, prefix: str,
               current: Any) -> dict[str, Any]:
    fields = typed_fields(cls)
    out = {}
    for name, value in data.items():
        key = prefix + name
        if name not in fields:
            near = difflib.get_close_matches(name, fields, n=1)
            hint = f" (did you mean {source.name(prefix + near[0])}?)" if near else ""
            raise ConfigError(f"{source.where(key)}: no such setting{hint}")
        f, kind = fields[name]
        if not dataclasses.is_dataclass(kind):
            out[name] = _value(value, kind, f.metadata["minimum"], source.where(key))
        elif not isinstance(value, Mapping):
            raise ConfigError(f"{source.where(key)}: {value!r} is not a table")
        elif current is None:
            out[name] = _build(kind, value, source, key + ".")
        else:
            out[name] = _apply(getattr(current, name), value, source, key + ".")
    return out


# Environment values are always strings; TOML and test_config values must already be of a fitting type.
_ACCEPTS = {bool: (bool, str), int: (int, str), float: (int, float, Decimal, str),
            Decimal: (int, float, Decimal, str), str: (str,)}
_EXPECTED = {bool: "on or off", int: "a whole number", float: "a number", Decimal: "a decimal number", str: "text"}


def _convert(value: Any, kind: type) -> Any:
    if not isinstance(value, _ACCEPTS[kind]) or (isinstance(value, bool) and kind is not bool):
        raise TypeError
    if kind is str:
        return value
    if kind is bool:
        return value if isinstance(value, bool) else _ON_OFF[value.strip().lower()]
    if kind is int:
        return int(value)
    number = Decimal(str(value).strip())
    if not number.is_finite() or not math.isfinite(float(number)):
        raise ValueError
    return number if kind is Decimal else float(number)


def _value(value: Any, kind: Any, minimum: int | None, where: str) -> Any:
    if get_origin(kind) is Literal:
        choices = get_args(kind)
        chosen = value.strip().lower() if isinstance(value, str) else None
        if chosen not in choices:
            raise ConfigError(f"{where}: {_shown(value)} is not one of {', '.join(choices)}")
        return chosen
    try:
        converted = _convert(value, kind)
    except (LookupError, TypeError, ValueError, ArithmeticError):
        raise ConfigError(f"{where}: {_shown(value)} is not {_EXPECTED[kind]}") from None
    if minimum is not None and converted < minimum:
        raise ConfigError(f"{where}: {_shown(value)} must be at least {minimum}")
    return converted


def _shown(value: Any) -> str:
    return str(value) if isinstance(value, Decimal) else repr(value)
