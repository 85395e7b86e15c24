"""The one place configuration is read: config/default.toml, then WMS_CONFIG, then WMS_* variables."""
from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEFAULTS_FILE = Path(__file__).resolve().parent.parent / "config" / "default.toml"

# Keys whose environment value is not a plain string.
_ON_OFF = {"on": True, "off": False, "true": True, "false": False, "1": True, "0": False}


class ConfigError(ValueError):
    """A setting has a value wms cannot use."""


def load_defaults() -> dict[str, Any]:
    with DEFAULTS_FILE.open("rb") as f:
        return tomllib.load(f)


def _coerce(key: str, raw: str, default: Any) -> Any:
    """Read an environment string as the type the documented default has."""
    try:
        if isinstance(default, bool):
            return _ON_OFF[raw.strip().lower()]
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
    except (KeyError, ValueError):
        raise ConfigError(f"WMS_{key.upper()}={raw!r} is not a valid {type(default).__name__}") from None
    return raw


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def load_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Settings as lower-case keys, with defaults overridden by the WMS_CONFIG file and WMS_* variables."""
    environ = os.environ if environ is None else environ
    settings = load_defaults()
    config_file = environ.get("WMS_CONFIG")
    if config_file:
        try:
            with open(config_file, "rb") as f:
                settings = _merge(settings, tomllib.load(f))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"WMS_CONFIG={config_file}: {exc}") from exc
    for key, default in list(settings.items()):
        if isinstance(default, dict):
            continue
        raw = environ.get(f"WMS_{key.upper()}")
        if raw is not None:
            settings[key] = _coerce(key, raw, default)
    return settings


def flask_config(settings: Mapping[str, Any], instance_path: str) -> dict[str, Any]:
    """Turn settings into Flask config: WMS_* keys plus what Flask and Flask-SQLAlchemy read."""
    out = {f"WMS_{k.upper()}": v for k, v in settings.items()}
    url = settings.get("database_url") or f"sqlite:///{Path(instance_path) / 'wms.db'}"
    out["WMS_DATABASE_URL"] = url
    out["SQLALCHEMY_DATABASE_URI"] = url
    out["SECRET_KEY"] = settings.get("secret_key") or _instance_secret(instance_path)
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
