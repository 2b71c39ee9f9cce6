"""Derived columns: pure functions from frames to frames, no I/O.

- `province_windows`: each operation's window in each province (a Polda's own window where known,
  else the operation's), with its voting day.
- `phase_calendar`: the phases of each operation in each province, clipped to that window.
- `assign_operations`: each incident's operation, from its date and its province's windows. Where
  two windows overlap (OMB ran until 20 Oct 2024, OMP started in August 2024), the incident goes to
  the operation whose voting day is nearer; a tie goes to the later one.
- `assign_phases`: each incident's phase and its day relative to voting day (0 is "hari H").
- `deployment_days`: days and personnel-days of each deployment (both ends inclusive).
- `expand_sitrep`: the wide daily situation report into incident and deployment rows.
"""

from __future__ import annotations

import polars as pl

from ._reading import ROW
from ._schema import CATEGORY_GROUP, CATEGORY_GROUP_OF, PHASE, TABLES

PHASE_ENUM = pl.Enum(list(PHASE.codes))


def province_of(code: pl.Expr) -> pl.Expr:
    """Province code of a region code: "18.72" -> "18", "18" -> "18"."""
    return code.str.slice(0, 2)


def province_windows(operations: pl.DataFrame, windows: pl.DataFrame, provinces: pl.Series) -> pl.DataFrame:
    """operation_id, province_code, codename, start_date, end_date, voting_date for every province."""
    grid = operations.select("operation_id", "start_date", "end_date", "voting_date").join(
        pl.DataFrame({"province_code": provinces.unique().sort()}), how="cross"
    )
    own = windows.select("operation_id", "province_code", "codename", pl.col("start_date").alias("own_start"), pl.col("end_date").alias("own_end"))
    return (
        grid.join(own, on=["operation_id", "province_code"], how="left")
        .select(
            "operation_id",
            "province_code",
            "codename",
            pl.coalesce("own_start", "start_date").alias("start_date"),
            pl.coalesce("own_end", "end_date").alias("end_date"),
            "voting_date",
        )
        .sort("operation_id", "province_code")
    )


def phase_calendar(phases: pl.DataFrame, windows: pl.DataFrame) -> pl.DataFrame:
    """operation_id, province_code, phase, start_date, end_date: every province's phases.

    A province with phase rows of its own for an operation uses those; the others use the
    operation's national rows (province_code empty). Either is clipped to the province's window and
    phases left empty by the clipping are dropped.
    """
    own = phases.filter(pl.col("province_code").is_not_null())
    national = phases.filter(pl.col("province_code").is_null()).drop("province_code")
    has_own = own.select("operation_id", "province_code").unique()
    from_national = (
        windows.select("operation_id", "province_code")
        .join(has_own, on=["operation_id", "province_code"], how="anti")
        .join(national, on="operation_id", how="inner")
    )
    columns = ["operation_id", "province_code", "phase", "start_date", "end_date"]
    both = pl.concat([from_national.select(columns), own.select(columns)])
    clipped = both.join(windows.select("operation_id", "province_code", pl.col("start_date").alias("w_start"), pl.col("end_date").alias("w_end")), on=["operation_id", "province_code"]).select(
        "operation_id",
        "province_code",
        pl.col("phase").cast(PHASE_ENUM),
        pl.max_horizontal("start_date", "w_start").alias("start_date"),
        pl.min_horizontal("end_date", "w_end").alias("end_date"),
    )
    return clipped.filter(pl.col("start_date") <= pl.col("end_date")).sort("operation_id", "province_code", "start_date")


def assign_operations(incidents: pl.DataFrame, windows: pl.DataFrame) -> pl.DataFrame:
    """Fill operation_id from date and province; add province_code and `window_ok`.

    `window_ok` is False for an incident outside every window of its province (or, when it names
    its operation, outside that operation's window there). The rule is applied once per distinct
    (date, province, named operation), then joined back, so its cost does not grow with the rows.
    """
    keys = ["occurred_on", "province_code", "operation_id"]
    base = incidents.with_columns(province_code=province_of(pl.col("region_code")))
    distinct = base.select(keys).unique()
    chosen = (
        distinct.join(windows.select("operation_id", "province_code", "start_date", "end_date", "voting_date").rename({"operation_id": "_op"}), on="province_code")
        .filter(pl.col("occurred_on").is_between("start_date", "end_date") & (pl.col("operation_id").is_null() | (pl.col("operation_id") == pl.col("_op"))))
        .with_columns(_distance=(pl.col("occurred_on") - pl.col("voting_date")).dt.total_days().abs())
        .sort(*keys, "_distance", "voting_date", descending=[False, False, False, False, True], nulls_last=True)
        .unique(keys, keep="first", maintain_order=True)
        .select(*keys, "_op")
    )
    return (
        base.join(chosen, on=keys, how="left", nulls_equal=True, maintain_order="left")
        .with_columns(window_ok=pl.col("_op").is_not_null(), operation_id=pl.coalesce("operation_id", "_op"))
        .drop("_op")
    )


def assign_phases(incidents: pl.DataFrame, calendar: pl.DataFrame, operations: pl.DataFrame) -> pl.DataFrame:
    """Add phase, relative_day (days from voting day) and category_group to incidents.

    Like `assign_operations`, the phase is looked up once per distinct (operation, province, date).
    """
    keys = ["operation_id", "province_code", "occurred_on"]
    cal = calendar.select("operation_id", "province_code", "phase", pl.col("start_date").alias("_start"), pl.col("end_date").alias("_end"))
    phased = (
        incidents.select(keys)
        .unique()
        .join(cal, on=["operation_id", "province_code"])
        .filter(pl.col("occurred_on").is_between("_start", "_end"))
        .select(*keys, "phase")
    )
    groups = pl.Enum(list(CATEGORY_GROUP.codes))
    return (
        incidents.join(phased, on=keys, how="left", maintain_order="left")
        .join(operations.select("operation_id", "voting_date"), on="operation_id", how="left", maintain_order="left")
        .with_columns(
            relative_day=(pl.col("occurred_on") - pl.col("voting_date")).dt.total_days().cast(pl.Int64),
            category_group=pl.col("category").cast(pl.String).replace_strict(CATEGORY_GROUP_OF, return_dtype=groups),
        )
        .drop("voting_date")
    )


def deployment_days(deployments: pl.DataFrame) -> pl.DataFrame:
    """Add days (end - start + 1) and personnel_days (personnel x days)."""
    days = ((pl.col("end_date") - pl.col("start_date")).dt.total_days() + 1).cast(pl.Int64)
    return deployments.with_columns(days=days).with_columns(personnel_days=pl.col("personnel") * pl.col("days"))


def relative_label(day: int, lang: str = "id") -> str:
    """Polri's notation for a day relative to voting day.

    >>> [relative_label(d) for d in (-3, 0, 2)]
    ['H-3', 'hari H', 'H+2']
    """
    if day == 0:
        return "voting day (H)" if lang == "en" else "hari H"
    return f"H{day:+d}"


def expand_sitrep(sitrep: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(incidents, deployments) from the typed wide situation report.

    Each count becomes that many incident rows, with ids "SR-<region>-<date>-<category>-<n>" and
    `cleared` unknown. MD, LB and LR go to the first traffic accident of that day and region (a
    blank cell counts as 0); `personel` becomes a one-day Polri deployment. The operation must
    already be filled (`assign_operations` on the report's rows).
    """
    counts = [c for c in sitrep.columns if c.startswith("count:")]
    long = (
        sitrep.unpivot(on=counts, index=["occurred_on", "region_code", "operation_id", "killed", "injured_serious", "injured_light", "loss_idr", ROW], variable_name="category", value_name="n")
        .with_columns(pl.col("category").str.strip_prefix("count:"), pl.col("n").fill_null(0))
        .filter(pl.col("n") > 0)
    )
    rows = long.with_columns(k=pl.int_ranges(1, pl.col("n") + 1)).explode("k")
    first_traffic = (pl.col("category") == "laka_lantas") & (pl.col("k") == 1)
    category_dtype = TABLES["incidents"].field("category").dtype
    incidents = rows.select(
        incident_id=pl.format("SR-{}-{}-{}-{}", "region_code", "occurred_on", "category", "k"),
        occurred_on="occurred_on",
        region_code="region_code",
        category=pl.col("category").cast(category_dtype),
        killed=pl.when(first_traffic).then(pl.col("killed").fill_null(0)).otherwise(0),
        injured=pl.when(first_traffic).then(pl.sum_horizontal("injured_serious", "injured_light")).otherwise(0),
        loss_idr=pl.when(first_traffic).then(pl.col("loss_idr").fill_null(0.0)).otherwise(0.0),
        operation_id="operation_id",
        **{ROW: ROW},
    )
    deployments = sitrep.filter(pl.col("personnel").fill_null(0) > 0).select(
        operation_id="operation_id",
        region_code="region_code",
        agency=pl.lit("polri").cast(TABLES["deployments"].field("agency").dtype),
        start_date="occurred_on",
        end_date="occurred_on",
        personnel="personnel",
        unit=pl.lit("sitrep"),
        **{ROW: ROW},
    )
    return incidents, deployments
