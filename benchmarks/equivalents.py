"""What `aar` is measured against: the same work in pandas, and the polars floor.

- `pandas_load`: what `aar.load` does to the incidents of a Parquet dataset, in pandas: read, strip
  ids, check required values, vocabularies, regions, minimums and unique ids, then derive
  province, operation (nearest voting day where windows overlap), phase, relative day and
  category group, once per distinct (date, province, named operation) and merged back, as aar
  does. The small tables (province windows, phase calendar, operations, regions) are taken from
  aar: they are a few hundred rows and cost nothing in either library.
- `pandas_cube`, `pandas_compare`: the count cube and the numbers of the national comparison.
- `floor_cube`, `floor_compare`: the same numbers as a minimal hand-written polars query on the
  loaded frames: no validation, no memo, nothing the numbers do not need.
- `same_load`, `same_compare`, `same_cube`: the equality checks that keep the comparison honest;
  each raises AssertionError naming what differs.

Every "compare" function returns the same canonical frames (`CompareNumbers`), so the three
implementations are compared number for number.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl

import aar
from aar._data.schema import CATEGORY, CATEGORY_GROUP_OF, TIME_ZONE

COUNTS = ("incidents", "cleared", "killed", "injured", "loss_idr")


# ------------------------------------------------------------------------------------------------
# pandas: loading


@dataclass(frozen=True)
class Small:
    """The small tables both implementations start from (taken from aar; a few hundred rows)."""

    windows: pd.DataFrame
    calendar: pd.DataFrame
    operations: pd.DataFrame
    region_codes: frozenset[str]

    @classmethod
    def of(cls, ds: aar.Dataset) -> Small:
        def frame(table: pl.DataFrame) -> pd.DataFrame:
            out = table.to_pandas()
            for column in ("start_date", "end_date", "voting_date"):
                if column in out:
                    out[column] = pd.to_datetime(out[column])
            return out

        return cls(
            frame(ds.windows),
            frame(ds.calendar),
            frame(ds.operations.select("operation_id", "voting_date")),
            frozenset(ds.regions["region_code"]),
        )


def pandas_load(folder: Path, small: Small) -> pd.DataFrame:
    """The incidents of `folder`, checked and derived like `aar.load` does, in pandas."""
    inc = pd.read_parquet(folder / "incidents.parquet")
    problems: list[str] = []
    ids = inc["incident_id"].astype("string").str.strip()
    inc["incident_id"] = ids.mask(ids == "")
    for column in ("incident_id", "occurred_on", "region_code", "category"):
        if inc[column].isna().any():
            problems.append(f"empty {column}")
    if inc["incident_id"].duplicated().any():
        problems.append("duplicated incident_id")
    for column, allowed in (
        ("category", set(CATEGORY.codes)),
        ("time_zone", set(TIME_ZONE.codes)),
        ("region_code", set(small.region_codes)),
        ("operation_id", set(small.operations["operation_id"])),
    ):
        values = inc[column]
        if (values.notna() & ~values.isin(allowed)).any():
            problems.append(f"unknown {column}")
    for column in ("killed", "injured", "loss_idr"):
        if (inc[column] < 0).any():
            problems.append(f"negative {column}")
    if problems:
        raise ValueError(f"pandas load found problems: {problems}")
    inc["occurred_on"] = pd.to_datetime(inc["occurred_on"])
    inc["province_code"] = inc["region_code"].str.slice(0, 2)
    keys = ["occurred_on", "province_code", "operation_id"]
    distinct = inc[keys].drop_duplicates()
    windows = small.windows[["operation_id", "province_code", "start_date", "end_date", "voting_date"]].rename(
        columns={"operation_id": "_op"}
    )
    candidates = distinct.merge(windows, on="province_code")
    inside = candidates["occurred_on"].between(candidates["start_date"], candidates["end_date"])
    named = candidates["operation_id"].isna() | (candidates["operation_id"] == candidates["_op"])
    candidates = candidates[inside & named].assign(_distance=lambda f: (f["occurred_on"] - f["voting_date"]).abs())
    chosen = candidates.sort_values(
        [*keys, "_distance", "voting_date"], ascending=[True, True, True, True, False]
    ).drop_duplicates(keys)
    placed = distinct.merge(chosen[[*keys, "_op"]], on=keys, how="left")
    placed["_operation"] = placed["operation_id"].fillna(placed["_op"])
    calendar = small.calendar.rename(columns={"operation_id": "_operation"})
    phased = placed.merge(calendar, on=["_operation", "province_code"])
    phased = phased[phased["occurred_on"].between(phased["start_date"], phased["end_date"])][[*keys, "phase"]]
    placed = placed.merge(phased, on=keys, how="left").merge(
        small.operations.rename(columns={"operation_id": "_operation"}), on="_operation", how="left"
    )
    placed["relative_day"] = (placed["occurred_on"] - placed["voting_date"]).dt.days
    if placed["_op"].isna().any():
        raise ValueError("pandas load found incidents outside every window")
    out = inc.merge(placed[[*keys, "_operation", "phase", "relative_day"]], on=keys, how="left")
    out["operation_id"] = out.pop("_operation")
    out["category_group"] = out["category"].astype("string").map(CATEGORY_GROUP_OF)
    return out


def same_load(ds: aar.Dataset, frame: pd.DataFrame, sample: int = 100_000, seed: int = 1) -> int:
    """Assert the derived columns agree with `aar.load`'s on `sample` rows drawn at random; rows checked."""
    assert len(frame) == ds.incidents.height, f"rows: pandas {len(frame)}, aar {ds.incidents.height}"
    rows = np.sort(np.random.default_rng(seed).choice(len(frame), size=min(sample, len(frame)), replace=False))
    columns = ["incident_id", "operation_id", "province_code", "phase", "relative_day", "category_group"]
    ours = ds.incidents[rows].select(columns).with_columns(pl.all().cast(pl.String))
    theirs = pl.from_pandas(frame.iloc[rows][columns].astype("string").reset_index(drop=True)).with_columns(
        pl.all().cast(pl.String)
    )
    for column in columns:
        differ = (ours[column] != theirs[column]).fill_null(True) & ~(ours[column].is_null() & theirs[column].is_null())
        assert not differ.any(), f"{column} differs on {int(differ.sum())} of {len(rows)} sampled rows"
    return len(rows)


# ------------------------------------------------------------------------------------------------
# canonical numbers of a national comparison


@dataclass(frozen=True)
class CompareNumbers:
    """The numbers of a national comparison, one frame per table, sorted (polars frames)."""

    overall: (
        pl.DataFrame
    )  # operation_id, incidents, cleared, killed, injured, loss_idr, days, voters, tps, personnel_days
    phases: pl.DataFrame  # operation_id, phase, incidents, days
    categories: pl.DataFrame  # operation_id, category, incidents
    provinces: pl.DataFrame  # operation_id, region, incidents, days
    series: pl.DataFrame  # operation_id, relative_day, incidents (days with incidents)


def _canonical(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    out = frame.with_columns(pl.col(k).cast(pl.String) for k in keys if k != "relative_day")
    out = out.with_columns(pl.col(c).cast(pl.Float64) for c in out.columns if c not in keys)
    return out.filter(pl.col("incidents") > 0).select(sorted(out.columns, key=lambda c: (c not in keys, c))).sort(keys)


def numbers_of(comparison: aar.Comparison) -> CompareNumbers:
    """CompareNumbers of an `aar.compare` result."""
    ops = {"baseline": comparison.baseline, "target": comparison.target}

    def sides(frame: pl.DataFrame, key: str, values: list[str]) -> pl.DataFrame:
        parts = [
            frame.select(pl.col(key), *(pl.col(f"{v}_{side}").alias(v) for v in values)).with_columns(
                operation_id=pl.lit(op)
            )
            for side, op in ops.items()
        ]
        return _canonical(pl.concat(parts), ["operation_id", key])

    summary = {r["metric"]: r for r in comparison.summary.iter_rows(named=True)}
    metrics = [*COUNTS, "days", "voters", "tps", "personnel_days"]
    overall = pl.DataFrame([{"operation_id": op, **{m: summary[m][side] for m in metrics}} for side, op in ops.items()])
    series = pl.concat(
        [
            comparison.series.select("relative_day", incidents=pl.col(side)).with_columns(operation_id=pl.lit(op))
            for side, op in ops.items()
        ]
    ).filter(pl.col("incidents").is_not_null())
    return CompareNumbers(
        _canonical(overall, ["operation_id"]),
        sides(comparison.phases, "phase", ["incidents", "days"]),
        sides(comparison.categories, "category", ["incidents"]),
        sides(comparison.subregions, "region", ["incidents", "days"]),
        _canonical(series, ["operation_id", "relative_day"]),
    )


def same_compare(ours: CompareNumbers, theirs: CompareNumbers, what: str) -> None:
    """Assert two sets of comparison numbers are equal (floats to 1e-9 relative)."""
    for name in ("overall", "phases", "categories", "provinces", "series"):
        a, b = getattr(ours, name), getattr(theirs, name)
        assert a.columns == b.columns, f"{what}: {name} columns {a.columns} != {b.columns}"
        assert a.height == b.height, f"{what}: {name} has {b.height} rows, aar {a.height}"
        for column in a.columns:
            x, y = a[column], b[column]
            if x.dtype == pl.Float64:
                close = ((x - y).abs() <= 1e-9 * x.abs().clip(lower_bound=1)).fill_null(False) | (
                    x.is_null() & y.is_null()
                )
                assert close.all(), f"{what}: {name}.{column} differs in {int((~close).sum())} rows"
            else:
                assert (x == y).all(), f"{what}: {name}.{column} differs"


# ------------------------------------------------------------------------------------------------
# the polars floor


def floor_cube(incidents: pl.DataFrame) -> pl.DataFrame:
    """The count cube (regency level) as one hand-written group-by."""
    return (
        incidents.lazy()
        .group_by(
            "operation_id",
            pl.col("region_code").alias("region"),
            "phase",
            "category",
            "category_group",
            "occurred_on",
            "relative_day",
        )
        .agg(
            incidents=pl.len(),
            cleared=pl.col("cleared").sum(),
            cleared_known=pl.col("cleared").count(),
            killed=pl.col("killed").sum(),
            injured=pl.col("injured").sum(),
            loss_idr=pl.col("loss_idr").sum(),
        )
        .collect()
    )


def same_cube(ours: pl.DataFrame, theirs: pl.DataFrame, what: str) -> None:
    """Assert two cubes hold the same cells and counts."""
    keys = ["operation_id", "region", "phase", "category", "category_group", "occurred_on", "relative_day"]
    a = ours.with_columns(pl.col(keys[:5]).cast(pl.String)).sort(keys)
    b = (
        theirs.with_columns(
            pl.col(keys[:5]).cast(pl.String), pl.col("occurred_on").cast(pl.Date), pl.col("relative_day").cast(pl.Int64)
        )
        .select(a.columns)
        .sort(keys)
    )
    assert a.height == b.height, f"{what}: {b.height} cells, aar {a.height}"
    for column in a.columns:
        if a[column].dtype.is_float():
            assert (
                (a[column] - b[column].cast(pl.Float64)).abs() <= 1e-6 * a[column].abs().clip(lower_bound=1)
            ).all(), f"{what}: {column} differs"
        else:
            assert (a[column].cast(pl.String) == b[column].cast(pl.String)).all(), f"{what}: {column} differs"


def _days(ds: aar.Dataset) -> pl.LazyFrame:
    """Calendar days of the covered provinces: operation, province, phase, date."""
    provinces = pl.concat(
        [t.lazy().select(pl.col("region_code").str.slice(0, 2)) for t in (ds.incidents, ds.deployments, ds.electorate)]
    ).unique()
    return (
        ds.calendar.lazy()
        .join(provinces, left_on="province_code", right_on="region_code", how="semi")
        .with_columns(occurred_on=pl.date_ranges("start_date", "end_date"))
        .explode("occurred_on")
        .select("operation_id", "province_code", "phase", "occurred_on")
    )


def floor_compare(ds: aar.Dataset, baseline: str, target: str) -> CompareNumbers:
    """The numbers of the national comparison as hand-written polars queries, run together."""
    inc = ds.incidents.lazy().filter(pl.col("operation_id").is_in([baseline, target]))
    sums = [pl.len().alias("incidents"), *(pl.col(c).sum() for c in COUNTS[1:])]
    days = _days(ds)
    e = ds.electorate.lazy()
    regency_rows = e.filter(pl.col("region_code").str.len_chars() > 2)
    has_regencies = regency_rows.select("operation_id", region_code=pl.col("region_code").str.slice(0, 2)).unique()
    electorate = pl.concat(
        [
            regency_rows,
            e.filter(pl.col("region_code").str.len_chars() == 2).join(
                has_regencies, on=["operation_id", "region_code"], how="anti"
            ),
        ]
    )
    deployed = (
        ds.deployments.lazy()
        .with_columns(
            occurred_on=pl.date_ranges("start_date", "end_date"), province_code=pl.col("region_code").str.slice(0, 2)
        )
        .explode("occurred_on")
        .join(
            days.select("operation_id", "province_code", "occurred_on").unique(),
            on=["operation_id", "province_code", "occurred_on"],
        )
    )
    overall, phases, categories, provinces, series, op_days, phase_days, province_days, voters, personnel = (
        pl.collect_all(
            [
                inc.group_by("operation_id").agg(sums),
                inc.group_by("operation_id", "phase").agg(incidents=pl.len()),
                inc.group_by("operation_id", "category").agg(incidents=pl.len()),
                inc.group_by("operation_id", region="province_code").agg(incidents=pl.len()),
                inc.group_by("operation_id", "relative_day").agg(incidents=pl.len()),
                days.group_by("operation_id").agg(days=pl.col("occurred_on").n_unique()),
                days.group_by("operation_id", "phase").agg(days=pl.col("occurred_on").n_unique()),
                days.group_by("operation_id", region="province_code").agg(days=pl.col("occurred_on").n_unique()),
                electorate.group_by("operation_id").agg(pl.col("voters").sum(), pl.col("tps").sum()),
                deployed.group_by("operation_id").agg(personnel_days=pl.col("personnel").sum()),
            ]
        )
    )
    overall = (
        overall.join(op_days, on="operation_id", how="left")
        .join(voters, on="operation_id", how="left")
        .join(personnel, on="operation_id", how="left")
    )
    return CompareNumbers(
        _canonical(overall, ["operation_id"]),
        _canonical(phases.join(phase_days, on=["operation_id", "phase"], how="left"), ["operation_id", "phase"]),
        _canonical(categories, ["operation_id", "category"]),
        _canonical(
            provinces.join(province_days, on=["operation_id", "region"], how="left"), ["operation_id", "region"]
        ),
        _canonical(series, ["operation_id", "relative_day"]),
    )


# ------------------------------------------------------------------------------------------------
# pandas: cube and comparison


def pandas_cube(inc: pd.DataFrame) -> pd.DataFrame:
    """The count cube (regency level) in pandas: categorical keys, observed groups only."""
    return (
        inc.groupby(
            ["operation_id", "region_code", "phase", "category", "category_group", "occurred_on", "relative_day"],
            observed=True,
            sort=False,
        )
        .agg(
            incidents=("incident_id", "size"),
            cleared=("cleared", "sum"),
            cleared_known=("cleared", "count"),
            killed=("killed", "sum"),
            injured=("injured", "sum"),
            loss_idr=("loss_idr", "sum"),
        )
        .reset_index()
        .rename(columns={"region_code": "region"})
    )


def _pandas_days(ds: aar.Dataset, small: Small, inc: pd.DataFrame) -> pd.DataFrame:
    provinces = (
        set(inc["province_code"].unique())
        | {c[:2] for c in ds.deployments["region_code"]}
        | {c[:2] for c in ds.electorate["region_code"]}
    )
    cal = small.calendar[small.calendar["province_code"].isin(provinces)].copy()
    cal["occurred_on"] = [
        pd.date_range(s, e, freq="D") for s, e in zip(cal["start_date"], cal["end_date"], strict=True)
    ]
    return cal.explode("occurred_on")[["operation_id", "province_code", "phase", "occurred_on"]]


def pandas_compare(ds: aar.Dataset, small: Small, inc: pd.DataFrame, baseline: str, target: str) -> CompareNumbers:
    """The numbers of the national comparison in pandas."""
    inc = inc[inc["operation_id"].isin([baseline, target])]
    overall = inc.groupby("operation_id", observed=True).agg(
        incidents=("incident_id", "size"),
        cleared=("cleared", "sum"),
        killed=("killed", "sum"),
        injured=("injured", "sum"),
        loss_idr=("loss_idr", "sum"),
    )
    phases = inc.groupby(["operation_id", "phase"], observed=True).size().rename("incidents").reset_index()
    categories = inc.groupby(["operation_id", "category"], observed=True).size().rename("incidents").reset_index()
    provinces = inc.groupby(["operation_id", "province_code"], observed=True).size().rename("incidents").reset_index()
    series = inc.groupby(["operation_id", "relative_day"], observed=True).size().rename("incidents").reset_index()
    days = _pandas_days(ds, small, inc)
    op_days = days.groupby("operation_id")["occurred_on"].nunique().rename("days")
    phase_days = (
        days.groupby(["operation_id", "phase"], observed=True)["occurred_on"].nunique().rename("days").reset_index()
    )
    province_days = (
        days.groupby(["operation_id", "province_code"])["occurred_on"].nunique().rename("days").reset_index()
    )
    e = ds.electorate.to_pandas()
    regency = e[e["region_code"].str.len() > 2]
    with_regencies = set(zip(regency["operation_id"], regency["region_code"].str.slice(0, 2), strict=True))
    alone = np.array(
        [(o, r) not in with_regencies for o, r in zip(e["operation_id"], e["region_code"], strict=True)], dtype=bool
    )
    province_rows = e[(e["region_code"].str.len() == 2).to_numpy() & alone]
    voters = pd.concat([regency, province_rows]).groupby("operation_id")[["voters", "tps"]].sum()
    d = ds.deployments.select("operation_id", "region_code", "start_date", "end_date", "personnel").to_pandas()
    d["occurred_on"] = [pd.date_range(s, e, freq="D") for s, e in zip(d["start_date"], d["end_date"], strict=True)]
    d = d.explode("occurred_on").assign(province_code=lambda f: f["region_code"].str.slice(0, 2))
    d["occurred_on"] = pd.to_datetime(d["occurred_on"])
    on_days = days[["operation_id", "province_code", "occurred_on"]].drop_duplicates()
    personnel = (
        d.merge(on_days, on=["operation_id", "province_code", "occurred_on"])
        .groupby("operation_id")["personnel"]
        .sum()
        .rename("personnel_days")
    )
    overall = overall.join(op_days).join(voters).join(personnel).reset_index()

    def polars(frame: pd.DataFrame, keys: list[str]) -> pl.DataFrame:
        out = frame.rename(columns={"province_code": "region"}).copy()
        for k in keys:
            if k != "relative_day":
                out[k] = out[k].astype("string")
        return _canonical(pl.from_pandas(out.reset_index(drop=True)), keys)

    return CompareNumbers(
        polars(overall, ["operation_id"]),
        polars(phases.merge(phase_days, on=["operation_id", "phase"], how="left"), ["operation_id", "phase"]),
        polars(categories, ["operation_id", "category"]),
        polars(
            provinces.merge(province_days, on=["operation_id", "province_code"], how="left"), ["operation_id", "region"]
        ),
        polars(series, ["operation_id", "relative_day"]),
    )
