"""Settings: config/default.toml, then the WMS_CONFIG file, then WMS_* variables, each value checked for its type."""
import dataclasses
import tomllib
from decimal import Decimal

import pytest

from wms.config import DEFAULTS_FILE, ConfigError, Settings, flask_config, typed_fields


def _file(tmp_path, text: str) -> dict[str, str]:
    path = tmp_path / "wms.toml"
    path.write_text(text)
    return {"WMS_CONFIG": str(path)}


def test_defaults_are_those_of_default_toml_and_typed():
    s = Settings.from_env({})
    assert s.carriers == "sandbox" and s.webhook_max_age_hours == 72 and s.auto_wave == "off"
    assert s.over_receipt_tolerance == Decimal("0.10") and s.webhook_timeout_seconds == 15.0
    assert isinstance(s.webhook_timeout_seconds, float) and s.cart_capacity == 12
    assert s.warehouse.code == "WH1" and s.warehouse.address.country == "US"
    assert s.carrier_cutoffs.as_dict() == {"dhl": "17:00", "fedex": "18:00", "ups": "18:30"}


def test_every_key_of_default_toml_is_a_field_and_every_field_has_a_default():
    with DEFAULTS_FILE.open("rb") as f:
        defaults = tomllib.load(f)

    def keys(cls, table, prefix=""):
        fields = typed_fields(cls)
        assert set(table) == set(fields), prefix or "top level"
        for name, (_, kind) in fields.items():
            if dataclasses.is_dataclass(kind):
                keys(kind, table[name], f"{prefix}{name}.")

    keys(Settings, defaults)


def test_the_file_overrides_defaults_and_variables_override_the_file(tmp_path):
    env = _file(tmp_path, 'carriers = "live"\nwebhook_max_age_hours = 24\ncart_capacity = 8\n'
                          '[warehouse]\ncode = "MEM1"\n[carrier_cutoffs]\nups = "19:00"\n')
    s = Settings.from_env({**env, "WMS_WEBHOOK_MAX_AGE_HOURS": "48"})
    assert s.carriers == "live" and s.cart_capacity == 8  # from the file
    assert s.webhook_max_age_hours == 48  # the variable wins over the file
    assert s.warehouse.code == "MEM1" and s.warehouse.name == "Demo warehouse"  # tables merge key by key
    assert s.warehouse.address.city == "Memphis"
    assert s.carrier_cutoffs.as_dict() == {"dhl": "17:00", "fedex": "18:00", "ups": "19:00"}


def test_variables_are_read_as_their_settings_types():
    s = Settings.from_env({"WMS_CART_CAPACITY": " 20 ", "WMS_WEBHOOK_TIMEOUT_SECONDS": "2.5",
                           "WMS_OVER_RECEIPT_TOLERANCE": "0.25", "WMS_SCHEDULER": "OFF", "WMS_GS1_COMPANY_PREFIX": "0099"})
    assert (s.cart_capacity, s.webhook_timeout_seconds, s.over_receipt_tolerance) == (20, 2.5, Decimal("0.25"))
    assert s.scheduler == "off" and s.gs1_company_prefix == "0099"  # text stays text, leading zeros and all


def test_variables_that_are_not_settings_are_left_alone():
    s = Settings.from_env({"WMS_TEST_POSTGRES_URL": "x", "WMS_INSTANCE_PATH": "/tmp/i", "WMS_WAREHOUSE": "ignored"})
    assert s == Settings.from_env({})


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("WMS_OVER_RECEIPT_TOLERANCE", "lots", "WMS_OVER_RECEIPT_TOLERANCE: 'lots' is not a decimal number"),
    ("WMS_OVER_RECEIPT_TOLERANCE", "-0.1", "WMS_OVER_RECEIPT_TOLERANCE: '-0.1' must be at least 0"),
    ("WMS_WEBHOOK_TIMEOUT_SECONDS", "nan", "WMS_WEBHOOK_TIMEOUT_SECONDS: 'nan' is not a number"),
    ("WMS_CART_CAPACITY", "2.5", "WMS_CART_CAPACITY: '2.5' is not a whole number"),
    ("WMS_CART_CAPACITY", "0", "WMS_CART_CAPACITY: '0' must be at least 1"),
    ("WMS_SCHEDULER", "sometimes", "WMS_SCHEDULER: 'sometimes' is not one of auto, on, off"),
    ("WMS_ALLOCATION", "", "WMS_ALLOCATION: '' is not one of partial, whole"),
])
def test_bad_variables_are_refused_naming_the_variable(variable, value, message):
    with pytest.raises(ConfigError) as err:
        Settings.from_env({variable: value})
    assert str(err.value) == message


def test_bad_file_values_are_refused_naming_key_and_file(tmp_path):
    env = _file(tmp_path, 'cart_capacity = "twelve"\n')
    with pytest.raises(ConfigError, match=r"^cart_capacity in WMS_CONFIG file .*wms.toml: 'twelve' is not a whole"):
        Settings.from_env(env)
    env = _file(tmp_path, "gs1_company_prefix = 614141\n")  # a number would lose a leading zero
    with pytest.raises(ConfigError, match=r"^gs1_company_prefix in WMS_CONFIG file .*: 614141 is not text"):
        Settings.from_env(env)
    env = _file(tmp_path, 'warehouse = "MEM1"\n')
    with pytest.raises(ConfigError, match=r"^warehouse in WMS_CONFIG file .*: 'MEM1' is not a table"):
        Settings.from_env(env)


def test_unknown_keys_in_the_file_are_refused_with_a_suggestion(tmp_path):
    with pytest.raises(ConfigError, match=r"^cart_capacty in WMS_CONFIG file .*: no such setting \(did you mean "
                                          r"cart_capacity\?\)$"):
        Settings.from_env(_file(tmp_path, "cart_capacty = 8\n"))
    with pytest.raises(ConfigError, match=r"^warehouse\.address\.zip in WMS_CONFIG file .*: no such setting$"):
        Settings.from_env(_file(tmp_path, '[warehouse.address]\nzip = "38118"\n'))


def test_a_missing_or_unreadable_file_names_wms_config(tmp_path):
    with pytest.raises(ConfigError, match="WMS_CONFIG="):
        Settings.from_env({"WMS_CONFIG": str(tmp_path / "missing.toml")})
    with pytest.raises(ConfigError, match="WMS_CONFIG="):
        Settings.from_env(_file(tmp_path, "cart_capacity = \n"))


def test_overrides_make_a_new_settings_and_ignore_flask_keys():
    base = Settings.from_env({})
    s = base.with_overrides({"WMS_CART_CAPACITY": 4, "WMS_OVER_RECEIPT_TOLERANCE": 0.5, "TESTING": True,
                             "WMS_INSTANCE_PATH": "/tmp/i", "WMS_WAREHOUSE": {"code": "T1"}})
    assert (s.cart_capacity, s.over_receipt_tolerance, s.warehouse.code) == (4, Decimal("0.5"), "T1")
    assert s.warehouse.name == base.warehouse.name and base.cart_capacity == 12  # the original is unchanged
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.cart_capacity = 5


def test_overrides_are_checked_like_variables():
    base = Settings.from_env({})
    with pytest.raises(ConfigError, match=r"^WMS_CART_CAPACTY: no such setting \(did you mean WMS_CART_CAPACITY\?\)"):
        base.with_overrides({"WMS_CART_CAPACTY": 4})
    with pytest.raises(ConfigError, match="^WMS_TRANSACTION_RETRIES: True is not a whole number"):
        base.with_overrides({"WMS_TRANSACTION_RETRIES": True})


def test_secrets_stay_out_of_repr():
    s = Settings.from_env({"WMS_SECRET_KEY": "hush", "WMS_DHL_PASSWORD": "quiet",
                           "WMS_DATABASE_URL": "postgresql+psycopg://wms:pw@db/wms"})
    assert s.secret_key == "hush" and "hush" not in repr(s) and "quiet" not in repr(s) and "pw@" not in repr(s)


def test_flask_config_fills_what_flask_reads_and_the_wms_keys(tmp_path):
    out = flask_config(Settings.from_env({}), str(tmp_path))
    assert out["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'wms.db'}"
    assert out["SECRET_KEY"] == (tmp_path / "secret_key").read_text().strip()  # made once, kept
    assert out["WMS_CART_CAPACITY"] == 12 and out["WMS_WAREHOUSE"]["code"] == "WH1"
    url = "postgresql+psycopg://wms@db/wms"
    out = flask_config(Settings.from_env({"WMS_DATABASE_URL": url, "WMS_SECRET_KEY": "k"}), str(tmp_path))
    assert (out["SQLALCHEMY_DATABASE_URI"], out["SECRET_KEY"]) == (url, "k")
