"""Planning a whole wave: `batch` sized to the wave, on every core when the wave is large.

`batch` cuts a wave into groups of neighbouring orders (by `_sweep_key`, GROUP_SIZE at a time)
and batches each group on its own, so groups can go to separate processes and the carts come
back exactly as one `batch` call with the same passes would make them. What does not scale is the improvement step:
its passes are spread over a fixed budget, so a wave of a few hundred orders gets every pass
and one of ten thousand the seed carts alone (already far shorter than first come, first
served; see wms/bench/waves.py) and stays within seconds.

Pure domain code: no Flask, no database.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

from wms.picking.batching import Cart, _groups, batch
from wms.picking.batching_search import MAX_PASSES
from wms.picking.geometry import FloorPlan, PickPoint

# Improvement passes a wave may spend in total, counted per group: one group (up to 240 orders)
# gets all MAX_PASSES, 20 groups one pass each, more groups none.
PASS_BUDGET = 20
# Below this many orders a second process costs more to start (about 0.3 s) than it saves.
PARALLEL_MIN_ORDERS = 1500


def passes_for(groups: int) -> int:
    """Improvement passes per group for a wave cut into `groups` groups."""
    return min(MAX_PASSES, PASS_BUDGET // max(groups, 1))


def workers_available() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def plan_carts(
    plan: FloorPlan,
    orders: Sequence[Sequence[PickPoint]],
    cart_capacity: int,
    *,
    workers: int | None = None,
) -> list[Cart]:
    """Carts of whole orders for the wave, each routed; `Cart` indices refer to `orders`.

    `workers` caps the processes used, this one included (None: every core available to it).
    """
    if not orders:
        return []
    # Members in index order, so that ties inside a group break as they would in one `batch` call.
    groups = [sorted(g) for g in _groups(plan, orders, cart_capacity)]
    passes = passes_for(len(groups))
    jobs = [(plan, [orders[o] for o in g], cart_capacity, passes) for g in groups]
    workers = min(workers or workers_available(), len(groups))
    if workers > 1 and len(orders) >= PARALLEL_MIN_ORDERS:
        results = _shared_out(jobs, workers - 1)
    else:
        results = [_batch_group(job) for job in jobs]
    carts = []
    for group, group_carts in zip(groups, results):
        for c in group_carts:
            carts.append(Cart(tuple(group[o] for o in c.orders),
                              tuple((group[o], line) for o, line in c.route), c.length_m))
    return carts


def _shared_out(jobs: list[tuple], helpers: int) -> list[list[Cart]]:
    """Every job's carts, worked out by `helpers` other processes and this one together.

    The helpers take jobs from the front; this process, which would otherwise only wait, takes
    them back from the end for as long as no helper has started them. It needs no start-up, so
    it is at work while the helpers are still importing.
    """
    results: list[list[Cart] | None] = [None] * len(jobs)
    # spawn, not fork: the caller may be a threaded web server holding database connections,
    # and a forked child would inherit their sockets and any lock another thread held.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=helpers, mp_context=context) as pool:
        futures = [pool.submit(_batch_group, job) for job in jobs]
        try:
            # The pool hands jobs out in order, so once one is taken every earlier one is too.
            for i in reversed(range(len(jobs))):
                if not futures[i].cancel():
                    break
                results[i] = _batch_group(jobs[i])
            for i, future in enumerate(futures):
                if results[i] is None:
                    results[i] = future.result()
        finally:
            # After an error, jobs no helper has started are dropped rather than waited for.
            pool.shutdown(cancel_futures=True)
    return results


def _batch_group(job: tuple) -> list[Cart]:
    plan, orders, capacity, passes = job
    # Each group fits in one of batch's own groups, so this is exactly the work batch would do on it.
    return batch(plan, orders, capacity, passes=passes)
