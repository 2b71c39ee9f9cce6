"""Shared fixtures: paths of the hand-made datasets and a helper that writes small datasets."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

DATA = Path(__file__).parent / "data"

# Machines here are noisy: no per-example deadline. In CI the examples are derandomised, so a run
# is reproducible and main cannot turn red by chance; locally they vary, to keep finding cases.
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(autouse=True, scope="session")
def _cache_of_the_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Prepared datasets of the whole run go to a temporary cache, never to the user's ~/.cache/aar
    (tests that are about the cache set their own; subprocesses inherit this one)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AAR_CACHE_DIR", str(tmp_path_factory.mktemp("aar-cache")))
        yield


@pytest.fixture
def lampung() -> Path:
    """A small hand-made dataset: semicolon CSV with BOM, title rows, Indonesian dates and aliases."""
    return DATA / "lampung"


@pytest.fixture
def write_dataset(tmp_path: Path) -> Callable[..., Path]:
    """Write files {name: text} into a fresh folder and return it."""

    def write(files: dict[str, str | bytes], folder: str = "ds") -> Path:
        root = tmp_path / folder
        root.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            target = root / name
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        return root

    return write
