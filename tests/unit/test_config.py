"""Settings: documented defaults, then the WMS_CONFIG file, then WMS_* variables."""
import pytest

from wms.config import ConfigError, load_settings


def test_defaults_are_documented_values():
    s = load_settings({})
    assert s["carriers"] == "sandbox" and s["webhook_max_age_hours"] == 72
    assert s["over_receipt_tolerance"] == 0.10 and s["auto_wave"] == "off"
    assert s["warehouse"]["code"]


def test_file_then_environment_override(tmp_path):
    f = tmp_path / "wms.toml"
    f.write_text('carriers = "live"\nwebhook_max_age_hours = 24\n[warehouse]\ncode = "MEM1"\n')
    s = load_settings({"WMS_CONFIG": str(f), "WMS_WEBHOOK_MAX_AGE_HOURS": "48"})
    assert s["carriers"] == "live" and s["webhook_max_age_hours"] == 48
    assert s["warehouse"]["code"] == "MEM1" and s["warehouse"]["name"]  # nested tables merge


def test_bad_values_are_refused_clearly(tmp_path):
    with pytest.raises(ConfigError, match="WMS_OVER_RECEIPT_TOLERANCE"):
        load_settings({"WMS_OVER_RECEIPT_TOLERANCE": "lots"})
    with pytest.raises(ConfigError, match="WMS_CONFIG"):
        load_settings({"WMS_CONFIG": str(tmp_path / "missing.toml")})
