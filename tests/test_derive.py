"""Derived columns: operation, phase, relative day and personnel-days, with property tests."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import aar
from aar._data.derive import (
    _FEW,
    assign_operations,
    deployment_days,
    encode,
    per_distinct,
    phase_calendar,
    place_incidents,
    province_windows,
)
from aar._data.schema import CATEGORY_GROUP_OF
from aar._reporting.formatting import relative_label

REF = aar.reference()
PROVINCES = REF.regions.filter(pl.col("kind") == "provinsi")["region_code"]
WINDOWS = province_windows(REF.operations, REF.operation_windows, PROVINCES)
CALENDAR = phase_calendar(REF.phases, WINDOWS)
CATEGORY = aar.TABLES["incidents"].field("category").dtype


def _incidents(rows: list[tuple[dt.date, str, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "occurred_on": [r[0] for r in rows],
            "region_code": [r[1] for r in rows],
            "operation_id": [r[2] for r in rows],
            "category": pl.Series(["bentrok"] * len(rows), dtype=CATEGORY),
        },
        schema_overrides={"operation_id": pl.String, "occurred_on": pl.Date},
    )


def _derive(rows: list[tuple[dt.date, str, str | None]]) -> pl.DataFrame:
    return place_incidents(_incidents(rows), WINDOWS, CALENDAR, REF.operations)


window_rows = st.sampled_from(list(WINDOWS.iter_rows(named=True)))


@st.composite
def incident_in_a_window(draw: st.DrawFn) -> tuple[dt.date, str, str]:
    window = draw(window_rows)
    day = draw(st.dates(min_value=window["start_date"], max_value=window["end_date"]))
    regencies = REF.regions.filter(pl.col("parent_code") == window["province_code"])["region_code"].to_list()
    region = draw(st.sampled_from([window["province_code"], *regencies]))
    return day, region, window["operation_id"]


@settings(max_examples=150, deadline=None)
@given(st.lists(incident_in_a_window(), min_size=1, max_size=40))
def test_every_incident_inside_a_window_falls_in_exactly_one_phase(rows: list[tuple[dt.date, str, str]]) -> None:
    derived = _derive([(d, r, op) for d, r, op in rows])
    assert derived.height == len(rows)
    assert derived["window_ok"].all()
    assert derived["phase"].null_count() == 0
    for record in derived.iter_rows(named=True):
        containing = CALENDAR.filter(
            (pl.col("operation_id") == record["operation_id"])
            & (pl.col("province_code") == record["province_code"])
            & pl.lit(record["occurred_on"]).is_between("start_date", "end_date")
        )
        assert containing.height == 1
        assert containing["phase"][0] == record["phase"]


@settings(max_examples=100, deadline=None)
@given(st.lists(incident_in_a_window(), min_size=1, max_size=30))
def test_operation_is_derived_when_not_given_and_lies_in_its_window(rows: list[tuple[dt.date, str, str]]) -> None:
    derived = _derive([(d, r, None) for d, r, _ in rows])
    assert derived["window_ok"].all()
    checked = derived.join(WINDOWS, on=["operation_id", "province_code"])
    assert checked.height == len(rows)
    assert checked.select(pl.col("occurred_on").is_between("start_date", "end_date").all()).item()


@given(st.sampled_from(list(REF.operations.iter_rows(named=True))), st.sampled_from(PROVINCES.to_list()))
def test_relative_day_of_voting_day_is_zero(operation: dict, province: str) -> None:  # type: ignore[type-arg]
    derived = _derive([(operation["voting_date"], province, None)])
    assert derived["operation_id"][0] == operation["operation_id"]
    assert derived["relative_day"][0] == 0
    assert derived["phase"][0] == "voting"
    assert relative_label(0) == "hari H"


def test_relative_labels_follow_polri_notation() -> None:
    assert [relative_label(d) for d in (-3, -1, 0, 1, 2)] == ["H-3", "H-1", "hari H", "H+1", "H+2"]
    assert relative_label(0, "en") == "voting day (H)"


def test_overlap_of_omb_and_omp_goes_to_the_nearer_voting_day() -> None:
    derived = _derive(
        [
            (dt.date(2024, 9, 1), "18.72", None),
            (dt.date(2024, 5, 1), "18.72", None),
            (dt.date(2024, 9, 1), "18.72", "OMB-2023-2024"),
        ]
    )
    assert derived["operation_id"].to_list() == ["OMP-2024", "OMB-2023-2024", "OMB-2023-2024"]
    assert derived["phase"].to_list() == ["pre_campaign", "post_election", "post_election"]
    assert derived["relative_day"].to_list() == [
        (dt.date(2024, 9, 1) - dt.date(2024, 11, 27)).days,
        (dt.date(2024, 5, 1) - dt.date(2024, 2, 14)).days,
        (dt.date(2024, 9, 1) - dt.date(2024, 2, 14)).days,
    ]


def test_polda_window_decides_the_operation() -> None:
    # 20 Aug 2024: Polda Metro Jaya's OMP window has begun (14 Aug), Polda Lampung's has not (27 Aug)
    derived = _derive([(dt.date(2024, 8, 20), "31.73", None), (dt.date(2024, 8, 20), "18.72", None)])
    assert derived["operation_id"].to_list() == ["OMP-2024", "OMB-2023-2024"]


def test_incident_outside_every_window_is_flagged() -> None:
    derived = _derive(
        [
            (dt.date(2023, 1, 5), "18.72", None),
            (dt.date(2024, 12, 20), "21.71", None),
            (dt.date(2024, 3, 1), "18", "OMP-2024"),
        ]
    )
    assert derived["window_ok"].to_list() == [False, False, False]  # Kepri's OMP window ends 16 Dec 2024


def test_deployment_days_count_both_ends() -> None:
    frame = pl.DataFrame(
        {
            "start_date": [dt.date(2024, 8, 27), dt.date(2024, 11, 27)],
            "end_date": [dt.date(2024, 12, 29), dt.date(2024, 11, 27)],
            "personnel": [300, 470],
        }
    )
    out = deployment_days(frame)
    assert out["days"].to_list() == [125, 1]
    assert out["personnel_days"].to_list() == [37500, 470]


@pytest.mark.parametrize("shuffle_seed", [1, 2, 3])
def test_derivation_does_not_depend_on_row_order(shuffle_seed: int) -> None:
    rows = [
        (dt.date(2024, 2, 14), "18.72", None),
        (dt.date(2024, 11, 27), "31.73", None),
        (dt.date(2023, 12, 1), "19.71", None),
        (dt.date(2024, 9, 30), "35", None),
    ]
    base = _derive(rows).sort("occurred_on", "region_code")
    shuffled = _derive(rows).sample(fraction=1.0, shuffle=True, seed=shuffle_seed).sort("occurred_on", "region_code")
    assert base.equals(shuffled)


def test_a_province_may_have_its_own_phases() -> None:
    own = pl.DataFrame(
        {
            "operation_id": ["OMP-2024"] * 2,
            "phase": ["pre_campaign", "disputes"],
            "start_date": [dt.date(2024, 8, 27), dt.date(2024, 9, 1)],
            "end_date": [dt.date(2024, 8, 31), dt.date(2024, 12, 29)],
            "province_code": ["18", "18"],
        }
    )
    phases = pl.concat([REF.phases, own.with_columns(pl.col("phase").cast(REF.phases.schema["phase"]))])
    calendar = phase_calendar(phases, WINDOWS)
    lampung = calendar.filter((pl.col("operation_id") == "OMP-2024") & (pl.col("province_code") == "18"))
    assert lampung["phase"].to_list() == ["pre_campaign", "disputes"]
    jakarta = calendar.filter((pl.col("operation_id") == "OMP-2024") & (pl.col("province_code") == "31"))
    assert jakarta["phase"].to_list()[0] == "pre_campaign"
    assert jakarta["start_date"][0] == dt.date(2024, 8, 14)


@settings(max_examples=100, deadline=None)
@given(st.lists(incident_in_a_window(), min_size=1, max_size=40), st.booleans())
def test_one_pass_placement_equals_operations_and_a_row_by_row_calendar_lookup(
    rows: list[tuple[dt.date, str, str]], named: bool
) -> None:
    incidents = _incidents([(day, region, op if named else None) for day, region, op in rows])
    one_pass = place_incidents(incidents, WINDOWS, CALENDAR, REF.operations)
    columns = ["operation_id", "province_code", "window_ok"]
    assert one_pass.select(columns).equals(assign_operations(incidents, WINDOWS).select(columns))
    voting = dict(REF.operations.select("operation_id", "voting_date").iter_rows())
    for record in one_pass.iter_rows(named=True):
        containing = CALENDAR.filter(
            (pl.col("operation_id") == record["operation_id"])
            & (pl.col("province_code") == record["province_code"])
            & pl.lit(record["occurred_on"]).is_between("start_date", "end_date")
        )
        assert record["phase"] == (containing["phase"][0] if containing.height else None)
        assert record["relative_day"] == (record["occurred_on"] - voting[record["operation_id"]]).days
        assert record["category_group"] == CATEGORY_GROUP_OF["bentrok"]


def test_per_distinct_derives_once_per_key_and_keeps_row_order() -> None:
    frame = pl.DataFrame({"k": ["b", "a", "b", None, "a"], "n": [1, 2, 3, 4, 5]})
    calls: list[int] = []

    def derive(distinct: pl.DataFrame) -> pl.DataFrame:
        calls.append(distinct.height)
        return distinct.with_columns(upper=pl.col("k").str.to_uppercase())

    out = per_distinct(frame, ["k"], derive)
    assert calls == [3]
    assert out["n"].to_list() == [1, 2, 3, 4, 5]
    assert out["upper"].to_list() == ["B", "A", "B", None, "A"]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["x", "y", None]), st.integers(0, 3)), min_size=1, max_size=30))
def test_per_distinct_finds_each_rows_key_whatever_order_derive_returns(rows: list[tuple[str | None, int]]) -> None:
    """The derived rows come back in any order (reversed here) and the frame in several chunks:
    each row gets its own key's values, as a join on the key columns gives them."""
    half = len(rows) // 2
    parts = [
        pl.DataFrame({"a": [a for a, _ in part], "b": [b for _, b in part]}, schema={"a": pl.String, "b": pl.Int64})
        for part in (rows[:half], rows[half:])
    ]
    frame = pl.concat(parts, rechunk=False).with_columns(i=pl.int_range(pl.len()))

    def derive(distinct: pl.DataFrame) -> pl.DataFrame:
        return distinct.with_columns(v=pl.format("{}-{}", pl.col("a").fill_null("?"), "b")).reverse()

    out = per_distinct(frame, ["a", "b"], derive)
    expected = frame.join(derive(frame.select("a", "b").unique()), on=["a", "b"], how="left", nulls_equal=True)
    assert out.columns == ["a", "b", "i", "v"]
    assert out.sort("i").equals(expected.sort("i").select(out.columns))


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        st.lists(st.one_of(st.none(), st.text(max_size=4)), min_size=1, max_size=60),
        st.lists(st.one_of(st.none(), st.sampled_from([f"r{i}" for i in range(3 * _FEW)])), min_size=1, max_size=60),
        st.lists(st.one_of(st.none(), st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))), min_size=1, max_size=60),
        st.lists(st.one_of(st.none(), st.integers(-(2**62), 2**62)), min_size=1, max_size=60),
    ),
    st.integers(1, 4),
)
def test_encode_gives_every_row_the_code_of_its_own_value(values: list[object], parts: int) -> None:
    """Codes decode to the column, whatever its type, nulls, span (dense or hashed), number of
    distinct values (compared in turn or looked up) and chunks; equal values share a code."""
    whole = pl.Series("v", values)
    cut = max(1, len(values) // parts)
    series = pl.concat([whole.slice(i, cut) for i in range(0, len(values), cut)], rechunk=False)
    coded = encode(series)
    assert coded.codes.dtype == pl.UInt32
    assert coded.values.dtype == series.dtype
    assert coded.values.gather(coded.codes).to_list() == values
    assert pl.DataFrame({"v": series, "c": coded.codes}).group_by("v").agg(pl.col("c").n_unique())["c"].max() == 1


def test_encode_maps_distinct_values_before_coding_rows() -> None:
    """With `of`, rows are coded by what their value maps to: regions by their province."""
    regions = pl.Series("region_code", ["18.71", "18", "31.73", None, "18.01", "31"])
    coded = encode(regions, lambda r: r.str.slice(0, 2))
    assert coded.values.gather(coded.codes).to_list() == ["18", "18", "31", None, "18", "31"]
    assert len(coded.values) == 3


def test_per_distinct_adds_a_key_given_by_its_codes_and_derives_on_it() -> None:
    """A key that is not a column (a province of the region) is added from its codes, and derive sees it."""
    frame = pl.DataFrame({"region_code": ["18.71", "31.73", "18.01", "18.71"], "n": [1, 2, 3, 4]})
    province = encode(frame["region_code"], lambda r: r.str.slice(0, 2))
    seen: list[list[str]] = []

    def derive(distinct: pl.DataFrame) -> pl.DataFrame:
        seen.append(sorted(distinct["province"].to_list()))
        return distinct.with_columns(big=pl.col("province") == "31")

    out = per_distinct(frame, ["province"], derive, {"province": province})
    assert seen == [["18", "31"]]
    assert out["province"].to_list() == ["18", "31", "18", "18"]
    assert out["big"].to_list() == [False, True, False, False]


@pytest.mark.parametrize("dtype", [pl.String, pl.Date, pl.Int64])
def test_encode_of_no_rows_is_empty(dtype: pl.DataType) -> None:
    coded = encode(pl.Series("v", [], dtype=dtype))
    assert coded.codes.len() == 0 and coded.codes.dtype == pl.UInt32


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.sampled_from([f"v{i}" for i in range(2 * _FEW)])), min_size=1, max_size=50),
    st.lists(st.sampled_from([f"v{i}" for i in range(3 * _FEW)]), max_size=3 * _FEW),
)
def test_encode_among_a_vocabulary_is_exact_whether_or_not_it_holds_every_value(
    values: list[str | None], among: list[str]
) -> None:
    """Codes into a given vocabulary when it holds every value (extra words are harmless); a value
    outside it (a row the vocabulary does not know) falls back to the column's own values."""
    series = pl.Series("v", values, dtype=pl.String)
    coded = encode(series, among=pl.Series(among, dtype=pl.String))
    assert coded.values.gather(coded.codes).to_list() == values
    if set(values) - {None} <= set(among):
        assert set(coded.values.to_list()) == {*among, None}
