"""`wms bench` lists its sections by hand, so a new scenario module left out of the list fails here."""
from __future__ import annotations

import importlib
import inspect
import pkgutil

from wms import bench


def modules_with_rows() -> dict[str, object]:
    found = {}
    for info in pkgutil.iter_modules(bench.__path__):
        module = importlib.import_module(f"{bench.__name__}.{info.name}")
        if callable(getattr(module, "rows", None)):
            found[module.__name__] = module.rows
    return found


def test_every_module_of_wms_bench_with_rows_is_registered_once():
    registered = {section.rows.__module__: section.rows for section in bench.SECTIONS}
    assert modules_with_rows() == registered
    assert len(registered) == len({section.title for section in bench.SECTIONS}) == len(bench.SECTIONS)


def test_every_section_takes_quick_and_echo():
    for section in bench.SECTIONS:
        params = list(inspect.signature(section.rows).parameters.values())
        assert [p.name for p in params[:2]] == ["quick", "echo"], section.title
        assert all(p.default is not p.empty for p in params[2:]), section.title
