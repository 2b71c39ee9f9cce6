"""One disclosure pass: everything a report publishes, suppressed once, before anything is rendered.

A report shows the same counts on many surfaces: the anev table, the sentences above it, the
per-phase, per-category and per-region tables, their charts, the forest plot, the heatmap, the
daily series, the map, the findings and the JSON sidecar. If every surface suppressed its own
numbers, a count withheld in a table would come back as a rate in a chart (rate x days = count).
So the comparison is published here once, and every surface draws from the published frames only:

- counts from 1 to `min_cell - 1` are withheld (primary), with the secondary cells their published
  totals would reveal (`aar.suppress`: line rule and, in two-way tables, cycles);
- every number computed from a withheld count is withheld with it: rates, the crime clock, the
  clearance rate (from a withheld number cleared), changes, percents, directions, rate ratios and
  their intervals, findings;
- a table whose margin is withheld elsewhere (a region withheld in the sub-region table, in the
  region x phase grid) has that whole line withheld (`forced`), then its own secondary cells;
- daily series: when any day holds a count below `min_cell`, both operations are shown by week
  (weeks counted from voting day, the same bins for every chart), weeks below `min_cell` withheld
  with their secondary cells, and no rolling mean (it would give the days back by differencing).

Frames keep a boolean `withheld` (or `<count>_withheld`) column beside each count, so a renderer
prints "*" and a caption can say what was withheld.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import polars as pl

from .._data.dataset import Dataset
from .comparison import Comparison, compare
from .deployment import required_vs_deployed, voting_day
from .disclosure import suppress
from .findings import findings
from .metrics import NATIONAL, RATE_COLUMNS, rates, sub_level
from .statistics import (
    RateRatio,
    _regression_dict,
    _segments_dict,
    count_regression,
    overall_ratio,
    ratio_table,
    segmented_regression,
)

COUNTS = ("incidents", "cleared", "killed", "injured")
"""Summary metrics that are counts of incidents or people, withheld when small."""


def derived_from(metric: str) -> str | None:
    """The count a summary metric is computed from (None for exposures and amounts)."""
    if metric.startswith("per_") or metric == "crime_clock_seconds":
        return "incidents"
    if metric == "clearance_rate":
        return "cleared"
    return metric if metric in COUNTS else None


def _small(value: object, min_cell: int) -> bool:
    return value is not None and 0 < float(value) < min_cell  # type: ignore[arg-type]


@dataclass(frozen=True)
class PublishedComparison:
    """A comparison as a report may publish it; see the module doc.

    `summary` keeps the columns of `Comparison.summary` plus `withheld_baseline` and
    `withheld_target`; the key tables (`phases`, `categories`, `subregions`) keep theirs plus
    `withheld_baseline` / `withheld_target`; `overall` is None when a total is withheld.
    """

    comparison: Comparison
    min_cell: int
    alpha: float
    summary: pl.DataFrame
    phases: pl.DataFrame
    categories: pl.DataFrame
    subregions: pl.DataFrame
    overall: RateRatio | None
    """The headline rate ratio: day-level quasi-Poisson (`overall_ratio`); None when a total is withheld."""
    overall_score: RateRatio | None
    """The Poisson score interval of the same ratio (the stated secondary); None when withheld."""
    category_ratios: pl.DataFrame
    phase_ratios: pl.DataFrame
    grid: pl.DataFrame
    """Target's region x phase: region, name, phase, incidents, per_day, withheld."""
    daily: pl.DataFrame
    """operation_id, start (date), days, incidents, withheld: days, or weeks from voting day."""
    relative: pl.DataFrame
    """bin (relative day of the bin's first day), baseline, target, baseline_rolling, target_rolling."""
    weekly: bool
    deployment: pl.DataFrame
    points: pl.DataFrame
    findings: pl.DataFrame
    regression: Any
    segments: Mapping[str, Any] = field(default_factory=dict)
    statistics: Mapping[str, Any] | None = None
    """Every headline statistic with interval, p, method and exposure, for the sidecar (None when withheld)."""

    @property
    def baseline(self) -> str:
        return self.comparison.baseline

    @property
    def target(self) -> str:
        return self.comparison.target

    @property
    def region(self) -> str | None:
        return self.comparison.region

    @property
    def rate(self) -> str:
        return RATE_COLUMNS[self.comparison.exposure]

    @property
    def any_withheld(self) -> bool:
        """True when any count of any surface is withheld."""
        frames = (self.summary, self.phases, self.categories, self.subregions, self.grid, self.daily)
        return any(bool(f.select(pl.any_horizontal(pl.col("^withheld.*$")).any()).item()) for f in frames if f.height)

    def metric(self, name: str) -> Mapping[str, Any]:
        """One published summary row as a mapping (withheld values are None)."""
        rows = self.summary.filter(pl.col("metric") == name)
        if rows.is_empty():
            from .._errors import UsageError

            raise UsageError("metric", name, self.summary["metric"].to_list())
        return MappingProxyType(rows.row(0, named=True))


WHOLE_OPERATION = ("per_100k_voters", "per_1000_tps")
"""Rates per population over a whole operation: operations differ in length, so the anev table
shows the per-30-days rates of `Comparison.population` in their place."""


def _anev_rows(cmp: Comparison) -> pl.DataFrame:
    """The summary rows of the anev table: whole-operation population rates replaced by per-30-days ones."""
    rows = cmp.summary.filter(~pl.col("metric").is_in(WHOLE_OPERATION))
    known = set(rows["metric"])
    extra = cmp.population.filter(~pl.col("whole_operation") & ~pl.col("metric").is_in(list(known)))
    extra = extra.select([pl.col(c).cast(rows.schema[c]) for c in rows.columns])
    at = rows["metric"].to_list().index("tps") + 1 if "tps" in known else rows.height
    return pl.concat([rows.head(at), extra, rows.slice(at)])


def _publish_summary(summary: pl.DataFrame, min_cell: int) -> pl.DataFrame:
    """Withhold small counts of the anev table and every metric derived from them, on each side."""
    values = {r["metric"]: r for r in summary.iter_rows(named=True)}
    withheld = {
        side: {m for m in COUNTS if m in values and _small(values[m][side], min_cell)}
        for side in ("baseline", "target")
    }
    rows = []
    for r in summary.iter_rows(named=True):
        source = derived_from(r["metric"])
        hidden = {side: source is not None and source in withheld[side] for side in ("baseline", "target")}
        out = dict(r)
        for side in ("baseline", "target"):
            if hidden[side]:
                out[side] = None
        if hidden["baseline"] or hidden["target"]:
            out["change"] = out["percent_change"] = out["direction"] = None
        out["withheld_baseline"], out["withheld_target"] = hidden["baseline"], hidden["target"]
        rows.append(out)
    schema = summary.schema
    schema.update({"withheld_baseline": pl.Boolean(), "withheld_target": pl.Boolean()})
    return pl.DataFrame(rows, schema=schema)


def _publish_table(
    frame: pl.DataFrame, key: str, rate: str, min_cell: int, totals_withheld: Mapping[str, bool]
) -> pl.DataFrame:
    """A key x operation table of `compare` with small counts, their secondary cells and derived rates withheld."""
    long = pl.concat(
        [
            frame.select(
                pl.col(key).cast(pl.String).alias("_key"),
                operation=pl.lit(side),
                incidents=pl.col(f"incidents_{side}").fill_null(0),
                _forced=pl.lit(totals_withheld[side]),
            )
            for side in ("baseline", "target")
        ]
    )
    flags = suppress(long, "incidents", ["_key", "operation"], min_cell, forced="_forced")
    wide = pl.DataFrame(
        {
            "_key": flags["_key"].unique(maintain_order=True),
        }
    )
    for side in ("baseline", "target"):
        part = flags.filter(pl.col("operation") == side).select(
            "_key", pl.col("incidents_suppressed").alias(f"withheld_{side}")
        )
        wide = wide.join(part, on="_key", how="left")
    out = frame.with_columns(pl.col(key).cast(pl.String).alias("_key")).join(wide, on="_key", how="left").drop("_key")
    out = out.with_columns(pl.col("withheld_baseline", "withheld_target").cast(pl.Boolean).fill_null(False))
    out = out.with_columns(
        pl.when(pl.col(f"withheld_{side}")).then(None).otherwise(pl.col(f"{m}_{side}")).alias(f"{m}_{side}")
        for m in dict.fromkeys(("incidents", "per_day", rate))
        for side in ("baseline", "target")
        if f"{m}_{side}" in frame.columns
    )
    either = pl.col("withheld_baseline") | pl.col("withheld_target")
    return out.with_columns(
        pl.when(either).then(None).otherwise(pl.col(c)).alias(c)
        for c in ("change", "percent_change", "direction")
        if c in out.columns
    )


def _publish_ratios(ratios: pl.DataFrame, table: pl.DataFrame, key: str) -> pl.DataFrame:
    """Rate ratios of keys with a withheld count lose their ratio, interval and p (and so their findings)."""
    hidden = table.select(
        pl.col(key).cast(pl.String).alias("_key"), _hidden=pl.col("withheld_baseline") | pl.col("withheld_target")
    )
    out = ratios.with_columns(pl.col(key).cast(pl.String).alias("_key")).join(hidden, on="_key", how="left")
    out = out.with_columns(pl.col("_hidden").fill_null(False).alias("withheld")).drop("_key", "_hidden")
    values = [
        c
        for c in ("ratio", "ci_low", "ci_high", "p_value", "p_adjusted", "count_baseline", "count_target")
        if c in out.columns
    ]
    out = out.with_columns(pl.when(pl.col("withheld")).then(None).otherwise(pl.col(c)).alias(c) for c in values)
    return out.with_columns((pl.col("significant") & ~pl.col("withheld")).alias("significant"))


def _publish_grid(
    ds: Dataset, cmp: Comparison, subregions: pl.DataFrame, phases: pl.DataFrame, min_cell: int
) -> pl.DataFrame:
    """The target's region x phase grid, whole lines withheld where the sub-region or phase total is."""
    level = sub_level(cmp.region)
    grid = rates(ds, ["operation_id", "region", "phase"], cmp.region, level).filter(
        pl.col("operation_id") == cmp.target
    )
    hidden_regions = subregions.filter(pl.col("withheld_target"))["region"].cast(pl.String).to_list()
    hidden_phases = phases.filter(pl.col("withheld_target"))["phase"].cast(pl.String).to_list()
    grid = grid.with_columns(
        _forced=pl.col("region").cast(pl.String).is_in(hidden_regions)
        | pl.col("phase").cast(pl.String).is_in(hidden_phases)
    )
    grid = suppress(grid, "incidents", ["region", "phase"], min_cell, forced="_forced")
    grid = grid.with_columns(
        pl.col("incidents_suppressed").alias("withheld"),
        pl.when(pl.col("incidents_suppressed")).then(None).otherwise(pl.col("per_day")).alias("per_day"),
    )
    names = ds.regions.select(region="region_code", name="name")
    return grid.join(names, on="region", how="left").select(
        "region", "name", "phase", "incidents", "per_day", "withheld"
    )


def _weekly(frame: pl.DataFrame, voting: Mapping[str, dt.date]) -> pl.DataFrame:
    """Daily counts (operation_id, occurred_on, incidents) summed into weeks counted from voting day."""
    votes = pl.DataFrame({"operation_id": list(voting), "_vote": list(voting.values())})
    return (
        frame.join(votes, on="operation_id")
        .with_columns(week=((pl.col("occurred_on") - pl.col("_vote")).dt.total_days() // 7))
        .group_by("operation_id", "week", "_vote")
        .agg(incidents=pl.col("incidents").sum(), days=pl.len(), _first=pl.col("occurred_on").min())
        .with_columns(start=pl.col("_vote") + pl.duration(days=pl.col("week") * 7))
        .drop("_vote")
    )


def publish_series(
    daily: pl.DataFrame,
    operations: Sequence[str],
    voting: Mapping[str, dt.date],
    min_cell: int,
    totals_withheld: Mapping[str, bool],
    rolling: int = 7,
) -> tuple[pl.DataFrame, pl.DataFrame, bool]:
    """Daily (or weekly) counts of the operations for the timeline and the relative-day chart.

    `daily`: operation_id, occurred_on, incidents (every day of each window, zeros included).
    Returns the timeline frame (operation_id, start, days, incidents, withheld), the relative frame
    (bin, <side> and <side>_rolling per operation, keyed "baseline"/"target" by position) and
    whether the series had to be shown by week.
    """
    small = daily.filter(pl.col("incidents").is_between(1, min_cell - 1)).height > 0
    hidden_ops = [op for op in operations if totals_withheld.get(op, False)]
    if not small and not hidden_ops:
        timeline = daily.select(
            "operation_id",
            start="occurred_on",
            days=pl.lit(1, pl.Int64),
            incidents="incidents",
            withheld=pl.lit(False),
        )
        weekly = False
    else:
        weeks = _weekly(daily, voting).with_columns(_forced=pl.col("operation_id").is_in(hidden_ops))
        weeks = suppress(weeks, "incidents", ["week", "operation_id"], min_cell, forced="_forced")
        timeline = weeks.select(
            "operation_id",
            "start",
            pl.col("days").cast(pl.Int64),
            "incidents",
            withheld="incidents_suppressed",
        )
        weekly = True
    timeline = timeline.sort("operation_id", "start")
    voting_frame = pl.DataFrame({"operation_id": list(voting), "_vote": list(voting.values())})
    rel = timeline.join(voting_frame, on="operation_id").with_columns(
        bin=(pl.col("start") - pl.col("_vote")).dt.total_days().cast(pl.Int64)
    )
    sides = []
    for side, op in zip(("baseline", "target"), operations, strict=False):
        part = rel.filter(pl.col("operation_id") == op).select("bin", pl.col("incidents").alias(side))
        sides.append(part)
    relative = sides[0]
    for part in sides[1:]:
        relative = relative.join(part, on="bin", how="full", coalesce=True)
    relative = relative.sort("bin")
    for side in ("baseline", "target")[: len(sides)]:
        mean = (
            pl.when(pl.col(side).is_not_null()).then(pl.col(side).rolling_mean(rolling, center=True, min_samples=1))
            if not weekly
            else pl.lit(None, pl.Float64)
        )
        relative = relative.with_columns(mean.alias(f"{side}_rolling"))
    return timeline, relative, weekly


def _side_totals_withheld(summary: pl.DataFrame) -> dict[str, bool]:
    row = summary.filter(pl.col("metric") == "incidents").row(0, named=True)
    return {"baseline": bool(row["withheld_baseline"]), "target": bool(row["withheld_target"])}


def publish_comparison(
    ds: Dataset,
    baseline: str = "OMB-2023-2024",
    target: str = "OMP-2024",
    region: str | None = None,
    exposure: str = "days",
    min_cell: int = 3,
    alpha: float = 0.05,
) -> PublishedComparison:
    """Compare, then publish every surface of the comparative report through one disclosure pass."""
    from .._errors import UsageError

    if not isinstance(min_cell, int) or isinstance(min_cell, bool) or min_cell < 1:
        raise UsageError("min_cell", min_cell, "a whole number >= 1")
    cmp = compare(ds, baseline, target, region, exposure)
    code = cmp.region
    rate = RATE_COLUMNS[exposure]
    summary = _publish_summary(_anev_rows(cmp), min_cell)
    totals = _side_totals_withheld(summary)
    phases = _publish_table(cmp.phases, "phase", rate, min_cell, totals)
    categories = _publish_table(cmp.categories, "category", rate, min_cell, totals)
    subregions = _publish_table(cmp.subregions, "region", rate, min_cell, totals)

    hidden_total = totals["baseline"] or totals["target"]
    overall = None if hidden_total else overall_ratio(ds, baseline, target, code, exposure, alpha=alpha)
    overall_score = None if hidden_total else overall_ratio(ds, baseline, target, code, exposure, "score", alpha)
    category_ratios = _publish_ratios(
        ratio_table(ds, "category", baseline, target, code, exposure, alpha=alpha), categories, "category"
    )
    phase_ratios = _publish_ratios(
        ratio_table(ds, "phase", baseline, target, code, exposure, alpha=alpha), phases, "phase"
    )
    grid = _publish_grid(ds, cmp, subregions, phases, min_cell)

    voting = dict(ds.operations.select("operation_id", "voting_date").iter_rows())
    daily = rates(ds, ["operation_id", "occurred_on"], code).select("operation_id", "occurred_on", "incidents")
    daily = daily.filter(pl.col("operation_id").is_in([baseline, target]))
    totals_by_op = {baseline: totals["baseline"], target: totals["target"]}
    timeline, relative, weekly = publish_series(daily, [baseline, target], voting, min_cell, totals_by_op)

    level = sub_level(code)
    deployment = required_vs_deployed(ds, code, level).filter(pl.col("operation_id").is_in([baseline, target]))
    published_rates = pl.concat(
        [
            subregions.select(
                pl.lit(op).alias("operation_id"), pl.col("region").cast(pl.String), per_day=pl.col(f"per_day_{side}")
            )
            for side, op in (("baseline", baseline), ("target", target))
        ]
    )
    points = (
        voting_day(ds, code, level)
        .filter(pl.col("operation_id").is_in([baseline, target]))
        .join(published_rates, on=["operation_id", "region"], how="inner")
        .filter(pl.col("per_day").is_not_null() & (pl.col("region") != NATIONAL))  # 00: no region, no TPS
        .join(ds.regions.select(region="region_code", name="name"), on="region", how="left")
    )
    found = findings(ds, cmp, overall, category_ratios, phase_ratios, alpha, cleared=_cleared(summary))
    regression = count_regression(ds, baseline, target, code, exposure, alpha)
    segments = {op: segmented_regression(ds, op, code, alpha=alpha) for op in (baseline, target)}
    statistics = (
        None
        if overall is None or overall_score is None
        else {
            "exposure": exposure,
            "alpha": alpha,
            "attribution": cmp.attribution,
            "rate_ratio": overall.as_dict(),
            "rate_ratio_score": overall_score.as_dict(),
            "count_regression": {**_regression_dict(regression), "exposure": exposure},
            "segmented": {op: _segments_dict(s) for op, s in segments.items()},
        }
    )
    return PublishedComparison(
        comparison=cmp,
        min_cell=min_cell,
        alpha=alpha,
        summary=summary,
        phases=phases,
        categories=categories,
        subregions=subregions,
        overall=overall,
        overall_score=overall_score,
        category_ratios=category_ratios,
        phase_ratios=phase_ratios,
        grid=grid,
        daily=timeline,
        relative=relative,
        weekly=weekly,
        deployment=deployment,
        points=points,
        findings=found,
        regression=regression,
        segments=MappingProxyType(segments),
        statistics=statistics,
    )


def _cleared(summary: pl.DataFrame) -> bool:
    """True when the clearance rates may be published (no number cleared is withheld)."""
    row = summary.filter(pl.col("metric") == "cleared")
    return row.height == 0 or not (row["withheld_baseline"][0] or row["withheld_target"][0])


def as_of_view(ds: Dataset, operation: str, as_of: dt.date) -> Dataset:
    """The dataset as it stood on `as_of` for one operation: incidents, deployments and calendar cut there."""
    calendar = ds.calendar.filter((pl.col("operation_id") == operation) & (pl.col("start_date") <= as_of)).with_columns(
        pl.min_horizontal("end_date", pl.lit(as_of)).alias("end_date")
    )
    deployments = ds.deployments.filter(
        (pl.col("operation_id") == operation) & (pl.col("start_date") <= as_of)
    ).with_columns(pl.min_horizontal("end_date", pl.lit(as_of)).alias("end_date"))
    deployments = deployments.with_columns(
        days=((pl.col("end_date") - pl.col("start_date")).dt.total_days() + 1).cast(pl.Int64)
    ).with_columns(personnel_days=pl.col("personnel") * pl.col("days"))
    incidents = ds.incidents.filter((pl.col("operation_id") == operation) & (pl.col("occurred_on") <= as_of))
    electorate = ds.electorate.filter(pl.col("operation_id") == operation)
    return ds.with_tables(calendar=calendar, deployments=deployments, incidents=incidents, electorate=electorate)


@dataclass(frozen=True)
class PublishedOverview:
    """One operation in one region up to a date, as the overview report may publish it.

    `summary` is one row (incidents, days, per_day, crime_clock_seconds, killed, injured,
    clearance_rate, withheld); `recent` the last seven days against the seven before (both None
    when either is withheld); the key tables hold incidents, per_day and withheld.
    """

    view: Dataset
    operation: str
    region: str | None
    as_of: dt.date
    min_cell: int
    summary: Mapping[str, Any]
    recent: Mapping[str, Any]
    phases: pl.DataFrame
    categories: pl.DataFrame
    subregions: pl.DataFrame
    daily: pl.DataFrame
    weekly: bool
    deployment: pl.DataFrame

    @property
    def any_withheld(self) -> bool:
        tables = (self.phases, self.categories, self.subregions, self.daily)
        return bool(self.summary["withheld"]) or any(bool(f["withheld"].any()) for f in tables if f.height)


def _one_side(view: Dataset, by: str, region: str | None, min_cell: int, total_withheld: bool) -> pl.DataFrame:
    frame = rates(view, ["operation_id", by], region, sub_level(region) if by == "region" else None)
    frame = frame.select(pl.col(by), "incidents", "per_day").with_columns(_forced=pl.lit(total_withheld))
    frame = suppress(frame, "incidents", [by], min_cell, forced="_forced")
    return frame.with_columns(
        pl.col("incidents_suppressed").alias("withheld"),
        pl.when(pl.col("incidents_suppressed")).then(None).otherwise(pl.col("per_day")).alias("per_day"),
    ).select(by, "incidents", "per_day", "withheld")


def publish_overview(
    ds: Dataset, operation: str, region: str | None, as_of: dt.date, min_cell: int = 3
) -> PublishedOverview:
    """Cut the dataset at `as_of` and publish the overview's surfaces through one disclosure pass."""
    view = as_of_view(ds, operation, as_of)
    r = rates(view, ["operation_id"], region)
    row = r.row(0, named=True) if r.height else {}
    incidents = int(row.get("incidents") or 0)
    withheld = 0 < incidents < min_cell
    cleared_small = _small(row.get("cleared"), min_cell)
    summary = {
        "incidents": None if withheld else incidents,
        "days": int(row.get("days") or 0),
        "per_day": None if withheld else row.get("per_day"),
        "crime_clock_seconds": None if withheld else row.get("crime_clock_seconds"),
        "killed": None if _small(row.get("killed"), min_cell) else int(row.get("killed") or 0),
        "injured": None if _small(row.get("injured"), min_cell) else int(row.get("injured") or 0),
        "clearance_rate": None if withheld or cleared_small else row.get("clearance_rate"),
        "clearance_known": bool(row.get("cleared_known")),  # False: no row says whether it was cleared
        "withheld": withheld,
    }
    daily_all = rates(view, ["occurred_on"], region).select("occurred_on", "incidents")
    last = int(daily_all.filter(pl.col("occurred_on") > as_of - dt.timedelta(days=7))["incidents"].sum())
    before = int(
        daily_all.filter(pl.col("occurred_on").is_between(as_of - dt.timedelta(days=13), as_of - dt.timedelta(days=7)))[
            "incidents"
        ].sum()
    )
    hidden = _small(last, min_cell) or _small(before, min_cell) or withheld
    recent = {
        "last_7_days": None if hidden else last,
        "previous_7_days": None if hidden else before,
        "withheld": hidden,
    }
    daily = rates(view, ["operation_id", "occurred_on"], region).select("operation_id", "occurred_on", "incidents")
    voting = dict(ds.operations.select("operation_id", "voting_date").iter_rows())
    timeline, _, weekly = publish_series(
        daily, [operation], {operation: voting[operation]}, min_cell, {operation: withheld}
    )
    deployment = required_vs_deployed(ds, region, sub_level(region)).filter(pl.col("operation_id") == operation)
    return PublishedOverview(
        view=view,
        operation=operation,
        region=region,
        as_of=as_of,
        min_cell=min_cell,
        summary=MappingProxyType(summary),
        recent=MappingProxyType(recent),
        phases=_one_side(view, "phase", region, min_cell, withheld),
        categories=_one_side(view, "category", region, min_cell, withheld),
        subregions=_one_side(view, "region", region, min_cell, withheld),
        daily=timeline,
        weekly=weekly,
        deployment=deployment,
    )
