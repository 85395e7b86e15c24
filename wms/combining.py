"""Combining concurrent requests of one kind into one transaction: group commit, led by a request.

Most of a small write's cost is fixed: BEGIN, a dozen statements, COMMIT. Under load, storefront
requests arrive faster than one transaction each can be run, and on SQLite they queue for the single
writer anyway. A Combiner lets the first request of a quiet moment lead: it runs everything queued
behind it (its own work included) as one batch, hands each member its outcome, and passes the lead
to the next request waiting. Nobody waits on a timer: an idle server runs each request alone, a
busy one in batches as large as its queue.

The batch runs on the leader's thread, in its request's context, so the work handed in must carry
everything it needs (nothing read from a request or `g` inside `apply` may differ between members).
The pipeline (wms/pipeline.py) runs the batch forms of handlers through it.
"""
from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable, Sequence
from typing import Any


class Failed:
    """An outcome that is an exception, raised again in the member's own thread."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException):
        self.error = error


class _Slot:
    __slots__ = ("item", "leads", "outcome", "ready")

    def __init__(self, item: Any):
        self.item = item
        self.outcome: Any = None
        self.ready = threading.Event()
        self.leads = False


class Combiner:
    """Runs `apply(items) -> outcomes` (same length and order) on batches of concurrently submitted items."""

    def __init__(self, apply: Callable[[Sequence[Any]], Sequence[Any]], max_batch: int = 64):
        self._apply = apply
        self._max = max_batch
        self._lock = threading.Lock()
        self._queue: list[_Slot] = []
        self._busy = False  # a leader is running a batch; newcomers queue behind it

    def submit(self, item: Any) -> Any:
        """Run `item` in the next batch and return its outcome (raising it when it is a Failed)."""
        slot = _Slot(item)
        with self._lock:
            self._queue.append(slot)
            leads = not self._busy
            self._busy = True
        if not leads:
            slot.ready.wait()
            leads = slot.leads
        if leads:
            self._lead()
        if isinstance(slot.outcome, Failed):
            raise slot.outcome.error
        return slot.outcome

    def _lead(self) -> None:
        # The leader is always at the head of the queue: the first in when idle, or the one promoted.
        with self._lock:
            batch = self._queue[:self._max]
            del self._queue[:self._max]
        try:
            outcomes = list(self._apply([slot.item for slot in batch]))
            if len(outcomes) != len(batch):
                raise RuntimeError(f"a batch of {len(batch)} came back with {len(outcomes)} outcomes")
        except BaseException as exc:  # noqa: BLE001 - every member hears of it in its own thread
            outcomes = [Failed(exc)] * len(batch)
        for slot, outcome in zip(batch, outcomes):
            slot.outcome = outcome
        with self._lock:
            successor = self._queue[0] if self._queue else None
            if successor is None:
                self._busy = False
            else:
                successor.leads = True
        for slot in batch:
            slot.ready.set()
        if successor is not None:
            successor.ready.set()


_combiners: weakref.WeakValueDictionary[Hashable, Combiner] = weakref.WeakValueDictionary()
_combiners_lock = threading.Lock()


def combiner_for(key: Hashable, apply: Callable[[], Callable[[Sequence[Any]], Sequence[Any]]]) -> Combiner:
    """The combiner of `key` (an endpoint and whatever must be alike within one batch), made when missing.

    `apply` makes its batch function. A combiner nobody is waiting on is dropped, so keys that come
    and go (paths with ids in them) leave nothing behind.
    """
    with _combiners_lock:
        combiner = _combiners.get(key)
        if combiner is None:
            combiner = _combiners[key] = Combiner(apply())
        return combiner
