"""Background jobs, declared as data and run by APScheduler in `wms run` or in `wms worker` processes.

Jobs that drain outbox rows claim them with FOR UPDATE SKIP LOCKED, so any number of workers share
them. Singleton jobs (tracking polls, wave release, nightly reports) take a PostgreSQL advisory lock
so that only one worker at a time runs each; on SQLite there is only one process anyway.
"""
from __future__ import annotations

import logging
import threading
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from sqlalchemy import text

from wms import config
from wms.db import db

log = logging.getLogger(__name__)

JOBS_KEY = "wms.jobs"


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[Flask], object]
    # IntervalTrigger kwargs, {"cron": "..."}, or {"cron_setting": name}: the cron expression in that field of
    # the app's Settings, where "off" leaves the job unscheduled.
    trigger: dict = field(default_factory=dict)
    singleton: bool = False


class Jobs(list[Job]):
    """One feature's jobs, declared with `job` beside their functions; declaring schedules nothing.

    `create_app` hands the list of every feature's jobs (wms/wiring.py) to `init_app`.
    """

    def job(self, name: str, *, singleton: bool = False, cron: str | None = None, cron_setting: str | None = None,
            **interval) -> Callable:
        """Declare a scheduled job; `interval` takes IntervalTrigger's seconds=/minutes=/hours=.

        `cron_setting` names a setting (a field of Settings) holding the cron expression, for schedules the
        operator chooses.
        """

        def declare(func: Callable[[Flask], object]) -> Callable[[Flask], object]:
            if cron_setting:
                trigger = {"cron_setting": cron_setting}
            else:
                trigger = {"cron": cron} if cron else interval
            self.append(Job(name, func, trigger, singleton))
            return func

        return declare


def _advisory_key(name: str) -> int:
    return zlib.crc32(f"wms-job:{name}".encode())


_RUNNING = threading.Lock()  # guards the creation of each job's lock below


def _running(app: Flask, name: str) -> threading.Lock:
    with _RUNNING:
        return app.extensions.setdefault("wms_running_jobs", {}).setdefault(name, threading.Lock())


def run_job(app: Flask, spec: Job) -> object:
    """Run one job inside an app context; singleton jobs skip when another worker holds their lock.

    A tick that finds the same job still running in this process returns at once: a draining job
    (webhook delivery under a backlog) may run through several ticks and start again at the next
    one after it finishes, so a busy worker never sits idle waiting for its schedule.
    """
    running = _running(app, spec.name)
    if not running.acquire(blocking=False):
        log.debug("job %s is still running in this process; tick skipped", spec.name)
        return None
    try:
        return _run_job(app, spec)
    finally:
        running.release()


def _run_job(app: Flask, spec: Job) -> object:
    with app.app_context():
        try:
            if spec.singleton and db.engine.dialect.name == "postgresql":
                with db.engine.connect() as conn:
                    got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _advisory_key(spec.name)}).scalar()
                    if not got:
                        log.debug("job %s is running elsewhere", spec.name)
                        return None
                    try:
                        return spec.func(app)
                    finally:
                        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _advisory_key(spec.name)})
                        conn.commit()
            return spec.func(app)
        except Exception:
            # Log and let the next tick try again; a failing job must not stop the others.
            log.exception("job %s failed", spec.name)
            raise
        finally:
            db.session.remove()


def _trigger(spec: Job, app: Flask):
    """The job's trigger, or None when its schedule is a setting that is "off"."""
    if "cron_setting" in spec.trigger:
        name = spec.trigger["cron_setting"]
        value = getattr(config.settings(app), name).strip()
        if value.lower() in ("", "off"):
            return None
        try:
            return CronTrigger.from_crontab(value, timezone="UTC")
        except ValueError as exc:
            raise config.ConfigError(f"{config.variable(name)}={value!r} is neither a cron expression nor off: "
                                     f"{exc}") from None
    if "cron" in spec.trigger:
        return CronTrigger.from_crontab(spec.trigger["cron"], timezone="UTC")
    return IntervalTrigger(**spec.trigger)


def jobs(app: Flask) -> list[Job]:
    """The jobs `create_app` registered on this app."""
    return app.extensions[JOBS_KEY]


def build(app: Flask, blocking: bool = False):
    scheduler = BlockingScheduler(timezone="UTC") if blocking else BackgroundScheduler(timezone="UTC")
    for spec in jobs(app):
        trigger = _trigger(spec, app)
        if trigger is None:
            continue
        # Two instances, so that a tick while the job runs reaches run_job, which skips it quietly;
        # with one, APScheduler would log a warning for every tick a long drain outlasts.
        scheduler.add_job(run_job, trigger, args=[app, spec], id=spec.name, name=spec.name,
                          max_instances=2, coalesce=True, misfire_grace_time=60)
    return scheduler


def init_app(app: Flask, features: Sequence[Jobs]) -> None:
    app.extensions[JOBS_KEY] = [spec for feature in features for spec in feature]
