"""Counts, exposures and rates for any grouping: the numbers of a Polri anev.

Pure functions of a `Dataset`, each returning a polars frame. Definitions (Indonesian / English):

- incidents (CT, crime total / jumlah kejadian): rows of the incidents table in the group;
- cleared (CC, crime clearance / penyelesaian): incidents with `cleared` true;
- clearance_rate (persentase penyelesaian) = cleared / incidents whose clearance is known;
- killed (MD, meninggal dunia), injured (luka), loss_idr (kerugian materiil, rupiah): sums;
- days (hari operasi): calendar days of the operation's windows in the group (a day counts once
  however many provinces it covers); per_day = incidents / days;
- voters (DPT), tps: electorate of the regions in the group; per_100k_voters = incidents / voters
  x 100,000 (the crime rate convention, over the whole period); per_1000_tps = incidents / tps x 1,000;
- personnel_days (hari-orang): sum over deployments of personnel x days inside the group's period;
  per_1000_personnel_days = incidents / personnel_days x 1,000;
- voter_days = voters x days, tps_days = tps x days: exposures for comparing periods of different
  lengths per population;
- crime_clock_seconds (crime clock / selang waktu kejahatan) = days x 86,400 / incidents: the
  average interval between two incidents.

A group is any combination of `GROUPS`: operation_id, region (at the level asked), phase,
category, category_group, occurred_on, relative_day. Regions roll up by code: "18.72" belongs to
"18"; the national level holds everything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import polars as pl

from .._data.dataset import Dataset
from .._data.derive import NEAREST, category_group_of, credited_days
from .._errors import UsageError

GROUPS = ("operation_id", "region", "phase", "category", "category_group", "occurred_on", "relative_day")
LEVELS = ("national", "province", "regency")
EXPOSURES = ("days", "voters", "tps", "personnel_days", "voter_days", "tps_days")
NATIONAL = "00"
"""Region key of the national level."""

_RATE_SCALE = {
    "days": 1,
    "voters": 100_000,
    "tps": 1_000,
    "personnel_days": 1_000,
    "voter_days": 100_000,
    "tps_days": 1_000,
}
RATE_COLUMNS = {
    "days": "per_day",
    "voters": "per_100k_voters",
    "tps": "per_1000_tps",
    "personnel_days": "per_1000_personnel_days",
    "voter_days": "per_100k_voter_days",
    "tps_days": "per_1000_tps_days",
}


def rate_scale(exposure: str) -> int:
    """The unit a rate of `exposure` is written in: 100,000 for voters, 1,000 for TPS..."""
    check_choice("exposure", exposure, EXPOSURES)
    return _RATE_SCALE[exposure]


def check_choice(argument: str, value: object, allowed: Sequence[object]) -> None:
    """Raise UsageError naming the argument, the allowed values and what was received."""
    if value not in allowed:
        raise UsageError(argument, value, [str(a) for a in allowed])


def check_region(ds: Dataset, region: str | None) -> str | None:
    """The region code to filter on (None: national), after checking it exists."""
    if region in (None, "", "national", NATIONAL):
        return None
    code = str(region)
    if code not in set(ds.regions["region_code"]):
        raise UsageError(
            "region", region, "a Kemendagri code in the dataset's regions, e.g. 18 or 18.72, or 'national'"
        )
    return code


def check_scope(ds: Dataset, region: str | None, operations: Mapping[str, str]) -> str | None:
    """The region code (None: national) after checking that the dataset covers its province and
    that each operation (argument name -> id) has data in the dataset at all.

    A report on a province the data says nothing about, or on an operation with no rows, would be
    a page of zeros that reads as "down 100%"; a region that is covered but had no incident is fine.
    """
    code = check_region(ds, region)
    covered = covered_provinces(ds).to_list()
    if code is not None and code[:2] not in covered:
        where = (
            f"provinces {', '.join(covered)} and their kabupaten/kota, or 'national'"
            if covered
            else "only 'national': the dataset holds national rows only (region 00), no province"
            if has_national(ds)
            else "none yet: the dataset has no incident, deployment or electorate row"
        )
        raise UsageError("region", region, f"a region the dataset covers: {where}")
    with_data = set()
    for table in (ds.incidents, ds.deployments, ds.electorate):
        with_data.update(table["operation_id"].unique().to_list())
    for argument, operation in operations.items():
        check_choice(argument, operation, list(ds.operations["operation_id"]))
        if operation not in with_data:
            which = (
                ", ".join(sorted(with_data)) or "none yet: the dataset has no incident, deployment or electorate row"
            )
            raise UsageError(
                argument, operation, f"an operation with incidents, deployments or electorate in the dataset: {which}"
            )
    return code


def level_of(region: str | None) -> str:
    """The level of a region code: national (None), province ("18") or regency ("18.72")."""
    if region is None:
        return "national"
    return "province" if len(region) == 2 else "regency"


def sub_level(region: str | None) -> str:
    """The level just below a region: provinces under the nation, kabupaten/kota under a province."""
    return {"national": "province", "province": "regency", "regency": "regency"}[level_of(region)]


def in_region(region: str | None, code: str = "region_code") -> pl.Expr:
    if region is None:
        return pl.lit(True)
    if len(region) == 2:
        return pl.col(code).str.slice(0, 2) == region
    return pl.col(code) == region


def region_key(level: str, code: str = "region_code") -> pl.Expr:
    if level == "national":
        return pl.lit(NATIONAL).alias("region")
    if level == "province":
        return pl.col(code).str.slice(0, 2).alias("region")
    return pl.col(code).alias("region")


def _check_groups(by: Iterable[str]) -> list[str]:
    keys = list(by)
    for key in keys:
        check_choice("by", key, GROUPS)
    return keys


def covered_provinces(ds: Dataset) -> pl.Series:
    """Provinces the dataset covers: those with any incident, deployment or electorate row.

    Rates and comparisons count days and regions only there, so a dataset of three provinces is
    not diluted by the 35 it says nothing about. National rows (region 00, a national bulletin)
    cover no province: `has_national` says whether there are any.
    """
    return ds.memo("covered_provinces", lambda: _covered(_covered_plan(ds).collect()))


def _covered_plan(ds: Dataset) -> pl.LazyFrame:
    tables = (ds.incidents.lazy(), ds.deployments.lazy(), ds.electorate.lazy())
    return pl.concat([t.select(pl.col("region_code").str.slice(0, 2)).unique() for t in tables]).unique()


def _covered(codes: pl.DataFrame) -> pl.Series:
    covered = codes.get_column("region_code")
    return covered.filter(covered != NATIONAL).sort().alias("province_code")


def has_national(ds: Dataset) -> bool:
    """Whether the dataset holds national rows: incidents or deployments of the whole country
    (region 00, as a national bulletin gives them). Their days count at national level only."""
    return ds.memo("has_national", lambda: _has_national(ds))


def _has_national(ds: Dataset) -> bool:
    return any(bool((t["region_code"] == NATIONAL).any()) for t in (ds.incidents, ds.deployments))


def _day_provinces(ds: Dataset) -> pl.Series:
    """The province codes whose calendar days count: the covered provinces, and 00 with national rows."""
    covered = covered_provinces(ds)
    return pl.concat([covered, pl.Series([NATIONAL])]) if has_national(ds) else covered


def data_levels(ds: Dataset) -> dict[str, int]:
    """Incident rows per level of their region: national (00), province, regency (kabupaten/kota).

    A report's data notes and `aar summary` say which levels the data holds; national rows are
    what the regional rows of their day leave unexplained (see `aar._data.derive.reconcile_incidents`).
    """
    from .._data.derive import region_level

    found = ds.incidents.group_by(level=region_level(pl.col("region_code"))).agg(rows=pl.len())
    counted = dict(found.iter_rows())
    return {level: int(counted.get(level, 0)) for level in LEVELS}


def prepare(ds: Dataset, region: str | None, level: str) -> None:
    """Build the count cube of `region` at `level` and the covered provinces in one parallel pass,
    then the exposure days at that level.

    All are kept with the dataset (`Dataset.memo`); a comparison or a report asks for them many
    times, the cube and the provinces built together share the cores, and the nation's exposure
    days are summed from its provinces'.
    """
    region = check_region(ds, region)
    key = ("cube", region, level)
    if not ds.memoised(key) and not ds.memoised("covered_provinces"):
        plans = [count_cube(ds.incidents.lazy(), ds.operations, region, level), _covered_plan(ds)]
        cube_frame, codes = pl.collect_all(plans)
        ds.memo(key, lambda: cube_frame)
        ds.memo("covered_provinces", lambda: _covered(codes))
    ds.memo(("exposure_days", region, level), lambda: _exposure_days(ds, region, level))


def _calendar_days(ds: Dataset, region: str | None, level: str) -> pl.DataFrame:
    """One row per operation, region key, phase and date covered (dates of the calendar)."""
    cal = ds.calendar.filter(pl.col("province_code").is_in(_day_provinces(ds).implode()))
    cal = cal.with_columns(occurred_on=pl.date_ranges("start_date", "end_date")).explode("occurred_on")
    cal = credited_days(
        cal.select("operation_id", "province_code", "phase", "occurred_on"), ds.windows, attribution(ds)
    )
    if level == "regency":
        regencies = ds.regions.filter(pl.col("level") == "regency").select(
            "region_code", province_code=pl.col("parent_code")
        )
        # incidents recorded at Polda level (a province code) form a group of their own
        recorded = (
            ds.incidents.filter(pl.col("region_code").str.len_chars() == 2)
            .select("region_code", province_code="region_code")
            .unique()
        )
        cal = cal.join(pl.concat([regencies, recorded]), on="province_code")
    else:
        cal = cal.with_columns(region_code="province_code")
    return cal.filter(in_region(region)).with_columns(region_key(level))


def attribution(ds: Dataset, region: str | None = None) -> pl.DataFrame:
    """province_code, rule, overlap_days for the covered provinces of `region`: how days in two
    operations' windows are credited ("named": to both, the incidents name their operation;
    "nearest_voting_day": to the one an unnamed incident that day goes to). See `attribution_rules`.
    """
    region = check_region(ds, region)
    if "attribution" in ds.windows.columns:
        rules = ds.windows.select("province_code", rule="attribution", overlap_days="overlap_days").unique()
    else:  # windows built without it: the rule that never counts a day twice
        rules = ds.windows.select("province_code").unique().with_columns(rule=pl.lit(NEAREST), overlap_days=None)
    covered = rules.filter(pl.col("province_code").is_in(_day_provinces(ds).implode()))
    if region is not None:
        covered = covered.filter(pl.col("province_code") == region[:2])
    return covered.sort("province_code")


def attribution_rule(ds: Dataset, region: str | None = None) -> str:
    """The rule of `region` in one word: "named", "nearest_voting_day", or "mixed" (provinces differ);
    "none" when no province of the region has overlapping windows."""
    rules = attribution(ds, region)
    with_overlap = rules.filter(pl.col("overlap_days").fill_null(1) > 0)["rule"].unique().to_list()
    if not with_overlap:
        return "none"
    return with_overlap[0] if len(with_overlap) == 1 else "mixed"


def electorate_rows(ds: Dataset, level: str = "regency") -> pl.DataFrame:
    """Electorate rows without double counting: a province row only where it has no regency rows.

    The whole country's row (region 00, the national voters and TPS) stands for the nation at
    national level, in place of the regions' rows of that operation; below it, the country's row
    is no region's and is left out (the national rows' unattributed remainder has no electorate).
    """
    e = ds.electorate
    whole = e.filter(pl.col("region_code") == NATIONAL)
    e = e.filter(pl.col("region_code") != NATIONAL)
    if level == "national" and not whole.is_empty():
        return pl.concat([e.join(whole.select("operation_id"), on="operation_id", how="anti"), whole])
    has_regencies = (
        e.filter(pl.col("region_code").str.len_chars() > 2)
        .select("operation_id", province=pl.col("region_code").str.slice(0, 2))
        .unique()
    )
    provinces = e.filter(pl.col("region_code").str.len_chars() == 2).join(
        has_regencies, left_on=["operation_id", "region_code"], right_on=["operation_id", "province"], how="anti"
    )
    return pl.concat([e.filter(pl.col("region_code").str.len_chars() > 2), provinces])


def _exposure_days(ds: Dataset, region: str | None, level: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Calendar days of the region's groups, and personnel on each of them.

    Deployments are spread over their days and kept where the calendar has that day, then summed
    per operation, region key, phase and day; `exposures` groups both further, per call. The
    nation's are its provinces' with one region key, so they are summed from those when kept.
    """
    if region is None and level == "national" and ds.memoised(("exposure_days", None, "province")):
        by_province, deployed_by_province = ds.memo(
            ("exposure_days", None, "province"), lambda: _exposure_days(ds, None, "province")
        )
        national = pl.lit(NATIONAL).alias("region")
        deployed = deployed_by_province.group_by("operation_id", national, "phase", "occurred_on", "relative_day").agg(
            pl.col("personnel").sum()
        )
        return by_province.with_columns(national), deployed.select(deployed_by_province.columns)
    days = (
        _calendar_days(ds, region, level)
        .join(ds.operations.select("operation_id", "voting_date"), on="operation_id")
        .with_columns(relative_day=(pl.col("occurred_on") - pl.col("voting_date")).dt.total_days().cast(pl.Int64))
    )
    deployed = (
        ds.deployments.lazy()
        .filter(in_region(region))
        .with_columns(
            occurred_on=pl.date_ranges("start_date", "end_date"), province_code=pl.col("region_code").str.slice(0, 2)
        )
        .explode("occurred_on")
        .with_columns(region_key(level))
        .join(
            days.lazy().select("operation_id", "province_code", "occurred_on", "phase", "relative_day").unique(),
            on=["operation_id", "province_code", "occurred_on"],
        )
        .group_by("operation_id", "region", "phase", "occurred_on", "relative_day")
        .agg(pl.col("personnel").sum())
        .collect()
    )
    return days, deployed


def exposures(
    ds: Dataset, by: Sequence[str] = ("operation_id",), region: str | None = None, level: str | None = None
) -> pl.DataFrame:
    """Exposures per group: days, voters, tps, personnel_days, voter_days, tps_days.

    Groups by the keys of `by` that exposures depend on (operation_id, region, phase, occurred_on,
    relative_day); category keys do not change exposures.
    """
    region = check_region(ds, region)
    level = level or level_of(region)
    check_choice("level", level, LEVELS)
    keys = [k for k in _check_groups(by) if k in ("operation_id", "region", "phase", "occurred_on", "relative_day")]
    days, deployed = ds.memo(("exposure_days", region, level), lambda: _exposure_days(ds, region, level))
    spine = (
        days.group_by(keys).agg(days=pl.col("occurred_on").n_unique())
        if keys
        else days.select(days=pl.col("occurred_on").n_unique())
    )
    # electorate: per operation and region key, independent of phase and day
    elector = electorate_rows(ds, level).filter(in_region(region)).with_columns(region_key(level))
    e_keys = [k for k in keys if k in ("operation_id", "region")]
    voters = (
        elector.group_by(e_keys).agg(voters=pl.col("voters").sum(), tps=pl.col("tps").sum())
        if e_keys
        else elector.select(voters=pl.col("voters").sum(), tps=pl.col("tps").sum())
    )
    personnel = (
        deployed.group_by(keys).agg(personnel_days=pl.col("personnel").sum())
        if keys
        else deployed.select(personnel_days=pl.col("personnel").sum())
    )
    if keys:
        out = spine.join(voters, on=e_keys, how="left") if e_keys else spine.join(voters, how="cross")
        out = out.join(personnel, on=keys, how="left")
    else:
        out = pl.concat([spine, voters, personnel], how="horizontal")
    return out.with_columns(
        pl.col("voters").fill_null(0),
        pl.col("tps").fill_null(0),
        pl.col("personnel_days").fill_null(0).cast(pl.Int64),
    ).with_columns(
        voter_days=pl.col("voters") * pl.col("days"),
        tps_days=pl.col("tps") * pl.col("days"),
    )


_COUNT_COLUMNS = ("incidents", "cleared", "cleared_known", "killed", "injured", "loss_idr")


def cube(ds: Dataset, region: str | None = None, level: str = "regency") -> pl.DataFrame:
    """The count cube: operation x region x phase x category x day, with every count column.

    Built lazily, touching only the columns it needs, grouped on the keys that vary independently
    (the category group follows from the category, the relative day from operation and date), and
    kept with the dataset: the metrics of a report ask for it many times. Columns: operation_id,
    region, phase, category, category_group, occurred_on, relative_day, incidents, cleared,
    cleared_known, killed, injured, loss_idr.
    """
    region = check_region(ds, region)
    check_choice("level", level, LEVELS)
    return ds.memo(("cube", region, level), lambda: _cube(ds, region, level))


def _cube(ds: Dataset, region: str | None, level: str) -> pl.DataFrame:
    return count_cube(ds.incidents.lazy(), ds.operations, region, level).collect()


def count_cube(
    incidents: pl.LazyFrame, operations: pl.DataFrame, region: str | None = None, level: str = "regency"
) -> pl.LazyFrame:
    """The plan of `cube` over any frame of loaded incidents, such as a Parquet scan.

    Data larger than memory: `count_cube(pl.scan_parquet(path), ds.operations).collect(engine="streaming")`
    builds the cube in batches, from incidents saved by `save_prepared` (they carry the derived
    phase and province).
    """
    check_choice("level", level, LEVELS)
    key = pl.col("province_code").alias("region") if level == "province" else region_key(level)
    counted = (
        incidents.filter(in_region(region))
        .group_by("operation_id", key, "phase", "category", "occurred_on")
        .agg(
            incidents=pl.len(),
            cleared=pl.col("cleared").sum(),
            cleared_known=pl.col("cleared").count(),
            killed=pl.col("killed").sum(),
            injured=pl.col("injured").sum(),
            loss_idr=pl.col("loss_idr").sum(),
        )
    )
    voting = operations.lazy().select("operation_id", "voting_date")
    return counted.join(voting, on="operation_id", how="left").select(
        "operation_id",
        "region",
        "phase",
        "category",
        category_group_of(pl.col("category")).alias("category_group"),
        "occurred_on",
        (pl.col("occurred_on") - pl.col("voting_date")).dt.total_days().cast(pl.Int64).alias("relative_day"),
        *_COUNT_COLUMNS,
    )


def counts(
    ds: Dataset, by: Sequence[str] = ("operation_id",), region: str | None = None, level: str | None = None
) -> pl.DataFrame:
    """Incidents, cleared, clearance rate, killed, injured and loss per group (groups with incidents only)."""
    keys = _check_groups(by)
    region = check_region(ds, region)
    level = level or level_of(region)
    # one cube serves every grouping without regions and the sub-region tables: build it once
    c = cube(ds, region, level if "region" in keys else sub_level(region))
    grouped = c.group_by(keys).agg(pl.col(_COUNT_COLUMNS).sum()) if keys else c.select(pl.col(_COUNT_COLUMNS).sum())
    out = grouped.with_columns(
        pl.col("incidents", "cleared", "cleared_known", "killed", "injured").cast(pl.Int64),
        clearance_rate=pl.when(pl.col("cleared_known") > 0).then(pl.col("cleared") / pl.col("cleared_known")),
    )
    return out.sort(keys) if keys else out


def rates(
    ds: Dataset,
    by: Sequence[str] = ("operation_id",),
    region: str | None = None,
    level: str | None = None,
    categories: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Counts with exposures and every rate, one row per group, zero-count groups included.

    Groups come from the calendar (every operation, region, phase and day of the period) crossed
    with the categories present (or `categories`), so a phase without incidents shows 0, not nothing.
    Kept with the dataset (`Dataset.memo`): a report asks for the same grouping several times.
    """
    keys = _check_groups(by)
    region = check_region(ds, region)
    level = level or level_of(region)
    chosen = None if categories is None else tuple(categories)
    return ds.memo(("rates", tuple(keys), region, level, chosen), lambda: _rates(ds, keys, region, level, chosen))


def _rates(
    ds: Dataset, keys: list[str], region: str | None, level: str, categories: Sequence[str] | None
) -> pl.DataFrame:
    exposure = exposures(ds, keys, region, level)
    category_keys = [k for k in keys if k in ("category", "category_group")]
    spine = exposure
    if category_keys:
        present = counts(ds, category_keys, region, level).select(category_keys)
        if categories is not None:
            present = present.filter(pl.col(category_keys[0]).cast(pl.String).is_in(list(categories)))
        spine = exposure.join(present, how="cross")
    counted = counts(ds, keys, region, level)
    out = spine.join(counted, on=keys, how="left") if keys else pl.concat([spine, counted], how="horizontal")
    out = out.with_columns(pl.col(c).fill_null(0) for c in _COUNT_COLUMNS).with_columns(
        clearance_rate=pl.when(pl.col("cleared_known") > 0).then(pl.col("cleared") / pl.col("cleared_known")),
        **{
            RATE_COLUMNS[e]: pl.when(pl.col(e) > 0).then(pl.col("incidents") / pl.col(e) * _RATE_SCALE[e])
            for e in EXPOSURES
        },
        crime_clock_seconds=pl.when(pl.col("incidents") > 0).then(pl.col("days") * 86_400 / pl.col("incidents")),
    )
    return out.sort(keys) if keys else out


def duration_parts(seconds: float) -> dict[str, int]:
    """A duration split into days, hours, minutes and seconds of its absolute value, and its sign.

    divmod of a negative number rounds towards minus infinity (-2413 s would read -41 min 47 s);
    this splits |seconds| and keeps the sign apart: -2413 s is sign -1, 40 min 13 s.

    >>> duration_parts(-2413)
    {'sign': -1, 'days': 0, 'hours': 0, 'minutes': 40, 'seconds': 13}
    """
    total = round(abs(seconds))
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    sign = 0 if total == 0 else (1 if seconds > 0 else -1)
    return {"sign": sign, "days": days, "hours": hours, "minutes": minutes, "seconds": secs}


def crime_clock_change(baseline_seconds: float | None, target_seconds: float | None) -> dict[str, object] | None:
    """The crime clock's change as numbers a sentence can use; None when either clock is missing.

    difference_seconds = target - baseline (signed): negative when incidents came more often in the
    target. `more_often` says that in words' terms, `difference` splits |difference| (`duration_parts`).
    A reader's sentence: "one case every 1 h 46 min, against every 2 h 27 min before: 41 minutes
    more often".

    >>> change = crime_clock_change(8_820, 6_407)
    >>> change["difference_seconds"], change["more_often"], change["difference"]["minutes"]
    (-2413, True, 40)
    """
    if baseline_seconds is None or target_seconds is None:
        return None
    difference = target_seconds - baseline_seconds
    return {
        "baseline_seconds": baseline_seconds,
        "target_seconds": target_seconds,
        "difference_seconds": difference,
        "more_often": difference < 0,
        "baseline": duration_parts(baseline_seconds),
        "target": duration_parts(target_seconds),
        "difference": duration_parts(difference),
    }


def percentage_points(baseline_share: float | None, target_share: float | None) -> float | None:
    """The change of a share (such as the clearance rate, 0 to 1) in percentage points.

    >>> round(percentage_points(0.62, 0.575), 6)
    -4.5
    """
    if baseline_share is None or target_share is None:
        return None
    return (target_share - baseline_share) * 100


def percent_change(baseline: float | None, target: float | None) -> float | None:
    """(target - baseline) / baseline x 100; None when the baseline is 0 or missing.

    >>> percent_change(40, 50)
    25.0
    """
    if baseline in (None, 0) or target is None:
        return None
    return (target - baseline) / baseline * 100  # type: ignore[operator]


def direction(baseline: float | None, target: float | None) -> str | None:
    """Polri's word for the change: "naik" (up), "turun" (down) or "tetap" (unchanged)."""
    if baseline is None or target is None:
        return None
    return "naik" if target > baseline else "turun" if target < baseline else "tetap"
