"""The cache of prepared datasets: a dataset validated once, then loaded without parsing or validation.

A prepared copy (see `save_prepared`: typed Parquet, derived columns, no free text) is kept per
dataset checksum in `prepared_cache(checksum)`, outside any reports folder and any input folder.
`prepare(path)` is what a report or a batch calls: the cached copy when there is a complete one
for the files' digest (`source_key`: their bytes hashed, nothing parsed or validated, no pandera
imported), else the dataset validated and its copy written for next time. An entry is written into a temporary folder beside it and renamed
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

    `cache_root()`, then `prepared/<key>-<code>` (16 and 8 hex digits of the files' digest, see
    `source_key`, and of `code_fingerprint()`). A prepared copy holds no free text (see `save_prepared`), and it
    is never written under `--out`, which may be a folder that is served.
    """
    return cache_root() / "prepared" / f"{checksum[:16]}-{code_fingerprint()[:8]}"


KEY_FILE = "aar-cache-key"
"""In a cache entry: the whole `source_key` of the files it was prepared from."""


def source_key(path: str | Path) -> str | None:
    """A digest of every file a dataset may be read from, hashed without parsing: the cache's key.

    More files than `load` reads, never fewer: a folder's files and those of its subfolders (hidden
    and Office lock files aside, which are never read), or a workbook and the dataset.toml beside
    it. Any change to any of them is another key. None when a file cannot be read.
    """
    root = Path(path)
    try:
        if root.is_file():
            files = [root, *([root.with_name("dataset.toml")] if root.with_name("dataset.toml").is_file() else [])]
            base = root.parent
        else:
            visible = [p for p in root.iterdir() if not p.name.startswith((".", "~$"))]
            inner = [f for d in visible if d.is_dir() for f in d.iterdir() if not f.name.startswith((".", "~$"))]
            files = [f for f in (*visible, *inner) if f.is_file()]
            base = root
        digest = hashlib.sha256(b"aar source key 1")
        for file in sorted(files):
            digest.update(file.relative_to(base).as_posix().encode() + b"\0")
            digest.update(file.read_bytes())
            digest.update(b"\0")
    except OSError:
        return None
    return digest.hexdigest()


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


def _complete(folder: Path, key: str) -> bool:
    """Whether `folder` holds a complete prepared copy, of this version, of the files with this key."""
    try:
        check_prepared(folder)
        return (folder / KEY_FILE).read_text(encoding="utf-8") == key
    except (DatasetError, OSError, ValueError):
        return False


def cached(key: str) -> Dataset | None:
    """The cached prepared copy of the files with this `source_key`; None when there is none, or when
    it cannot be used (written by another version, half written, damaged, of other files)."""
    folder = prepared_cache(key)
    if not _complete(folder, key):
        return None
    try:
        return load_prepared(folder)
    except DatasetError:
        return None


def store(ds: Dataset, key: str) -> Path | None:
    """Write the prepared copy of `ds`, read from the files with this `source_key`, into the cache,
    atomically; its folder, or None when the cache cannot be written (read-only, full disk): callers
    then use the dataset as given."""
    final = prepared_cache(key)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        _clean_staging(final.parent)
        staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.{os.getpid()}.", dir=final.parent))
    except OSError:
        return None
    try:
        save_prepared(ds, staging)
        (staging / KEY_FILE).write_text(key, encoding="utf-8")
        return final if _install(staging, final, key) else None
    except (OSError, pl.exceptions.PolarsError):
        return None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _install(staging: Path, final: Path, key: str) -> bool:
    """Rename the complete copy in `staging` to `final`. An entry already there is kept when it is
    complete (another process wrote the same data first), else moved aside and removed."""
    for _ in range(INSTALL_TRIES):
        try:
            staging.rename(final)
            return True
        except OSError:
            if not exists(final):
                continue  # removed by another process between the two calls: try again
        if _complete(final, key):
            return True
        aside = Path(tempfile.mkdtemp(prefix=f".{final.name}.{os.getpid()}.old.", dir=final.parent))
        with contextlib.suppress(OSError):  # another process may have moved it first
            final.rename(aside / "entry")
        shutil.rmtree(aside, ignore_errors=True)
    return _complete(final, key)


def prepare(path: str | Path) -> Prepared:
    """The dataset at `path` loaded once for reports, with its prepared copy in the cache.

    A folder that is a prepared copy already is used as it is. Otherwise the files are hashed
    (`source_key`, no parsing); a complete cached copy of that key is loaded, and nothing else is
    read; else the dataset is validated (DataValidationError on bad data, as `load`) and its copy
    written to the cache, unless the files changed while they were read.
    """
    root = Path(path)
    if exists(root / PREPARED_MARKER):
        return Prepared(load_prepared(root), root, describe(root), reused=True)
    key = source_key(root)
    ds = cached(key) if key is not None else None
    if ds is not None:
        info = ds.info  # the files are those it was prepared from: the same name, checksum and flag
        about = {"path": str(root), "name": info.name, "checksum": info.checksum, "synthetic": bool(info.synthetic)}
        return Prepared(ds, prepared_cache(str(key)), about, reused=True)
    ds = load(root)  # the files read once: what describes them comes from the loaded dataset
    info = ds.info
    about = {"path": str(root), "name": info.name, "checksum": info.checksum, "synthetic": bool(info.synthetic)}
    unchanged = key is not None and source_key(root) == key  # no file changed while it was validated
    return Prepared(ds, store(ds, str(key)) if unchanged else None, about, reused=False)
