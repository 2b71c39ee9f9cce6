"""The dataset model: `load` a dataset from disk (or `Dataset.from_frames` in memory) into an
immutable `Dataset` of typed polars frames with the derived columns of the data model.

Steps, each a pure function but the first: read the files (`aar._data.reading`); parse every cell after
the schema and check each table (`aar._data.validation`); merge the dataset's tables with the shipped
reference (a dataset row overrides the reference row with the same key, new rows extend it; a
dataset's phase rows for an operation and province replace the reference's); check across tables;
derive each incident's operation, phase and relative day and each deployment's personnel-days
(`aar._data.derive`). Problems are collected from every step and reported together.

National rows (region "Indonesia", "Nasional", 00; or any row of a file without a region column
when `dataset.toml` says `national = true`) get the operations' own windows cut to the days they
span, are reconciled with the regional rows of their days (`reconcile_incidents`: nothing counted
twice, a warning where the regions exceed the nation), and bring the national electorate with them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

import polars as pl

from .._errors import DatasetError, DataValidationError, Problem
from .derive import (
    NEAREST,
    assign_operations,
    attribution_rules,
    credited_days,
    deployment_days,
    expand_sitrep,
    national_span,
    overlap_days,
    phase_calendar,
    place_incidents,
    province_windows,
    reconcile_deployments,
    reconcile_incidents,
    region_level,
)
from .parsing import parse_with
from .reading import PART_ROWS, ROW, RawTable, Source, align_chunks, exists, read_source, recognise
from .reference import Reference, national_electorate, operation_vocabulary, reference, region_index
from .runtime import collector_paused
from .schema import CATEGORY, SITREP, TABLES, Table
from .validation import Context, check_table, parse_field, parse_table, problems_from_frame, reported_cells
from .vocabulary import NATIONAL_CODE

T = TypeVar("T")

_OVERRIDE_KEYS = {
    "operations": ("operation_id",),
    "operation_windows": ("operation_id", "province_code"),
    "regions": ("region_code",),
    "guard_patterns": ("operation_id", "region_code", "vulnerability"),
}


@dataclass(frozen=True)
class DatasetInfo:
    """What a dataset says about itself (dataset.toml) and where it came from."""

    name: str
    description: str = ""
    synthetic: bool = False
    licence: str = ""
    path: str | None = None
    checksum: str | None = None
    sources: Mapping[str, str] = field(default_factory=dict)
    """Table -> where the dataset gave it ("incidents.csv", "data.xlsx, sheet 'deployments'")."""
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Validation:
    """The outcome of validating a dataset: every problem, and the dataset when there is no error."""

    problems: tuple[Problem, ...]
    dataset: Dataset | None

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Dataset:
    """A loaded dataset: typed tables, the derived calendar, and what the dataset says of itself.

    Immutable: the tables are polars frames (whose methods return new frames) held in a read-only
    mapping; `with_tables` returns a new Dataset.

    Tables: operations, operation_windows, phases, regions, electorate, deployments, incidents,
    guard_patterns, improvement_plan (each a frame, empty when the dataset has none), plus
    `windows` (each operation's window in each province, with the province's `attribution` rule and
    `overlap_days`: how days in two operations' windows are credited, see `attribution_rules`) and
    `calendar` (its phases there).
    """

    info: DatasetInfo
    tables: Mapping[str, pl.DataFrame]
    warnings: tuple[Problem, ...] = ()
    _memo: dict[Hashable, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", MappingProxyType(dict(self.tables)))

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()` once per dataset and `key`: the tables never change, so neither do values
        derived from them (count cubes, covered provinces) that several metrics ask for.

        >>> ds = Dataset(DatasetInfo("x"), {})
        >>> ds.memo("answer", lambda: 42), ds.memo("answer", lambda: 0)
        (42, 42)
        """
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]  # type: ignore[no-any-return]

    def memoised(self, key: Hashable) -> bool:
        """Whether `memo` already holds a value for `key`."""
        return key in self._memo

    def __getattr__(self, name: str) -> pl.DataFrame:
        tables = object.__getattribute__(self, "tables")
        if name in tables:
            return tables[name]
        raise AttributeError(f"Dataset has no table or attribute {name!r}; tables: {', '.join(tables)}")

    def __iter__(self) -> Iterator[str]:
        return iter(self.tables)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{k}={v.height}" for k, v in self.tables.items())
        return f"Dataset({self.info.name!r}{', synthetic' if self.info.synthetic else ''}: {sizes})"

    @property
    def synthetic(self) -> bool:
        return self.info.synthetic

    def with_tables(self, **tables: pl.DataFrame) -> Dataset:
        """A new Dataset with some tables replaced (no re-validation: for derived, filtered views)."""
        return Dataset(self.info, {**self.tables, **tables}, self.warnings)

    @classmethod
    def from_frames(
        cls,
        name: str = "in-memory",
        *,
        synthetic: bool = False,
        config: Mapping[str, Any] | None = None,
        **frames: pl.DataFrame,
    ) -> Dataset:
        """Build a dataset from frames in memory, through the same parsing and validation as `load`.

        >>> ds = Dataset.from_frames(incidents=pl.DataFrame({"incident_id": ["1"], "occurred_on": ["27/11/2024"],
        ...     "region_code": ["Kota Metro"], "category": ["demo"]}))
        >>> ds.incidents.select("operation_id", "phase", "relative_day").row(0)
        ('OMP-2024', 'voting', 0)
        """
        tables = {}
        for table_name, frame in frames.items():
            if table_name not in TABLES and table_name != SITREP.name:
                raise DataValidationError(
                    [Problem(f"unknown table {table_name!r}", expected=", ".join([*TABLES, SITREP.name]))]
                )
            schema = SITREP if table_name == SITREP.name else TABLES[table_name]
            renamed = _rename_to_schema(frame, schema)
            tables[table_name] = RawTable(
                table_name,
                renamed.with_columns(pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias(ROW)),
                f"<{table_name}>",
                None,
                None,
                {c: c for c in renamed.columns},
            )
        cfg = {"name": name, "synthetic": synthetic, **(config or {})}
        source = Source(Path("."), cfg, tables, ())
        result = _build(source, checksum=lambda: None)
        if not result.ok:
            raise DataValidationError(result.problems)
        assert result.dataset is not None
        return result.dataset


def crime_types(category: pl.Series) -> pl.Series:
    """The Polri crime type each raw category cell names ("Curanmor" -> curanmor), else null.

    A register's own types count under the taxonomy's category (curanmor under kejahatan_lain);
    this keeps which type it was, as the `subcategory` column.
    """
    field = TABLES["incidents"].field("subcategory")
    assert field.vocabulary is not None
    if isinstance(category.dtype, pl.Enum):  # typed input (aar's Parquet): look up its categories only
        types = [field.vocabulary.match(c) for c in category.dtype.categories]
        if not any(types):
            none = pl.repeat(None, len(category), dtype=field.dtype, eager=True).alias("subcategory")
            return align_chunks(none, category)
        physical = category.to_physical()
        known = [(i, t) for i, t in enumerate(types) if t]
        mapped = physical.replace_strict([i for i, _ in known], [t for _, t in known], default=None)
        return align_chunks(mapped.cast(pl.String).cast(field.dtype).alias("subcategory"), category)
    parsed, _ = parse_with(category.cast(pl.String), field.vocabulary.match, field.dtype)
    return align_chunks(parsed.alias("subcategory"), category)


def _rename_to_schema(frame: pl.DataFrame, table: Table) -> pl.DataFrame:
    mapping = {c: recognise(table, c) for c in frame.columns}
    return frame.select([pl.col(c).alias(n) for c, n in mapping.items() if n is not None])


def _cell_text(column: str) -> Callable[[dict[str, Any]], str]:
    """A function giving the text of `column` in a row dict, for problem messages."""
    return lambda record: str(record[column])


def _merge(name: str, shipped: pl.DataFrame, own: pl.DataFrame | None) -> pl.DataFrame:
    """Reference rows overridden (by key) or extended by the dataset's rows."""
    if own is None or own.is_empty():
        return shipped
    own = own.select(shipped.columns)
    if name == "phases":
        replaced = own.select("operation_id", "province_code").unique()
        kept = shipped.join(replaced, on=["operation_id", "province_code"], how="anti", nulls_equal=True)
        return pl.concat([kept, own])
    kept = shipped.join(own.select(_OVERRIDE_KEYS[name]), on=list(_OVERRIDE_KEYS[name]), how="anti", nulls_equal=True)
    return pl.concat([kept, own], how="vertical_relaxed")


def _config_aliases(config: Mapping[str, Any], kind: str) -> dict[str, str]:
    aliases = config.get("aliases", {}).get(kind, {})
    return {str(k): str(v) for k, v in aliases.items()} if isinstance(aliases, dict) else {}


def _check_windows(windows: pl.DataFrame, operations: pl.DataFrame) -> list[Problem]:
    problems = []
    for r in windows.filter(pl.col("province_code").str.len_chars() != 2).iter_rows(named=True):
        problems.append(
            Problem(
                "an operation window belongs to a province (a Polda)",
                table="operation_windows",
                column="province_code",
                value=r["province_code"],
                expected="a two-digit province code",
            )
        )
    for r in operations.filter(~pl.col("voting_date").is_between("start_date", "end_date")).iter_rows(named=True):
        problems.append(
            Problem(
                f"voting day of {r['operation_id']} lies outside its window",
                table="operations",
                column="voting_date",
                value=str(r["voting_date"]),
                expected=f"between {r['start_date']} and {r['end_date']}",
            )
        )
    return problems


def _check_phases(phases: pl.DataFrame, windows: pl.DataFrame, raw: RawTable | None) -> list[Problem]:
    """Phases of each operation (and province) must tile the window: no overlap, no gap."""
    problems: list[Problem] = []
    ordered = phases.sort("operation_id", "province_code", "start_date", nulls_last=False)
    for (op, prov), group in ordered.group_by(["operation_id", "province_code"], maintain_order=True):
        previous = None
        for r in group.iter_rows(named=True):
            where: dict[str, Any] = {
                "row": r.get(ROW),
                "column": raw.labels.get("start_date", "start_date") if raw else "start_date",
                "path": raw.path if raw and r.get(ROW) else None,
                "sheet": raw.sheet if raw else None,
                "table": "phases",
            }
            scope = str(op) + (f" in province {prov}" if prov else "")
            if previous is not None:
                gap = (r["start_date"] - previous["end_date"]).days
                if gap <= 0:
                    problems.append(
                        Problem(
                            f"phase {r['phase']} of {scope} overlaps phase {previous['phase']}",
                            value=f"{r['start_date']}",
                            expected=f"a start after {previous['end_date']}",
                            **where,
                        )
                    )
                elif gap > 1:
                    problems.append(
                        Problem(
                            f"gap between phases {previous['phase']} and {r['phase']} of {scope}",
                            value=f"{r['start_date']}",
                            expected=f"{previous['end_date'] + dt.timedelta(days=1)} (the day after {previous['phase']} ends)",
                            **where,
                        )
                    )
            previous = r
        bounds = windows.filter(pl.col("operation_id") == op)
        if prov:
            bounds = bounds.filter(pl.col("province_code") == prov)
        if bounds.height and previous is not None:
            first_start: dt.date = group["start_date"].min()  # type: ignore[assignment]
            last_end: dt.date = group["end_date"].max()  # type: ignore[assignment]
            w_start: dt.date = bounds["start_date"].min()  # type: ignore[assignment]
            w_end: dt.date = bounds["end_date"].max()  # type: ignore[assignment]
            if first_start > w_start or last_end < w_end:
                problems.append(
                    Problem(
                        f"phases of {scope} do not cover its window",
                        table="phases",
                        path=raw.path if raw else None,
                        value=f"{first_start} to {last_end}",
                        expected=f"phases from {w_start} to {w_end}",
                    )
                )
    return problems


def _describe_windows(windows: pl.DataFrame) -> dict[str, str]:
    text: dict[str, list[str]] = {}
    for r in windows.iter_rows(named=True):
        text.setdefault(r["province_code"], []).append(f"{r['operation_id']} {r['start_date']} to {r['end_date']}")
    return {k: "; ".join(v) for k, v in text.items()}


_ORIGINS = pl.Enum(["incidents", "deployments", SITREP.name])


def _origin(table: str) -> pl.Expr:
    """The `_from` column: which input table a row came from (an Enum: a few bytes a row, not a string)."""
    return pl.lit(table, dtype=_ORIGINS)


def _combine_sitrep(
    parsed: Mapping[str, pl.DataFrame | None], raws: Mapping[str, RawTable], windows: pl.DataFrame, root: Path
) -> tuple[pl.DataFrame | None, pl.DataFrame | None, list[Problem]]:
    """Incidents and deployments, with the situation report's rows added; `_from` names the source table."""
    problems: list[Problem] = []
    incidents = parsed["incidents"]
    deployments = parsed["deployments"]
    if incidents is not None:
        incidents = incidents.with_columns(_from=_origin("incidents"))
    if deployments is not None:
        deployments = deployments.with_columns(_from=_origin("deployments"))
    sitrep = parsed[SITREP.name]
    if sitrep is not None:
        placed = assign_operations(sitrep, windows)
        problems += _outside_windows(placed.with_columns(_from=_origin(SITREP.name)), windows, raws)
        sr_incidents, sr_deployments = expand_sitrep(
            placed.filter(pl.col("window_ok")).drop("window_ok", "province_code")
        )
        sr_incidents = sr_incidents.with_columns(_from=_origin(SITREP.name))
        incidents = sr_incidents if incidents is None else pl.concat([incidents, sr_incidents], how="diagonal_relaxed")
        if deployments is None:
            deployments = sr_deployments.with_columns(_from=_origin(SITREP.name))
        elif sr_deployments.height:
            problems.append(
                raws[SITREP.name].problem(
                    "personnel of the situation report are ignored because a deployments table is given",
                    column="personnel",
                    severity="warning",
                )
            )
    if incidents is None:
        problems.append(
            Problem(
                "the dataset has no incidents",
                path=str(root),
                expected="an incidents table (incidents.csv, a sheet 'incidents') or a situation report (sitrep)",
            )
        )
    return incidents, deployments, problems


def _outside_windows(placed: pl.DataFrame, windows: pl.DataFrame, raws: Mapping[str, RawTable]) -> list[Problem]:
    """Incidents whose date lies outside every window of their province (or of the operation they name)."""
    described = _describe_windows(windows)
    outside = placed.filter(
        ~pl.col("window_ok") & pl.col("occurred_on").is_not_null() & pl.col("region_code").is_not_null()
    )
    problems: list[Problem] = []
    for origin, group in outside.group_by("_from"):
        problems += problems_from_frame(
            group,
            raws[str(origin[0])],
            "date outside the operation windows of its province",
            "occurred_on",
            lambda r: str(r["occurred_on"]),
            lambda r: (
                f"a date inside {r['operation_id'] + ' in ' if r['operation_id'] else ''}province {r['province_code']}: {described.get(r['province_code'], 'no window')}"
            ),
        )
    return problems


def _uncredited(
    placed: pl.DataFrame, windows: pl.DataFrame, attribution: pl.DataFrame, raws: Mapping[str, RawTable]
) -> list[Problem]:
    """A warning per province and operation for incidents that name an operation on overlap days
    the province's rule credits to the other operation only (some incidents there name none)."""
    keys = ["operation_id", "province_code", "occurred_on"]
    # only the overlap days of "nearest voting day" provinces can lose a day: look at their rows only
    nearest = attribution.filter(pl.col("rule") == NEAREST).select("province_code")
    candidates = overlap_days(windows).join(nearest, on="province_code")
    if candidates.is_empty():
        return []
    days = (
        placed.filter(pl.col("window_ok") & pl.col("occurred_on").is_in(candidates.get_column("occurred_on").implode()))
        .join(candidates, on=["province_code", "occurred_on"], how="semi")
        .select(*keys, "_from")
        .unique(keys, keep="first", maintain_order=True)
    )
    kept = credited_days(days.select(keys), windows, attribution)
    lost = days.join(kept, on=keys, how="anti")
    problems: list[Problem] = []
    for (op, province), group in lost.group_by("operation_id", "province_code", maintain_order=True):
        origin = str(group["_from"][0])
        problems.append(
            raws[origin].problem(
                f"incidents name {op} on {group.height} day(s) of province {province} where the windows of two "
                "operations overlap, but other incidents there do not name their operation, so those days are "
                "credited to the operation with the nearer voting day only",
                column="operation_id",
                value=op,
                expected="an operation_id on every incident of the province's overlap days (both operations are "
                "then credited with them), or on none",
                severity="warning",
            )
        )
    return problems


def _deployment_operations(
    deployments: pl.DataFrame, windows: pl.DataFrame, raws: Mapping[str, RawTable]
) -> tuple[pl.DataFrame, list[Problem]]:
    """Operation of each deployment that names none, from its start date and province (as for incidents)."""
    if deployments.get_column("operation_id").null_count() == 0:
        return deployments, []
    placed = assign_operations(deployments.with_columns(occurred_on=pl.col("start_date")), windows)
    problems: list[Problem] = []
    described = _describe_windows(windows)
    for origin, group in placed.filter(~pl.col("window_ok") & pl.col("start_date").is_not_null()).group_by("_from"):
        problems += problems_from_frame(
            group,
            raws[str(origin[0])],
            "start date outside the operation windows of its province",
            "start_date",
            lambda r: str(r["start_date"]),
            lambda r: (
                f"a date inside an operation window of province {r['province_code']}: {described.get(r['province_code'], 'no window')}"
            ),
        )
    return placed.drop("occurred_on", "province_code", "window_ok"), problems


def _deployments_outside(
    deployments: pl.DataFrame, windows: pl.DataFrame, raws: Mapping[str, RawTable]
) -> list[Problem]:
    """Deployments that start before or end after their operation's window in their province."""
    bounds = windows.select(
        "operation_id", "province_code", pl.col("start_date").alias("w_start"), pl.col("end_date").alias("w_end")
    )
    checked = deployments.with_columns(province_code=pl.col("region_code").str.slice(0, 2)).join(
        bounds, on=["operation_id", "province_code"], how="left"
    )
    bad = checked.filter((pl.col("start_date") < pl.col("w_start")) | (pl.col("end_date") > pl.col("w_end")))
    problems: list[Problem] = []
    for origin, group in bad.group_by("_from"):
        problems += problems_from_frame(
            group,
            raws[str(origin[0])],
            "deployment outside its operation's window",
            "start_date",
            lambda r: f"{r['start_date']} to {r['end_date']}",
            lambda r: (
                f"dates within {r['operation_id']} in province {r['province_code']}: {r['w_start']} to {r['w_end']}"
            ),
        )
    return problems


def _check_electorate(electorate: pl.DataFrame, raw: RawTable) -> list[Problem]:
    """TPS by vulnerability class must add up to the TPS, when all four classes are given."""
    classes = ["tps_kurang_rawan", "tps_rawan", "tps_sangat_rawan", "tps_khusus"]
    if not all(c in raw.frame.columns for c in classes):
        return []
    bad = electorate.filter(pl.sum_horizontal(classes) != pl.col("tps"))
    return problems_from_frame(
        bad,
        raw,
        "TPS by vulnerability class do not add up to the TPS",
        "tps",
        lambda r: f"tps={r['tps']}, classes sum to {sum(r[c] or 0 for c in classes)}",
        lambda r: "tps = kurang_rawan + rawan + sangat_rawan + khusus",
    )


_NATIONAL_TABLES = ("incidents", SITREP.name, "deployments", "electorate")
"""Tables whose rows are national when `dataset.toml` says `national = true` and they have no region column."""

_NATIONAL_REGION = pl.DataFrame(
    {"region_code": [NATIONAL_CODE], "name": ["Indonesia"], "kind": ["nasional"], "parent_code": [None]},
    schema_overrides={"parent_code": pl.String},
).with_columns(polda=pl.lit(None, pl.String), polres=pl.lit(None, pl.String))
"""The row of the whole country in a dataset's regions, added when the dataset has national rows."""


def _national_region(raw: RawTable) -> RawTable:
    """`raw` with region "00" (the whole country) in the rows of every file without a region column.

    `dataset.toml` says `national = true`: a national bulletin needs no region column. A table read
    from several files keeps the regions of the files that have the column.
    """
    files = raw.parts or (raw,)
    without = [i for i, part in enumerate(files) if "region_code" not in part.frame.columns]
    if not without:
        return raw
    frame = raw.frame
    if "region_code" not in frame.columns:
        frame = frame.with_columns(region_code=pl.lit(None, pl.String))
    in_file = (pl.col(ROW) // PART_ROWS).is_in(without) if raw.parts else pl.lit(True)
    frame = frame.with_columns(
        region_code=pl.when(in_file).then(pl.lit(NATIONAL_CODE)).otherwise(pl.col("region_code").cast(pl.String))
    )
    return replace(raw, frame=frame, labels={**raw.labels, "region_code": raw.labels.get("region_code", "region_code")})


def _national_days(incidents: pl.DataFrame | None, deployments: pl.DataFrame | None) -> pl.DataFrame:
    """operation_id, occurred_on: the days of the national incident rows of each operation; for an
    operation without any, the first and last day of its national deployments (`national_span`)."""
    national = pl.col("region_code") == NATIONAL_CODE
    days = pl.DataFrame(schema={"operation_id": pl.String, "occurred_on": pl.Date})
    if incidents is not None:
        days = pl.concat(
            [days, incidents.filter(national).select(pl.col("operation_id").cast(pl.String), "occurred_on")]
        )
    if deployments is not None:
        own = deployments.filter(national).select(pl.col("operation_id").cast(pl.String), "start_date", "end_date")
        own = own.join(days.select("operation_id").unique(), on="operation_id", how="anti")
        ends = [own.select("operation_id", occurred_on=pl.col(c)) for c in ("start_date", "end_date")]
        days = pl.concat([days, *ends])
    return days.drop_nulls()


def _has_national(parsed: Mapping[str, pl.DataFrame | None]) -> bool:
    """Whether any incident, situation-report, deployment or electorate row is national (region 00)."""
    return any(
        frame is not None and "region_code" in frame.columns and (frame["region_code"] == NATIONAL_CODE).any()
        for name, frame in parsed.items()
        if name in _NATIONAL_TABLES
    )


def _with_national_electorate(electorate: pl.DataFrame | None, operations: pl.Series) -> pl.DataFrame | None:
    """The dataset's electorate plus the shipped national voters and TPS (`national_electorate`) of each
    of `operations` (those with national rows) the dataset gives no national electorate row for:
    national rates then use the country's figures, and an operation without national rows keeps
    the sum of its regions'."""
    shipped = national_electorate().filter(pl.col("operation_id").is_in(operations.implode()))
    if electorate is not None:
        own = electorate.filter(pl.col("region_code") == NATIONAL_CODE).select("operation_id")
        shipped = shipped.join(own, on="operation_id", how="anti")
    if shipped.is_empty():
        return electorate
    rows = shipped.select(
        "operation_id",
        "region_code",
        "voters",
        "tps",
        source=pl.format("{} ({}, aar refdata/SOURCES.md)", "basis", "source_id"),
    )
    if electorate is None:
        return rows.cast({"operation_id": TABLES["electorate"].field("operation_id").dtype}, strict=False)
    return pl.concat([electorate, rows.cast({c: electorate.schema[c] for c in rows.columns})], how="diagonal_relaxed")


_EXCESS_LIMIT = 50
"""Warnings listed one by one when regional rows exceed a national row; the rest are counted in one more."""


def _excess_warnings(excess: pl.DataFrame, raws: Mapping[str, RawTable], table: str) -> list[Problem]:
    """A warning per day and category where the regional rows exceed the national row (`reconcile_incidents`)."""
    if excess.is_empty():
        return []
    path = next((raws[n].path for n in (SITREP.name, table) if n in raws), None)
    problems = [
        Problem(
            f"on {r['occurred_on']} ({r['operation_id']}) the regional rows count {r['regional']:,.0f} {r['what']}, "
            f"more than the national row's {r['national']:,.0f}: the regional rows stand, the national row adds none",
            path=path,
            table=table,
            column="region_code",
            value=f"{r['occurred_on']}: {r['what']} national {r['national']:,.0f}, regional {r['regional']:,.0f}",
            expected="regional rows of a day that add up to at most the national row",
            severity="warning",
        )
        for r in excess.head(_EXCESS_LIMIT).iter_rows(named=True)
    ]
    if excess.height > _EXCESS_LIMIT:
        problems.append(
            Problem(
                f"{excess.height - _EXCESS_LIMIT} more day(s) and categories where the regional rows exceed the national row",
                path=path,
                table=table,
                severity="warning",
            )
        )
    return problems


def _build(source: Source, checksum: Callable[[], str | None]) -> Validation:
    """Parse, check, merge and derive; `checksum` is called last (it may still be running in a thread).

    Each table's own rules (`check_table`) run on a second thread, beside the rest of the build;
    their problems take the place in the list they would have had.
    """
    with ThreadPoolExecutor(max_workers=1) as checks:
        return _build_with(source, checksum, checks)


def _build_with(source: Source, checksum: Callable[[], str | None], checks: ThreadPoolExecutor) -> Validation:
    problems: list[Problem] = list(source.problems)
    pending: list[tuple[int, Future[list[Problem]]]] = []
    config = source.config
    ref: Reference = reference()
    raws = dict(source.tables)
    if "guard_patterns" in config:
        rows = config["guard_patterns"]
        frame = (
            pl.DataFrame([{k: None if v is None else str(v) for k, v in r.items()} for r in rows])
            if rows
            else pl.DataFrame()
        )
        toml_raw = RawTable(
            "guard_patterns",
            frame.with_columns(pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias(ROW)),
            str(source.path / "dataset.toml"),
            "guard_patterns",
            ".",
            {c: c for c in frame.columns},
        )
        raws["guard_patterns"] = (
            toml_raw
            if "guard_patterns" not in raws
            else RawTable(
                "guard_patterns",
                pl.concat([raws["guard_patterns"].frame, toml_raw.frame], how="diagonal_relaxed"),
                raws["guard_patterns"].path,
            )
        )

    if config.get("national"):
        for name in _NATIONAL_TABLES:
            if name in raws:
                raws[name] = _national_region(raws[name])

    def parse(name: str, ctx: Context) -> pl.DataFrame | None:
        raw = raws.get(name)
        if raw is None:
            return None
        table = SITREP if name == SITREP.name else TABLES[name]
        frame, found = parse_table(raw, table, ctx)
        if name == "incidents" and "category" in raw.frame.columns:  # a given subcategory wins
            types = crime_types(raw.frame.get_column("category"))
            frame = frame.with_columns(
                pl.coalesce("subcategory", types) if "subcategory" in raw.frame.columns else types
            )
        if name == SITREP.name:
            counts = [c for c in raw.frame.columns if c.startswith("count:")]
            for c in counts:
                count_field = replace(
                    TABLES["incidents"].field("killed"), name=c, description=f"Incidents of {c.removeprefix('count:')}"
                )
                series, more = parse_field(raw, count_field, raw.frame.get_column(c), ctx)
                frame = frame.with_columns(series.alias(c))
                found += more
                negative = (series < 0).fill_null(False)
                found += problems_from_frame(
                    frame.filter(negative), raw, "negative count", c, _cell_text(c), lambda _: "a whole number >= 0"
                )
            if not counts:
                found.append(
                    raw.problem(
                        "no category column found",
                        expected=f"columns named after categories, e.g. {', '.join(CATEGORY.codes[:4])}, unras, laka",
                    )
                )
        problems.extend(found)
        pending.append((len(problems), checks.submit(check_table, frame, raw, table, reported_cells(found, raw))))
        return frame

    base_ctx = Context(region_index(ref.regions), operation_vocabulary(ref.operations, ref.operation_windows), {})
    own_regions = parse("regions", base_ctx)
    regions = _merge("regions", ref.regions, own_regions.drop(ROW) if own_regions is not None else None)
    region_aliases = _config_aliases(config, "region")
    index = base_ctx.regions if own_regions is None else region_index(regions)  # built once when it is the reference
    for alias, target in region_aliases.items():
        if index.match(target).code is None:
            problems.append(
                Problem(
                    f"region alias {alias!r} points at an unknown region",
                    path=str(source.path / "dataset.toml"),
                    value=target,
                    expected="a region code or an unambiguous name",
                )
            )
    resolved = {alias: index.match(target).code for alias, target in region_aliases.items()}
    if any(code is not None for code in resolved.values()):
        index = region_index(regions, {alias: code for alias, code in resolved.items() if code is not None})
    own_operations = parse("operations", Context(index, operation_vocabulary(ref.operations), {}))
    operations = _merge("operations", ref.operations, own_operations.drop(ROW) if own_operations is not None else None)
    pre_ctx = Context(index, operation_vocabulary(operations), {})
    own_windows = parse("operation_windows", pre_ctx)
    windows_table = _merge(
        "operation_windows", ref.operation_windows, own_windows.drop(ROW) if own_windows is not None else None
    )
    category_aliases = _config_aliases(config, "category")
    for alias, code in category_aliases.items():
        if code not in CATEGORY.labels:
            problems.append(
                Problem(
                    f"category alias {alias!r} points at an unknown code",
                    path=str(source.path / "dataset.toml"),
                    value=code,
                    expected=CATEGORY.expected(code),
                )
            )
    ctx = Context(
        index,
        operation_vocabulary(operations, windows_table, _config_aliases(config, "operation")),
        {"category": CATEGORY.extended({a: c for a, c in category_aliases.items() if c in CATEGORY.labels})},
    )
    parsed = {
        name: parse(name, ctx)
        for name in (
            "phases",
            "electorate",
            "deployments",
            "incidents",
            "guard_patterns",
            "improvement_plan",
            SITREP.name,
        )
    }

    provinces = regions.filter(pl.col("kind") == "provinsi").get_column("region_code")
    national = _has_national(parsed)
    if national:  # the whole country has the operations' own windows and national phases
        provinces = pl.concat([provinces, pl.Series([NATIONAL_CODE])])
    problems += _check_windows(windows_table, operations)
    windows = province_windows(operations, windows_table, provinces)
    own_phases = parsed["phases"]
    phases = _merge("phases", ref.phases, own_phases.drop(ROW) if own_phases is not None else None)
    if own_phases is not None:
        problems += _check_phases(own_phases, windows, raws["phases"])
    calendar = phase_calendar(phases, windows)

    as_given = [
        t.select("occurred_on", "region_code", "operation_id")
        for t in (parsed["incidents"], parsed[SITREP.name])
        if t is not None and "operation_id" in t.columns
    ]
    attribution = attribution_rules(pl.concat(as_given) if as_given else None, windows)
    incidents, deployments, more = _combine_sitrep(parsed, raws, windows, source.path)
    problems += more
    if incidents is not None:
        placed = place_incidents(incidents, windows, calendar, operations, regions.get_column("region_code"))
        problems += _outside_windows(placed, windows, raws)
        problems += _uncredited(placed, windows, attribution, raws)
        incidents = placed.drop("window_ok")
    if deployments is not None:
        deployments, more = _deployment_operations(deployments, windows, raws)
        problems += more
        deployments = deployment_days(deployments)
        problems += _deployments_outside(deployments, windows, raws)
    if national:  # the nation's days are those its rows span; its rows are what regional rows leave over
        windows = national_span(windows, _national_days(incidents, deployments))
        calendar = phase_calendar(phases, windows)
        attribution = attribution_rules(pl.concat(as_given) if as_given else None, windows)
        if incidents is not None:
            incidents, excess = reconcile_incidents(incidents)
            problems += _excess_warnings(excess, raws, "incidents")
        if deployments is not None:
            deployments, excess = reconcile_deployments(deployments)
            problems += _excess_warnings(excess, raws, "deployments")
    if parsed["electorate"] is not None:
        problems += _check_electorate(parsed["electorate"], raws["electorate"])
    electorate = parsed["electorate"]
    if national:
        with_rows = _national_days(incidents, deployments).get_column("operation_id").unique()
        electorate = _with_national_electorate(electorate, with_rows)

    for at, checked in reversed(pending):
        problems[at:at] = checked.result()
    result_problems = tuple(
        sorted(problems, key=lambda p: (p.severity != "error", p.path or "", p.sheet or "", p.row or 0))
    )
    if any(p.severity == "error" for p in problems):
        return Validation(result_problems, None)

    def final(name: str, frame: pl.DataFrame | None) -> pl.DataFrame:
        table = TABLES[name]
        if frame is None:
            return pl.DataFrame(schema=table.polars_schema)
        frame = frame.drop(ROW, "_from", strict=False)
        if name == "regions":
            if national:
                frame = pl.concat([frame, _NATIONAL_REGION.select(frame.columns).cast(frame.schema)])
            frame = frame.with_columns(level=region_level(pl.col("region_code")))
        if name in ("incidents", "electorate"):  # a situation report has no clearance, the national
            schema = table.polars_schema  # electorate no TPS by class: unknown, not absent
            frame = frame.with_columns(
                pl.lit(None, schema[c]).alias(c) for c in schema.names() if c not in frame.columns
            )
        return frame.select([c for c in table.polars_schema.names() if c in frame.columns])

    guard = _merge(
        "guard_patterns",
        ref.guard_patterns,
        parsed["guard_patterns"].drop(ROW) if parsed["guard_patterns"] is not None else None,
    )
    tables = {
        "operations": final("operations", operations),
        "operation_windows": final("operation_windows", windows_table),
        "phases": final("phases", phases),
        "regions": final("regions", regions),
        "electorate": final("electorate", electorate),
        "deployments": final("deployments", deployments),
        "incidents": final("incidents", incidents),
        "guard_patterns": final("guard_patterns", guard),
        "improvement_plan": final("improvement_plan", parsed["improvement_plan"]),
        "windows": windows.join(
            attribution.rename({"rule": "attribution"}), on="province_code", how="left", maintain_order="left"
        ),
        "calendar": calendar,
    }
    info = DatasetInfo(
        name=str(config.get("name") or source.path.name or "dataset"),
        description=str(config.get("description", "")),
        synthetic=bool(config.get("synthetic", False)),
        licence=str(config.get("licence", config.get("license", ""))),
        path=str(source.path) if source.files else None,
        checksum=checksum(),
        sources={
            name: Path(raw.path).name + (f", sheet {raw.sheet!r}" if raw.sheet else "") for name, raw in raws.items()
        },
        extra={
            k: v
            for k, v in config.items()
            if k not in {"name", "description", "synthetic", "licence", "license", "aliases", "guard_patterns"}
        },
    )
    return Validation(result_problems, Dataset(info, tables, tuple(p for p in problems if p.severity == "warning")))


def validate(path: str | Path) -> Validation:
    """Read and check a dataset; never raises on bad data, returns every problem found.

    Raises DatasetError only when there is nothing to read (no such path, no table).
    """
    with collector_paused():
        source = read_source(path)
        with ThreadPoolExecutor(max_workers=1) as pool:  # hashing the files overlaps with parsing them
            return _build(source, checksum=pool.submit(source.checksum).result)


def load(path: str | Path) -> Dataset:
    """Load a dataset folder or workbook into an immutable `Dataset`.

    Raises DataValidationError listing every problem (file, sheet, row, column, value, expected)
    when the data has errors; warnings are kept in `Dataset.warnings`.

    >>> ds = load("data/sample")  # doctest: +SKIP
    >>> ds.incidents.columns[:3]  # doctest: +SKIP
    ['incident_id', 'occurred_on', 'occurred_at']
    """
    if exists(Path(path) / PREPARED_MARKER):
        return load_prepared(path)
    result = validate(path)
    if result.dataset is None:
        raise DataValidationError(result.problems, path)
    return result.dataset


PREPARED_MARKER = "aar-prepared.json"
"""Marks a folder written by `save_prepared`: a validated dataset that loads without re-validation."""


def save_prepared(ds: Dataset, folder: str | Path) -> Path:
    """Write a loaded dataset (typed tables, derived columns) to `folder` for fast reloading.

    Batches load the dataset once, save it here, and every report loads this copy: reading
    Parquet with no parsing or validation. The marker keeps the original dataset's name and
    checksum, so reports cite the data they came from. Private columns (free text such as the
    incident description) are left out: a prepared copy holds nothing a report may not print.
    """
    import json

    from .._version import __version__

    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    for name, frame in ds.tables.items():
        table = TABLES.get(name)
        private = [f for f in table.fields if f.private and f.name in frame.columns] if table is not None else []
        blanked = frame.with_columns(pl.lit(None, f.dtype).alias(f.name) for f in private) if private else frame
        blanked.write_parquet(target / f"{name}.parquet", statistics=False)
    info = {k: v for k, v in ds.info.__dict__.items() if k != "extra"}
    marker = {
        "aar_version": __version__,
        "tables": list(ds.tables),
        "sizes": {name: (target / f"{name}.parquet").stat().st_size for name in ds.tables},
        "info": info,
        "extra": {k: v for k, v in ds.info.extra.items() if isinstance(v, (str, int, float, bool))},
    }
    (target / PREPARED_MARKER).write_text(json.dumps(marker, indent=2, default=str), encoding="utf-8")
    return target


def check_prepared(folder: str | Path) -> dict[str, Any]:
    """The marker of a complete prepared copy in `folder`, read without loading the tables.

    A DatasetError when the copy cannot be used: no marker or one that is not whole, another package
    version, a table file missing or not of the size `save_prepared` wrote (a truncated copy).
    """
    import json

    from .._version import __version__

    root = Path(folder)
    try:
        marker = json.loads((root / PREPARED_MARKER).read_text(encoding="utf-8"))
        tables, sizes, info = list(marker["tables"]), dict(marker.get("sizes") or {}), dict(marker["info"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DatasetError(f"not a complete prepared copy ({exc}); prepare it again", root) from exc
    if marker.get("aar_version") != __version__:
        raise DatasetError(f"prepared by aar {marker.get('aar_version')}, not {__version__}; prepare it again", root)
    for name in tables:
        try:
            size = (root / f"{name}.parquet").stat().st_size
        except OSError as exc:
            raise DatasetError(f"the prepared table {name} cannot be read ({exc}); prepare it again", root) from exc
        if name in sizes and size != sizes[name]:
            raise DatasetError(f"the prepared table {name} is damaged ({size} bytes, not {sizes[name]})", root)
    return {**marker, "tables": tables, "info": info}


def load_prepared(folder: str | Path) -> Dataset:
    """Load a folder written by `save_prepared` (same package version only, checked by `check_prepared`)."""
    root = Path(folder)
    marker = check_prepared(root)
    try:
        tables = {name: pl.read_parquet(root / f"{name}.parquet") for name in marker["tables"]}
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise DatasetError(f"the prepared copy cannot be read ({exc}); prepare it again", root) from exc
    info = DatasetInfo(
        **{**marker["info"], "sources": marker["info"].get("sources", {}), "extra": marker.get("extra", {})}
    )
    return Dataset(info, tables)


def describe(path: str | Path) -> dict[str, Any]:
    """Name, checksum and synthetic flag of a dataset path (prepared or not), without loading it."""
    import json

    root = Path(path)
    if exists(root / PREPARED_MARKER):
        info = json.loads((root / PREPARED_MARKER).read_text(encoding="utf-8"))["info"]
        return {
            "path": info.get("path"),
            "name": info.get("name"),
            "checksum": info.get("checksum"),
            "synthetic": bool(info.get("synthetic")),
        }
    source = read_source(root)
    return {
        "path": str(root),
        "name": source.config.get("name") or root.name,
        "checksum": source.checksum(),
        "synthetic": bool(source.config.get("synthetic", False)),
    }
