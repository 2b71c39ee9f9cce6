"""Disclosure control for published tables: small counts suppressed, totals that would reveal them too.

Primary suppression: a count below the threshold (default 3) but above 0 is withheld, because a
table of 1 or 2 incidents in a small region can point at the people involved. Zero is published.

Secondary suppression: a table with totals lets a reader recover one withheld cell by
subtraction. So along every dimension of the table (each line of cells that share all the other
keys and add up to a published total), a line with exactly one withheld cell gets a second one
withheld: its smallest published cell. This repeats until no line has exactly one.

In a two-way table that is not enough: with row and column totals, a withheld cell is recovered
unless it lies on a cycle of withheld cells alternating between rows and columns (in graph terms:
unless it is not a bridge of the bipartite graph of rows, columns and withheld cells). So for two
dimensions every bridge gets the cheapest rectangle that closes a cycle through it, until none is
left. Tables of three or more dimensions get the line rule only.

>>> t = pl.DataFrame({"category": ["a", "b", "c"], "n": [2, 10, 7]})
>>> suppress(t, "n", ["category"])["n"].to_list()
[None, 10, None]
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from .._errors import UsageError

DEFAULT_THRESHOLD = 3


def suppress(
    frame: pl.DataFrame,
    column: str,
    dimensions: Sequence[str],
    threshold: int = DEFAULT_THRESHOLD,
    forced: str | None = None,
) -> pl.DataFrame:
    """Withhold small counts of `column` (set to null) with the secondary suppression their totals need.

    `dimensions` are the key columns of the table (one row per cell); the flag column
    `<column>_suppressed` says which cells were withheld (primary or secondary). `forced` names a
    boolean column of cells that must be withheld whatever their value (because another published
    table withholds their total); they take part in the secondary suppression like primary cells.
    """
    if column not in frame.columns:
        raise UsageError("column", column, frame.columns)
    for d in dimensions:
        if d not in frame.columns:
            raise UsageError("dimensions", d, frame.columns)
    if threshold < 1:
        raise UsageError("threshold", threshold, "a whole number >= 1")
    if forced is not None and forced not in frame.columns:
        raise UsageError("forced", forced, frame.columns)
    flag = f"{column}_suppressed"
    primary = pl.col(column).is_between(1, threshold - 1).fill_null(False)
    if forced is not None:
        primary = primary | pl.col(forced).fill_null(False)
    # cells numbered in the order of their keys, not of the rows: ties between equal candidates are
    # broken by `_cell`, so the cells withheld depend on the table only (a group_by's row order varies)
    order = [pl.col(d).cast(pl.String) if frame.schema[d] == pl.Categorical else pl.col(d) for d in dimensions]
    work = frame.with_row_index("_row").sort(order).with_row_index("_cell").with_columns(primary.alias(flag))
    keys = list(dimensions)
    changed = True
    while changed:
        changed = False
        for d in keys:
            others = [k for k in keys if k != d]
            line = pl.lit(0) if not others else pl.struct(others)
            lonely = (pl.col(flag).sum().over(line) == 1) & ~pl.col(flag)
            candidates = work.with_columns(
                _line=line.hash() if others else pl.lit(0, pl.UInt64), _lonely=lonely
            ).filter(pl.col("_lonely"))
            if candidates.is_empty():
                continue
            chosen = candidates.sort(column, "_cell").unique("_line", keep="first")["_cell"]
            work = work.with_columns(
                pl.when(pl.col("_cell").is_in(chosen.implode())).then(True).otherwise(pl.col(flag)).alias(flag)
            )
            changed = True
    if len(keys) == 2:
        work = _close_cycles(work, column, flag, keys)
    return (
        work.sort("_row")
        .with_columns(pl.when(pl.col(flag)).then(None).otherwise(pl.col(column)).alias(column))
        .drop("_cell", "_row")
    )


def _bridges(edges: list[tuple[object, object]]) -> list[int]:
    """Indices of the bridge edges of an undirected graph given as (row, column) pairs."""
    adjacency: dict[object, list[tuple[object, int]]] = {}
    for i, (r, c) in enumerate(edges):
        adjacency.setdefault(("r", r), []).append((("c", c), i))
        adjacency.setdefault(("c", c), []).append((("r", r), i))
    order: dict[object, int] = {}
    low: dict[object, int] = {}
    found: list[int] = []
    for root in adjacency:
        if root in order:
            continue
        order[root] = low[root] = len(order)
        stack = [(root, -1, iter(adjacency[root]))]
        while stack:
            node, via, neighbours = stack[-1]
            for nxt, edge in neighbours:
                if edge == via:
                    continue
                if nxt in order:
                    low[node] = min(low[node], order[nxt])
                else:
                    order[nxt] = low[nxt] = len(order)
                    stack.append((nxt, edge, iter(adjacency[nxt])))
                    break
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        found.append(via)
    return found


def _close_cycles(work: pl.DataFrame, column: str, flag: str, keys: list[str]) -> pl.DataFrame:
    """Withhold cells until no withheld cell of a two-way table is a bridge (see the module doc)."""
    row_key, col_key = keys
    value = {
        (r[row_key], r[col_key]): (r[column] if r[column] is not None else 0, r["_cell"])
        for r in work.iter_rows(named=True)
    }
    withheld = {(r[row_key], r[col_key]) for r in work.filter(pl.col(flag)).iter_rows(named=True)}
    rows = sorted({k[0] for k in value}, key=str)
    cols = sorted({k[1] for k in value}, key=str)
    while True:
        edges = sorted(withheld, key=lambda k: value[k][1])
        bridges = _bridges(edges)
        if not bridges:
            break
        r, c = edges[bridges[0]]
        best: tuple[float, list[tuple[object, object]]] | None = None
        for r2 in rows:
            for c2 in cols:
                if r2 == r or c2 == c:
                    continue
                corners = [(r, c2), (r2, c), (r2, c2)]
                if any(k not in value for k in corners):
                    continue
                added = [k for k in corners if k not in withheld]
                cost = sum(value[k][0] for k in added)
                if best is None or cost < best[0]:
                    best = (cost, added)
        if best is None:  # no rectangle fits (a single row or column): nothing more can hide the cell
            break
        withheld.update(best[1])
    cells = [value[k][1] for k in withheld]
    return work.with_columns(pl.col("_cell").is_in(cells).alias(flag))
