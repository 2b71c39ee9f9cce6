"""Metrics: hand-computed counts, exposures, rates, crime clock, percent change and comparison,
and properties (totals add up, row order does not matter, doubled exposure halves a rate)."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import aar

SAMPLE = Path(__file__).parents[1] / "data" / "sample"
OMB, OMP = "OMB-2023-2024", "OMP-2024"
OMB_VOTING, OMP_VOTING = dt.date(2024, 2, 14), dt.date(2024, 11, 27)
OMB_DAYS, OMP_DAYS_LAMPUNG = 368, 125  # 2023-10-19..2024-10-20; Lampung 2024-08-27..2024-12-29
# The hand dataset's incidents do not name their operation: Lampung's 55 overlap days (27 Aug..20 Oct
# 2024) are credited to OMP only, as its incidents on those days are (one rule for both).
OMB_DAYS_UNNAMED = OMB_DAYS - 55
COUNT_METRICS = ["incidents", "cleared", "cleared_known", "killed", "injured", "loss_idr"]
PROPERTY = settings(max_examples=12, deadline=None)

# Kota Metro (18.72): four incidents under OMP-2024, two under OMB-2023-2024. 2024-09-10 lies in
# both windows in Lampung and goes to OMP, whose voting day is nearer (78 days against 209).
HAND_INCIDENTS = {
    "incident_id": ["M1", "M2", "M3", "M4", "B1", "B2"],
    "occurred_on": ["2024-09-10", "27/11/2024", "2024-11-27", "20 Desember 2024", "2024-02-14", "2023-12-01"],
    "region_code": ["18.72", "18.72", "Kota Metro", "18.72", "18.72", "18.72"],
    "category": ["unjuk_rasa", "bentrok", "politik_uang", "kebakaran", "gangguan_tps", "unjuk_rasa"],
    "killed": [0, 1, 0, 2, 0, 0],
    "injured": [1, 3, 0, 0, 4, 0],
    "loss_idr": [1_500_000.0, 2_000_000.0, 0.0, 10_000_000.0, 500_000.0, 0.0],
    "cleared": ["ya", "tidak", "ya", None, "ya", None],
}
HAND_DEPLOYMENTS = {  # 300 personnel for 10 days (20..29 Nov 2024): 3,000 personnel-days
    "operation_id": [OMP],
    "region_code": ["18.72"],
    "agency": ["polri"],
    "start_date": ["2024-11-20"],
    "end_date": ["2024-11-29"],
    "personnel": [300],
}
HAND_ELECTORATE = {
    "operation_id": [OMP, OMB],
    "region_code": ["18.72", "18.72"],
    "voters": [200_000, 250_000],
    "tps": [400, 800],
}


def hand_dataset(voters_factor: int = 1, personnel_factor: int = 1, order: list[int] | None = None) -> aar.Dataset:
    incidents = pl.DataFrame(HAND_INCIDENTS)
    if order is not None:
        incidents = incidents[order]
    electorate = pl.DataFrame(HAND_ELECTORATE).with_columns(pl.col("voters", "tps") * voters_factor)
    deployments = pl.DataFrame(HAND_DEPLOYMENTS).with_columns(pl.col("personnel") * personnel_factor)
    return aar.Dataset.from_frames(incidents=incidents, deployments=deployments, electorate=electorate)


@cache
def hand() -> aar.Dataset:
    return hand_dataset()


@cache
def sample() -> aar.Dataset:
    return aar.load(SAMPLE)


def by_operation(frame: pl.DataFrame) -> dict[str, dict[str, object]]:
    return {row["operation_id"]: row for row in frame.iter_rows(named=True)}


# --- hand-computed counts and rates ---------------------------------------------------------


def test_incidents_get_the_hand_assigned_operation_phase_and_relative_day() -> None:
    got = (
        hand()
        .incidents.sort("incident_id")
        .select("incident_id", "operation_id", pl.col("phase").cast(pl.String), "relative_day")
        .rows()
    )
    assert got == [
        ("B1", OMB, "voting", 0),
        ("B2", OMB, "campaign", -75),
        ("M1", OMP, "pre_campaign", -78),
        ("M2", OMP, "voting", 0),
        ("M3", OMP, "voting", 0),
        ("M4", OMP, "post_election", 23),
    ]


def test_counts_per_operation_by_hand() -> None:
    got = by_operation(aar.counts(hand()))
    assert got[OMP] == {
        "operation_id": OMP, "incidents": 4, "cleared": 2, "cleared_known": 3, "killed": 3, "injured": 4,
        "loss_idr": 13_500_000.0, "clearance_rate": 2 / 3,
    }  # fmt: skip
    assert got[OMB] == {
        "operation_id": OMB, "incidents": 2, "cleared": 1, "cleared_known": 1, "killed": 0, "injured": 4,
        "loss_idr": 500_000.0, "clearance_rate": 1.0,
    }  # fmt: skip


def test_counts_without_grouping_has_the_same_columns_as_with_grouping() -> None:
    total = aar.counts(hand(), [])
    assert total.columns == [c for c in aar.counts(hand()).columns if c != "operation_id"]
    assert total.row(0, named=True) == {
        "incidents": 6, "cleared": 3, "cleared_known": 4, "killed": 3, "injured": 8, "loss_idr": 14_000_000.0,
        "clearance_rate": 3 / 4,
    }  # fmt: skip
    assert total.schema["incidents"] == pl.Int64


def test_counts_by_phase_by_hand() -> None:
    got = (
        aar.counts(hand(), ["operation_id", "phase"])
        .select("operation_id", pl.col("phase").cast(pl.String), "incidents", "killed", "injured")
        .rows()
    )
    assert sorted(got) == [
        (OMB, "campaign", 1, 0, 0),
        (OMB, "voting", 1, 0, 4),
        (OMP, "post_election", 1, 2, 0),
        (OMP, "pre_campaign", 1, 0, 1),
        (OMP, "voting", 2, 1, 3),
    ]


@pytest.mark.parametrize("region", [None, "18", "18.72"])
def test_rates_per_operation_by_hand(region: str | None) -> None:
    got = by_operation(aar.rates(hand(), ["operation_id"], region))
    omp = got[OMP]
    expected_omp = {
        "incidents": 4, "cleared": 2, "cleared_known": 3, "clearance_rate": 2 / 3, "killed": 3, "injured": 4,
        "loss_idr": 13_500_000.0, "days": 125, "per_day": 4 / 125, "voters": 200_000, "tps": 400,
        "per_100k_voters": 4 / 200_000 * 100_000, "per_1000_tps": 4 / 400 * 1_000, "personnel_days": 3_000,
        "per_1000_personnel_days": 4 / 3_000 * 1_000, "voter_days": 25_000_000, "tps_days": 50_000,
        "per_100k_voter_days": 4 / 25_000_000 * 100_000, "per_1000_tps_days": 4 / 50_000 * 1_000,
        "crime_clock_seconds": 2_700_000.0,
    }  # fmt: skip
    assert {k: omp[k] for k in expected_omp} == expected_omp
    assert omp["per_100k_voters"] == 2.0
    assert omp["per_1000_tps"] == 10.0
    assert omp["crime_clock_seconds"] == 125 * 86_400 / 4
    omb = got[OMB]
    expected_omb = {
        "incidents": 2, "cleared": 1, "cleared_known": 1, "clearance_rate": 1.0, "killed": 0, "injured": 4,
        "loss_idr": 500_000.0, "days": 313, "per_day": 2 / 313, "voters": 250_000, "tps": 800,
        "per_100k_voters": 2 / 250_000 * 100_000, "per_1000_tps": 2.5, "personnel_days": 0,
        "per_1000_personnel_days": None, "voter_days": 250_000 * 313, "tps_days": 800 * 313,
        "crime_clock_seconds": 313 * 86_400 / 2,
    }  # fmt: skip
    assert {k: omb[k] for k in expected_omb} == expected_omb


def test_rates_by_phase_by_hand_include_phases_without_incidents() -> None:
    frame = aar.rates(hand(), ["operation_id", "phase"]).filter(pl.col("operation_id") == OMP)
    got = frame.select(
        pl.col("phase").cast(pl.String), "days", "incidents", "personnel_days", "per_day", "crime_clock_seconds"
    ).rows()
    assert got == [
        ("pre_campaign", 29, 1, 0, 1 / 29, 29 * 86_400 / 1),  # 27 Aug..24 Sep (clipped to Lampung's window)
        ("campaign", 60, 0, 1_200, 0.0, None),  # 25 Sep..23 Nov; deployed 20..23 Nov: 4 x 300
        ("quiet", 3, 0, 900, 0.0, None),
        ("voting", 2, 2, 600, 1.0, 86_400.0),
        ("recapitulation", 18, 0, 300, 0.0, None),  # 29 Nov..16 Dec; deployed 29 Nov
        ("post_election", 13, 1, 0, 1 / 13, 13 * 86_400 / 1),  # 17..29 Dec
    ]
    omb_days = aar.rates(hand(), ["operation_id", "phase"]).filter(pl.col("operation_id") == OMB)["days"].to_list()
    assert omb_days == [40, 75, 3, 2, 34, 35, 179 - 55]  # post-election loses the overlap to OMP
    assert sum(omb_days) == OMB_DAYS_UNNAMED


def test_relative_day_zero_is_voting_day() -> None:
    frame = aar.rates(hand(), ["operation_id", "occurred_on", "relative_day"])
    zero = frame.filter(pl.col("relative_day") == 0).select("operation_id", "occurred_on", "days", "incidents").rows()
    assert zero == [(OMB, OMB_VOTING, 1, 1), (OMP, OMP_VOTING, 1, 2)]
    by_day = aar.rates(hand(), ["operation_id", "relative_day"]).filter(pl.col("relative_day") == 0)
    assert by_day.select("operation_id", "incidents").rows() == [(OMB, 1), (OMP, 2)]
    span = (
        aar.rates(hand(), ["operation_id", "relative_day"])
        .group_by("operation_id")
        .agg(first=pl.col("relative_day").min(), last=pl.col("relative_day").max(), n=pl.len())
    )
    assert sorted(span.rows()) == [(OMB, -118, 249 - 55, OMB_DAYS_UNNAMED), (OMP, -92, 32, 125)]


def test_relative_day_zero_is_voting_day_in_the_sample() -> None:
    frame = aar.rates(sample(), ["operation_id", "occurred_on", "relative_day"], "18")
    zero = frame.filter(pl.col("relative_day") == 0).select("operation_id", "occurred_on").rows()
    assert zero == [(OMB, OMB_VOTING), (OMP, OMP_VOTING)]
    voting = aar.rates(sample(), ["operation_id", "phase", "relative_day"], "18").filter(pl.col("phase") == "voting")
    assert sorted(voting.select("operation_id", "relative_day").rows()) == [(OMB, 0), (OMB, 1), (OMP, 0), (OMP, 1)]


def test_doubling_the_electorate_or_the_personnel_by_hand() -> None:
    doubled = by_operation(aar.rates(hand_dataset(voters_factor=2, personnel_factor=2)))[OMP]
    assert doubled["per_100k_voters"] == 1.0
    assert doubled["per_1000_tps"] == 5.0
    assert doubled["personnel_days"] == 6_000
    assert doubled["per_1000_personnel_days"] == 4 / 3_000 * 1_000 / 2
    assert doubled["per_day"] == 4 / 125


def test_unknown_grouping_level_or_region_is_a_usage_error() -> None:
    with pytest.raises(aar.UsageError, match=r"by: got 'week'; allowed: operation_id, region, phase"):
        aar.rates(hand(), ["operation_id", "week"])
    with pytest.raises(aar.UsageError, match=r"level: got 'district'; allowed: national, province, regency"):
        aar.rates(hand(), ["operation_id"], level="district")
    with pytest.raises(aar.UsageError, match=r"region: got '99'"):
        aar.counts(hand(), region="99")


# --- crime clock, percent change, direction -------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "indonesian", "english"),
    [
        (9_000, "1 kasus setiap 2 jam 30 menit", "one case every 2 hours 30 minutes"),
        # Lampung under OMB in the sample: 368 days, 3,613 incidents: 8,800.2 s = 146.67 min -> 147 min
        (368 * 86_400 / 3_613, "1 kasus setiap 2 jam 27 menit", "one case every 2 hours 27 minutes"),
        (90_061, "1 kasus setiap 1 hari 1 jam 1 menit", "one case every 1 day 1 hour 1 minute"),
        (86_400, "1 kasus setiap 1 hari", "one case every 1 day"),
        (2 * 86_400 + 7_200, "1 kasus setiap 2 hari 2 jam", "one case every 2 days 2 hours"),
        (3_600, "1 kasus setiap 1 jam", "one case every 1 hour"),
        (125 * 86_400 / 4, "1 kasus setiap 31 hari 6 jam", "one case every 31 days 6 hours"),
        (300, "1 kasus setiap 5 menit", "one case every 5 minutes"),
        (60, "1 kasus setiap 1 menit", "one case every 1 minute"),
        (None, "tidak ada kasus", "no cases"),
    ],
)
def test_crime_clock_text_by_hand(seconds: float | None, indonesian: str, english: str) -> None:
    assert aar.crime_clock_text(seconds) == indonesian
    assert aar.crime_clock_text(seconds, "id") == indonesian
    assert aar.crime_clock_text(seconds, "en") == english


@pytest.mark.parametrize("seconds", [6.4, 20, 29])
def test_crime_clock_under_half_a_minute_is_not_zero_minutes(seconds: float) -> None:
    # 5 million incidents nationally over 368 days (aar synth --scale national) is one every 6.4 s
    assert aar.crime_clock_text(seconds) != "1 kasus setiap 0 menit"
    assert aar.crime_clock_text(seconds, "en") != "one case every 0 minutes"


def test_crime_clock_text_rejects_an_unknown_language() -> None:
    with pytest.raises(aar.UsageError, match=r"lang: got 'fr'; allowed: id, en"):
        aar.crime_clock_text(60, "fr")


@pytest.mark.parametrize(
    ("baseline", "target", "percent", "word"),
    [
        (40, 50, 25.0, "naik"),
        (50, 40, -20.0, "turun"),
        (8, 8, 0.0, "tetap"),
        (2, 4, 100.0, "naik"),
        (4, 0, -100.0, "turun"),
        (3_613, 1_691, (1_691 - 3_613) / 3_613 * 100, "turun"),
        (0, 5, None, "naik"),
        (0, 0, None, "tetap"),
        (None, 5, None, None),
        (5, None, None, None),
    ],
)
def test_percent_change_and_direction_by_hand(
    baseline: float | None, target: float | None, percent: float | None, word: str | None
) -> None:
    assert aar.percent_change(baseline, target) == percent
    assert aar.direction(baseline, target) == word


# --- properties on the sample ---------------------------------------------------------------


@PROPERTY
@given(
    region=st.sampled_from([None, "18", "19", "31", "18.72", "31.73"]),
    key=st.sampled_from(["phase", "category", "category_group", "occurred_on", "relative_day"]),
)
def test_totals_over_a_breakdown_equal_the_overall_total(region: str | None, key: str) -> None:
    overall = aar.rates(sample(), ["operation_id"], region).select("operation_id", *COUNT_METRICS)
    parts = (
        aar.rates(sample(), ["operation_id", key], region)
        .group_by("operation_id")
        .agg(pl.col(COUNT_METRICS).sum())
        .sort("operation_id")
    )
    assert parts.rows() == overall.rows()
    assert overall["incidents"].sum() == aar.counts(sample(), [], region)["incidents"][0]


@PROPERTY
@given(
    region=st.sampled_from([None, "18", "19", "31", "18.72"]),
    key=st.sampled_from(["phase", "occurred_on", "relative_day"]),
)
def test_exposures_add_up_over_phases_and_days(region: str | None, key: str) -> None:
    additive = ["days", "personnel_days", "voter_days", "tps_days"]
    overall = aar.rates(sample(), ["operation_id"], region).select("operation_id", *additive)
    parts = (
        aar.rates(sample(), ["operation_id", key], region)
        .group_by("operation_id")
        .agg(pl.col(additive).sum())
        .sort("operation_id")
    )
    assert parts.rows() == overall.rows()


@PROPERTY
@given(
    place=st.sampled_from(
        [(None, "province"), (None, "regency"), ("18", "regency"), ("19", "regency"), ("31", "regency")]
    )
)
def test_totals_over_sub_regions_equal_the_regions_total(place: tuple[str | None, str]) -> None:
    region, level = place
    overall = aar.rates(sample(), ["operation_id"], region).select("operation_id", *COUNT_METRICS)
    subs = aar.rates(sample(), ["operation_id", "region"], region, level=level)
    assert subs["region"].str.len_chars().unique().to_list() == [2 if level == "province" else 5]
    parts = subs.group_by("operation_id").agg(pl.col(COUNT_METRICS).sum()).sort("operation_id")
    assert parts.rows() == overall.rows()
    # voters and TPS of the sub-regions add up to the region's too
    voters = subs.group_by("operation_id").agg(pl.col("voters", "tps").sum()).sort("operation_id")
    assert voters.rows() == aar.rates(sample(), ["operation_id"], region).select("operation_id", "voters", "tps").rows()


def test_regency_totals_of_lampung_by_hand() -> None:
    lampung = aar.counts(sample(), ["operation_id"], "18")
    from_file = (
        sample()
        .incidents.filter(pl.col("region_code").str.starts_with("18."))
        .group_by("operation_id")
        .agg(n=pl.len())
        .sort("operation_id")
    )
    assert lampung.select("operation_id", "incidents").rows() == from_file.rows()
    assert lampung["incidents"].to_list() == [3_613, 1_691]


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_results_do_not_depend_on_the_order_of_incident_rows(seed: int) -> None:
    shuffled = sample().with_tables(incidents=sample().incidents.sample(fraction=1.0, shuffle=True, seed=seed))
    assert not shuffled.incidents["incident_id"].equals(sample().incidents["incident_id"])
    for by, region, level in [
        (["operation_id"], None, None),
        (["operation_id", "phase", "category"], "18", None),
        (["operation_id", "region"], "31", "regency"),
        (["operation_id", "relative_day"], "19", None),
    ]:
        assert_frame_equal(
            aar.rates(shuffled, by, region, level), aar.rates(sample(), by, region, level), check_exact=True
        )


@settings(max_examples=5, deadline=None)
@given(order=st.permutations(range(len(HAND_INCIDENTS["incident_id"]))))
def test_loading_shuffled_rows_gives_the_same_rates(order: list[int]) -> None:
    shuffled = hand_dataset(order=order)
    for by in (["operation_id"], ["operation_id", "phase"], ["operation_id", "category"]):
        assert_frame_equal(aar.rates(shuffled, by), aar.rates(hand(), by), check_exact=True)


def _doubled(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    return frame.with_columns(pl.col(columns) * 2)


def _halved(values: list[float | None]) -> list[float | None]:
    return [None if v is None else v / 2 for v in values]


@PROPERTY
@given(
    region=st.sampled_from([None, "18", "19", "31", "18.72"]),
    by=st.sampled_from(
        [["operation_id"], ["operation_id", "phase"], ["operation_id", "category"], ["operation_id", "region"]]
    ),
)
def test_doubled_electorate_halves_the_electorate_rates(region: str | None, by: list[str]) -> None:
    classes = ["voters", "tps", "tps_kurang_rawan", "tps_rawan", "tps_sangat_rawan", "tps_khusus"]
    doubled = sample().with_tables(electorate=_doubled(sample().electorate, classes))
    before, after = aar.rates(sample(), by, region), aar.rates(doubled, by, region)
    assert before.height == after.height > 0
    for rate in ("per_100k_voters", "per_1000_tps", "per_100k_voter_days", "per_1000_tps_days"):
        assert after[rate].to_list() == _halved(before[rate].to_list()), rate
    for rate in ("per_day", "per_1000_personnel_days", "crime_clock_seconds", "incidents"):
        assert after[rate].to_list() == before[rate].to_list(), rate


@PROPERTY
@given(
    region=st.sampled_from([None, "18", "19", "31", "18.72"]),
    by=st.sampled_from(
        [["operation_id"], ["operation_id", "phase"], ["operation_id", "relative_day"], ["operation_id", "region"]]
    ),
)
def test_doubled_personnel_halves_the_personnel_rate(region: str | None, by: list[str]) -> None:
    doubled = sample().with_tables(deployments=_doubled(sample().deployments, ["personnel", "personnel_days"]))
    before, after = aar.rates(sample(), by, region), aar.rates(doubled, by, region)
    assert after["personnel_days"].to_list() == [2 * v for v in before["personnel_days"].to_list()]
    assert after["per_1000_personnel_days"].to_list() == _halved(before["per_1000_personnel_days"].to_list())
    for rate in ("per_day", "per_100k_voters", "per_1000_tps"):
        assert after[rate].to_list() == before[rate].to_list(), rate


# --- comparison -----------------------------------------------------------------------------


def test_compare_over_a_province_of_the_sample() -> None:
    result = aar.compare(sample(), region="18")
    assert (result.baseline, result.target, result.region, result.exposure) == (OMB, OMP, "18", "days")


def test_compare_summary_equals_the_rates_of_each_operation() -> None:
    result = aar.compare(sample(), region="18")
    rates = by_operation(aar.rates(sample(), ["operation_id"], "18"))
    assert result.summary["metric"].to_list()[:2] == ["incidents", "cleared"]
    for row in result.summary.iter_rows(named=True):
        metric = row["metric"]
        b, t = rates[OMB][metric], rates[OMP][metric]
        assert row["baseline"] == (None if b is None else float(b)), metric
        assert row["target"] == (None if t is None else float(t)), metric
        assert row["change"] == float(t) - float(b), metric
        assert row["percent_change"] == ((float(t) - float(b)) / float(b) * 100 if b else None), metric
        assert row["direction"] == aar.direction(b, t), metric
    assert result.metric("days")["baseline"] == OMB_DAYS
    assert result.metric("days")["target"] == OMP_DAYS_LAMPUNG
    assert result.metric("incidents")["baseline"] == 3_613
    assert result.metric("crime_clock_seconds")["baseline"] == OMB_DAYS * 86_400 / 3_613
    assert result.metric("per_day")["target"] == result.metric("incidents")["target"] / OMP_DAYS_LAMPUNG


def test_compare_summary_by_hand() -> None:
    result = aar.compare(hand(), region="18.72")
    rows = {
        r["metric"]: (r["baseline"], r["target"], r["change"], r["percent_change"], r["direction"])
        for r in result.summary.iter_rows(named=True)
    }
    assert rows["incidents"] == (2.0, 4.0, 2.0, 100.0, "naik")
    assert rows["killed"] == (0.0, 3.0, 3.0, None, "naik")
    assert rows["injured"] == (4.0, 4.0, 0.0, 0.0, "tetap")
    assert rows["clearance_rate"] == (1.0, 2 / 3, 2 / 3 - 1.0, (2 / 3 - 1.0) / 1.0 * 100, "turun")
    assert rows["loss_idr"] == (500_000.0, 13_500_000.0, 13_000_000.0, 2_600.0, "naik")
    assert rows["days"] == (313.0, 125.0, -188.0, -188 / 313 * 100, "turun")
    assert rows["per_day"] == (2 / 313, 4 / 125, 4 / 125 - 2 / 313, (4 / 125 - 2 / 313) / (2 / 313) * 100, "naik")
    assert rows["per_1000_tps"] == (2.5, 10.0, 7.5, 300.0, "naik")
    assert rows["personnel_days"] == (0.0, 3_000.0, 3_000.0, None, "naik")
    assert rows["per_1000_personnel_days"] == (None, 4 / 3_000 * 1_000, None, None, None)


def test_compare_phases_add_up_to_the_summary() -> None:
    result = aar.compare(sample(), region="18")
    phases = result.phases
    assert phases["phase"].cast(pl.String).to_list() == [
        "pre_campaign",
        "campaign",
        "quiet",
        "voting",
        "recapitulation",
        "disputes",
        "post_election",
    ]
    assert phases["incidents_baseline"].sum() == result.metric("incidents")["baseline"]
    assert phases["incidents_target"].sum() == result.metric("incidents")["target"]
    assert phases["days_baseline"].sum() == OMB_DAYS
    assert phases["days_target"].sum() == OMP_DAYS_LAMPUNG
    voting = phases.filter(pl.col("phase") == "voting").row(0, named=True)
    assert voting["per_day_baseline"] == voting["incidents_baseline"] / 2
    assert (
        voting["percent_change"]
        == (voting["per_day_target"] - voting["per_day_baseline"]) / voting["per_day_baseline"] * 100
    )
    assert result.categories["incidents_baseline"].sum() == 3_613
    assert result.subregions["incidents_target"].sum() == result.metric("incidents")["target"]
    assert result.subregions.filter(pl.col("region") == "18.72")["name"].to_list() == ["Kota Metro"]


def test_compare_phases_by_hand() -> None:
    phases = aar.compare(hand(), region="18.72").phases
    pre = phases.filter(pl.col("phase") == "pre_campaign").row(0, named=True)
    assert (pre["incidents_baseline"], pre["days_baseline"], pre["incidents_target"], pre["days_target"]) == (
        0,
        40,
        1,
        29,
    )
    assert (pre["per_day_baseline"], pre["per_day_target"], pre["percent_change"], pre["direction"]) == (
        0.0,
        1 / 29,
        None,
        "naik",
    )
    disputes = phases.filter(pl.col("phase") == "disputes").row(0, named=True)  # OMP has no disputes phase
    assert (disputes["incidents_baseline"], disputes["incidents_target"], disputes["days_target"]) == (0, 0, None)


def test_compare_series_is_aligned_on_voting_day_with_a_rolling_mean() -> None:
    result = aar.compare(sample(), region="18")
    series = result.series
    assert series["relative_day"].to_list() == list(range(-118, 250))
    daily = aar.rates(sample(), ["operation_id", "relative_day"], "18")
    for op, side in ((OMB, "baseline"), (OMP, "target")):
        expected = daily.filter(pl.col("operation_id") == op).select("relative_day", "incidents").rows()
        assert series.filter(pl.col(side).is_not_null()).select("relative_day", side).rows() == expected
    window = series.filter(pl.col("relative_day").is_between(-3, 3))
    zero = series.filter(pl.col("relative_day") == 0).row(0, named=True)
    assert zero["baseline_rolling"] == sum(window["baseline"]) / 7
    assert zero["target_rolling"] == sum(window["target"]) / 7
    assert (
        zero["target"]
        == aar.counts(sample(), ["operation_id", "occurred_on"], "18").filter(pl.col("occurred_on") == OMP_VOTING)[
            "incidents"
        ][0]
    )


def test_compare_series_by_hand() -> None:
    series = aar.compare(hand(), region="18.72", rolling=3).series
    zero = series.filter(pl.col("relative_day") == 0).row(0, named=True)
    assert (zero["baseline"], zero["target"]) == (1, 2)
    assert (zero["baseline_rolling"], zero["target_rolling"]) == (1 / 3, 2 / 3)
    assert series.filter(pl.col("relative_day") == 23).select("baseline", "target").row(0) == (0, 1)
    target = series.filter(pl.col("target").is_not_null())["relative_day"]
    assert (target.min(), target.max(), target.len()) == (-92, 32, 125)


def test_compare_series_has_no_rolling_mean_where_the_operation_did_not_run() -> None:
    series = aar.compare(sample(), region="18").series
    outside = series.filter(pl.col("target").is_null())
    assert outside.height == 368 - 125
    assert outside.filter(pl.col("target_rolling").is_not_null())["relative_day"].to_list() == []


@pytest.mark.parametrize(
    ("arguments", "argument", "received", "allowed"),
    [
        ({"region": "99"}, "region", "99", ["Kemendagri code"]),
        (
            {"exposure": "weeks"},
            "exposure",
            "weeks",
            ["days", "voters", "tps", "personnel_days", "voter_days", "tps_days"],
        ),
        ({"baseline": "X"}, "baseline", "X", [OMB, OMP]),
        ({"target": "pilpres"}, "target", "pilpres", [OMB, OMP]),
        ({"rolling": 0}, "rolling", 0, [">= 1"]),
    ],
)
def test_compare_rejects_a_bad_argument(
    arguments: dict[str, object], argument: str, received: object, allowed: list[str]
) -> None:
    with pytest.raises(aar.UsageError) as caught:
        aar.compare(hand(), **arguments)  # type: ignore[arg-type]
    error = caught.value
    assert (error.argument, error.received) == (argument, received)
    message = str(error)
    assert message.startswith(f"{argument}: got {received!r}; allowed: ")
    for value in allowed:
        assert value in message


def test_streaming_count_cube_of_saved_incidents_equals_the_cube(tmp_path: Path) -> None:
    ds = sample()
    aar.save_prepared(ds, tmp_path / "prepared")
    streamed = aar.count_cube(pl.scan_parquet(tmp_path / "prepared" / "incidents.parquet"), ds.operations).collect(
        engine="streaming"
    )
    keys = ["operation_id", "region", "phase", "category", "occurred_on"]
    assert_frame_equal(streamed.sort(keys), aar.cube(ds).sort(keys))


def test_memoised_cube_belongs_to_its_dataset() -> None:
    ds = sample()
    first = aar.cube(ds, "18", "province")
    assert aar.cube(ds, "18", "province") is first
    fewer = ds.with_tables(incidents=ds.incidents.head(100))
    assert (
        int(aar.cube(fewer, "18", "province")["incidents"].sum())
        == fewer.incidents.filter(pl.col("province_code") == "18").height
    )
    assert (
        int(aar.cube(ds, "18", "province")["incidents"].sum())
        == ds.incidents.filter(pl.col("province_code") == "18").height
    )


@pytest.mark.parametrize("by", [["operation_id"], ["operation_id", "phase"], ["operation_id", "relative_day"]])
def test_national_exposures_summed_from_kept_provinces_equal_direct_ones(by: list[str]) -> None:
    from aar._analytics.metrics import prepare

    direct = aar.exposures(sample().with_tables(), by)
    rolled_up = sample().with_tables()
    prepare(rolled_up, None, "province")
    assert rolled_up.memoised(("exposure_days", None, "province"))
    assert_frame_equal(aar.exposures(rolled_up, by).sort(by), direct.sort(by), check_column_order=False)
