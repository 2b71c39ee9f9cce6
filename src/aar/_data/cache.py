"""The cache of prepared datasets: a dataset validated once, then loaded without parsing or validation.

A prepared copy (see `save_prepared`: typed Parquet, derived columns, no free text) is kept per
dataset checksum in `prepared_cache(checksum)`, outside any reports folder and any input folder.
`prepare(path)` is what a report or a batch calls: the cached copy when there is a complete one
for the data's checksum (nothing validated, no pandera imported), else the dataset validated and
its copy written for next time. An entry is written into a temporary folder beside it and renamed
into place, so a reader never sees half of one, and two processes preparing the same data at once
leave one complete entry. A cache that cannot be written is no error: the report then loads the
dataset itself, as it would without a cache.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from .._errors import DatasetError
from .dataset import PREPARED_MARKER, Dataset, check_prepared, describe, load, load_prepared, save_prepared
from .reading import exists

INSTALL_TRIES = 3
"""Renames tried when an entry appears or is replaced by another process at the same moment."""


def cache_root() -> Path:
    """`$AAR_CACHE_DIR`, else `$XDG_CACHE_HOME/aar`, else `~/.cache/aar`."""
    return Path(
        os.environ.get("AAR_CACHE_DIR")
        or os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "aar")
    )


@functools.cache
def code_fingerprint() -> str:
    """A digest of what shapes a prepared copy besides the data: the package version, the loading
    code (`aar._data`) and the shipped reference tables (`refdata/`). A copy written by other code,
    even of the same version number (a development install), is then another entry, never reused."""
    from .._version import __version__

    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).parents[1]
    for path in sorted([*Path(__file__).parent.glob("*.py"), *(package / "refdata").rglob("*")]):
        if path.is_file():
            digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def prepared_cache(checksum: str) -> Path:
    """Where the prepared copy of a dataset is kept: outside any reports folder.

    `cache_root()`, then `prepared/<checksum>-<code>` (16 and 8 hex digits of the data's checksum
    and of `code_fingerprint()`). A prepared copy holds no free text (see `save_prepared`), and it
    is never written under `--out`, which may be a folder that is served.
    """
    return cache_root() / "prepared" / f"{checksum[:16]}-{code_fingerprint()[:8]}"


def _owner_gone(staging: Path) -> bool:
    """Whether the process that made a staging folder `.<entry>.<pid>.<random>` is no longer running."""
    parts = staging.name.split(".")
    if len(parts) < 4 or not parts[2].isdigit():
        return False
    try:
        os.kill(int(parts[2]), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def _clean_staging(folder: Path) -> None:
    """Remove staging folders in the cache left by processes that were killed before they finished."""
    with contextlib.suppress(OSError):
        for path in folder.iterdir():
            if path.name.startswith(".") and path.is_dir() and not path.is_symlink() and _owner_gone(path):
                shutil.rmtree(path, ignore_errors=True)


@dataclass(frozen=True)
class Prepared:
    """A dataset ready for reports: loaded, and where its prepared copy is (None: no copy could be written)."""

    dataset: Dataset
    folder: Path | None
    about: dict[str, Any]
    """`describe()` of the dataset as given: its path, name, checksum and synthetic flag."""
    reused: bool
    """True when the copy was already there (nothing was validated)."""


def _complete(folder: Path, checksum: str) -> bool:
    """Whether `folder` holds a complete prepared copy of the data with this checksum, of this version."""
    try:
        return check_prepared(folder)["info"].get("checksum") == checksum
    except DatasetError:
        return False


def cached(checksum: str) -> Dataset | None:
    """The cached prepared copy of the data with this checksum; None when there is none, or when it
    cannot be used (written by another version, half written, damaged, of other data)."""
    folder = prepared_cache(checksum)
    if not _complete(folder, checksum):
        return None
    try:
        return load_prepared(folder)
    except DatasetError:
        return None


def store(ds: Dataset, checksum: str) -> Path | None:
    """Write the prepared copy of `ds` into the cache, atomically; its folder, or None when the cache
    cannot be written (read-only, full disk): callers then use the dataset as given."""
    final = prepared_cache(checksum)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        _clean_staging(final.parent)
        staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.{os.getpid()}.", dir=final.parent))
    except OSError:
        return None
    try:
        save_prepared(ds, staging)
        return final if _install(staging, final, checksum) else None
    except (OSError, pl.exceptions.PolarsError):
        return None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _install(staging: Path, final: Path, checksum: str) -> bool:
    """Rename the complete copy in `staging` to `final`. An entry already there is kept when it is
    complete (another process wrote the same data first), else moved aside and removed."""
    for _ in range(INSTALL_TRIES):
        try:
            staging.rename(final)
            return True
        except OSError:
            if not exists(final):
                continue  # removed by another process between the two calls: try again
        if _complete(final, checksum):
            return True
        aside = Path(tempfile.mkdtemp(prefix=f".{final.name}.{os.getpid()}.old.", dir=final.parent))
        with contextlib.suppress(OSError):  # another process may have moved it first
            final.rename(aside / "entry")
        shutil.rmtree(aside, ignore_errors=True)
    return _complete(final, checksum)


def prepare(path: str | Path) -> Prepared:
    """The dataset at `path` loaded once for reports, with its prepared copy in the cache.

    A folder that is a prepared copy already is used as it is. Otherwise the checksum of the files
    is computed (no parsing); a complete cached copy of that checksum is loaded; else the dataset
    is validated (DataValidationError on bad data, as `load`) and its copy written to the cache.
    """
    root = Path(path)
    if exists(root / PREPARED_MARKER):
        return Prepared(load_prepared(root), root, describe(root), reused=True)
    about = describe(root)
    checksum = str(about["checksum"])
    ds = cached(checksum)
    if ds is not None:
        return Prepared(ds, prepared_cache(checksum), about, reused=True)
    ds = load(root)
    return Prepared(ds, store(ds, ds.info.checksum or checksum), about, reused=False)
