"""The data dictionary in docs/ is generated from the schema and must not go stale."""

from __future__ import annotations

from pathlib import Path

import aar

DOC = Path(__file__).parents[1] / "docs" / "data-dictionary.md"


def test_data_dictionary_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == aar.data_dictionary(), "run `make docs`"


def test_data_dictionary_lists_every_column_of_every_table() -> None:
    text = aar.data_dictionary()
    for table in (*aar.TABLES.values(), aar.SITREP):
        assert f"## {table.name}" in text
        for field in table.fields:
            assert f"| {field.name} |" in text
