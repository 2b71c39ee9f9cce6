"""The anev comparison of a baseline and a target operation in one region.

`compare(ds, baseline="OMB-2023-2024", target="OMP-2024", region="18", exposure="days")` returns an
immutable `Comparison` whose frames an evaluator reads as an anev (analisa dan evaluasi):

- `summary`: one row per metric with baseline, target, change = target - baseline,
  percent_change = change / baseline x 100 (null when the baseline is 0) and direction
  (naik / turun / tetap);
- `phases`, `categories`, `subregions`: the same per phase (rates per day, since phases differ in
  length), per category and per kabupaten/kota (or province, for the nation);
- `series`: incidents by day relative to voting day for both operations, aligned on hari H, with a
  centred rolling mean;
- `population`: rates per population that compare operations of different length, per 100,000
  voters per 30 days and per 1,000 TPS per 30 days (voter-days and TPS-days scaled to 30 days), so
  their direction follows the per-day rate unless the population itself changed; the whole-period
  rates stay, named `..._whole_operation` (they grow with the operation's length);
- `attribution`: the rule that credited days where both operations' windows overlap ("named",
  "nearest_voting_day", "mixed" or "none", see `aar._analytics.metrics.attribution`);
- `tps_changed`: True when the TPS count differs between the two elections (TPS were merged for
  the Pilkada): per-TPS rates are then not comparable one to one, and a report must say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from .._data.dataset import Dataset
from .._errors import UsageError
from .metrics import (
    EXPOSURES,
    RATE_COLUMNS,
    attribution_rule,
    check_choice,
    check_scope,
    percentage_points,
    prepare,
    rates,
    sub_level,
)

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

PER_30_DAYS = 30
POPULATION_METRICS = {
    "per_100k_voters_per_30_days": ("voter_days", 100_000 * PER_30_DAYS, False),
    "per_1000_tps_per_30_days": ("tps_days", 1_000 * PER_30_DAYS, False),
    "per_1000_personnel_days": ("personnel_days", 1_000, False),
    "per_100k_voters_whole_operation": ("voters", 100_000, True),
    "per_1000_tps_whole_operation": ("tps", 1_000, True),
}
"""Population rates of `Comparison.population`: metric -> (exposure, scale, whole_operation).

incidents / voter-days x 100,000 x 30 is the rate per 100,000 voters per 30 days; the
`_whole_operation` rows divide by the population only, over operations of different length.
"""


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
    population: pl.DataFrame
    attribution: str
    tps_changed: bool
    clearance_change_points: float | None = None
    """Clearance rate of the target minus the baseline's, in percentage points (not percent)."""

    def metric(self, name: str) -> dict[str, Any]:
        """One row of the summary (or of `population`) as a dict: baseline, target, change, percent_change, direction."""
        for frame in (self.summary, self.population):
            rows = frame.filter(pl.col("metric") == name)
            if not rows.is_empty():
                return rows.row(0, named=True)
        raise UsageError("name", name, [*self.summary["metric"], *self.population["metric"]])


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


def check_comparison(ds: Dataset, baseline: str, target: str, region: str | None) -> str | None:
    """The region code of a comparison after its checks: two different operations, each with data,
    and a region the dataset covers (`check_scope`); a UsageError otherwise, before any work."""
    operations = list(ds.operations["operation_id"])
    check_choice("baseline", baseline, operations)
    check_choice("target", target, operations)
    if baseline == target:
        raise UsageError("target", target, f"an operation other than the baseline {baseline}")
    return check_scope(ds, region, {"baseline": baseline, "target": target})


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
    code = check_comparison(ds, baseline, target, region)
    check_choice("exposure", exposure, EXPOSURES)
    if rolling < 1:
        check_choice("rolling", rolling, ["a whole number >= 1"])
    rate = RATE_COLUMNS[exposure]

    prepare(ds, code, sub_level(code))  # the one cube every table below is summed from
    overall = rates(ds, ["operation_id"], code)
    # no row says whether it was cleared (a bulletin, a sitrep): the cleared count is unknown, not 0
    overall = overall.with_columns(cleared=pl.when(pl.col("cleared_known") > 0).then(pl.col("cleared")))
    wide = _side_by_side(overall, [], list(dict.fromkeys([*SUMMARY_METRICS, *EXPOSURES])), baseline, target)
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
    population = _population(wide, baseline, target)
    by_side = {m: (None if wide.is_empty() else _number(wide[f"tps_{m}"][0])) for m in ("baseline", "target")}
    tps_changed = bool(by_side["baseline"] and by_side["target"] and by_side["baseline"] != by_side["target"])
    return Comparison(
        baseline,
        target,
        code,
        exposure,
        summary,
        phases,
        categories,
        subregions,
        series,
        population,
        attribution_rule(ds, code),
        tps_changed,
        percentage_points(*(summary.filter(pl.col("metric") == "clearance_rate").select("baseline", "target").row(0))),
    )


def _population(wide: pl.DataFrame, baseline: str, target: str) -> pl.DataFrame:
    """metric, baseline, target, change, percent_change, direction, exposure, whole_operation."""
    rows = []
    for metric, (exposure, scale, whole) in POPULATION_METRICS.items():
        values: dict[str, float | None] = {}
        for side in ("baseline", "target"):
            if wide.is_empty():
                values[side] = None
                continue
            count, amount = wide[f"incidents_{side}"][0], wide[f"{exposure}_{side}"][0]
            values[side] = None if not amount else float(count) / float(amount) * scale
        rows.append({"metric": metric, **values, "exposure": exposure, "whole_operation": whole})
    frame = pl.DataFrame(
        rows,
        schema={
            "metric": pl.String,
            "baseline": pl.Float64,
            "target": pl.Float64,
            "exposure": pl.String,
            "whole_operation": pl.Boolean,
        },
    )
    return _with_change(frame).select(
        "metric", "baseline", "target", "change", "percent_change", "direction", "exposure", "whole_operation"
    )


def _number(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]
