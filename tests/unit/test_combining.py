"""The request combiner: concurrent items run in batches, each member gets its own outcome, nothing twice."""
from __future__ import annotations

import threading
import time

import pytest

from wms.combining import Combiner, Failed


def _run_concurrently(combiner: Combiner, items: list, threads: int | None = None) -> dict:
    results: dict = {}
    start = threading.Barrier(threads or len(items))

    def member(item):
        start.wait()
        try:
            results[item] = combiner.submit(item)
        except Exception as exc:  # noqa: BLE001 - the test reads what each member got
            results[item] = exc

    workers = [threading.Thread(target=member, args=(item,)) for item in items]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=30)
    assert not any(w.is_alive() for w in workers), "a member never got its outcome"
    return results


def test_an_item_alone_is_a_batch_of_one():
    batches = []
    combiner = Combiner(lambda items: batches.append(list(items)) or [i * 10 for i in items])
    assert combiner.submit(3) == 30
    assert combiner.submit(4) == 40
    assert batches == [[3], [4]]


def test_items_arriving_while_a_batch_runs_go_together_in_the_next():
    batches = []
    first_running = threading.Event()

    def apply(items):
        batches.append(list(items))
        if len(batches) == 1:
            first_running.set()
            time.sleep(0.3)  # the others arrive meanwhile and queue behind this batch
        return [f"done {i}" for i in items]

    combiner = Combiner(apply)
    leader = threading.Thread(target=combiner.submit, args=(0,))
    leader.start()
    first_running.wait(5)
    results = _run_concurrently(combiner, list(range(1, 21)))
    leader.join(5)
    assert results == {i: f"done {i}" for i in range(1, 21)}
    assert batches[0] == [0]
    assert sorted(i for b in batches[1:] for i in b) == list(range(1, 21))  # each exactly once
    assert max(len(b) for b in batches[1:]) > 1


def test_every_item_runs_exactly_once_under_contention():
    seen = []
    lock = threading.Lock()

    def apply(items):
        with lock:
            seen.extend(items)
        time.sleep(0.001)
        return [-i for i in items]

    combiner = Combiner(apply, max_batch=7)
    results = _run_concurrently(combiner, list(range(200)), threads=200)
    assert results == {i: -i for i in range(200)}
    assert sorted(seen) == list(range(200))


def test_a_failed_outcome_is_raised_in_its_own_member_only():
    combiner = Combiner(lambda items: [Failed(KeyError(i)) if i == 2 else i for i in items])
    results = _run_concurrently(combiner, [1, 2, 3])
    assert results[1] == 1 and results[3] == 3
    assert isinstance(results[2], KeyError)


def test_a_batch_that_raises_fails_each_member_and_the_next_batch_runs():
    calls = []

    def apply(items):
        calls.append(list(items))
        if len(calls) == 1:
            raise RuntimeError("database down")
        return list(items)

    combiner = Combiner(apply)
    with pytest.raises(RuntimeError, match="database down"):
        combiner.submit("a")
    assert combiner.submit("b") == "b"  # the combiner is not left thinking a batch still runs


def test_a_batch_answering_for_the_wrong_number_of_items_fails_them_all():
    first_running = threading.Event()

    def apply(items):
        if not first_running.is_set():
            first_running.set()
            time.sleep(0.3)  # x and y queue meanwhile, so they run as one batch of two
        return ["one answer"]

    combiner = Combiner(apply)
    leader = threading.Thread(target=combiner.submit, args=("lead",))
    leader.start()
    first_running.wait(5)
    results = _run_concurrently(combiner, ["x", "y"])
    leader.join(5)
    assert all(isinstance(results[i], RuntimeError) for i in ("x", "y")), results
    assert "a batch of 2 came back with 1 outcomes" in str(results["x"])
