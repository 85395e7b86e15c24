"""`wms bench`: every benchmark of DESIGN.md ("Performance"), printed as one table.

Each figure stands beside the same work done the naive way, so that a ratio, not an absolute time,
says how good it is. Every scenario is a module of this package registered in `SECTIONS`; its
`rows(quick, echo)` returns `Row`s or dicts `{"what", "ours", "naive", "unit", "target"}` (see
`table`). Sections that cannot run here (no PostgreSQL, say) keep their row with the reason.
"""
from __future__ import annotations

import os
import platform
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from typing import NamedTuple

from wms.bench import http_moves, labels, orders, picking, stock_query, waves, webhooks
from wms.bench.table import Row, as_row, render, skipped

# `python -m wms.bench.labels` imports this package, and so every section, before running the module
# as __main__; runpy warns that it is already imported. Running a section module twice is harmless.
warnings.filterwarnings("ignore", message=r"'wms\.bench\.\w+' found in sys\.modules", category=RuntimeWarning)

Echo = Callable[[str], None]


class Section(NamedTuple):
    title: str
    rows: Callable[[bool, Echo], list[Row | dict]]


# In the order the table prints them: DESIGN.md's.
SECTIONS: list[Section] = [
    Section("HTTP moves", http_moves.rows),
    Section("orders", orders.rows),
    Section("picking routes and batching", picking.rows),
    Section("picking waves", waves.rows),
    Section("labels", labels.rows),
    Section("webhooks", webhooks.rows),
    Section("stock query", stock_query.rows),
]


def machine_note() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{os.cpu_count()} CPUs, load average {load:.2f} at start, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def collect(quick: bool, echo: Echo, sections: Sequence[Section] | None = None) -> list[Row]:
    """The rows of every section (`SECTIONS` unless given), in order."""
    rows: list[Row] = []
    for section in SECTIONS if sections is None else sections:
        echo(f"{section.title} ...")
        started = time.perf_counter()
        try:
            rows += [as_row(r) for r in section.rows(quick, echo)]
        except Exception as exc:  # noqa: BLE001 - a section that fails keeps a row saying why
            rows.append(skipped(section.title, f"{type(exc).__name__}: {str(exc)[:300]}"))
        echo(f"  done in {time.perf_counter() - started:.0f}s")
    return rows


def run_all(quick: bool = False, echo: Echo = print) -> list[Row]:
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


__all__ = ["SECTIONS", "Row", "Section", "collect", "render", "run_all"]
