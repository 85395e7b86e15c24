"""`wms bench`: every benchmark of DESIGN.md ("Performance"), printed as one table.

Each figure stands beside the same work done the naive way, so that a ratio, not an absolute time,
says how good it is. Sections that cannot run here (no PostgreSQL, say) keep their row with the
reason. Benchmark modules of other feature packages are picked up when they exist: they export a
function returning rows as dicts `{"what", "ours", "naive", "unit", "target"}` (see `table`).
"""
from __future__ import annotations

import importlib
import inspect
import os
import platform
import sys
import time
from collections.abc import Callable

from wms.bench.table import Row, as_row, render, skipped

# Feature benchmark modules and the function in each that returns its rows, in DESIGN.md's order.
# A function named None is looked up (see `_rows_function`).
FEATURE_BENCHMARKS: list[tuple[str, str | None]] = [
    ("wms.bench.orders", None),
    ("wms.bench.picking", "rows"),
    ("wms.bench.labels", "label_rows"),
    ("wms.bench.webhooks", "webhook_rows"),
]


def _call_rows(fn: Callable, quick: bool, echo: Callable[[str], None]) -> list:
    params = inspect.signature(fn).parameters
    kwargs = {}
    if "quick" in params:
        kwargs["quick"] = quick
    if "echo" in params:
        kwargs["echo"] = echo
    if not kwargs and params:
        return list(fn(quick))
    return list(fn(**kwargs))


def _rows_function(module, name: str | None) -> Callable | None:
    """The named function, else `rows`, else the module's only public function ending in "_rows"."""
    if name:
        return getattr(module, name, None)
    own = {attr: value for attr, value in vars(module).items()
           if callable(value) and not attr.startswith("_")
           and getattr(value, "__module__", None) == module.__name__}
    if "rows" in own:
        return own["rows"]
    candidates = [value for attr, value in own.items() if attr.endswith("_rows")]
    return candidates[0] if len(candidates) == 1 else None


def feature_rows(quick: bool, echo: Callable[[str], None]) -> list[Row]:
    """Rows from the feature packages' benchmark modules that exist in this tree."""
    out: list[Row] = []
    for module_name, fn_name in FEATURE_BENCHMARKS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue  # that package has no benchmarks (yet)
            out.append(skipped(module_name, f"import failed: {exc}"))
            continue
        except Exception as exc:  # noqa: BLE001 - a broken module must not take the others down
            out.append(skipped(module_name, f"import failed: {type(exc).__name__}: {exc}"))
            continue
        fn = _rows_function(module, fn_name)
        if fn is None:
            out.append(skipped(module_name, "exports no function returning rows"))
            continue
        echo(f"{module_name}.{fn.__name__} ...")
        started = time.perf_counter()
        try:
            out += [as_row(r) for r in _call_rows(fn, quick, echo)]
        except Exception as exc:  # noqa: BLE001
            out.append(skipped(module_name, f"{type(exc).__name__}: {str(exc)[:300]}"))
        echo(f"  done in {time.perf_counter() - started:.0f}s")
    return out


def machine_note() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{os.cpu_count()} CPUs, load average {load:.2f} at start, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def collect(quick: bool, echo: Callable[[str], None]) -> list[Row]:
    from wms.bench import http_moves, stock_query

    rows: list[Row] = []
    for title, section in (("HTTP moves", http_moves.rows), ("feature benchmarks", feature_rows),
                           ("stock query", stock_query.rows)):
        if section is not feature_rows:
            echo(f"{title} ...")
        started = time.perf_counter()
        try:
            rows += [as_row(r) for r in section(quick, echo)]
        except Exception as exc:  # noqa: BLE001 - a section that fails keeps a row saying why
            rows.append(skipped(title, f"{type(exc).__name__}: {str(exc)[:300]}"))
        if section is not feature_rows:
            echo(f"  done in {time.perf_counter() - started:.0f}s")
    return rows


def run_all(quick: bool = False, echo: Callable[[str], None] = print) -> list[Row]:
    """Run every benchmark and print one table; returns the rows."""
    started = time.perf_counter()
    note = machine_note()
    echo(f"wms bench{' --quick' if quick else ''}: {note}")
    rows = collect(quick, echo)
    elapsed = time.perf_counter() - started
    echo("")
    echo(render(rows, title=f"wms bench{' --quick' if quick else ''} ({elapsed:.0f}s; {note})"))
    sys.stdout.flush()
    return rows


__all__ = ["Row", "collect", "render", "run_all"]
