"""Derived columns: pure functions from frames to frames, no I/O.

- `province_windows`: each operation's window in each province (a Polda's own window where known,
  else the operation's), with its voting day.
- `phase_calendar`: the phases of each operation in each province, clipped to that window.
- `assign_operations`: each incident's operation, from its date and its province's windows. Where
  two windows overlap (OMB ran until 20 Oct 2024, OMP started in August 2024), the incident goes to
  the operation whose voting day is nearer; a tie goes to the later one.
- `place_incidents`: the operation as above, and each incident's phase, its day relative to voting
  day (0 is "hari H") and its category group, in one pass over the rows, as loading does.
- `attribution_rules`, `credited_days`: one rule for incidents and exposure where windows overlap.
  Where a province's incidents do not name their operation, each overlap day is credited to the
  operation an unnamed incident that day goes to (nearer voting day), for incidents and exposure
  alike; where they name it, both operations truly ran and both are credited with the day.
- `deployment_days`: days and personnel-days of each deployment (both ends inclusive).
- `expand_sitrep`: the wide daily situation report into incident and deployment rows.
- `reconcile_incidents`, `reconcile_deployments`, `national_span`: national rows (region 00, a
  national bulletin) beside regional rows of the same day: the national figure is the total, the
  regional rows its breakdown, the excess the "unattributed" remainder; the nation's days are the
  days its rows span.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import polars as pl

from .reading import ROW, align_chunks
from .runtime import in_threads
from .schema import CATEGORY, CATEGORY_GROUP, CATEGORY_GROUP_OF, PHASE, TABLES
from .vocabulary import NATIONAL_CODE

PHASE_ENUM = pl.Enum(list(PHASE.codes))


def province_of(code: pl.Expr) -> pl.Expr:
    """Province code of a region code: "18.72" -> "18", "18" -> "18"."""
    return code.str.slice(0, 2)


def province_windows(operations: pl.DataFrame, windows: pl.DataFrame, provinces: pl.Series) -> pl.DataFrame:
    """operation_id, province_code, codename, start_date, end_date, voting_date for every province."""
    grid = operations.select("operation_id", "start_date", "end_date", "voting_date").join(
        pl.DataFrame({"province_code": provinces.unique().sort()}), how="cross"
    )
    own = windows.select(
        "operation_id",
        "province_code",
        "codename",
        pl.col("start_date").alias("own_start"),
        pl.col("end_date").alias("own_end"),
    )
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
    clipped = both.join(
        windows.select(
            "operation_id", "province_code", pl.col("start_date").alias("w_start"), pl.col("end_date").alias("w_end")
        ),
        on=["operation_id", "province_code"],
    ).select(
        "operation_id",
        "province_code",
        pl.col("phase").cast(PHASE_ENUM),
        pl.max_horizontal("start_date", "w_start").alias("start_date"),
        pl.min_horizontal("end_date", "w_end").alias("end_date"),
    )
    return clipped.filter(pl.col("start_date") <= pl.col("end_date")).sort(
        "operation_id", "province_code", "start_date"
    )


@dataclass(frozen=True)
class Codes:
    """A dictionary encoding of a column: each row's position (UInt32) in `values`, its distinct values."""

    codes: pl.Series
    values: pl.Series


_DENSE_SPAN = 1 << 16
"""A date or integer column spanning at most this many values (or twice its rows) is coded by its
distance from the smallest, with no hashing."""

_FEW = 8
"""Distinct values up to which a row's hash is compared with each in turn instead of looked up."""


def _distinct_hashes(distinct: pl.Series) -> tuple[int, pl.Series]:
    """A seed under which the `distinct` values hash to distinct integers, and their hashes."""
    for seed in range(1, 100):
        hashed = distinct.hash(seed)
        if hashed.n_unique() == len(distinct):
            return seed, hashed
    raise AssertionError(  # pragma: no cover - 99 seeds, each with a collision among a column's values
        f"no collision-free hash for the {len(distinct)} distinct values of {distinct.name}"
    )


def _lookup(hashed_rows: pl.Series, hashed: pl.Series, codes: pl.Series) -> pl.Series | None:
    """codes[i] on each row whose hash is hashed[i]; None when some row's hash is none of `hashed`."""
    if hashed_rows.is_empty():
        return pl.Series(hashed_rows.name, [], dtype=pl.UInt32)
    if len(hashed) > _FEW:
        found = hashed_rows.replace_strict(hashed, codes, default=None, return_dtype=pl.UInt32)
    else:
        h = pl.col(hashed_rows.name)
        out = pl.lit(None, pl.UInt32)
        for value, code in zip(hashed[::-1], codes[::-1], strict=True):
            out = pl.when(h == value).then(pl.lit(code, pl.UInt32)).otherwise(out)
        found = hashed_rows.to_frame().select(out).to_series()
    return found if found.null_count() == 0 else None


def _coded(series: pl.Series, distinct: pl.Series, of: Callable[[pl.Series], pl.Series] | None) -> Codes | None:
    """`series` coded by its hash into `distinct` (mapped by `of`); None if a value is not in `distinct`."""
    seed, hashed = _distinct_hashes(distinct)
    if of is None:
        values, codes = distinct, pl.int_range(len(distinct), dtype=pl.UInt32, eager=True)
    else:
        mapped = encode(of(distinct))
        values, codes = mapped.values, mapped.codes
    found = _lookup(series.hash(seed).alias("_hash"), hashed, codes)
    return None if found is None else Codes(found.alias(series.name), values)


def encode(
    series: pl.Series, of: Callable[[pl.Series], pl.Series] | None = None, among: pl.Series | None = None
) -> Codes:
    """`series` as codes into its distinct values, exactly; `of` maps the distinct values first
    (e.g. regions to their provinces), so rows are coded by what their value maps to.

    Dates and integers over a short span are coded by their distance from the smallest value.
    Other columns are hashed: the distinct values' hashes are checked to differ from one another
    (another seed is tried when two collide), so each row's hash names its value exactly, and one
    lookup of that 64-bit integer per row is all the per-row work (no string is compared twice).
    `among`, the values the column may hold (a vocabulary), saves finding its distinct values;
    a row whose value is not among them makes the column coded by its own distinct values instead.
    A null is a value of its own.

    >>> coded = encode(pl.Series(["b", "a", "b", None]))
    >>> coded.values.gather(coded.codes).to_list()
    ['b', 'a', 'b', None]
    """
    dtype = series.dtype
    if of is None and among is None and (dtype == pl.Date or dtype.is_integer()):
        physical = series.to_physical()
        low, high = physical.min(), physical.max()
        if low is not None and int(high) - int(low) < max(_DENSE_SPAN, 2 * len(series)):  # type: ignore[arg-type]
            low, high = int(low), int(high)  # type: ignore[arg-type]
            codes = (physical - low).cast(pl.UInt32)  # exact: the span is below 2**32
            values = pl.int_range(low, high + 1, dtype=pl.Int64, eager=True)
            if series.null_count():
                codes = codes.fill_null(high - low + 1)
                values = values.extend(pl.Series([None], dtype=pl.Int64))
            return Codes(codes.alias(series.name), values.cast(physical.dtype).cast(dtype).alias(series.name))
    if among is not None:
        candidates = pl.concat([among.cast(dtype), pl.Series([None], dtype=dtype)]).unique().alias(series.name)
        coded = _coded(series, candidates, of)
        if coded is not None:
            return coded
    coded = _coded(series, series.unique(), of)
    assert coded is not None  # every value is among the column's own
    return coded


def per_distinct(
    frame: pl.DataFrame,
    keys: list[str],
    derive: Callable[[pl.DataFrame], pl.DataFrame],
    codes: Mapping[str, Codes] | None = None,
) -> pl.DataFrame:
    """`frame` with the columns `derive` computes from the distinct values of `keys`, on every row.

    Five million incidents hold a few ten thousand distinct (date, province, operation): deriving
    once per key keeps the rule's cost off the rows. Each key column is dictionary-coded
    (`encode`), or its codes are given in `codes` (a key that is not a column of `frame`, such as
    a province computed from the region); the codes combine into one exact integer per row. The
    distinct integers are decoded into the distinct keys, `derive` gets them (key columns only) and
    returns them with new columns, one row per key, in any order; each row finds its key's position
    in a table indexed by the integer and the derived columns are gathered by position, which
    copies none of the frame's own columns. Key columns given by `codes` are added to the frame.
    """
    given = dict(codes or {})
    coded = [given[k] if k in given else encode(frame.get_column(k)) for k in keys]
    sizes = [len(c.values) for c in coded]
    if frame.is_empty():  # no rows (a header-only table): the derived columns, empty, with their types
        derived = derive(pl.DataFrame([c.values.clear().alias(k) for k, c in zip(keys, coded, strict=True)]))
        return frame.hstack(derived.select(c for c in derived.columns if c not in frame.columns).get_columns())
    strides = [math.prod(sizes[i + 1 :]) for i in range(len(sizes))]
    total = math.prod(sizes)
    if total >= 1 << 62:  # pragma: no cover - keys too many to combine in 64 bits: a join on the key columns
        keyed = frame.with_columns(c.values.gather(c.codes).alias(k) for k, c in given.items())
        return keyed.join(
            derive(keyed.select(keys).unique()), on=keys, how="left", nulls_equal=True, maintain_order="left"
        )
    wide = pl.UInt32 if total < 1 << 32 else pl.Int64
    parts = pl.DataFrame([c.codes.alias(f"_{i}") for i, c in enumerate(coded)])
    key = parts.select(pl.sum_horizontal(pl.col(f"_{i}").cast(wide) * s for i, s in enumerate(strides))).to_series()
    del parts
    dense = total <= 4 * frame.height + 4096  # a table over every possible key: no hashing per row
    if dense:
        seen = pl.zeros(total, pl.Boolean, eager=True).scatter(key, True)
        distinct_keys = seen.arg_true().cast(wide)
    else:
        distinct_keys = key.unique()
    distinct = pl.DataFrame(
        [
            c.values.gather((distinct_keys // s % n).cast(pl.UInt32)).alias(k)
            for k, c, s, n in zip(keys, coded, strides, sizes, strict=True)
        ]
    ).with_columns(_key=distinct_keys)
    derived = derive(distinct.select(keys))
    if derived.height != distinct.height:  # pragma: no cover - a lost or repeated key is a bug in `derive`
        raise AssertionError(f"derive returned {derived.height} rows for {distinct.height} keys")
    aligned = distinct.join(derived, on=keys, how="left", nulls_equal=True)
    at = pl.int_range(aligned.height, dtype=pl.UInt32, eager=True)
    if dense:
        position = pl.zeros(total, pl.UInt32, eager=True).scatter(aligned.get_column("_key"), at).gather(key)
    else:
        position = key.replace_strict(aligned.get_column("_key"), at)
    del key
    added = [c for c in aligned.columns if c not in frame.columns and c != "_key"]
    like = frame.to_series(0)
    columns = aligned.select(pl.col(added).gather(position)).get_columns()
    return frame.hstack([align_chunks(column, like) for column in columns])


def _choose_operation(distinct: pl.DataFrame, windows: pl.DataFrame) -> pl.DataFrame:
    """For distinct (occurred_on, province_code, operation_id): the operation whose window holds the day (`_op`)."""
    keys = ["occurred_on", "province_code", "operation_id"]
    chosen = (
        distinct.join(
            windows.select("operation_id", "province_code", "start_date", "end_date", "voting_date").rename(
                {"operation_id": "_op"}
            ),
            on="province_code",
        )
        .filter(
            pl.col("occurred_on").is_between("start_date", "end_date")
            & (pl.col("operation_id").is_null() | (pl.col("operation_id") == pl.col("_op")))
        )
        .with_columns(_distance=(pl.col("occurred_on") - pl.col("voting_date")).dt.total_days().abs())
        .sort(*keys, "_distance", "voting_date", descending=[False, False, False, False, True], nulls_last=True)
        .unique(keys, keep="first", maintain_order=True)
        .select(*keys, "_op")
    )
    return distinct.join(chosen, on=keys, how="left", nulls_equal=True)


def assign_operations(incidents: pl.DataFrame, windows: pl.DataFrame) -> pl.DataFrame:
    """Fill operation_id from date and province; add province_code and `window_ok`.

    `window_ok` is False for an incident outside every window of its province (or, when it names
    its operation, outside that operation's window there). The rule is applied once per distinct
    (date, province, named operation), see `per_distinct`.
    """
    keys = ["occurred_on", "province_code", "operation_id"]
    return (
        per_distinct(
            incidents, keys, lambda d: _choose_operation(d, windows), {"province_code": province_codes(incidents)}
        )
        .with_columns(window_ok=pl.col("_op").is_not_null(), operation_id=pl.coalesce("operation_id", "_op"))
        .drop("_op")
    )


def _phase_of(distinct: pl.DataFrame, calendar: pl.DataFrame, operations: pl.DataFrame) -> pl.DataFrame:
    """For distinct (operation_id, province_code, occurred_on): phase and relative_day."""
    keys = ["operation_id", "province_code", "occurred_on"]
    cal = calendar.select(
        "operation_id", "province_code", "phase", pl.col("start_date").alias("_start"), pl.col("end_date").alias("_end")
    )
    phased = (
        distinct.join(cal, on=["operation_id", "province_code"])
        .filter(pl.col("occurred_on").is_between("_start", "_end"))
        .select(*keys, "phase")
    )
    return (
        distinct.join(phased, on=keys, how="left", nulls_equal=True)
        .join(operations.select("operation_id", "voting_date"), on="operation_id", how="left")
        .with_columns(relative_day=(pl.col("occurred_on") - pl.col("voting_date")).dt.total_days().cast(pl.Int64))
        .drop("voting_date")
    )


def province_codes(frame: pl.DataFrame, regions: pl.Series | None = None) -> Codes:
    """Each row's province (`province_of` its region_code) as codes: the province of each distinct
    region (or of each of `regions`, the codes the column may hold), looked up by the region's
    hash; the only string work is on the distinct regions."""
    coded = encode(
        frame.get_column("region_code"),
        lambda regions: regions.to_frame().select(province_of(pl.col(regions.name))).to_series(),
        regions,
    )
    return Codes(coded.codes.alias("province_code"), coded.values.alias("province_code"))


def category_group_of(category: pl.Expr) -> pl.Expr:
    """Group of each category (an Enum of `CATEGORY`), looked up by its position: no string work."""
    groups = pl.Series([CATEGORY_GROUP_OF[c] for c in CATEGORY.codes], dtype=pl.Enum(list(CATEGORY_GROUP.codes)))
    return pl.lit(groups).gather(category.to_physical())


def place_incidents(
    incidents: pl.DataFrame,
    windows: pl.DataFrame,
    calendar: pl.DataFrame,
    operations: pl.DataFrame,
    regions: pl.Series | None = None,
) -> pl.DataFrame:
    """Fill operation_id and add province_code, window_ok, phase, relative_day and category_group.

    The operation follows `assign_operations`; the phase is the calendar's in that operation and
    province on that day. Both rules run once per distinct (date, province, named operation), and
    each row finds its key's values by position (`per_distinct`). `regions`: the region codes the
    incidents may hold (the dataset's regions), so their distinct values need not be searched for;
    the operations' are those of `operations`.
    """
    keys = ["occurred_on", "province_code", "operation_id"]

    def derive(distinct: pl.DataFrame) -> pl.DataFrame:
        chosen = _choose_operation(distinct, windows).with_columns(
            _named=pl.col("operation_id"), operation_id=pl.coalesce("operation_id", "_op")
        )
        phased = _phase_of(chosen.select("operation_id", "province_code", "occurred_on").unique(), calendar, operations)
        placed = chosen.join(phased, on=["operation_id", "province_code", "occurred_on"], how="left", nulls_equal=True)
        return placed.select(
            "occurred_on",
            "province_code",
            pl.col("_named").alias("operation_id"),
            *([pl.col("operation_id").alias("_operation")] if unnamed else []),
            window_ok=pl.col("_op").is_not_null(),
            phase="phase",
            relative_day="relative_day",
        )

    unnamed = incidents.get_column("operation_id").null_count() > 0  # else the column stays as it is
    coded = in_threads(
        [
            lambda: encode(incidents.get_column("occurred_on")),
            lambda: province_codes(incidents, regions),
            lambda: encode(incidents.get_column("operation_id"), among=operations.get_column("operation_id")),
        ],
        incidents.height,
    )
    placed = per_distinct(incidents, keys, derive, dict(zip(keys, coded, strict=True)))
    placed = placed.hstack(
        [
            align_chunks(
                placed.select(category_group=category_group_of(pl.col("category"))).to_series(), placed.to_series(0)
            )
        ]
    )
    return placed.with_columns(operation_id="_operation").drop("_operation") if unnamed else placed


NAMED = "named"
NEAREST = "nearest_voting_day"
ATTRIBUTION_RULES = (NAMED, NEAREST)
"""How the days where two operations' windows overlap in a province are credited (`attribution_rules`)."""


def overlap_days(windows: pl.DataFrame) -> pl.DataFrame:
    """province_code, occurred_on: the days of a province inside two or more operations' windows."""
    days = windows.select(
        "operation_id", "province_code", occurred_on=pl.date_ranges("start_date", "end_date")
    ).explode("occurred_on")
    return (
        days.group_by("province_code", "occurred_on")
        .agg(n=pl.col("operation_id").n_unique())
        .filter(pl.col("n") > 1)
        .select("province_code", "occurred_on")
        .sort("province_code", "occurred_on")
    )


def attribution_rules(rows: pl.DataFrame | None, windows: pl.DataFrame) -> pl.DataFrame:
    """province_code, rule, overlap_days: the attribution rule of every province of `windows`.

    `rows` are the incidents as given (occurred_on, region_code, operation_id, before any is
    filled in). A province's rule is "named" when every incident on its overlap days names its
    operation and the dataset names operations at all: both operations are credited with those
    days. Otherwise it is "nearest_voting_day": each overlap day is credited to the one operation
    an unnamed incident that day would be attributed to (`assign_operations`).
    """
    overlap = overlap_days(windows)
    provinces = windows.select("province_code").unique()
    counted = provinces.join(
        overlap.group_by("province_code").agg(overlap_days=pl.len()), on="province_code", how="left"
    )
    if rows is None or rows.is_empty() or rows.get_column("operation_id").null_count() == rows.height:
        unnamed = provinces.with_columns(_unnamed=pl.lit(True))
    elif rows.get_column("operation_id").null_count() == 0:  # every row names its operation
        unnamed = provinces.with_columns(_unnamed=pl.lit(False))
    else:  # the rows of overlap days only (a date test first: no string work on the other rows)
        on_days = rows.filter(pl.col("occurred_on").is_in(overlap.get_column("occurred_on").unique().implode()))
        on_overlap = on_days.select(
            "occurred_on", province_code=province_of(pl.col("region_code")), _unnamed=pl.col("operation_id").is_null()
        ).join(overlap, on=["province_code", "occurred_on"])
        unnamed = on_overlap.group_by("province_code").agg(pl.col("_unnamed").any())
    return (
        counted.join(unnamed, on="province_code", how="left")
        .select(
            "province_code",
            rule=pl.when(pl.col("_unnamed").fill_null(False)).then(pl.lit(NEAREST)).otherwise(pl.lit(NAMED)),
            overlap_days=pl.col("overlap_days").fill_null(0).cast(pl.Int64),
        )
        .sort("province_code")
    )


def credited_days(days: pl.DataFrame, windows: pl.DataFrame, rules: pl.DataFrame) -> pl.DataFrame:
    """Rows of `days` (operation_id, province_code, occurred_on, ...) an operation is credited with.

    In provinces whose rule is "nearest_voting_day", a day in several operations' windows stays
    only with the operation an unnamed incident that day is attributed to; elsewhere every row stays.
    """
    nearest = rules.filter(pl.col("rule") == NEAREST).select("province_code")
    overlap = overlap_days(windows).join(nearest, on="province_code")
    if overlap.is_empty():
        return days
    chosen = _choose_operation(overlap.with_columns(operation_id=pl.lit(None, pl.String)), windows).select(
        "occurred_on", "province_code", _credited="_op"
    )
    marked = days.join(chosen, on=["occurred_on", "province_code"], how="left")
    return marked.filter(pl.col("_credited").is_null() | (pl.col("_credited") == pl.col("operation_id"))).drop(
        "_credited"
    )


def deployment_days(deployments: pl.DataFrame) -> pl.DataFrame:
    """Add days (end - start + 1) and personnel_days (personnel x days)."""
    days = ((pl.col("end_date") - pl.col("start_date")).dt.total_days() + 1).cast(pl.Int64)
    return deployments.with_columns(days=days).with_columns(personnel_days=pl.col("personnel") * pl.col("days"))


def expand_sitrep(sitrep: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(incidents, deployments) from the typed wide situation report.

    Each count becomes that many incident rows, with ids "SR-<region>-<date>-<category>-<n>" and
    `cleared` unknown. MD, LB and LR go to the first traffic accident of that day and region (a
    blank cell counts as 0); `personel` becomes a one-day Polri deployment. The operation must
    already be filled (`assign_operations` on the report's rows).
    """
    counts = [c for c in sitrep.columns if c.startswith("count:")]
    long = (
        sitrep.unpivot(
            on=counts,
            index=[
                "occurred_on",
                "region_code",
                "operation_id",
                "killed",
                "injured_serious",
                "injured_light",
                "loss_idr",
                ROW,
            ],
            variable_name="category",
            value_name="n",
        )
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


def region_level(code: pl.Expr) -> pl.Expr:
    """The level of a region code: "national" ("00"), "province" ("18") or "regency" ("18.72")."""
    return (
        pl.when(code == NATIONAL_CODE)
        .then(pl.lit("national"))
        .when(code.str.len_chars() == 2)
        .then(pl.lit("province"))
        .otherwise(pl.lit("regency"))
    )


_EXCESS_SCHEMA = {
    "operation_id": pl.String,
    "occurred_on": pl.Date,
    "what": pl.String,
    "national": pl.Float64,
    "regional": pl.Float64,
}


def reconcile_incidents(incidents: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Incidents with national rows (region "00") reduced to what the regional rows leave unexplained.

    A national bulletin counts every incident of the country; a Polda's or Polres' rows of the same
    day count some of them again, with their region. Keeping both counts them twice; keeping the
    national rows only loses where they happened. So, per operation, day and category group (the
    bulletin's own categories: kejahatan, pelanggaran, gangguan, bencana, traffic), the national
    total N stays the total and the regional rows R are its breakdown: max(N - R, 0) national rows
    stay as the *unattributed* remainder (region 00), the other national rows are dropped, those of
    the categories the regional rows name first. Killed, injured and loss follow the same rule per
    day: the national figure's excess over the regional sum sits on the first remaining national
    row of the day (a traffic accident where there is one; when no national row remains that day,
    the regional figures stand). The nation's totals are then the
    bulletin's, every province's are its own rows', and nothing is counted twice.

    Where the regional rows exceed the national row (R > N), the national row is incomplete or the
    rows disagree on dates: the regional rows stand (they are a documented lower bound) and the
    second frame lists each such case: operation_id, occurred_on, what (the category group, or
    killed, injured, loss_idr), national, regional.
    """
    national = pl.col("region_code") == NATIONAL_CODE
    nat = incidents.filter(national)
    empty = pl.DataFrame(schema=_EXCESS_SCHEMA)
    if nat.is_empty():
        return incidents, empty
    day = ["operation_id", "occurred_on"]
    days = nat.select(day).unique()
    reg = incidents.filter(~national).join(days, on=day)
    if reg.is_empty():
        return incidents, empty
    group = [*day, "category_group"]
    cat = [*group, "category"]
    n_cat = nat.group_by(cat).agg(n=pl.len())
    r_cat = reg.group_by(cat).agg(r=pl.len())
    plan = (
        n_cat.join(r_cat, on=cat, how="full", coalesce=True)
        .with_columns(pl.col("n", "r").fill_null(0).cast(pl.Int64))
        .with_columns(
            drop_to=pl.min_horizontal(pl.col("n").sum(), pl.col("r").sum()).over(group),
            first=pl.min_horizontal("n", "r"),
        )
        .sort(cat)
        .with_columns(left=pl.col("n") - pl.col("first"), more=pl.col("drop_to") - pl.col("first").sum().over(group))
        .with_columns(before=pl.col("left").cum_sum().over(group) - pl.col("left"))
        .with_columns(second=pl.min_horizontal("left", pl.max_horizontal(pl.col("more") - pl.col("before"), 0)))
        .with_columns(keep=pl.col("n") - pl.col("first") - pl.col("second"))
    )
    kept = (
        nat.with_columns(_rank=pl.int_range(1, pl.len() + 1).over(cat))
        .join(plan.select(*cat, "keep"), on=cat, how="left")
        .filter(pl.col("_rank") <= pl.col("keep"))
        .drop("_rank", "keep")
    )
    totals = ["killed", "injured", "loss_idr"]
    n_day = nat.group_by(day).agg(pl.col(totals).sum())
    r_day = reg.group_by(day).agg(pl.col(totals).sum())
    sums = n_day.join(r_day, on=day, how="left", suffix="_r").with_columns(
        pl.col(f"{c}_r").fill_null(0) for c in totals
    )
    first = (
        kept.with_columns(_traffic=pl.col("category") == "laka_lantas", _i=pl.int_range(pl.len()))
        .sort("_traffic", "_i", descending=[True, False])
        .group_by(day, maintain_order=True)
        .agg(_first=pl.col("_i").first())
    )
    kept = (
        kept.with_columns(_i=pl.int_range(pl.len()))
        .join(first, on=day, how="left")
        .join(sums, on=day, how="left")
        .with_columns(
            pl.when(pl.col("_i") == pl.col("_first"))
            .then(pl.max_horizontal(pl.col(c) - pl.col(f"{c}_r"), 0))
            .otherwise(0)
            .cast(incidents.schema[c])
            .alias(c)
            for c in totals
        )
        .select(incidents.columns)
    )
    over_groups = (
        plan.group_by(group)
        .agg(national=pl.col("n").sum(), regional=pl.col("r").sum())
        .filter(pl.col("regional") > pl.col("national"))
        .select(*day, what=pl.col("category_group").cast(pl.String), national="national", regional="regional")
    )
    over_totals = [
        sums.filter(pl.col(f"{c}_r") > pl.col(c)).select(*day, what=pl.lit(c), national=c, regional=f"{c}_r")
        for c in totals
    ]
    excess = pl.concat(
        [f.with_columns(pl.col("national", "regional").cast(pl.Float64)) for f in (over_groups, *over_totals)]
    ).sort([*day, "what"])
    out = pl.concat([incidents.filter(~national), kept])
    return out, excess.select(list(_EXCESS_SCHEMA))


def reconcile_deployments(deployments: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Deployments with national rows (region "00") reduced, day by day, to their excess over the
    regional rows of the same operation and agency, as `reconcile_incidents` does for incidents.

    National rows overlapping regional ones become one-day rows of the remaining personnel; the
    second frame lists the days where the regional personnel exceed the national figure (what is
    "personnel:<agency>").
    """
    national = pl.col("region_code") == NATIONAL_CODE
    nat = deployments.filter(national)
    empty = pl.DataFrame(schema=_EXCESS_SCHEMA)
    if nat.is_empty() or nat.height == deployments.height:
        return deployments, empty
    key = ["operation_id", "agency", "occurred_on"]
    nat_days = nat.with_columns(occurred_on=pl.date_ranges("start_date", "end_date")).explode("occurred_on")
    reg_days = (
        deployments.filter(~national)
        .select("operation_id", "agency", "personnel", occurred_on=pl.date_ranges("start_date", "end_date"))
        .explode("occurred_on")
        .join(nat_days.select(key).unique(), on=key)
        .group_by(key)
        .agg(regional=pl.col("personnel").sum())
    )
    if reg_days.is_empty():
        return deployments, empty
    per_day = nat_days.group_by(key).agg(national=pl.col("personnel").sum()).join(reg_days, on=key, how="left")
    per_day = per_day.with_columns(pl.col("regional").fill_null(0))
    share = (
        nat_days.join(per_day, on=key, how="left")
        .with_columns(_i=pl.int_range(pl.len()).over(key))
        .with_columns(  # the remainder on the first national row of the day and agency
            personnel=pl.when(pl.col("_i") == 0)
            .then(pl.max_horizontal(pl.col("national") - pl.col("regional"), 0))
            .otherwise(0)
            .cast(deployments.schema["personnel"])
        )
        .filter(pl.col("personnel") > 0)
        .with_columns(start_date="occurred_on", end_date="occurred_on")
        .select(deployments.columns)
    )
    excess = per_day.filter(pl.col("regional") > pl.col("national")).select(
        "operation_id",
        "occurred_on",
        what=pl.format("personnel:{}", pl.col("agency").cast(pl.String)),
        national=pl.col("national").cast(pl.Float64),
        regional=pl.col("regional").cast(pl.Float64),
    )
    out = pl.concat([deployments.filter(~national), share])
    return deployment_days(out.drop("days", "personnel_days", strict=False)), excess.sort(
        "operation_id", "occurred_on", "what"
    )


def national_span(windows: pl.DataFrame, days: pl.DataFrame) -> pl.DataFrame:
    """`windows` with the whole country's (province 00) cut to the days its national rows span.

    `days` holds operation_id and occurred_on of the national rows. A national bulletin is one row a
    day for the days it was published: the days before its first and after its last row are not
    days without incidents but days it does not report, so they are no exposure days. Inside the
    span a day without a row counts as a day with none. An operation without national rows has no
    national window.
    """
    spans = days.group_by("operation_id").agg(_first=pl.col("occurred_on").min(), _last=pl.col("occurred_on").max())
    national = (
        windows.filter(pl.col("province_code") == NATIONAL_CODE)
        .join(spans, on="operation_id")
        .with_columns(
            start_date=pl.max_horizontal("start_date", "_first"), end_date=pl.min_horizontal("end_date", "_last")
        )
        .drop("_first", "_last")
    )
    return pl.concat([windows.filter(pl.col("province_code") != NATIONAL_CODE), national]).sort(
        "operation_id", "province_code"
    )
