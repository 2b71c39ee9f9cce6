"""Deployment metrics: was the force where the threat was?

- `personnel`: personnel and personnel-days by operation, agency and region;
- `voting_day`: on voting day, per region: Polri (and all agencies) on duty, TPS, voters,
  personnel per TPS and voters per officer;
- `required_personnel`: police and Linmas the TPS guard patterns require, per operation and region.
  A pattern police-TPS-Linmas of 2-4-6 means 2 police and 6 Linmas for every 4 TPS of that class, so
  a region needs ceil(TPS of the class / 4) x 2 police. The most specific pattern applies: one for
  the kabupaten/kota before one for its province before the national default, one for the
  operation before one for all operations. TPS of a class without a pattern (often khusus) are
  counted in `tps_without_pattern`;
- `required_vs_deployed`: those requirements against the Polri on duty on voting day.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from .._data.dataset import Dataset
from .metrics import LEVELS, check_choice, check_region, electorate_rows, in_region, level_of, region_key

CLASSES = ("kurang_rawan", "rawan", "sangat_rawan", "khusus")


def personnel(
    ds: Dataset, by: Sequence[str] = ("operation_id", "agency"), region: str | None = None, level: str | None = None
) -> pl.DataFrame:
    """Personnel (sum over deployment rows) and personnel-days per group of operation_id, agency, region."""
    for key in by:
        check_choice("by", key, ("operation_id", "agency", "region"))
    code = check_region(ds, region)
    if level is not None:
        check_choice("level", level, LEVELS)
    frame = ds.deployments.filter(in_region(code)).with_columns(region_key(level or level_of(code)))
    keys = list(by)
    out = (
        frame.group_by(keys).agg(personnel=pl.col("personnel").sum(), personnel_days=pl.col("personnel_days").sum())
        if keys
        else frame.select(personnel=pl.col("personnel").sum(), personnel_days=pl.col("personnel_days").sum())
    )
    return out.sort(keys) if keys else out


def required_personnel(electorate: pl.DataFrame, patterns: pl.DataFrame) -> pl.DataFrame:
    """Police and Linmas required by the guard patterns, per operation_id and region_code.

    >>> e = pl.DataFrame({"operation_id": ["OMP-2024"], "region_code": ["18.72"], "tps_kurang_rawan": [9],
    ...     "tps_rawan": [2], "tps_sangat_rawan": [0], "tps_khusus": [1]})
    >>> p = pl.DataFrame({"operation_id": [None, None], "region_code": [None, None],
    ...     "vulnerability": ["kurang_rawan", "rawan"], "police": [2, 4], "tps": [4, 2], "linmas": [6, 8]},
    ...     schema_overrides={"operation_id": pl.String, "region_code": pl.String})
    >>> required_personnel(e, p).row(0)
    ('OMP-2024', '18.72', 10, 26, 1)
    """
    long = electorate.unpivot(
        on=[f"tps_{c}" for c in CLASSES],
        index=["operation_id", "region_code"],
        variable_name="vulnerability",
        value_name="class_tps",
    ).with_columns(pl.col("vulnerability").str.strip_prefix("tps_"), pl.col("class_tps").fill_null(0))
    rules = patterns.select(
        pl.col("operation_id").alias("p_operation"),
        pl.col("region_code").alias("p_region"),
        pl.col("vulnerability").cast(pl.String),
        "police",
        pl.col("tps").alias("p_tps"),
        "linmas",
    )
    applicable = (
        long.join(rules, on="vulnerability", how="left")
        .filter(
            (pl.col("p_operation").is_null() | (pl.col("p_operation") == pl.col("operation_id")))
            & (
                pl.col("p_region").is_null()
                | (pl.col("p_region") == pl.col("region_code"))
                | (pl.col("p_region") == pl.col("region_code").str.slice(0, 2))
            )
        )
        .with_columns(
            rank=pl.col("p_region").str.len_chars().fill_null(0) * 2
            + pl.col("p_operation").is_not_null().cast(pl.Int64)
        )
        .sort("rank", descending=True)
        .unique(["operation_id", "region_code", "vulnerability"], keep="first")
    )
    chosen = long.join(
        applicable.select("operation_id", "region_code", "vulnerability", "police", "p_tps", "linmas"),
        on=["operation_id", "region_code", "vulnerability"],
        how="left",
    )
    groups = (pl.col("class_tps") + pl.col("p_tps") - 1) // pl.col("p_tps")
    return (
        chosen.with_columns(police_required=groups * pl.col("police"), linmas_required=groups * pl.col("linmas"))
        .group_by("operation_id", "region_code")
        .agg(
            police_required=pl.col("police_required").sum(),
            linmas_required=pl.col("linmas_required").sum(),
            tps_without_pattern=pl.col("class_tps").filter(pl.col("p_tps").is_null()).sum(),
        )
        .with_columns(pl.col("police_required", "linmas_required", "tps_without_pattern").cast(pl.Int64))
        .sort("operation_id", "region_code")
    )


def voting_day(ds: Dataset, region: str | None = None, level: str | None = None) -> pl.DataFrame:
    """Per operation and region on voting day: personnel by agency, TPS, voters, Polri per TPS, voters per officer."""
    code = check_region(ds, region)
    if level is not None:
        check_choice("level", level, LEVELS)
    lvl = level or level_of(code)
    on_duty = (
        ds.deployments.filter(in_region(code))
        .join(ds.operations.select("operation_id", "voting_date"), on="operation_id")
        .filter(pl.col("voting_date").is_between("start_date", "end_date"))
        .with_columns(region_key(lvl))
        .group_by("operation_id", "region")
        .agg(
            polri=pl.col("personnel").filter(pl.col("agency") == "polri").sum(),
            tni=pl.col("personnel").filter(pl.col("agency") == "tni").sum(),
            linmas=pl.col("personnel").filter(pl.col("agency") == "linmas").sum(),
            all_agencies=pl.col("personnel").sum(),
        )
    )
    electorate = (
        electorate_rows(ds)
        .filter(in_region(code))
        .with_columns(region_key(lvl))
        .group_by("operation_id", "region")
        .agg(pl.col("voters", "tps").sum())
    )
    return (
        electorate.join(on_duty, on=["operation_id", "region"], how="full", coalesce=True)
        .with_columns(pl.col("polri", "tni", "linmas", "all_agencies", "voters", "tps").fill_null(0))
        .with_columns(
            polri_per_tps=pl.when(pl.col("tps") > 0).then(pl.col("polri") / pl.col("tps")),
            voters_per_officer=pl.when(pl.col("polri") > 0).then(pl.col("voters") / pl.col("polri")),
        )
        .sort("operation_id", "region")
    )


def required_vs_deployed(ds: Dataset, region: str | None = None, level: str | None = None) -> pl.DataFrame:
    """Police the guard patterns require against the Polri on duty on voting day, per operation and region.

    coverage = polri on duty / police required; shortfall = max(required - on duty, 0).
    """
    code = check_region(ds, region)
    if level is not None:
        check_choice("level", level, LEVELS)
    lvl = level or level_of(code)
    required = (
        required_personnel(electorate_rows(ds).filter(in_region(code)), ds.guard_patterns)
        .with_columns(region_key(lvl))
        .group_by("operation_id", "region")
        .agg(pl.col("police_required", "linmas_required", "tps_without_pattern").sum())
    )
    deployed = voting_day(ds, code, lvl).select("operation_id", "region", "polri", "linmas", "tps")
    return (
        required.join(deployed, on=["operation_id", "region"], how="left")
        .with_columns(pl.col("polri", "linmas", "tps").fill_null(0))
        .with_columns(
            coverage=pl.when(pl.col("police_required") > 0).then(pl.col("polri") / pl.col("police_required")),
            shortfall=pl.max_horizontal(pl.col("police_required") - pl.col("polri"), pl.lit(0)),
        )
        .sort("operation_id", "region")
    )
