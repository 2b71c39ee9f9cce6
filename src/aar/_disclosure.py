"""Disclosure control for published tables: small counts suppressed, totals that would reveal them too.

Primary suppression: a count below the threshold (default 3) but above 0 is withheld, because a
table of 1 or 2 incidents in a small region can point at the people involved. Zero is published.

Secondary suppression: a table with totals lets a reader recover one withheld cell by
subtraction. So along every dimension of the table (each line of cells that share all the other
keys and add up to a published total), a line with exactly one withheld cell gets a second one
withheld: its smallest published cell. This repeats until no line has exactly one.

>>> t = pl.DataFrame({"category": ["a", "b", "c"], "n": [2, 10, 7]})
>>> suppress(t, "n", ["category"])["n"].to_list()
[None, 10, None]
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from ._errors import UsageError

DEFAULT_THRESHOLD = 3


def suppress(frame: pl.DataFrame, column: str, dimensions: Sequence[str], threshold: int = DEFAULT_THRESHOLD) -> pl.DataFrame:
    """Withhold small counts of `column` (set to null) with the secondary suppression their totals need.

    `dimensions` are the key columns of the table (one row per cell); the flag column
    `<column>_suppressed` says which cells were withheld (primary or secondary).
    """
    if column not in frame.columns:
        raise UsageError("column", column, frame.columns)
    for d in dimensions:
        if d not in frame.columns:
            raise UsageError("dimensions", d, frame.columns)
    if threshold < 1:
        raise UsageError("threshold", threshold, "a whole number >= 1")
    flag = f"{column}_suppressed"
    work = frame.with_row_index("_cell").with_columns(
        pl.col(column).is_between(1, threshold - 1).fill_null(False).alias(flag)
    )
    keys = list(dimensions)
    changed = True
    while changed:
        changed = False
        for d in keys:
            others = [k for k in keys if k != d]
            line = pl.lit(0) if not others else pl.struct(others)
            lonely = (pl.col(flag).sum().over(line) == 1) & ~pl.col(flag)
            candidates = work.with_columns(_line=line.hash() if others else pl.lit(0, pl.UInt64), _lonely=lonely).filter(pl.col("_lonely"))
            if candidates.is_empty():
                continue
            chosen = candidates.sort(column, "_cell").unique("_line", keep="first")["_cell"]
            work = work.with_columns(pl.when(pl.col("_cell").is_in(chosen.implode())).then(True).otherwise(pl.col(flag)).alias(flag))
            changed = True
    return work.with_columns(pl.when(pl.col(flag)).then(None).otherwise(pl.col(column)).alias(column)).drop("_cell")
