"""create_app builds the settings once: the environment's, with test_config's WMS_* keys laid over them."""
from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import configure, make_app
from wms.config import ConfigError, Settings, settings


def test_the_app_keeps_typed_settings_and_fills_flask_config(tmp_path, monkeypatch):
    monkeypatch.setenv("WMS_CART_CAPACITY", "20")
    monkeypatch.setenv("WMS_ALLOCATION", "whole")
    app = make_app(f"sqlite:///{tmp_path / 'wms.db'}", tmp_path, WMS_CART_CAPACITY=6, WMS_SCHEDULER="off")
    s = settings(app)
    assert isinstance(s, Settings)
    assert (s.cart_capacity, s.allocation, s.scheduler) == (6, "whole", "off")  # test_config over environment
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'wms.db'}" and app.config["TESTING"]
    assert app.config["WMS_CART_CAPACITY"] == 6 and app.config["SESSION_COOKIE_HTTPONLY"]
    with app.app_context():
        assert settings() is s


def test_configure_replaces_the_settings_of_a_built_app(app):
    configure(app, WMS_OVER_RECEIPT_TOLERANCE="0.5")
    assert settings(app).over_receipt_tolerance == Decimal("0.5")
    assert app.config["WMS_OVER_RECEIPT_TOLERANCE"] == Decimal("0.5")


def test_a_bad_test_config_value_fails_create_app(tmp_path):
    with pytest.raises(ConfigError, match="WMS_CART_CAPACITY"):
        make_app(f"sqlite:///{tmp_path / 'wms.db'}", tmp_path, WMS_CART_CAPACITY="many")
