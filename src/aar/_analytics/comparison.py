"""The anev comparison of a baseline and a target operation in one region.

`compare(ds, baseline="OMB-2023-2024", target="OMP-2024", region="18", exposure="days")` returns an
immutable `Comparison` whose frames an evaluator reads as an anev (analisa dan evaluasi):

- `summary`: one row per metric with baseline, target, change = target - baseline,
  percent_change = change / baseline x 100 (null when the baseline is 0) and direction
  (naik / turun / tetap);
- `phases`, `categories`, `subregions`: the same per phase (rates per day, since phases differ in
  length), per category and per kabupaten/kota (or province, for the nation);
- `series`: incidents by day relative to voting day for both operations, aligned on hari H, with a
  centred rolling mean.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from .._data.dataset import Dataset
from .metrics import EXPOSURES, RATE_COLUMNS, check_choice, check_region, prepare, rates, sub_level

SUMMARY_METRICS = (
    "incidents",
    "cleared",
    "clearance_rate",
    "killed",
    "injured",
    "loss_idr",
    "days",
    "per_day",
    "voters",
    "per_100k_voters",
    "tps",
    "per_1000_tps",
    "personnel_days",
    "per_1000_personnel_days",
    "crime_clock_seconds",
)
"""Metrics of the summary table, in the order an anev lists them."""


@dataclass(frozen=True)
class Comparison:
    """Baseline against target in one region; every frame is ready to print or plot."""

    baseline: str
    target: str
    region: str | None
    exposure: str
    summary: pl.DataFrame
    phases: pl.DataFrame
    categories: pl.DataFrame
    subregions: pl.DataFrame
    series: pl.DataFrame

    def metric(self, name: str) -> dict[str, Any]:
        """One row of the summary as a dict: baseline, target, change, percent_change, direction."""
        rows = self.summary.filter(pl.col("metric") == name)
        if rows.is_empty():
            raise KeyError(f"no metric {name!r}; metrics: {', '.join(self.summary['metric'])}")
        return rows.row(0, named=True)


def _with_change(frame: pl.DataFrame, baseline: str = "baseline", target: str = "target") -> pl.DataFrame:
    b, t = pl.col(baseline), pl.col(target)
    return frame.with_columns(
        change=t - b,
        percent_change=pl.when(b.is_not_null() & (b != 0) & t.is_not_null()).then((t - b) / b * 100),
        direction=pl.when(b.is_null() | t.is_null())
        .then(None)
        .when(t > b)
        .then(pl.lit("naik"))
        .when(t < b)
        .then(pl.lit("turun"))
        .otherwise(pl.lit("tetap")),
    )


def _side_by_side(
    frame: pl.DataFrame, keys: Sequence[str], values: Sequence[str], baseline: str, target: str
) -> pl.DataFrame:
    """Rows of `frame` for both operations put side by side: <value>_baseline, <value>_target."""
    parts = []
    for op, suffix in ((baseline, "baseline"), (target, "target")):
        part = frame.filter(pl.col("operation_id") == op).select(
            *keys, *(pl.col(v).alias(f"{v}_{suffix}") for v in values)
        )
        parts.append(part)
    if not keys:
        return pl.concat(parts, how="horizontal")
    return parts[0].join(parts[1], on=list(keys), how="full", coalesce=True)


def compare(
    ds: Dataset,
    baseline: str = "OMB-2023-2024",
    target: str = "OMP-2024",
    region: str | None = None,
    exposure: str = "days",
    rolling: int = 7,
) -> Comparison:
    """Compare `target` with `baseline` in `region` (None or "national" for the whole country).

    `exposure` picks the rate the phase, category and sub-region tables compare: days (per day),
    voters (per 100,000), tps (per 1,000), personnel_days (per 1,000), voter_days, tps_days.
    """
    operations = list(ds.operations["operation_id"])
    check_choice("baseline", baseline, operations)
    check_choice("target", target, operations)
    check_choice("exposure", exposure, EXPOSURES)
    if rolling < 1:
        check_choice("rolling", rolling, ["a whole number >= 1"])
    code = check_region(ds, region)
    rate = RATE_COLUMNS[exposure]

    prepare(ds, code, sub_level(code))  # the one cube every table below is summed from
    overall = rates(ds, ["operation_id"], code)
    wide = _side_by_side(overall, [], SUMMARY_METRICS, baseline, target)
    summary = pl.DataFrame(
        {
            "metric": list(SUMMARY_METRICS),
            "baseline": [None if wide.is_empty() else _number(wide[f"{m}_baseline"][0]) for m in SUMMARY_METRICS],
            "target": [None if wide.is_empty() else _number(wide[f"{m}_target"][0]) for m in SUMMARY_METRICS],
        },
        schema={"metric": pl.String, "baseline": pl.Float64, "target": pl.Float64},
    )
    summary = _with_change(summary)

    def table(by: list[str], level: str | None = None) -> pl.DataFrame:
        frame = rates(ds, ["operation_id", *by], code, level)
        columns = (
            ["incidents", "days", exposure, "per_day", rate] if rate != "per_day" else ["incidents", "days", "per_day"]
        )
        side = _side_by_side(frame, by, list(dict.fromkeys(columns)), baseline, target)
        side = side.with_columns(pl.col("^incidents_.*$").fill_null(0))
        return _with_change(side, f"{rate}_baseline", f"{rate}_target").sort(by)

    phases = table(["phase"])
    categories = table(["category"]).join(
        rates(ds, ["category_group", "category"], code).select("category", "category_group").unique(),
        on="category",
        how="left",
    )
    subregions = table(["region"], sub_level(code))
    names = ds.regions.select(region="region_code", name="name")
    subregions = subregions.join(names, on="region", how="left").select("region", "name", pl.exclude("region", "name"))

    daily = rates(ds, ["operation_id", "relative_day"], code).select("operation_id", "relative_day", "incidents")
    series = _side_by_side(daily, ["relative_day"], ["incidents"], baseline, target).sort("relative_day")
    series = series.with_columns(
        **{
            f"{side}_rolling": pl.when(pl.col(f"incidents_{side}").is_not_null()).then(
                pl.col(f"incidents_{side}").rolling_mean(rolling, center=True, min_samples=1)
            )
            for side in ("baseline", "target")
        }
    ).rename({"incidents_baseline": "baseline", "incidents_target": "target"})
    return Comparison(baseline, target, code, exposure, summary, phases, categories, subregions, series)


def _number(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]
