"""The cache of prepared datasets: validated once, loaded again without parsing or validation.

A prepared copy (see `save_prepared`: typed Parquet, derived columns, no free text) is kept per
dataset checksum in `prepared_cache(checksum)`, outside any reports folder and any input folder.
"""

from __future__ import annotations

import os
from pathlib import Path


def prepared_cache(checksum: str) -> Path:
    """Where the prepared copy of a dataset is kept: outside any reports folder.

    `$AAR_CACHE_DIR`, else `$XDG_CACHE_HOME/aar`, else `~/.cache/aar`, then `prepared/<checksum>`.
    A prepared copy holds no free text (see `save_prepared`), and it is never written under `--out`,
    which may be a folder that is served.
    """
    root = os.environ.get("AAR_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "aar"
    )
    return Path(root) / "prepared" / checksum[:16]
