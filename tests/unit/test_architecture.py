"""The shape the code keeps: the import-linter contracts hold, no import cycle, no import hidden in a function."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import wms
from tools.import_cycles import import_cycles
from wms.app import create_app

ROOT = Path(__file__).parents[2]


def test_the_import_linter_contracts_hold():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    run = subprocess.run([str(lint_imports), "--no-cache"], check=False, capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_no_import_cycles():
    assert import_cycles() == []


def test_the_cycle_count_sees_a_cycle_closed_inside_a_function(tmp_path, monkeypatch):
    # The check above must be able to fail: two modules that import each other, one of them late.
    package = tmp_path / "circle"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from circle import b\n")
    (package / "b.py").write_text("def late():\n    from circle import a\n    return a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles(("circle",)) == [["circle.a", "circle.b"]]


def _imports_inside_functions(path: Path) -> list[str]:
    """Imports below module level, except optional dependencies (an import guarded by `except ImportError`)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    optional = {id(stmt) for node in ast.walk(tree) if isinstance(node, ast.Try)
                and any(isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
                        for h in node.handlers)
                for stmt in node.body}
    return [f"{path.relative_to(ROOT)}:{inner.lineno}"
            for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            for inner in ast.walk(node)
            if isinstance(inner, (ast.Import, ast.ImportFrom)) and id(inner) not in optional]


# The package's re-export of the app factory, resolved on first use (see its docstring).
LAZY_REEXPORT = "wms/__init__.py"


def test_no_import_sits_inside_a_function():
    sources = sorted(p for package in ("wms", "devices") for p in (ROOT / package).rglob("*.py"))
    hits = [hit for path in sources for hit in _imports_inside_functions(path)]
    assert [h for h in hits if not h.startswith(f"{LAZY_REEXPORT}:")] == []
    assert sum(h.startswith(f"{LAZY_REEXPORT}:") for h in hits) == 1


def test_importing_a_plain_module_does_not_build_the_service():
    # Spawned planning helpers and station tools import single modules; wms/__init__ must stay light.
    code = ("import sys, wms.barcodes, wms.picking.planning; "
            "print(*sorted(m for m in sys.modules if m.startswith(('wms', 'flask', 'sqlalchemy'))))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    loaded = set(run.stdout.split())
    assert not loaded & {"flask", "sqlalchemy", "wms.app", "wms.wiring", "wms.db"}, loaded


def test_the_package_still_hands_out_the_app_factory():
    assert wms.create_app is create_app
