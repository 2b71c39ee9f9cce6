"""The examples in docstrings run and give what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "aar._data.vocabulary",
    "aar._data.schema",
    "aar._data.dataset",
    "aar._reporting.formatting",
    "aar._messages",
    "aar._analytics.disclosure",
    "aar._analytics.metrics",
    "aar._analytics.statistics",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
