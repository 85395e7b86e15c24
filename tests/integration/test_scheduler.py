"""Scheduled jobs: a tick that finds its job still running in this process is skipped, quietly."""
from __future__ import annotations

import threading

from wms import scheduler


def test_a_tick_while_the_job_still_runs_returns_at_once_and_the_job_runs_again_after(app):
    started, release = threading.Event(), threading.Event()
    runs = []

    def drain(_app):
        runs.append(threading.current_thread().name)
        started.set()
        release.wait(10)
        return len(runs)

    spec = scheduler.Job("long-drain", drain, {"seconds": 1})
    first = threading.Thread(target=scheduler.run_job, args=(app, spec), name="first-tick")
    first.start()
    try:
        assert started.wait(10)
        assert scheduler.run_job(app, spec) is None  # the second tick did not wait and did not run it
        assert runs == ["first-tick"]
    finally:
        release.set()
        first.join(10)
    assert scheduler.run_job(app, spec) == 2  # once the first run ended, the next tick runs it


def test_jobs_are_scheduled_so_that_overlapping_ticks_reach_run_job(app):
    built = scheduler.build(app)
    delivery = built.get_job("deliver-webhooks")
    assert delivery.max_instances == 2 and delivery.trigger.interval.total_seconds() == 1
