"""One rule for incidents and exposure where OMB's and OMP's windows overlap (Aug-Oct 2024)."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

import aar
from aar._analytics.metrics import _calendar_days, attribution, attribution_rule

SAMPLE = Path(__file__).parents[1] / "data" / "sample"


@pytest.fixture(scope="module")
def named() -> aar.Dataset:
    return aar.load(SAMPLE)


@pytest.fixture(scope="module")
def unnamed(tmp_path_factory: pytest.TempPathFactory) -> aar.Dataset:
    folder = tmp_path_factory.mktemp("unnamed") / "sample"
    shutil.copytree(SAMPLE, folder)
    incidents = pl.read_csv(folder / "incidents.csv", infer_schema=False).drop("operation_id")
    incidents.write_csv(folder / "incidents.csv")
    return aar.load(folder)


def _credited(ds: aar.Dataset) -> pl.DataFrame:
    return _calendar_days(ds, None, "province").select("operation_id", "province_code", "occurred_on").unique()


def test_without_operation_id_no_day_of_a_province_is_credited_twice(unnamed: aar.Dataset) -> None:
    days = _credited(unnamed)
    twice = days.group_by("province_code", "occurred_on").agg(n=pl.len()).filter(pl.col("n") > 1)
    assert twice.is_empty()
    assert set(attribution(unnamed)["rule"]) == {"nearest_voting_day"}
    assert attribution_rule(unnamed, "18") == "nearest_voting_day"


def test_exposure_days_follow_the_incidents_operation(unnamed: aar.Dataset) -> None:
    """Every incident lies on a day its own operation is credited with, so no count lacks exposure."""
    days = _credited(unnamed)
    placed = unnamed.incidents.select("operation_id", "province_code", "occurred_on").unique()
    orphans = placed.join(days, on=["operation_id", "province_code", "occurred_on"], how="anti")
    assert orphans.is_empty()
    totals = aar.rates(unnamed, ["operation_id"], region="18").select("operation_id", "days", "personnel_days")
    by_op = {r["operation_id"]: r for r in totals.iter_rows(named=True)}
    # Lampung: OMB 19 Oct 2023 - 20 Oct 2024 (368 days) loses the 55 days from 27 Aug to OMP
    assert by_op["OMB-2023-2024"]["days"] == 368 - 55
    assert by_op["OMP-2024"]["days"] == 125


def test_with_operation_id_the_overlap_days_are_credited_to_both(named: aar.Dataset) -> None:
    days = _credited(named)
    lampung = days.filter(pl.col("province_code") == "18")
    both = lampung.group_by("occurred_on").agg(n=pl.len()).filter(pl.col("n") == 2)
    assert both.height == 55
    assert str(both["occurred_on"].min()) == "2024-08-27"
    assert str(both["occurred_on"].max()) == "2024-10-20"
    rules = attribution(named)
    assert set(rules["rule"]) == {"named"}
    assert rules.filter(pl.col("province_code") == "18")["overlap_days"][0] == 55
    assert attribution_rule(named, "18.72") == "named"


def test_the_rule_is_recorded_on_the_comparison(named: aar.Dataset, unnamed: aar.Dataset) -> None:
    assert aar.compare(named, region="18").attribution == "named"
    assert aar.compare(unnamed, region="18").attribution == "nearest_voting_day"


def test_a_mixed_province_falls_back_to_one_operation_a_day() -> None:
    from aar._data.derive import attribution_rules

    windows = pl.select(
        operation_id=pl.Series(["A", "B", "A", "B"]),
        province_code=pl.Series(["01", "01", "02", "02"]),
        start_date=pl.Series(["2024-01-01", "2024-01-05", "2024-01-01", "2024-01-05"]).str.to_date(),
        end_date=pl.Series(["2024-01-08", "2024-01-20", "2024-01-08", "2024-01-20"]).str.to_date(),
    )
    rows = pl.select(
        occurred_on=pl.Series(["2024-01-06", "2024-01-07", "2024-01-06"]).str.to_date(),
        region_code=pl.Series(["01.01", "01.02", "02"]),
        operation_id=pl.Series(["A", None, "B"]),
    )
    rules = attribution_rules(rows, windows)
    assert rules.to_dicts() == [
        {"province_code": "01", "rule": "nearest_voting_day", "overlap_days": 4},
        {"province_code": "02", "rule": "named", "overlap_days": 4},
    ]


def test_the_rule_survives_a_prepared_copy(unnamed: aar.Dataset, tmp_path: Path) -> None:
    from aar._data.dataset import load_prepared

    copy = load_prepared(aar.save_prepared(unnamed, tmp_path / "prepared"))
    assert attribution(copy).to_dicts() == attribution(unnamed).to_dicts()
    assert aar.rates(copy, ["operation_id"], region="18")["days"].to_list() == [313, 125]


def test_a_mixed_province_warns_about_named_incidents_on_days_credited_to_the_other(
    named: aar.Dataset, unnamed: aar.Dataset, tmp_path: Path
) -> None:
    assert not [w for w in named.warnings if "overlap" in w.message]
    assert not [w for w in unnamed.warnings if "overlap" in w.message]
    folder = tmp_path / "mixed"
    shutil.copytree(SAMPLE, folder)
    incidents = pl.read_csv(folder / "incidents.csv", infer_schema=False)
    # one Lampung incident in the overlap loses its operation: Lampung falls back to one operation a day
    first = incidents.with_row_index().filter(
        pl.col("region_code").str.starts_with("18")
        & pl.col("occurred_on").is_between(pl.lit("2024-09-01"), pl.lit("2024-09-30"))
    )["index"][0]
    incidents = incidents.with_columns(
        operation_id=pl.when(pl.int_range(pl.len()) == first).then(None).otherwise(pl.col("operation_id"))
    )
    incidents.write_csv(folder / "incidents.csv")
    mixed = aar.load(folder)
    assert attribution(mixed).filter(pl.col("province_code") == "18")["rule"][0] == "nearest_voting_day"
    assert attribution(mixed).filter(pl.col("province_code") == "19")["rule"][0] == "named"
    warned = [w for w in mixed.warnings if "overlap" in w.message]
    assert len(warned) == 1
    assert "OMB-2023-2024" in warned[0].message and "province 18" in warned[0].message
    assert warned[0].column == "operation_id"
    assert warned[0].severity == "warning"
