"""Validation: raw cells to typed frames, and every problem of a table found in one pass.

`parse_table` turns a `RawTable` into a frame with the types of the schema, reporting each cell it
cannot read (with file, sheet, row, column, value and what was expected). `check_table` then runs
the table's rules with pandera's polars backend (required values, ranges, end not before start)
and checks its unique key (a hash count, see `duplicated_keys`); the `check_*` functions below
look across tables (windows, phase calendars, dates inside operation windows). No function here
raises on bad data: all return problems, so a user sees them all at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

import polars as pl

from .._errors import Problem, Severity
from .parsing import (
    INT64_MAX,
    blank_to_null,
    no_cells,
    parse_bool,
    parse_date,
    parse_number_in_range,
    parse_text,
    parse_time,
    parse_with,
)
from .reading import PART_ROWS, ROW, RawTable, align_chunks
from .runtime import in_threads
from .schema import Field, Table
from .vocabulary import RegionIndex, Vocabulary

_CODE = re.compile(r"^\d{2}(\.\d{2})?$")
_MAX_PER_COLUMN = 200


@dataclass(frozen=True)
class Context:
    """What cells are matched against: regions, operations and the vocabularies with a dataset's aliases."""

    regions: RegionIndex
    operations: Vocabulary
    vocabularies: Mapping[str, Vocabulary]

    def vocabulary(self, f: Field) -> Vocabulary:
        assert f.vocabulary is not None
        return self.vocabularies.get(f.vocabulary.name, f.vocabulary)


def _cell_problems(
    raw: RawTable,
    f: Field,
    values: pl.Series,
    rows: pl.Series,
    bad: pl.Series,
    message: str,
    expected: Callable[[str], str],
    severity: Severity = "error",
) -> list[Problem]:
    if not bad.any():
        return []
    column = raw.labels.get(f.name, f.name)
    out = []
    bad_values = values.filter(bad).cast(pl.String).to_list()
    bad_rows = rows.filter(bad).to_list()
    for value, row in zip(bad_values[:_MAX_PER_COLUMN], bad_rows[:_MAX_PER_COLUMN], strict=True):
        out.append(
            raw.problem(message, row=row, column=column, value=value, expected=expected(value), severity=severity)
        )
    if len(bad_rows) > _MAX_PER_COLUMN:
        out.append(
            raw.problem(
                f"{len(bad_rows) - _MAX_PER_COLUMN} more cells like these not listed",
                column=column,
                expected=expected(bad_values[-1]),
                severity=severity,
            )
        )
    return out


def _region_lookup(ctx: Context) -> Callable[[str], str | None]:
    return lambda v: ctx.regions.match(v).code


def _region_expected(ctx: Context) -> Callable[[str], str]:
    def expected(value: str) -> str:
        match = ctx.regions.match(value)
        if match.candidates:
            return (
                f"one region, but the name is ambiguous between {ctx.regions.describe(match.candidates)}; give the code"
            )
        near = ctx.regions.closest(value)
        return "a Kemendagri code (18, 18.72) or a region name" + (f"; closest: {', '.join(near)}" if near else "")

    return expected


def _typed_passthrough(f: Field, values: pl.Series) -> tuple[pl.Series, pl.Series, pl.Series] | None:
    """Values already of the right type (Parquet, in-memory frames) pass through; None: parse as text.

    Returns (values, bad, too_large): a float that is not whole in a whole-number column is bad;
    an unsigned or float value beyond the Int64 range (or infinite) is bad and too large.
    """
    dtype = values.dtype
    if dtype in (pl.String, pl.Null) or f.kind in ("vocab", "region", "operation", "text"):
        return None
    fine = no_cells(len(values))
    if (
        (f.kind == "date" and dtype in (pl.Date, pl.Datetime))
        or (f.kind == "time" and dtype == pl.Time)
        or (f.kind == "bool" and dtype == pl.Boolean)
    ):
        return values.cast(f.dtype), fine, fine
    if f.kind == "float" and dtype.is_numeric():
        return values.cast(pl.Float64), fine, fine
    if f.kind == "int" and dtype.is_integer():
        cast = values.cast(pl.Int64, strict=False)  # an unsigned 64-bit value above the Int64 range
        too_large = (values.is_not_null() & cast.is_null()).fill_null(False)
        return cast, too_large, too_large
    if f.kind == "int" and dtype.is_float():
        frame = values.cast(pl.Float64).to_frame("v")
        v = pl.col("v")
        out = frame.select(
            too_large=(v.is_infinite() | (v.is_finite() & (v.abs() >= float(INT64_MAX)))).fill_null(False),
            fraction=(v.is_nan() | (v.is_finite() & (v != v.floor()))).fill_null(False),
        )
        too_large, fraction = out["too_large"], out["fraction"]
        bad = too_large | fraction
        parsed = frame.select(pl.when(~bad).then(v).cast(pl.Int64)).to_series().alias(values.name)
        return parsed, bad, too_large
    return None


def _too_large(f: Field) -> Callable[[str], str]:
    """What a number too large for its column should be: the column type's range, in words."""
    low = "0" if f.minimum == 0 else f"{f.minimum:g}" if f.minimum is not None else f"-{INT64_MAX:,}"
    if f.kind == "int":
        return lambda _: f"a whole number from {low} to {INT64_MAX:,} (the range of a count column, Int64)"
    return lambda _: "a number below 1.8e308 (the range of a Float64 column)"


_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
"""Control characters that no typed text holds (tab, line feed and carriage return are allowed in text)."""
_ID_CONTROL = r"[\x00-\x1f\x7f-\x9f]"
"""Control characters that no id holds: in an id even a tab or a line break is an error."""


_SPACE_OR_CONTROL = [
    chr(c)
    for c in (*range(0x21), *range(0x7F, 0xA1), 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000)
]
"""Every control character and every Unicode space (White_Space, what a strip removes): a column
with none of them anywhere needs no work, and a literal search for them (Aho-Corasick) is about
half the cost of the regular expression that looks at both ends of each cell."""


def is_id(f: Field) -> bool:
    """Whether a text field is an identifier (incident_id, region_code...): a key other tables match on."""
    return f.kind == "text" and f.name.endswith(("_id", "_code"))


def _text_field(raw: RawTable, f: Field, values: pl.Series, rows: pl.Series) -> tuple[pl.Series, list[Problem]]:
    """A text column: spaces stripped; control characters (a NUL byte from a broken export) are an
    error in an id, where a stripped id would silently stop matching, and removed with a warning
    from other text, whose words stay readable without them."""
    pattern = _ID_CONTROL if is_id(f) else _CONTROL
    text = values.cast(pl.String)
    if is_id(f) and not text.str.contains_any(_SPACE_OR_CONTROL).fill_null(False).any():
        return blank_to_null(text), []  # an id with no space and no control character at all
    # one scan finds any cell that needs work (a space at either end, a control character): a clean
    # column, as most are, is kept as it is instead of copied by a strip that changes nothing
    if not text.str.contains(rf"^\s|\s$|{pattern}").fill_null(False).any():
        return blank_to_null(text), []
    parsed, _ = parse_text(text)
    found = parsed.str.contains(pattern).fill_null(False)
    if not found.any():
        return parsed, []
    if is_id(f):
        return parsed, _cell_problems(
            raw,
            f,
            values,
            rows,
            found,
            "control character (such as a NUL byte) in an id",
            lambda _: "an id of printable characters; re-export the file or retype the cell",
        )
    cleaned, _ = parse_text(parsed.str.replace_all(_CONTROL, ""))
    return cleaned, _cell_problems(
        raw,
        f,
        values,
        rows,
        found,
        "control characters (such as a NUL byte) removed from the text",
        lambda _: "text of printable characters",
        severity="warning",
    )


def parse_field(raw: RawTable, f: Field, values: pl.Series, ctx: Context) -> tuple[pl.Series, list[Problem]]:
    """Parse one column; typed input (Parquet, frames) of the right type passes through."""
    rows = raw.frame.get_column(ROW)
    target = f.dtype
    typed = _typed_passthrough(f, values)
    if typed is not None:
        parsed, bad, too_large = typed
        return parsed, [
            *_cell_problems(raw, f, values, rows, bad & ~too_large, "not a whole number", lambda _: "a whole number"),
            *_cell_problems(raw, f, values, rows, too_large, "number too large for its column", _too_large(f)),
        ]
    if f.kind == "vocab":
        vocab = ctx.vocabulary(f)
        parsed, bad = parse_with(values, vocab.match, target)
        return parsed, _cell_problems(raw, f, values, rows, bad, f"unknown {vocab.name}", vocab.expected)
    if f.kind == "region":
        parsed, bad = parse_with(values, _region_lookup(ctx), pl.String)
        return parsed, _cell_problems(raw, f, values, rows, bad, "unknown or ambiguous region", _region_expected(ctx))
    if f.kind == "operation":
        parsed, bad = parse_with(values, ctx.operations.match, pl.String)
        return parsed, _cell_problems(raw, f, values, rows, bad, "unknown operation", ctx.operations.expected)
    values = values.cast(pl.String)
    decimal = raw.decimal or "."
    if f.kind in ("int", "float"):
        parsed, bad, too_large = parse_number_in_range(values, decimal=decimal, integer=f.kind == "int")
        example = "1.234,5" if decimal == "," else "1,234.5"
        word = "a whole number" if f.kind == "int" else f"a number (decimal mark {decimal!r}, e.g. {example})"
        return parsed, [
            *_cell_problems(raw, f, values, rows, bad & ~too_large, "not a number", lambda _: word + '; "-" for zero'),
            *_cell_problems(raw, f, values, rows, too_large, "number too large for its column", _too_large(f)),
        ]
    if f.kind == "date":
        parsed, bad = parse_date(values)
        return parsed, _cell_problems(raw, f, values, rows, bad, "not a date", lambda _: f.allowed)
    if f.kind == "time":
        parsed, bad = parse_time(values)
        return parsed, _cell_problems(raw, f, values, rows, bad, "not a time of day", lambda _: f.allowed)
    if f.kind == "bool":
        parsed, bad = parse_bool(values)
        return parsed, _cell_problems(raw, f, values, rows, bad, "not a yes/no value", lambda _: f.allowed)
    return _text_field(raw, f, values, rows)


def _implausible(raw: RawTable, f: Field, parsed: pl.Series, rows: pl.Series) -> list[Problem]:
    """A warning per cell above the field's plausible maximum (see `Field.plausible`): loaded, but worth a look."""
    if f.plausible is None:
        return []
    high = (parsed > f.plausible).fill_null(False)
    if not high.any():
        return []
    values = raw.frame.get_column(f.name) if f.name in raw.frame.columns else parsed
    unit = f" {f.unit}" if f.unit else ""
    return _cell_problems(
        raw,
        f,
        values,
        rows,
        high,
        "implausibly large value; check the cell",
        lambda _: f"at most {f.plausible:,.0f}{unit} in one row ({f.plausible_why})",
        severity="warning",
    )


def parse_table(raw: RawTable, table: Table, ctx: Context) -> tuple[pl.DataFrame, list[Problem]]:
    """Typed frame of `raw` after `table`'s schema (plus the row number column), and the problems."""
    problems: list[Problem] = [*raw.cell_problems, *(p for part in raw.parts for p in part.cell_problems)]
    columns: list[pl.Series] = []
    height = raw.frame.height
    missing = [f.name for f in table.fields if f.required and f.name not in raw.frame.columns and raw.readable]
    if missing:
        problems.append(
            raw.problem(
                f"missing required column{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
                expected=f"columns {', '.join(f.name for f in table.fields if f.required)} (or their Indonesian headers)",
            )
        )
    present = [f for f in table.fields if f.name in raw.frame.columns]
    # polars runs most single-column operations on one core; columns in threads use them all
    parsed = in_threads([partial(parse_field, raw, f, raw.frame.get_column(f.name), ctx) for f in present], height)
    results = dict(zip((f.name for f in present), parsed, strict=True))
    rows = raw.frame.get_column(ROW)
    for f in table.fields:
        if f.name in results:
            series, more = results[f.name]
            problems += more
            problems += _implausible(raw, f, series, rows)
        else:
            series = pl.repeat(f.default, height, dtype=f.dtype, eager=True)
        columns.append(align_chunks(series.alias(f.name), rows))
    frame = (
        pl.DataFrame([*columns, raw.frame.get_column(ROW)])
        if height
        else pl.DataFrame(
            [pl.Series(f.name, [], dtype=f.dtype) for f in table.fields] + [pl.Series(ROW, [], dtype=pl.Int64)]
        )
    )
    if table.name == "regions":
        bad = ~frame.get_column("region_code").str.contains(_CODE.pattern).fill_null(True)
        problems += _cell_problems(
            raw,
            table.field("region_code"),
            frame.get_column("region_code"),
            frame.get_column(ROW),
            bad,
            "not a Kemendagri code",
            lambda _: 'two digits ("18") or two and two ("18.72")',
        )
    return frame, problems


def _pandera_schema(table: Table, present: set[str]) -> Any:
    import pandera.polars as pa  # imported here: it costs about 0.6 s, and only validation needs it

    columns: dict[str, pa.Column] = {}
    for f in table.fields:
        checks = [pa.Check.ge(f.minimum)] if f.minimum is not None else []
        columns[f.name] = pa.Column(None, checks=checks, nullable=f.nullable or f.name not in present, required=False)
    frame_checks = []
    if {"start_date", "end_date"} <= {f.name for f in table.fields}:
        frame_checks.append(
            pa.Check(
                lambda data: data.lazyframe.select(pl.col("end_date") >= pl.col("start_date")).fill_null(True),
                name="end_not_before_start",
            )
        )
    return pa.DataFrameSchema(columns, checks=frame_checks)


def duplicated_keys(frame: pl.DataFrame, key: tuple[str, ...]) -> pl.Series | None:
    """Mask of the rows whose `key` occurs more than once, or None when every key is unique.

    Sorted ids are compared with their neighbours. Otherwise the key is hashed and the distinct
    hashes counted: about a fifteenth of the cost of an exact duplicate search on five million
    string ids; equal hashes of distinct keys can only make the exact search run, never hide a
    duplicate.
    """
    if not key or frame.height < 2:
        return None
    first = frame.get_column(key[0])
    if len(key) == 1 and first.is_sorted() and not first.slice(1).eq_missing(first.slice(0, frame.height - 1)).any():
        return None  # ids exported in order: neighbours compared
    hashed = first.hash() if len(key) == 1 else frame.select(pl.struct(key).hash()).to_series()
    if hashed.n_unique() == frame.height:
        return None
    mask = frame.select(pl.struct(key).is_duplicated()).to_series()
    return mask if mask.any() else None


def _pandera_failures(frame: pl.DataFrame, table: Table, present: set[str]) -> pl.DataFrame | None:
    """Pandera's failure cases of the table's rules, or None when the frame passes."""
    from pandera.errors import SchemaErrors

    try:
        _pandera_schema(table, present).validate(frame, lazy=True)
    except SchemaErrors as errors:
        return errors.failure_cases  # type: ignore[no-any-return]
    return None


def check_table(frame: pl.DataFrame, raw: RawTable, table: Table, already: set[tuple[int, str]]) -> list[Problem]:
    """Run the table's rules: unique keys here, the rest with pandera; cells already reported are not repeated."""
    problems: list[Problem] = []
    with ThreadPoolExecutor(max_workers=1) as pool:  # the key check runs beside pandera's checks
        keys = pool.submit(duplicated_keys, frame, table.key)
        cases = _pandera_failures(frame, table, set(raw.frame.columns))
        duplicated = keys.result()
    if duplicated is not None:
        column = raw.labels.get(table.key[0], table.key[0])
        for values in frame.filter(duplicated).iter_rows(named=True):
            key = ", ".join(f"{k}={values[k]}" for k in table.key)
            problems.append(
                raw.problem(
                    f"duplicated key ({', '.join(table.key)})",
                    row=values[ROW],
                    column=column,
                    value=key,
                    expected="each key once",
                )
            )
    if cases is None:
        return problems
    rows = frame.get_column(ROW)
    for case in cases.iter_rows(named=True):
        index, column, check = case["index"], case["column"], str(case["check"])
        row = int(rows[index]) if index is not None else None
        if column in (None, table.name) and check == "end_not_before_start":
            values = frame.row(index, named=True)
            problems.append(
                raw.problem(
                    "end date before start date",
                    row=row,
                    column=raw.labels.get("end_date", "end_date"),
                    value=f"{values['start_date']} to {values['end_date']}",
                    expected="end_date on or after start_date",
                )
            )
            continue
        if column is None or column not in {f.name for f in table.fields}:
            problems.append(raw.problem(f"failed check {check}", row=row, value=str(case["failure_case"])))
            continue
        if row is not None and (row, column) in already:
            continue
        f = table.field(column)
        if check == "not_nullable":
            message, expected = "empty cell in a required column", f.allowed
        elif check.startswith("greater_than_or_equal_to"):
            message, expected = "value below the minimum", f">= {f.minimum:g}"
        else:
            message, expected = f"failed check {check}", f.allowed
        problems.append(
            raw.problem(
                message,
                row=row,
                column=raw.labels.get(column, column),
                value=None if case["failure_case"] is None else str(case["failure_case"]),
                expected=expected,
            )
        )
    return problems


def reported_cells(problems: list[Problem], raw: RawTable) -> set[tuple[int, str]]:
    """(row, column name) of cells already reported, so later checks do not repeat them."""
    by_label = {label: name for part in (raw, *raw.parts) for name, label in part.labels.items()}
    offset: dict[tuple[str | None, str | None], int] = {
        (part.path, part.sheet): i * PART_ROWS for i, part in enumerate(raw.parts)
    }
    return {
        (p.row + offset.get((p.path, p.sheet), 0), by_label.get(p.column, p.column))
        for p in problems
        if p.row is not None and p.column is not None
    }


def problems_from_frame(
    bad: pl.DataFrame,
    raw: RawTable,
    message: str,
    column: str,
    value: Callable[[dict[str, Any]], str],
    expected: Callable[[dict[str, Any]], str],
) -> list[Problem]:
    """One problem per row of `bad` (a filtered frame still holding the row number column)."""
    out = []
    for i, record in enumerate(bad.iter_rows(named=True)):
        if i == _MAX_PER_COLUMN:
            out.append(
                raw.problem(
                    f"{bad.height - _MAX_PER_COLUMN} more rows like these not listed",
                    column=raw.labels.get(column, column),
                    expected=expected(record),
                )
            )
            break
        out.append(
            raw.problem(
                message,
                row=record[ROW],
                column=raw.labels.get(column, column),
                value=value(record),
                expected=expected(record),
            )
        )
    return out
