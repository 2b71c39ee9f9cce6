"""Deployment metrics on hand-computed examples: guard-pattern requirements, voting-day strength,
requirements against deployment, personnel sums."""

from __future__ import annotations

from functools import cache

import polars as pl
import pytest

import aar

OMB, OMP = "OMB-2023-2024", "OMP-2024"
CLASSES = ["tps_kurang_rawan", "tps_rawan", "tps_sangat_rawan", "tps_khusus"]


def electorate(*rows: tuple[str, str, int, int, int, int]) -> pl.DataFrame:
    """(operation, region, kurang rawan, rawan, sangat rawan, khusus) per row."""
    return pl.DataFrame(rows, schema=["operation_id", "region_code", *CLASSES], orient="row")


def patterns(*rows: tuple[str | None, str | None, str, int, int, int]) -> pl.DataFrame:
    """(operation or None, region or None, vulnerability, police, tps, linmas) per row."""
    schema = {
        "operation_id": pl.String,
        "region_code": pl.String,
        "vulnerability": pl.String,
        "police": pl.Int64,
        "tps": pl.Int64,
        "linmas": pl.Int64,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


NATIONAL = patterns(
    (None, None, "kurang_rawan", 2, 4, 6),
    (None, None, "rawan", 4, 2, 8),
    (None, None, "sangat_rawan", 6, 2, 8),
)


def required(e: pl.DataFrame, p: pl.DataFrame) -> list[tuple[object, ...]]:
    return (
        aar.required_personnel(e, p)
        .select("operation_id", "region_code", "police_required", "linmas_required", "tps_without_pattern")
        .rows()
    )


# --- required_personnel ---------------------------------------------------------------------


def test_pattern_2_4_6_rounds_up_per_group_of_tps() -> None:
    # 9 kurang rawan TPS: ceil(9 / 4) = 3 groups of 2 police and 6 Linmas
    assert required(electorate((OMP, "18.72", 9, 0, 0, 0)), NATIONAL) == [(OMP, "18.72", 6, 18, 0)]


@pytest.mark.parametrize(("tps", "groups"), [(0, 0), (1, 1), (3, 1), (4, 1), (5, 2), (8, 2), (9, 3), (13_277, 3_320)])
def test_groups_are_rounded_up(tps: int, groups: int) -> None:
    assert required(electorate((OMP, "18.72", tps, 0, 0, 0)), NATIONAL) == [(OMP, "18.72", 2 * groups, 6 * groups, 0)]


def test_every_class_with_its_pattern_and_khusus_without_one() -> None:
    # kurang rawan 9 -> 3 x (2, 6); rawan 3 -> 2 x (4, 8); sangat rawan 3 -> 2 x (6, 8); khusus 2: no pattern
    got = required(electorate((OMP, "18.72", 9, 3, 3, 2), (OMB, "18.72", 0, 0, 0, 0)), NATIONAL)
    assert got == [(OMB, "18.72", 0, 0, 0), (OMP, "18.72", 6 + 8 + 12, 18 + 16 + 16, 2)]


def test_the_most_specific_region_wins() -> None:
    p = pl.concat([NATIONAL, patterns((None, "18", "rawan", 2, 2, 4), (None, "18.72", "rawan", 3, 1, 3))])
    e = electorate((OMP, "18.72", 0, 5, 0, 0), (OMP, "18.71", 0, 5, 0, 0), (OMP, "19.71", 0, 5, 0, 0))
    assert required(e, p) == [
        (OMP, "18.71", 6, 12, 0),  # province 2-2-4: ceil(5 / 2) = 3 groups
        (OMP, "18.72", 15, 15, 0),  # regency 3-1-3: 5 groups
        (OMP, "19.71", 12, 24, 0),  # national 4-2-8: 3 groups
    ]


def test_an_operations_own_pattern_wins_over_one_for_all_operations() -> None:
    p = pl.concat(
        [
            NATIONAL,
            patterns((None, "18", "rawan", 2, 2, 4), (OMP, "18", "rawan", 1, 1, 1), (OMP, None, "rawan", 5, 1, 5)),
        ]
    )
    e = electorate(
        (OMP, "18.71", 0, 5, 0, 0), (OMB, "18.71", 0, 5, 0, 0), (OMP, "19.71", 0, 5, 0, 0), (OMB, "19.71", 0, 5, 0, 0)
    )
    assert required(e, p) == [
        (OMB, "18.71", 6, 12, 0),  # province, all operations: 2-2-4
        (OMB, "19.71", 12, 24, 0),  # national, all operations: 4-2-8
        (OMP, "18.71", 5, 5, 0),  # province, OMP: 1-1-1
        (OMP, "19.71", 25, 25, 0),  # national, OMP: 5-1-5
    ]


def test_region_is_more_specific_than_operation() -> None:
    p = pl.concat(
        [
            NATIONAL,
            patterns(
                (None, "18.72", "rawan", 3, 1, 3), (OMP, "18", "rawan", 1, 1, 1), (OMP, None, "kurang_rawan", 1, 8, 1)
            ),
        ]
    )
    e = electorate((OMP, "18.72", 8, 5, 0, 0), (OMP, "18.71", 8, 5, 0, 0))
    assert required(e, p) == [
        (OMP, "18.71", 1 + 5, 1 + 5, 0),  # province OMP 1-1-1 for rawan; national OMP 1-8-1 over national 2-4-6
        (OMP, "18.72", 1 + 15, 1 + 15, 0),  # kabupaten/kota 3-1-3 (all operations) over province OMP 1-1-1
    ]


def test_tps_of_a_class_without_a_pattern_are_counted() -> None:
    only_kurang_rawan = patterns(
        (None, None, "kurang_rawan", 2, 4, 6), (None, "19", "rawan", 2, 4, 8), (OMB, None, "sangat_rawan", 6, 2, 8)
    )
    got = required(electorate((OMP, "18.72", 4, 3, 2, 1)), only_kurang_rawan)
    assert got == [(OMP, "18.72", 2, 6, 3 + 2 + 1)]


def test_a_province_pattern_does_not_apply_to_another_province() -> None:
    p = patterns((None, "18", "kurang_rawan", 2, 4, 6))
    assert required(electorate((OMP, "19.71", 8, 0, 0, 0), (OMP, "18.01", 8, 0, 0, 0)), p) == [
        (OMP, "18.01", 4, 12, 0),
        (OMP, "19.71", 0, 0, 8),
    ]


# --- voting_day, required_vs_deployed, personnel on a dataset ---------------------------------

INCIDENTS = pl.DataFrame(
    {"incident_id": ["1"], "occurred_on": ["2024-11-27"], "region_code": ["18.72"], "category": ["demo"]}
)
DEPLOYMENTS = pl.DataFrame(
    {
        "operation_id": [OMP, OMP, OMP, OMP, OMP, OMP, OMB],
        "region_code": ["18.72", "18.72", "18.72", "18.72", "18.72", "18.71", "18.72"],
        "agency": ["polri", "polri", "polri", "tni", "linmas", "polri", "polri"],
        "start_date": [
            "2024-08-27",
            "2024-11-26",
            "2024-11-20",
            "2024-11-27",
            "2024-11-27",
            "2024-11-27",
            "2023-10-19",
        ],
        "end_date": ["2024-12-29", "2024-11-28", "2024-11-25", "2024-11-27", "2024-11-27", "2024-11-27", "2024-10-20"],
        "personnel": [300, 100, 50, 150, 800, 1_000, 565],
    }
)  # on OMP's voting day in Kota Metro: 300 + 100 Polri (the 50 left on 25 Nov), 150 TNI, 800 Linmas
ELECTORATE = pl.DataFrame(
    {
        "operation_id": [OMP, OMP, OMB],
        "region_code": ["18.72", "18.71", "18.72"],
        "voters": [200_000, 750_000, 210_000],
        "tps": [400, 3_000, 820],
        "tps_kurang_rawan": [380, 2_900, 800],
        "tps_rawan": [15, 80, 16],
        "tps_sangat_rawan": [4, 20, 4],
        "tps_khusus": [1, 0, 0],
    }
)


@cache
def dataset() -> aar.Dataset:
    return aar.Dataset.from_frames(incidents=INCIDENTS, deployments=DEPLOYMENTS, electorate=ELECTORATE)


VOTING_DAY_COLUMNS = [
    "operation_id",
    "region",
    "voters",
    "tps",
    "polri",
    "tni",
    "linmas",
    "all_agencies",
    "polri_per_tps",
    "voters_per_officer",
]


def test_voting_day_per_kabupaten_kota_by_hand() -> None:
    got = aar.voting_day(dataset(), "18", level="regency").select(VOTING_DAY_COLUMNS).rows()
    assert got == [
        (OMB, "18.72", 210_000, 820, 565, 0, 0, 565, 565 / 820, 210_000 / 565),
        (OMP, "18.71", 750_000, 3_000, 1_000, 0, 0, 1_000, 1_000 / 3_000, 750.0),
        (OMP, "18.72", 200_000, 400, 400, 150, 800, 1_350, 1.0, 500.0),
    ]


def test_voting_day_national_by_hand() -> None:
    got = aar.voting_day(dataset()).select(VOTING_DAY_COLUMNS).rows()
    assert got == [
        (OMB, "00", 210_000, 820, 565, 0, 0, 565, 565 / 820, 210_000 / 565),
        (OMP, "00", 950_000, 3_400, 1_400, 150, 800, 2_350, 1_400 / 3_400, 950_000 / 1_400),
    ]
    assert aar.voting_day(dataset(), "18.72").filter(pl.col("operation_id") == OMP)["polri"].to_list() == [400]


REQUIRED_COLUMNS = [
    "operation_id",
    "region",
    "police_required",
    "linmas_required",
    "tps_without_pattern",
    "polri",
    "linmas",
    "tps",
    "coverage",
    "shortfall",
]


def test_required_vs_deployed_per_kabupaten_kota_by_hand() -> None:
    # shipped patterns 2-4-6, 4-2-8, 6-2-8:
    # OMP 18.72: 380 -> 95 x (2, 6); 15 -> 8 x (4, 8); 4 -> 2 x (6, 8); 1 khusus without a pattern
    # OMP 18.71: 2,900 -> 725 x (2, 6); 80 -> 40 x (4, 8); 20 -> 10 x (6, 8)
    # OMB 18.72: 800 -> 200 x (2, 6); 16 -> 8 x (4, 8); 4 -> 2 x (6, 8)
    got = aar.required_vs_deployed(dataset(), "18", level="regency").select(REQUIRED_COLUMNS).rows()
    assert got == [
        (OMB, "18.72", 444, 1_280, 0, 565, 0, 820, 565 / 444, 0),
        (OMP, "18.71", 1_670, 4_750, 0, 1_000, 0, 3_000, 1_000 / 1_670, 670),
        (OMP, "18.72", 234, 650, 1, 400, 800, 400, 400 / 234, 0),
    ]


def test_required_vs_deployed_per_province_sums_the_kabupaten_kota_requirements() -> None:
    got = aar.required_vs_deployed(dataset(), "18").select(REQUIRED_COLUMNS).rows()
    assert got == [
        (OMB, "18", 444, 1_280, 0, 565, 0, 820, 565 / 444, 0),
        (OMP, "18", 1_904, 5_400, 1, 1_400, 800, 3_400, 1_400 / 1_904, 504),
    ]


def test_required_vs_deployed_uses_the_datasets_own_pattern() -> None:
    own = pl.DataFrame(
        {"region_code": ["Kota Metro"], "vulnerability": ["rawan"], "police": [3], "tps": [1], "linmas": [3]}
    )
    ds = aar.Dataset.from_frames(
        incidents=INCIDENTS, deployments=DEPLOYMENTS, electorate=ELECTORATE, guard_patterns=own
    )
    got = (
        aar.required_vs_deployed(ds, "18.72")
        .select("operation_id", "police_required", "linmas_required", "shortfall")
        .rows()
    )
    # rawan in Kota Metro now 3-1-3: OMB 16 x (3, 3), OMP 15 x (3, 3)
    assert got == [(OMB, 400 + 48 + 12, 1_200 + 48 + 16, 0), (OMP, 190 + 45 + 12, 570 + 45 + 16, 0)]


def test_personnel_sums_by_hand() -> None:
    by_agency = (
        aar.personnel(dataset())
        .select("operation_id", pl.col("agency").cast(pl.String), "personnel", "personnel_days")
        .rows()
    )
    assert by_agency == [
        (OMB, "polri", 565, 565 * 368),
        (OMP, "polri", 300 + 100 + 50 + 1_000, 300 * 125 + 100 * 3 + 50 * 6 + 1_000 * 1),
        (OMP, "tni", 150, 150),
        (OMP, "linmas", 800, 800),
    ]
    by_region = aar.personnel(dataset(), ["region"], "18", level="regency").rows()
    assert by_region == [("18.71", 1_000, 1_000), ("18.72", 565 + 450 + 150 + 800, 565 * 368 + 38_100 + 150 + 800)]
    assert aar.personnel(dataset(), []).rows() == [(2_965, 207_920 + 39_100 + 950)]
    assert aar.personnel(dataset(), ["operation_id"], "19").rows() == []


def test_personnel_rejects_an_unknown_grouping() -> None:
    with pytest.raises(aar.UsageError, match=r"by: got 'phase'; allowed: operation_id, agency, region"):
        aar.personnel(dataset(), ["phase"])
    with pytest.raises(aar.UsageError, match=r"region: got '99'"):
        aar.voting_day(dataset(), "99")
    with pytest.raises(aar.UsageError, match=r"region: got '99'"):
        aar.required_vs_deployed(dataset(), "99")


def test_a_province_row_beside_its_kabupaten_kota_rows_is_counted_once() -> None:
    # As rates do (metrics: "a province row only where it has no regency rows"), a Polda total row
    # next to the Polres rows must not double the TPS, voters or requirements of the province.
    province = pl.DataFrame(
        {
            "operation_id": [OMP],
            "region_code": ["18"],
            "voters": [950_000],
            "tps": [3_400],
            "tps_kurang_rawan": [3_280],
            "tps_rawan": [95],
            "tps_sangat_rawan": [24],
            "tps_khusus": [1],
        }
    )
    ds = aar.Dataset.from_frames(
        incidents=INCIDENTS, deployments=DEPLOYMENTS, electorate=pl.concat([ELECTORATE, province])
    )
    assert aar.rates(ds, ["operation_id"], "18").filter(pl.col("operation_id") == OMP).select("voters", "tps").row(
        0
    ) == (950_000, 3_400)
    day = aar.voting_day(ds, "18").filter(pl.col("operation_id") == OMP).row(0, named=True)
    assert (day["voters"], day["tps"], day["polri_per_tps"]) == (950_000, 3_400, 1_400 / 3_400)
    need = aar.required_vs_deployed(ds, "18").filter(pl.col("operation_id") == OMP).row(0, named=True)
    assert (need["police_required"], need["tps"], need["shortfall"]) == (1_904, 3_400, 504)
