"""Filling a benchmark database fast: products, bins and quants straight through the DB-API driver
(SQLite: executemany in one transaction; PostgreSQL: COPY), with every NOT NULL column the current
schema has given a value, so the loader keeps working as the tables grow columns."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import psycopg
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    Table,
    create_engine,
    text,
)

from wms.bench.databases import BenchDb
from wms.inventory.models import Location, Product, Quant

STAMP = datetime(2026, 1, 1, tzinfo=UTC)
BINS_PER_SKU = 20


@dataclass(frozen=True)
class Shape:
    """How the quants are spread: every SKU in BINS_PER_SKU bins, each bin holding about n/bins SKUs."""

    quants: int
    products: int
    locations: int

    @classmethod
    def for_quants(cls, n: int) -> Shape:
        products = max(1, n // BINS_PER_SKU)
        locations = max(BINS_PER_SKU, n // 50)
        return cls(products * BINS_PER_SKU, products, locations)

    def sku(self, i: int) -> str:
        return f"SKU-{i:07d}"

    def bin(self, i: int) -> str:
        return f"Q{i:07d}"

    def bins_of(self, p: int) -> list[int]:
        """The BINS_PER_SKU distinct bin indexes that hold SKU p."""
        stride = self.locations // BINS_PER_SKU
        base = (p * 7919) % self.locations
        return [(base + k * stride) % self.locations for k in range(BINS_PER_SKU)]


def _filler(column) -> Any:
    kind = column.type
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, DateTime):
        return STAMP
    if isinstance(kind, Date):
        return STAMP.date()
    if isinstance(kind, (Integer, Float)):
        return 0
    if isinstance(kind, Numeric):
        return Decimal(0)
    return "x"


def _columns(table: Table, given: list[str]) -> list:
    """The given columns plus every other NOT NULL one without a server default (the PK excepted)."""
    extra = [c for c in table.columns if c.name not in given and not c.nullable and not c.primary_key
             and c.server_default is None]
    return [table.c[name] for name in given] + extra


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


def _rows(columns: list, given: list[str], values: Iterable[tuple]) -> Iterator[tuple]:
    fillers = tuple(_filler(c) for c in columns[len(given):])
    for v in values:
        yield v + fillers


def _load(bench_db: BenchDb, tables: list[tuple[Table, list[str], Iterable[tuple]]]) -> None:
    if bench_db.backend == "sqlite":
        conn = sqlite3.connect(bench_db.dbapi_target, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("BEGIN")
            for table, given, values in tables:
                cols = _columns(table, given)
                names = ", ".join(f'"{c.name}"' for c in cols)
                marks = ", ".join("?" for _ in cols)
                conn.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})',
                                 (tuple(_sqlite_value(x) for x in row) for row in _rows(cols, given, values)))
            conn.execute("COMMIT")
        finally:
            conn.close()
        return

    with psycopg.connect(bench_db.dbapi_target) as conn:
        for table, given, values in tables:
            cols = _columns(table, given)
            names = ", ".join(f'"{c.name}"' for c in cols)
            with conn.cursor().copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                for row in _rows(cols, given, values):
                    copy.write_row(row)
        conn.commit()


def load(bench_db: BenchDb, shape: Shape) -> None:
    """Products, storage bins and `shape.quants` quants, about 10% of them empty (on_hand 0)."""
    products = ((shape.sku(i), f"Bench product {i}", 100 + i % 900, STAMP) for i in range(shape.products))
    locations = ((shape.bin(i), "storage", False, True, STAMP) for i in range(shape.locations))
    _load(bench_db, [
        (Product.__table__, ["sku", "name", "weight_g", "created_at"], products),
        (Location.__table__, ["code", "type", "virtual", "sellable", "created_at"], locations),
    ])
    first_product, first_location = _first_ids(bench_db, shape)

    def quants():
        for p in range(shape.products):
            for k, loc in enumerate(shape.bins_of(p)):
                on_hand = 0 if (p + k) % 10 == 0 else 1 + (p * 31 + k) % 200
                reserved = min(on_hand, k % 3)
                yield (first_product + p, first_location + loc, "", on_hand, reserved, False, STAMP)

    _load(bench_db, [(Quant.__table__, ["product_id", "location_id", "lot", "on_hand", "reserved", "virtual",
                                        "updated_at"], quants())])


def _first_ids(bench_db: BenchDb, shape: Shape) -> tuple[int, int]:
    """Ids the loaded rows got: they are consecutive, so the first of each is enough."""
    product = text("SELECT id FROM products WHERE sku = :v")
    location = text("SELECT id FROM locations WHERE code = :v")
    engine = create_engine(bench_db.url)
    try:
        with engine.connect() as conn:
            p = conn.execute(product, {"v": shape.sku(0)}).scalar_one()
            l_ = conn.execute(location, {"v": shape.bin(0)}).scalar_one()
            last_p = conn.execute(product, {"v": shape.sku(shape.products - 1)}).scalar_one()
            last_l = conn.execute(location, {"v": shape.bin(shape.locations - 1)}).scalar_one()
    finally:
        engine.dispose()
    if last_p - p != shape.products - 1 or last_l - l_ != shape.locations - 1:
        raise RuntimeError("bulk-loaded ids are not consecutive")
    return p, l_
