"""After-action findings: the comparison turned into what to sustain and what to improve, as numbers.

Rules (each finding keeps its numbers and interval; the reporting layer words it from its catalog):
- the overall incident rate, per category and per phase: a rate ratio whose interval lies above 1
  (after the multiple-comparison adjustment for categories and phases) is an area to improve;
  one whose interval lies below 1 is a strength to sustain; the rest is no finding. The overall
  ratio passed is the day-level headline (`overall_ratio`, as `publish_comparison` passes it); a
  ratio with a zero side counts by its p-value (`RateRatio.significant`). A ratio that disclosure
  control withheld (`withheld` column, or `overall` None) gives no finding;
- the clearance rate: a two-proportion z-test (statsmodels) of target against baseline; a
  significant fall is to improve, a significant rise to sustain (not when `cleared` is False:
  the numbers cleared are withheld);
- deployment: kabupaten/kota where the Polri on duty on voting day fell short of the guard
  patterns' requirement are to improve; none short is a strength;
- the evaluator's improvement-plan rows of the report's region (its own rows, its sub-regions'
  and rows for everywhere): rating P is to sustain, S, M and U to improve.
"""

from __future__ import annotations

import polars as pl

from .._data.dataset import Dataset
from .comparison import Comparison
from .deployment import required_vs_deployed
from .metrics import RATE_COLUMNS, rate_scale, rates, sub_level
from .statistics import SMALL_COUNT, RateRatio

FINDING_COLUMNS = {
    "kind": pl.String,
    "source": pl.String,
    "scope": pl.String,
    "subject": pl.String,
    "metric": pl.String,
    "baseline": pl.Float64,
    "target": pl.Float64,
    "ratio": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "p_value": pl.Float64,
    "small_counts": pl.Boolean,
    "regions": pl.Int64,
    "regions_short": pl.Int64,
    "capability": pl.String,
    "observation": pl.String,
    "rating": pl.String,
    "corrective_action": pl.String,
    "responsible_unit": pl.String,
    "due_date": pl.Date,
    "example": pl.Boolean,
}
"""Columns of the findings frame; `metric` names the rate (per_day...), clearance_rate, police_shortfall or rating."""


def _row(**values: object) -> dict[str, object]:
    return {name: values.get(name) for name in FINDING_COLUMNS}


def plan_rows(ds: Dataset, region: str | None, operations: tuple[str, ...] | None = None) -> pl.DataFrame:
    """The improvement-plan rows in a report's scope: its region, its sub-regions and rows for everywhere."""
    plan = ds.improvement_plan
    if region is not None:
        plan = plan.filter(
            pl.col("region_code").is_null()
            | pl.col("region_code").str.starts_with(region)
            | pl.lit(region).str.starts_with(pl.col("region_code"))
        )
    if operations is not None and "operation_id" in plan.columns:
        plan = plan.filter(pl.col("operation_id").is_null() | pl.col("operation_id").is_in(list(operations)))
    return plan


def findings(
    ds: Dataset,
    comparison: Comparison,
    overall: RateRatio | None,
    category_ratios: pl.DataFrame,
    phase_ratios: pl.DataFrame,
    alpha: float = 0.05,
    cleared: bool = True,
) -> pl.DataFrame:
    """Findings frame (columns `FINDING_COLUMNS`), improve before sustain, analysis before evaluator.

    `overall`: the headline rate ratio (None when it is withheld: no overall finding).
    """
    from statsmodels.stats.proportion import proportions_ztest

    rate = RATE_COLUMNS[comparison.exposure]
    scale = rate_scale(comparison.exposure)
    rows: list[dict[str, object]] = []
    if overall is not None and overall.ratio is not None and overall.significant:
        rows.append(
            _row(
                kind="improve" if overall.ratio > 1 else "sustain",
                source="analysis",
                scope="overall",
                subject="all",
                metric=rate,
                baseline=overall.count_baseline / overall.exposure_baseline * scale,
                target=overall.count_target / overall.exposure_target * scale,
                ratio=overall.ratio,
                ci_low=overall.ci_low,
                ci_high=overall.ci_high,
                p_value=overall.p_value,
                small_counts=overall.small_counts,
            )
        )
    for frame, key in ((category_ratios, "category"), (phase_ratios, "phase")):
        shown = frame.filter(pl.col("significant") & pl.col("ratio").is_not_null())
        if "withheld" in shown.columns:
            shown = shown.filter(~pl.col("withheld"))
        for r in shown.iter_rows(named=True):
            rows.append(
                _row(
                    kind="improve" if r["ratio"] > 1 else "sustain",
                    source="analysis",
                    scope=key,
                    subject=str(r[key]),
                    metric=rate,
                    baseline=r["count_baseline"] / r["exposure_baseline"] * scale,
                    target=r["count_target"] / r["exposure_target"] * scale,
                    ratio=r["ratio"],
                    ci_low=r["ci_low"],
                    ci_high=r["ci_high"],
                    p_value=r["p_adjusted"],
                    small_counts=r["small_counts"],
                )
            )
    clearance = rates(ds, ["operation_id"], comparison.region).select("operation_id", "cleared", "cleared_known")
    by_op = {r["operation_id"]: r for r in clearance.iter_rows(named=True)}
    b, t = by_op.get(comparison.baseline), by_op.get(comparison.target)
    if cleared and b and t and b["cleared_known"] and t["cleared_known"]:
        _, p = proportions_ztest([t["cleared"], b["cleared"]], [t["cleared_known"], b["cleared_known"]])
        base_rate, targ_rate = b["cleared"] / b["cleared_known"], t["cleared"] / t["cleared_known"]
        if p < alpha and targ_rate != base_rate:
            rows.append(
                _row(
                    kind="sustain" if targ_rate > base_rate else "improve",
                    source="analysis",
                    scope="overall",
                    subject="all",
                    metric="clearance_rate",
                    baseline=base_rate,
                    target=targ_rate,
                    p_value=float(p),
                    small_counts=min(t["cleared_known"], b["cleared_known"]) < SMALL_COUNT,
                )
            )
    coverage = required_vs_deployed(ds, comparison.region, sub_level(comparison.region)).filter(
        pl.col("operation_id") == comparison.target
    )
    if coverage.height and coverage["police_required"].sum() > 0:
        short = coverage.filter(pl.col("shortfall") > 0)
        rows.append(
            _row(
                kind="improve" if short.height else "sustain",
                source="analysis",
                scope="deployment",
                subject=",".join(short["region"].to_list()) if short.height else "all",
                metric="police_shortfall",
                target=float(short["shortfall"].sum()) if short.height else 0.0,
                regions=coverage.height,
                regions_short=short.height,
            )
        )
    for r in plan_rows(ds, comparison.region, (comparison.baseline, comparison.target)).iter_rows(named=True):
        rows.append(
            _row(
                kind="sustain" if str(r["rating"]) == "P" else "improve",
                source="evaluator",
                scope="capability",
                subject=r["capability"],
                metric="rating",
                capability=r["capability"],
                observation=r["observation"],
                rating=str(r["rating"]),
                corrective_action=r["corrective_action"],
                responsible_unit=r["responsible_unit"],
                due_date=r["due_date"],
                example=bool(r["example"]),
            )
        )
    frame = pl.DataFrame(rows, schema=FINDING_COLUMNS) if rows else pl.DataFrame(schema=FINDING_COLUMNS)
    order = {"improve": 0, "sustain": 1}
    return (
        frame.with_columns(
            _k=pl.col("kind").replace_strict(order, return_dtype=pl.Int8),
            _s=(pl.col("source") != "analysis").cast(pl.Int8),
        )
        .sort("_k", "_s", maintain_order=True)
        .drop("_k", "_s")
    )
