"""What a dataset holds, per operation: the tables behind `aar summary` and `aar validate`.

Pure functions of a `Dataset`; the command line only prints them.
"""

from __future__ import annotations

import polars as pl

from .dataset import Dataset
from .derive import region_level
from .schema import CATEGORY_GROUP
from .vocabulary import NATIONAL_CODE

LEVELS = ("national", "province", "regency")


def operations_overview(ds: Dataset) -> pl.DataFrame:
    """One row per operation: window, voting day, regions covered, incidents, personnel-days, voters, TPS.

    "regions" counts the distinct regions with at least one incident, deployment or electorate row
    (the whole country, 00, among them when the data has national rows); "provinces" the provinces.
    """
    covered = pl.concat(
        [t.select("operation_id", "region_code") for t in (ds.incidents, ds.deployments, ds.electorate)]
    ).unique()
    incidents = ds.incidents.group_by("operation_id").agg(
        incidents=pl.len(), killed=pl.col("killed").sum(), injured=pl.col("injured").sum()
    )
    deployed = ds.deployments.group_by("operation_id").agg(personnel_days=pl.col("personnel_days").sum())
    electorate = ds.electorate.group_by("operation_id").agg(voters=pl.col("voters").sum(), tps=pl.col("tps").sum())
    regions = covered.group_by("operation_id").agg(
        regions=pl.len(),
        provinces=pl.col("region_code").filter(pl.col("region_code") != NATIONAL_CODE).str.slice(0, 2).n_unique(),
    )
    return (
        ds.operations.select("operation_id", "name", "start_date", "end_date", "voting_date")
        .join(regions, on="operation_id", how="left")
        .join(incidents, on="operation_id", how="left")
        .join(deployed, on="operation_id", how="left")
        .join(electorate, on="operation_id", how="left")
        .with_columns(
            pl.col(c).fill_null(0)
            for c in ("regions", "provinces", "incidents", "killed", "injured", "personnel_days", "voters", "tps")
        )
        .sort("voting_date")
    )


def incidents_by_group(ds: Dataset) -> pl.DataFrame:
    """Incidents per operation (rows) and category group (columns), every group shown."""
    counts = ds.incidents.group_by("operation_id", "category_group").agg(n=pl.len())
    wide = counts.pivot(on="category_group", index="operation_id", values="n")
    for group in CATEGORY_GROUP.codes:
        if group not in wide.columns:
            wide = wide.with_columns(pl.lit(0, pl.UInt32).alias(group))
    return wide.select("operation_id", *CATEGORY_GROUP.codes).fill_null(0).sort("operation_id")


def phases_overview(ds: Dataset) -> pl.DataFrame:
    """Per operation and phase: national dates, days, and incidents in that phase (all provinces)."""
    national = ds.phases.filter(pl.col("province_code").is_null()).select(
        "operation_id", pl.col("phase").cast(ds.calendar.schema["phase"]), "start_date", "end_date"
    )
    counts = ds.incidents.group_by("operation_id", "phase").agg(incidents=pl.len())
    return (
        national.join(counts, on=["operation_id", "phase"], how="left")
        .with_columns(
            days=((pl.col("end_date") - pl.col("start_date")).dt.total_days() + 1).cast(pl.Int64),
            incidents=pl.col("incidents").fill_null(0),
        )
        .sort("operation_id", "start_date")
    )


def table_sizes(ds: Dataset) -> pl.DataFrame:
    """Rows per table of the dataset (the derived `windows` and `calendar` left out)."""
    names = [n for n in ds.tables if n not in ("windows", "calendar")]
    return pl.DataFrame({"table": names, "rows": [ds.tables[n].height for n in names]})


def levels_overview(ds: Dataset) -> pl.DataFrame:
    """Rows per level of their region, per table: level (national, province, regency), incidents,
    deployments, electorate.

    Which levels the data holds: a national bulletin gives national rows (region 00), a Polda's
    report province rows, a Polres' kabupaten/kota rows. National incident rows are what the
    regional rows of their day leave over (`aar._data.derive.reconcile_incidents`); the national
    electorate may be the shipped one.
    """
    out = pl.DataFrame({"level": list(LEVELS)})
    for name in ("incidents", "deployments", "electorate"):
        rows = ds.tables[name].group_by(level=region_level(pl.col("region_code"))).agg(pl.len().alias(name))
        out = out.join(rows, on="level", how="left")
    return out.with_columns(pl.exclude("level").fill_null(0).cast(pl.Int64))
