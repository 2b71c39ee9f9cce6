"""Loading the hand-made Lampung dataset: every input variant of its files gives the right values."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

import aar


@pytest.fixture
def ds(lampung: Path) -> aar.Dataset:
    return aar.load(lampung)


def test_dataset_metadata_comes_from_dataset_toml(ds: aar.Dataset) -> None:
    assert ds.info.name == "Fixture: Lampung, hand-made"
    assert ds.synthetic
    assert ds.info.checksum and len(ds.info.checksum) == 64


def test_semicolon_csv_with_bom_title_rows_and_indonesian_cells(ds: aar.Dataset) -> None:
    rows = {r["incident_id"]: r for r in ds.incidents.iter_rows(named=True)}
    assert set(rows) == {"1", "2", "3", "4", "5", "6"}  # two empty trailing rows dropped
    assert rows["1"]["category"] == "unjuk_rasa" and rows["1"]["region_code"] == "18.72"
    assert rows["1"]["killed"] == 0 and rows["1"]["loss_idr"] == 0.0  # "-" for zero
    assert rows["2"]["occurred_on"] == dt.date(2024, 2, 14) and rows["2"]["category"] == "politik_uang"
    assert rows["2"]["loss_idr"] == 1_500_000.0
    assert rows["3"]["loss_idr"] == 2_500_000.5 and rows["3"]["region_code"] == "18.71"
    assert rows["4"]["region_code"] == "18.72" and rows["4"]["category"] == "bentrok" and rows["4"]["cleared"] is False
    assert (
        rows["5"]["occurred_on"] == dt.date(2024, 11, 27) and rows["5"]["category"] == "kerusuhan"
    )  # alias from dataset.toml
    assert rows["5"]["region_code"] == "18.71" and rows["5"]["cleared"] is True
    assert rows["6"]["occurred_on"] == dt.date(2024, 8, 28)


def test_incidents_get_operation_phase_and_relative_day(ds: aar.Dataset) -> None:
    got = {
        r["incident_id"]: (r["operation_id"], r["phase"], r["relative_day"]) for r in ds.incidents.iter_rows(named=True)
    }
    assert got["1"] == ("OMB-2023-2024", "campaign", -25)
    assert got["2"] == ("OMB-2023-2024", "voting", 0)
    assert got["4"] == ("OMP-2024", "voting", 0)
    # 28 Aug 2024 lies in both windows (OMB until 20 Oct 2024, Krakatau from 27 Aug): nearer voting day wins
    assert got["6"] == ("OMP-2024", "pre_campaign", -91)


def test_deployments_get_personnel_days_and_named_operations(ds: aar.Dataset) -> None:
    deployments = ds.deployments.sort("start_date")
    assert deployments["operation_id"].to_list() == ["OMB-2023-2024", "OMP-2024", "OMP-2024"]
    assert deployments["days"].to_list() == [7, 125, 1]
    assert deployments["personnel_days"].to_list() == [2800, 37500, 470]


def test_electorate_numbers_use_decimal_comma_grouping(ds: aar.Dataset) -> None:
    row = ds.electorate.row(0, named=True)
    assert row["voters"] == 120_000 and row["tps"] == 235


def test_tables_have_the_schema_types(ds: aar.Dataset) -> None:
    for name, table in aar.TABLES.items():
        assert ds.tables[name].schema == table.polars_schema, name


def test_dataset_is_immutable(ds: aar.Dataset) -> None:
    with pytest.raises(AttributeError):
        ds.info = None  # type: ignore[misc]
    with pytest.raises(TypeError):
        ds.tables["incidents"] = pl.DataFrame()  # type: ignore[index]


def test_loading_writes_nothing_into_the_input_folder(lampung: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in lampung.rglob("*")}
    aar.load(lampung)
    aar.validate(lampung)
    assert {p: p.stat().st_mtime_ns for p in lampung.rglob("*")} == before


@pytest.mark.parametrize("enabled", [True, False])
def test_a_load_leaves_the_garbage_collector_as_it_found_it(tmp_path: Path, enabled: bool) -> None:
    """The collector is paused during a validation and restored after it, also when the load fails."""
    import gc

    good = tmp_path / "good"
    aar.write_dataset(aar.synthesize("sample", 3, 200).tables, {"synthetic": True}, good)
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        aar.load(good)
        assert gc.isenabled() is enabled
        with pytest.raises(aar.DatasetError):
            aar.load(tmp_path / "missing")
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
