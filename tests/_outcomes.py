"""How a dataset that may be broken comes out of `aar.validate`: the one helper of the fuzz tests."""

from __future__ import annotations

from pathlib import Path

import aar


def outcome(root: Path) -> str:
    """ "valid", "invalid" or "unreadable"; any other exception fails the test."""
    try:
        result = aar.validate(root)
    except aar.DatasetError:
        return "unreadable"
    assert all(isinstance(p, aar.Problem) and p.message for p in result.problems)
    return "valid" if result.ok else "invalid"
