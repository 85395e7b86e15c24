"""Count the import cycles in wms and devices, imports inside functions included; exit 1 when there are any.

import-linter holds the layering (setup.cfg); this counts what layering alone cannot show: any group
of modules that import one another round in a circle, however the circle closes. Run by `make lint`
and by tests/unit/test_architecture.py.
"""
from __future__ import annotations

import sys

import grimp

PACKAGES = ("wms", "devices")


def import_cycles(packages: tuple[str, ...] = PACKAGES) -> list[list[str]]:
    """The strongly connected groups of two or more modules in the import graph (Tarjan's algorithm)."""
    graph = grimp.build_graph(*packages, include_external_packages=False)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(graph.modules)))
    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return groups


def main() -> int:
    groups = import_cycles()
    modules = len(grimp.build_graph(*PACKAGES, include_external_packages=False).modules)
    print(f"import cycles in {', '.join(PACKAGES)} ({modules} modules, imports inside functions included): "
          f"{len(groups)}")
    for group in groups:
        print(f"  {len(group)} modules: {' -> '.join(group)}")
    return 1 if groups else 0


if __name__ == "__main__":
    sys.exit(main())
