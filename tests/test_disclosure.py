"""Disclosure control: primary suppression of small counts, secondary suppression along every
dimension so that no withheld cell can be recovered from the published totals."""

from __future__ import annotations

import itertools
from collections import defaultdict
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import aar

SAMPLE = Path(__file__).parents[1] / "data" / "sample"


def withheld(result: pl.DataFrame, column: str = "n") -> list[bool]:
    return result[f"{column}_suppressed"].to_list()


def grid(values: list[list[int]]) -> pl.DataFrame:
    """A table with one row per cell: row, col, n."""
    cells = [(f"r{i}", f"c{j}", v) for i, line in enumerate(values) for j, v in enumerate(line)]
    return pl.DataFrame(cells, schema=["row", "col", "n"], orient="row")


def withheld_cells(result: pl.DataFrame, dimensions: list[str], column: str = "n") -> set[tuple[object, ...]]:
    return set(result.filter(pl.col(f"{column}_suppressed")).select(dimensions).rows())


def lines_with_one_withheld(
    result: pl.DataFrame, dimensions: list[str], column: str = "n"
) -> list[tuple[str, tuple[object, ...]]]:
    """Lines (cells sharing all keys but one) holding exactly one withheld cell."""
    lonely = []
    for d in dimensions:
        others = [k for k in dimensions if k != d]
        per_line = result.group_by(others or pl.lit(0)).agg(k=pl.col(f"{column}_suppressed").sum())
        lonely += [(d, tuple(r[:-1])) for r in per_line.filter(pl.col("k") == 1).rows()]
    return lonely


def recoverable_cells(cells: set[tuple[object, object]]) -> list[tuple[object, object]]:
    """Withheld cells of a two-way table that row and column totals determine.

    A withheld cell is hidden only if some other table with the same published cells and totals
    differs in it: moving an amount around a cycle of withheld cells (row, column, row...) keeps
    every total. So a cell on no such cycle (a bridge of the row-column graph) is recoverable.
    """
    found = []
    for r, c in cells:
        graph: dict[tuple[str, object], set[tuple[str, object]]] = defaultdict(set)
        for rr, cc in cells - {(r, c)}:
            graph[("r", rr)].add(("c", cc))
            graph[("c", cc)].add(("r", rr))
        seen, todo = {("r", r)}, [("r", r)]
        while todo:
            for nxt in graph[todo.pop()] - seen:
                seen.add(nxt)
                todo.append(nxt)
        if ("c", c) not in seen:
            found.append((r, c))
    return sorted(found)  # type: ignore[type-var]


# --- primary suppression --------------------------------------------------------------------


def test_ones_and_twos_are_withheld_zero_and_three_are_not() -> None:
    table = pl.DataFrame({"category": ["a", "b", "c", "d", "e"], "n": [0, 1, 2, 3, 40]})
    result = aar.suppress(table, "n", ["category"])
    assert result["n"].to_list() == [0, None, None, 3, 40]
    assert withheld(result) == [False, True, True, False, False]


def test_the_flag_column_is_named_after_the_column_and_other_columns_are_kept() -> None:
    table = pl.DataFrame({"region": ["18.71", "18.72", "18.01"], "label": ["x", "y", "z"], "incidents": [12, 1, 30]})
    result = aar.suppress(table, "incidents", ["region"])
    assert result.columns == ["region", "label", "incidents", "incidents_suppressed"]
    assert result.schema["incidents_suppressed"] == pl.Boolean
    assert result.rows() == [("18.71", "x", None, True), ("18.72", "y", None, True), ("18.01", "z", 30, False)]
    assert table["incidents"].to_list() == [12, 1, 30]  # the input is untouched


def test_without_small_counts_nothing_is_withheld() -> None:
    table = grid([[0, 3, 7], [5, 0, 9]])
    result = aar.suppress(table, "n", ["row", "col"])
    assert result["n"].to_list() == table["n"].to_list()
    assert not any(withheld(result))


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [
        (1, [4, 5, 12, 6, 9]),  # nothing is below 1 but above 0
        (4, [4, 5, 12, 6, 9]),
        (5, [None, None, 12, 6, 9]),  # the 4, then the smallest other cell (5)
        (6, [None, None, 12, 6, 9]),  # 4 and 5: two withheld already
        (7, [None, None, 12, None, 9]),
        (10, [None, None, 12, None, None]),
        (13, [None, None, None, None, None]),
    ],
)
def test_a_custom_threshold(threshold: int, expected: list[int | None]) -> None:
    table = pl.DataFrame({"category": ["a", "b", "c", "d", "e"], "n": [4, 5, 12, 6, 9]})
    result = aar.suppress(table, "n", ["category"], threshold=threshold)
    assert result["n"].to_list() == expected
    assert withheld(result) == [v is None for v in expected]
    assert aar.suppress(table, "n", ["category"])["n"].to_list() == [4, 5, 12, 6, 9]  # default threshold 3


# --- secondary suppression ------------------------------------------------------------------


def test_one_dimension_a_lonely_withheld_cell_takes_the_smallest_other_cell() -> None:
    assert aar.suppress(pl.DataFrame({"category": ["a", "b", "c"], "n": [2, 10, 7]}), "n", ["category"])[
        "n"
    ].to_list() == [None, 10, None]
    result = aar.suppress(pl.DataFrame({"category": ["a", "b", "c", "d"], "n": [9, 1, 6, 5]}), "n", ["category"])
    assert result["n"].to_list() == [9, None, 6, None]
    assert withheld(result) == [False, True, False, True]


def test_two_dimensions_rows_and_columns_by_hand() -> None:
    #       c0  c1  c2
    # r0     2  10   8      the 2 is withheld; its column's smallest other cell (7) follows,
    # r1     9   6  12      then in rows r0 and r2 the smallest other cells (8 and 5):
    # r2     7  11   5      four withheld cells, two in every row and column that has any
    table = grid([[2, 10, 8], [9, 6, 12], [7, 11, 5]])
    result = aar.suppress(table, "n", ["row", "col"])
    assert withheld_cells(result, ["row", "col"]) == {("r0", "c0"), ("r2", "c0"), ("r0", "c2"), ("r2", "c2")}
    assert result.filter(~pl.col("n_suppressed"))["n"].to_list() == [10, 9, 6, 12, 11]
    assert lines_with_one_withheld(result, ["row", "col"]) == []
    assert recoverable_cells(withheld_cells(result, ["row", "col"])) == []  # type: ignore[arg-type]


def test_two_dimensions_no_withheld_cell_is_recovered_from_row_and_column_totals() -> None:
    #       c0  c1  c2  c3
    # r0     1   2   5   6     every row and column has 0 or at least 2 withheld cells, but with
    # r1     2   1   1   7     row and column totals the 1 at (r1, c2) is recovered:
    # r2     8   9   2   1     (r1 withheld) - (c0 withheld + c1 withheld - r0 withheld)
    # r3     6   5   1   2     = 4 - (3 + 3 - 3) = 1
    table = grid([[1, 2, 5, 6], [2, 1, 1, 7], [8, 9, 2, 1], [6, 5, 1, 2]])
    result = aar.suppress(table, "n", ["row", "col"])
    cells = withheld_cells(result, ["row", "col"])
    assert lines_with_one_withheld(result, ["row", "col"]) == []
    assert recoverable_cells(cells) == []  # type: ignore[arg-type]


def test_three_dimensions_every_line_along_every_dimension() -> None:
    keys = list(itertools.product(["o1", "o2"], ["p1", "p2"], ["k1", "k2"]))
    values = [1, 9, 8, 7, 6, 5, 4, 3]
    table = pl.DataFrame(
        [(*k, v) for k, v in zip(keys, values, strict=True)], schema=["op", "phase", "cat", "n"], orient="row"
    )
    result = aar.suppress(table, "n", ["op", "phase", "cat"])
    assert lines_with_one_withheld(result, ["op", "phase", "cat"]) == []
    assert withheld_cells(result, ["op", "phase", "cat"]) == {
        ("o1", "p1", "k1"), ("o1", "p1", "k2"), ("o1", "p2", "k1"), ("o1", "p2", "k2"),
        ("o2", "p1", "k1"), ("o2", "p1", "k2"), ("o2", "p2", "k1"), ("o2", "p2", "k2"),
    }  # fmt: skip


# --- properties -----------------------------------------------------------------------------


def check_suppressed(table: pl.DataFrame, result: pl.DataFrame, dimensions: list[str], threshold: int) -> None:
    assert result.columns == [*table.columns, "n_suppressed"]
    assert result.select(dimensions).rows() == table.select(dimensions).rows()
    for before, after, flag in zip(table["n"], result["n"], result["n_suppressed"], strict=True):
        assert after == (None if flag else before)
        if 0 < before < threshold:
            assert flag
    if not any(0 < v < threshold for v in table["n"]):
        assert not any(result["n_suppressed"])
    # a withheld cell cannot be recovered from a published total: no line holds exactly one
    assert lines_with_one_withheld(result, dimensions) == []


values = st.integers(0, 9)


@settings(max_examples=40, deadline=None)
@given(line=st.lists(values, min_size=2, max_size=8), threshold=st.integers(1, 5))
def test_property_one_dimension(line: list[int], threshold: int) -> None:
    table = pl.DataFrame({"category": [f"k{i}" for i in range(len(line))], "n": line})
    check_suppressed(table, aar.suppress(table, "n", ["category"], threshold), ["category"], threshold)


@settings(max_examples=60, deadline=None)
@given(
    cells=st.tuples(st.integers(2, 5), st.integers(2, 5)).flatmap(
        lambda s: st.lists(st.lists(values, min_size=s[1], max_size=s[1]), min_size=s[0], max_size=s[0])
    ),
    threshold=st.integers(1, 5),
)
def test_property_two_dimensions(cells: list[list[int]], threshold: int) -> None:
    table = grid(cells)
    result = aar.suppress(table, "n", ["row", "col"], threshold)
    check_suppressed(table, result, ["row", "col"], threshold)
    for name in ("row", "col"):  # no row and no column has exactly one withheld cell
        per_line = result.group_by(name).agg(pl.col("n_suppressed").sum())["n_suppressed"].to_list()
        assert 1 not in per_line


@settings(max_examples=40, deadline=None)
@given(
    cells=st.lists(st.lists(values, min_size=4, max_size=4), min_size=3, max_size=3),
    threshold=st.integers(2, 5),
    seed=st.randoms(use_true_random=False),
)
def test_the_cells_withheld_do_not_depend_on_the_order_of_the_rows(
    cells: list[list[int]], threshold: int, seed: object
) -> None:
    """A group_by's rows come in no fixed order: the same table in another order withholds the same cells."""
    table = grid(cells)
    shuffled = table.sample(fraction=1.0, shuffle=True, seed=seed.randrange(2**32))  # type: ignore[attr-defined]

    def withheld(frame: pl.DataFrame) -> list[tuple[object, object]]:
        result = aar.suppress(frame, "n", ["row", "col"], threshold)
        return sorted(result.filter(pl.col("n_suppressed")).select("row", "col").iter_rows())

    assert withheld(shuffled) == withheld(table)
    assert aar.suppress(shuffled, "n", ["row", "col"], threshold)["row"].to_list() == shuffled["row"].to_list()


@settings(max_examples=25, deadline=None)
@given(cube=st.lists(values, min_size=12, max_size=12), threshold=st.integers(2, 4))
def test_property_three_dimensions(cube: list[int], threshold: int) -> None:
    keys = list(itertools.product(["a", "b"], ["p", "q", "r"], ["x", "y"]))
    table = pl.DataFrame(
        [(*k, v) for k, v in zip(keys, cube, strict=True)], schema=["op", "phase", "cat", "n"], orient="row"
    )
    check_suppressed(
        table, aar.suppress(table, "n", ["op", "phase", "cat"], threshold), ["op", "phase", "cat"], threshold
    )


def test_a_table_of_the_sample() -> None:
    ds = aar.load(SAMPLE)
    table = aar.rates(ds, ["region", "category"], "19", level="regency").select("region", "category", n="incidents")
    result = aar.suppress(table, "n", ["region", "category"])
    check_suppressed(table, result, ["region", "category"], 3)
    assert result["n_suppressed"].sum() >= table.filter(pl.col("n").is_between(1, 2)).height > 0


# --- bad arguments --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "argument", "received", "allowed"),
    [
        ({"column": "m", "dimensions": ["category"]}, "column", "m", "category, n"),
        ({"column": "n", "dimensions": ["region"]}, "dimensions", "region", "category, n"),
        ({"column": "n", "dimensions": ["category"], "threshold": 0}, "threshold", 0, "a whole number >= 1"),
    ],
)
def test_bad_arguments_are_usage_errors(
    arguments: dict[str, object], argument: str, received: object, allowed: str
) -> None:
    table = pl.DataFrame({"category": ["a", "b"], "n": [1, 5]})
    with pytest.raises(aar.UsageError) as caught:
        aar.suppress(table, **arguments)  # type: ignore[arg-type]
    assert (caught.value.argument, caught.value.received, caught.value.allowed) == (argument, received, allowed)
    assert str(caught.value) == f"{argument}: got {received!r}; allowed: {allowed}"
