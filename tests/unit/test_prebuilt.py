"""`wms.db.prebuilt`: a statement is built on its first use, once, and the same object is handed out after."""
from __future__ import annotations

from sqlalchemy import literal, select

from wms.db import prebuilt


def test_a_statement_is_built_on_first_use_and_only_once():
    built = []

    @prebuilt
    def one():
        built.append("one")
        return select(literal(1))

    assert built == []  # declaring it builds nothing: its tables need not exist yet
    first = one()
    assert one() is first
    assert built == ["one"]


def test_each_set_of_arguments_is_built_once():
    built = []

    @prebuilt
    def limited(n: int):
        built.append(n)
        return select(literal(1)).limit(n)

    assert limited(5) is limited(5)
    assert limited(7) is not limited(5)
    assert built == [5, 7]
