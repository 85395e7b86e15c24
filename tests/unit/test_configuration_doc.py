"""docs/configuration.md against Settings: every setting documented with its real default, and no other named."""
import dataclasses
import re

from wms.config import NOT_SETTINGS, Settings, typed_fields, variable
from wms.config_reference import BEGIN, DOC, END, markdown

TEXT = DOC.read_text()


def test_the_reference_is_the_one_made_from_settings_and_default_toml():
    made = TEXT.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert made == markdown().strip(), "run: python -m wms.config_reference --write"


def _paths(cls, prefix=""):
    for name, (_, kind) in typed_fields(cls).items():
        if dataclasses.is_dataclass(kind):
            yield from _paths(kind, f"{prefix}{name}.")
        else:
            yield prefix + name


def test_every_setting_is_in_the_reference_with_its_default():
    defaults = Settings.from_env({})
    for path in _paths(Settings):
        table, _, key = path.rpartition(".")
        value = defaults
        for part in path.split("."):
            value = getattr(value, part)
        shown = f'"{value}"' if isinstance(value, str) else str(value)
        section = TEXT.split(f"### `[{table}]`" if table else "### Settings", 1)[1].split("###", 1)[0]
        rows = [row for row in section.splitlines() if row.startswith(f"| `{key}` |")]
        assert len(rows) == 1 and f"| `{shown}` |" in rows[0], path


def test_the_document_names_no_variable_that_is_not_a_setting():
    known = {variable(name) for name, (_, kind) in typed_fields(Settings).items()
             if not dataclasses.is_dataclass(kind)} | NOT_SETTINGS
    assert set(re.findall(r"\bWMS_[A-Z0-9_]*[A-Z0-9]\b", TEXT)) - known == set()


def test_every_toml_example_is_a_valid_settings_file(tmp_path):
    examples = re.findall(r"```toml\n(.*?)```", TEXT, flags=re.DOTALL)
    assert examples
    for i, example in enumerate(examples):
        path = tmp_path / f"example{i}.toml"
        path.write_text(example)
        Settings.from_env({"WMS_CONFIG": str(path)})  # a key that is not a setting would raise ConfigError


def test_every_table_the_document_names_exists():
    tables = {path.rpartition(".")[0] for path in _paths(Settings)} - {""}
    in_text = set(re.findall(r"`\[([a-z_.]+)\]`", TEXT))
    in_examples = set(re.findall(r"^\[([a-z_.]+)\]$", TEXT, flags=re.MULTILINE))
    assert in_text | in_examples == tables
