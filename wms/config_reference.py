"""The settings reference of docs/configuration.md, made from `Settings` and config/default.toml.

    python -m wms.config_reference           # print the reference
    python -m wms.config_reference --write   # replace the reference in docs/configuration.md

Types and meanings come from the fields of wms/config.py, defaults from config/default.toml, so the
document cannot drift from either; tests/unit/test_configuration_doc.py checks it has not.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from wms.config import Settings, typed_fields, variable

DOC = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"
BEGIN = "<!-- reference: made by `python -m wms.config_reference --write`; edit wms/config.py or default.toml -->"
END = "<!-- end of reference -->"

_TYPES = {bool: "on/off", int: "integer", float: "number", Decimal: "decimal", str: "text"}


def markdown(defaults: Settings | None = None) -> str:
    """The reference: one table of top-level settings, then one per TOML table."""
    defaults = Settings.from_env({}) if defaults is None else defaults
    lines = ["### Settings", "",
             "| Key | Environment variable | Type | Default | Meaning |", "|---|---|---|---|---|"]
    lines += [f"| `{f.name}` | `{variable(f.name)}` | {_type(kind, f)} | {_default(getattr(defaults, f.name))} | "
              f"{_cell(f.metadata['doc'])} |" for f, kind in _scalars(Settings)]
    for f, kind in _tables(Settings):
        lines += _table(f.name, f, kind, getattr(defaults, f.name))
    return "\n".join(lines) + "\n"


def _table(path: str, table: dataclasses.Field, cls: type, defaults: Any) -> list[str]:
    lines = ["", f"### `[{path}]`", "", _cell(table.metadata["doc"]) + " Set in the `WMS_CONFIG` file only.", "",
             "| Key | Type | Default | Meaning |", "|---|---|---|---|"]
    lines += [f"| `{f.name}` | {_type(kind, f)} | {_default(getattr(defaults, f.name))} | "
              f"{_cell(f.metadata['doc'])} |" for f, kind in _scalars(cls)]
    for f, kind in _tables(cls):
        lines += _table(f"{path}.{f.name}", f, kind, getattr(defaults, f.name))
    return lines


def _scalars(cls: type) -> list[tuple[dataclasses.Field, Any]]:
    return [(f, kind) for f, kind in typed_fields(cls).values() if not dataclasses.is_dataclass(kind)]


def _tables(cls: type) -> list[tuple[dataclasses.Field, Any]]:
    return [(f, kind) for f, kind in typed_fields(cls).values() if dataclasses.is_dataclass(kind)]


def _type(kind: Any, f: dataclasses.Field) -> str:
    if get_origin(kind) is Literal:
        text = "one of " + ", ".join(f"`{choice}`" for choice in get_args(kind))
    else:
        text = _TYPES[kind]
    if f.metadata["minimum"] is not None:
        text += f", at least {f.metadata['minimum']}"
    if not f.repr:
        text += ", secret"
    return text


def _default(value: Any) -> str:
    if isinstance(value, str):
        return f'`"{value}"`'
    if isinstance(value, bool):
        return "`on`" if value else "`off`"
    return f"`{value}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def write(doc: Path = DOC) -> None:
    text = doc.read_text()
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    doc.write_text(f"{head}{BEGIN}\n\n{markdown()}\n{END}{tail}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m wms.config_reference", description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"replace the reference in {DOC.name}")
    if parser.parse_args(argv).write:
        write()
    else:
        sys.stdout.write(markdown())


if __name__ == "__main__":
    main()
