"""The unit of work: one write transaction, rerun when it loses a lock race, and the events it raised.

Handlers raise domain events (`record`) while they work. Before the transaction commits, the unit of
work hands every event to the handlers the event table lists for its kind (wms/wiring.py), inside the
same transaction, so a consequence that must be atomic with its cause (an outbox row, a backorder
served) commits with it or not at all.
"""
from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy.exc import DBAPIError

from wms.config import settings
from wms.db import (
    RaceLost,
    db,
    lost_lock_race,
    lost_unique_race,
    sqlite_write_lock,
    writing,
)
from wms.errors import Busy

log = logging.getLogger(__name__)

T = TypeVar("T")
EventHandler = Callable[[list[Any]], None]
EventTable = Mapping[type, Sequence[EventHandler]]

EVENT_TABLE_KEY = "wms.event_table"
_SESSION_KEY = "wms.unit_of_work"
# How long a writer of this process waits for SQLite's write lock before answering busy.
_SQLITE_WRITE_WAIT_S = 30


class UnitOfWork:
    """One transaction's events, and scratch space its handlers share (emptied when it is rerun)."""

    __slots__ = ("events", "scratch")

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.scratch: dict[str, Any] = {}


def current() -> UnitOfWork:
    """The unit of work of the write transaction open in this context."""
    if not writing.get():
        raise RuntimeError("this runs only inside a unit of work (an atomic write transaction)")
    return db.session.info[_SESSION_KEY]


def active() -> bool:
    return writing.get()


def record(event: Any) -> None:
    """Raise a domain event in the current transaction; its handlers run before commit."""
    current().events.append(event)


def scratch() -> dict[str, Any]:
    """Space the current transaction's handlers share (a cache of subscribers, say)."""
    return current().scratch


def run_event_handlers(uow: UnitOfWork, table: EventTable) -> None:
    """Hand every raised event to its handlers, kind after kind in the table's order, until none is left.

    All events of one kind go to a handler together, and a kind is handled only when no kind listed
    before it waits: so the last kind in the table (stock levels, say) sees everything the others did,
    and its handler runs once however many steps raised it.
    """
    while uow.events:
        pending = set(map(type, uow.events))
        kind = next((k for k in table if k in pending), None)
        if kind is None:
            uow.events.clear()  # nobody listens to what is left
            return
        batch = [e for e in uow.events if type(e) is kind]
        uow.events[:] = [e for e in uow.events if type(e) is not kind]
        for handler in table[kind]:
            handler(batch)


def atomic(fn: Callable[..., T]) -> Callable[..., T]:
    """Run `fn` as one unit of work: commit on return, roll back on error, rerun on a lost lock race.

    Calls nested inside another atomic function join the outer transaction.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if writing.get():
            return fn(*args, **kwargs)
        session = db.session
        # End any read transaction the request opened (auth lookup, say) so the write one begins fresh.
        session.rollback()
        retries = settings().transaction_retries
        table: EventTable = current_app.extensions.get(EVENT_TABLE_KEY, {})
        write_lock = sqlite_write_lock()
        if write_lock is not None and not write_lock.acquire(timeout=_SQLITE_WRITE_WAIT_S):
            raise Busy("the database stayed busy; try again")
        token = writing.set(True)
        unique_rerun = False
        try:
            for attempt in range(retries + 1):
                try:
                    uow = session.info[_SESSION_KEY] = UnitOfWork()
                    result = fn(*args, **kwargs)
                    run_event_handlers(uow, table)
                    session.commit()
                    return result
                except (DBAPIError, RaceLost) as exc:
                    session.rollback()
                    # A unique key another transaction took first. Handlers look for a row before inserting
                    # it (a SKU, a bin code) and answer 409 when it is there; two at once both look, both
                    # insert, and the loser hits the constraint. Run once more, its own look then finds the
                    # winner's row and answers. Only once: a second violation is a real fault, not a race,
                    # and is raised as it is.
                    if not unique_rerun and lost_unique_race(exc):
                        unique_rerun = True
                        log.info("transaction lost a race for a unique key (%s); running it once more", exc.orig)
                        continue
                    if not lost_lock_race(exc) or attempt == retries:
                        if lost_lock_race(exc):
                            raise Busy("the database stayed busy; try again") from exc
                        raise
                    log.info("transaction lost a race (%s); attempt %d", getattr(exc, "orig", exc), attempt + 1)
                    time.sleep(random.uniform(0, 0.005 * 2**attempt))
                except BaseException:
                    session.rollback()
                    raise
        finally:
            session.info.pop(_SESSION_KEY, None)
            writing.reset(token)
            if write_lock is not None:
                write_lock.release()
        raise AssertionError("unreachable")

    return wrapper
