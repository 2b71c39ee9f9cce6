"""Writing a dataset to disk, atomically: a folder of CSV or Parquet files plus `dataset.toml`.

Used by `aar synth`. The folder is written under a temporary name beside its destination and
renamed at the end, so an interrupted run never leaves a half-written dataset under the final name.
Files are written in a fixed order and format, so the same tables give the same bytes.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from .._errors import DatasetError, UsageError

FORMATS = ("csv", "parquet")


def toml_text(config: Mapping[str, object]) -> str:
    """A flat `dataset.toml` (strings, booleans, numbers) in a stable key order."""
    lines = []
    for key, value in config.items():
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (int, float)):
            text = repr(value)
        else:
            text = json.dumps(str(value), ensure_ascii=False)
        lines.append(f"{key} = {text}")
    return "\n".join(lines) + "\n"


def write_dataset(
    tables: Mapping[str, pl.DataFrame],
    config: Mapping[str, object],
    out: str | Path,
    *,
    fmt: str = "csv",
    force: bool = False,
) -> list[Path]:
    """Write `tables` as `<name>.csv` (or `.parquet`) and `config` as `dataset.toml` into `out`.

    Refuses to replace a non-empty folder unless `force`. Returns the paths written.
    """
    if fmt not in FORMATS:
        raise UsageError("format", fmt, FORMATS)
    target = Path(out).expanduser()
    if target.exists() and not target.is_dir():
        raise DatasetError("exists and is not a folder", target)
    if target.exists() and any(target.iterdir()) and not force:
        raise DatasetError("folder is not empty; pass --force to replace it", target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    staging.chmod(0o755)
    try:
        for name in sorted(tables):
            frame = tables[name]
            if fmt == "csv":
                frame.write_csv(staging / f"{name}.csv", date_format="%Y-%m-%d", time_format="%H:%M:%S")
            else:
                frame.write_parquet(staging / f"{name}.parquet", statistics=False)
        (staging / "dataset.toml").write_text(toml_text(config), encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(target.iterdir())
