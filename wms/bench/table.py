"""One row of `wms bench` and the table they are printed in.

Sections return `Row` objects or dicts `{"what", "ours", "naive", "unit", "target"}` (optionally
`"notes"`, `"skipped"`); both print alike.

The ratio column says how many times better ours is than the naive way: ours/naive for rates
(units ending in "/s"), naive/ours for times (ms, s). Above 1 means ours is better.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

_TIME_UNITS = ("ms", "s", "us", "µs", "ns", "min")
# A target given as text that still names a plain bound, such as "< 10" or ">= 1,000".
_SIMPLE_TARGET = re.compile(r"^(<=|>=|<|>)\s*([\d,]+(?:\.\d+)?)$")
HEADERS = ("what", "ours", "naive (baseline)", "ratio", "target", "unit/notes")


@dataclass
class Row:
    what: str
    ours: float | None = None
    naive: float | None = None
    unit: str = ""
    # A number is read as ">= n" for rates and "< n" for times; a string is printed as given.
    target: float | str | None = None
    notes: str = ""
    skipped: str | None = None  # the reason, when the figure could not be measured
    higher_is_better: bool | None = None  # None: inferred from the unit
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def better_up(self) -> bool:
        if self.higher_is_better is not None:
            return self.higher_is_better
        unit = self.unit.strip().split(" ")[0].lower()
        if unit in _TIME_UNITS or unit.startswith("ms"):
            return False
        if "/s" in unit or unit.endswith(("per s", "/sec")):
            return True
        if unit in ("%", "m", "metres", "meters"):  # lower is better for distances; % is ambiguous
            return unit == "%"
        return True

    @property
    def ratio(self) -> float | None:
        if not _num(self.ours) or not _num(self.naive) or self.ours == 0 or self.naive == 0:
            return None
        return self.ours / self.naive if self.better_up else self.naive / self.ours

    def meets_target(self) -> bool | None:
        if not _num(self.ours):
            return None
        if isinstance(self.target, str):
            match = _SIMPLE_TARGET.match(self.target.strip())
            if not match:
                return None
            op, bound = match.group(1), float(match.group(2).replace(",", ""))
            return {"<": self.ours < bound, "<=": self.ours <= bound, ">": self.ours > bound,
                    ">=": self.ours >= bound}[op]
        if not _num(self.target):
            return None
        return self.ours >= self.target if self.better_up else self.ours < self.target

    def target_text(self) -> str:
        if self.target is None:
            return "-"
        if isinstance(self.target, str):
            met = self.meets_target()
            return self.target if met is None else f"{self.target} {'ok' if met else 'MISSED'}"
        text = (">= " if self.better_up else "< ") + f"{self.target:,g}"
        met = self.meets_target()
        return text if met is None else f"{text} {'ok' if met else 'MISSED'}"


def _num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def fmt_number(value: Any) -> str:
    if value is None:
        return "-"
    if not _num(value):
        return str(value)
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    if magnitude == 0:
        return "0"
    return f"{value:.3g}"


_ROW_FIELDS = {"what", "ours", "naive", "unit", "target", "notes", "skipped", "higher_is_better"}


def as_row(item: Row | dict) -> Row:
    """Accept a Row or the dict shape sections may return."""
    if isinstance(item, Row):
        return item
    if not isinstance(item, dict) or "what" not in item:
        raise TypeError(f"a benchmark row must be a Row or a dict with 'what', not {item!r}")
    known = {k: v for k, v in item.items() if k in _ROW_FIELDS}
    extra = {k: v for k, v in item.items() if k not in _ROW_FIELDS}
    row = Row(**known, extra=extra)
    if extra and not row.notes:
        row.notes = ", ".join(f"{k}={fmt_number(v)}" for k, v in extra.items())
    return row


def skipped(what: str, reason: str, unit: str = "", target: float | str | None = None) -> Row:
    return Row(what=what, unit=unit, target=target, skipped=reason)


def cells(row: Row) -> tuple[str, ...]:
    if row.skipped:
        return (row.what, f"skipped: {row.skipped}", "", "", row.target_text(), row.unit)
    ratio = row.ratio
    unit_notes = row.unit + (f"; {row.notes}" if row.notes else "")
    return (row.what, fmt_number(row.ours), fmt_number(row.naive),
            "-" if ratio is None else f"{ratio:.2f}x", row.target_text(), unit_notes)


def render(rows: Iterable[Row | dict], *, title: str | None = None) -> str:
    """The rows as one aligned text table; skipped rows keep their place with the reason."""
    body = [cells(as_row(r)) for r in rows]
    widths = [max([len(h)] + [len(line[i]) for line in body]) for i, h in enumerate(HEADERS)]
    # The last column (notes) is left unpadded so long notes do not widen every line.
    def line(values):
        parts = [v.ljust(w) if i in (0, len(values) - 1) else v.rjust(w)
                 for i, (v, w) in enumerate(zip(values, widths))]
        return " | ".join(parts).rstrip()

    rule = "-+-".join("-" * w for w in widths)
    out = []
    if title:
        out.append(title)
    out += [line(HEADERS), rule, *(line(b) for b in body)]
    out.append("ratio: how many times better ours is than naive (rates: ours/naive; times: naive/ours)")
    return "\n".join(out)
