"""Waves released on the WMS_AUTO_WAVE schedule: only when it is a cron expression, and as POST /waves would."""
from __future__ import annotations

import pytest

from tests.conftest import Api, configure
from tests.integration.picking.conftest import adjust, place_order
from wms import scheduler
from wms.config import ConfigError


def _job(app):
    return next(j for j in scheduler.jobs(app) if j.name == "release-wave")


@pytest.mark.parametrize("setting, scheduled", [("off", False), ("OFF", False), ("*/15 6-22 * * 1-5", True)])
def test_the_wave_job_is_scheduled_only_for_a_cron_expression(app, setting, scheduled):
    configure(app, WMS_AUTO_WAVE=setting)
    jobs = {j.id: j for j in scheduler.build(app).get_jobs()}
    assert ("release-wave" in jobs) is scheduled
    if scheduled:
        assert "minute='*/15'" in str(jobs["release-wave"].trigger)
    assert "deliver-webhooks" in jobs  # the others are there either way


def test_a_bad_cron_expression_is_a_clear_config_error(app):
    configure(app, WMS_AUTO_WAVE="every morning")
    with pytest.raises(ConfigError, match="WMS_AUTO_WAVE"):
        scheduler.build(app)


def test_the_job_releases_what_is_waiting_and_ticks_quietly_when_nothing_is(floor, any_app):
    assert scheduler.run_job(any_app, _job(any_app)) is None  # nothing allocated yet
    adjust(floor, "MUG", "A02-B04-L1", 5)
    order = place_order(floor, "SO-1", [("MUG", 2)])
    wave_id = scheduler.run_job(any_app, _job(any_app))
    assert isinstance(wave_id, int)
    wave = Api(any_app, "supervisor").get(f"/waves/{wave_id}").json
    assert wave["created_by"] == "scheduler" and wave["picklists"][0]["totes"][0]["order_id"] == order["id"]
    assert floor.get(f"/orders/{order['id']}").json["status"] == "picking"
    assert scheduler.run_job(any_app, _job(any_app)) is None
