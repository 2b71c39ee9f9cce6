"""dataset.toml is checked against its schema: unknown keys and wrong types are problems, all at once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import aar

HEADER = "incident_id,occurred_on,region_code,category\nA1,27/11/2024,18.72,unras\n"
WriteDataset = Callable[..., Path]


def _problems(write_dataset: WriteDataset, toml: str) -> list[aar.Problem]:
    result = aar.validate(write_dataset({"incidents.csv": HEADER, "dataset.toml": toml}))
    return [p for p in result.problems if p.severity == "error"]


def test_a_typo_of_a_key_is_an_error_naming_the_closest_key(write_dataset: WriteDataset) -> None:
    [p] = _problems(write_dataset, "synthetc = true\n")
    assert "unknown key 'synthetc'; did you mean 'synthetic'?" in str(p)
    assert Path(p.path or "").name == "dataset.toml"


@pytest.mark.parametrize(
    ("toml", "key", "expected"),
    [
        ('synthetic = "false"\n', "synthetic", "true or false, without quotes"),
        ("decimal = 3\n", "decimal", '"," or "."'),
        ('decimal = ";"\n', "decimal", '"," or "."'),
        ('aliases = "x"\n', "aliases", "[aliases.category]"),
        ('[aliases.colour]\n"x" = "y"\n', "aliases", "[aliases.category]"),
        ('[aliases.category]\n"ricuh" = 3\n', "aliases", "[aliases.category]"),
        ('guard_patterns = "2-4-6"\n', "guard_patterns", "[[guard_patterns]]"),
        ("guard_patterns = [1, 2]\n", "guard_patterns", "[[guard_patterns]]"),
        ('seed = "seven"\n', "seed", "a whole number"),
        ("name = 3\n", "name", "text"),
    ],
)
def test_a_value_of_the_wrong_type_names_its_key_and_what_is_expected(
    write_dataset: WriteDataset, toml: str, key: str, expected: str
) -> None:
    [p] = _problems(write_dataset, toml)
    assert f"key {key!r} has the wrong type or shape" in p.message
    assert expected in (p.expected or "")


def test_every_problem_of_the_file_at_once_and_never_a_traceback(write_dataset: WriteDataset) -> None:
    problems = _problems(write_dataset, 'synthetc = true\ndecimal = 3\nsynthetic = "yes"\n')
    assert len(problems) == 3
    with pytest.raises(aar.DataValidationError, match="3 problems"):
        aar.load(
            write_dataset(
                {"incidents.csv": HEADER, "dataset.toml": 'synthetc = true\ndecimal = 3\nsynthetic = "yes"\n'}, "again"
            )
        )


def test_a_right_dataset_toml_loads(write_dataset: WriteDataset) -> None:
    toml = (
        'name = "Polres Metro"\nsynthetic = false\ndecimal = ","\n[aliases.category]\n"ricuh pilkada" = "kerusuhan"\n'
    )
    ds = aar.load(write_dataset({"incidents.csv": HEADER, "dataset.toml": toml}))
    assert ds.info.name == "Polres Metro" and ds.synthetic is False
