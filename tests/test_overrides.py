"""A dataset may override or extend the shipped windows, phases, operations, regions, aliases and guard patterns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import polars as pl

import aar

INCIDENTS = "incident_id,occurred_on,region_code,category\n1,2024-08-20,18.72,unras\n2,2024-11-27,18.72,unras\n"


def test_a_polda_window_of_the_dataset_overrides_the_shipped_one(write_dataset: Callable[..., Path]) -> None:
    # Shipped: Lampung's OMP window starts 27 Aug 2024, so 20 Aug falls to OMB. The dataset moves it to 15 Aug.
    shipped = aar.load(write_dataset({"incidents.csv": INCIDENTS}, "a"))
    assert shipped.incidents.sort("incident_id")["operation_id"].to_list() == ["OMB-2023-2024", "OMP-2024"]
    windows = "operation_id,province_code,codename,start_date,end_date\nOMP-2024,Lampung,Mantap Praja Krakatau,2024-08-15,2024-12-29\n"
    own = aar.load(write_dataset({"incidents.csv": INCIDENTS, "operation_windows.csv": windows}, "b"))
    assert own.incidents.sort("incident_id")["operation_id"].to_list() == ["OMP-2024", "OMP-2024"]
    lampung = own.windows.filter((pl.col("operation_id") == "OMP-2024") & (pl.col("province_code") == "18")).row(
        0, named=True
    )
    assert lampung["start_date"] == dt.date(2024, 8, 15)
    assert own.operation_windows.height == aar.reference().operation_windows.height


def test_a_new_polda_window_extends_the_reference(write_dataset: Callable[..., Path]) -> None:
    windows = "operation_id,province_code,codename,start_date,end_date\nOMP-2024,19,Mantap Praja Menumbing,2024-08-20,2024-12-20\n"
    ds = aar.load(write_dataset({"incidents.csv": INCIDENTS, "operation_windows.csv": windows}))
    assert ds.operation_windows.height == aar.reference().operation_windows.height + 1
    babel = ds.windows.filter((pl.col("operation_id") == "OMP-2024") & (pl.col("province_code") == "19")).row(
        0, named=True
    )
    assert (babel["start_date"], babel["end_date"]) == (dt.date(2024, 8, 20), dt.date(2024, 12, 20))


def test_province_phases_replace_the_national_ones_there(write_dataset: Callable[..., Path]) -> None:
    phases = (
        "operation_id;phase;start_date;end_date;province_code\n"
        "OMP-2024;pre_campaign;27/08/2024;24/09/2024;18\n"
        "OMP-2024;campaign;25/09/2024;23/11/2024;18\n"
        "OMP-2024;quiet;24/11/2024;26/11/2024;18\n"
        "OMP-2024;voting;27/11/2024;28/11/2024;18\n"
        "OMP-2024;recapitulation;29/11/2024;16/12/2024;18\n"
        "OMP-2024;disputes;17/12/2024;29/12/2024;18\n"
    )
    incidents = "incident_id,occurred_on,region_code,category\n1,2024-12-20,18.72,unras\n2,2024-12-20,31.73,unras\n"
    ds = aar.load(write_dataset({"incidents.csv": incidents, "phases.csv": phases}))
    got = dict(ds.incidents.select("region_code", "phase").iter_rows())
    assert got == {"18.72": "disputes", "31.73": "post_election"}


def test_guard_patterns_from_dataset_toml_override_by_key(write_dataset: Callable[..., Path]) -> None:
    toml = '[[guard_patterns]]\nvulnerability = "rawan"\npolice = 2\ntps = 2\nlinmas = 4\n\n[[guard_patterns]]\nregion_code = "18"\nvulnerability = "rawan"\npolice = 3\ntps = 1\nlinmas = 2\n'
    ds = aar.load(write_dataset({"incidents.csv": INCIDENTS, "dataset.toml": toml}))
    rawan = ds.guard_patterns.filter(
        (pl.col("vulnerability") == "rawan") & (pl.col("region_code").is_null() | (pl.col("region_code") == "18"))
    )
    rawan = rawan.sort("region_code", nulls_last=False)
    assert rawan.select("region_code", "police", "tps", "linmas").rows() == [(None, 2, 2, 4), ("18", 3, 1, 2)]
    assert ds.guard_patterns.height == aar.reference().guard_patterns.height + 1


def test_aliases_from_dataset_toml_for_categories_regions_and_operations(write_dataset: Callable[..., Path]) -> None:
    toml = '[aliases.category]\n"ribut pilkada" = "kerusuhan"\n[aliases.region]\n"Bumi Sai Wawai" = "18.72"\n[aliases.operation]\n"Ops Krakatau" = "OMP-2024"\n'
    incidents = "incident_id,occurred_on,region_code,category,operation_id\n1,2024-11-27,Bumi Sai Wawai,Ribut Pilkada,Ops Krakatau\n"
    ds = aar.load(write_dataset({"incidents.csv": incidents, "dataset.toml": toml}))
    assert ds.incidents.select("region_code", "category", "operation_id").row(0) == ("18.72", "kerusuhan", "OMP-2024")


def test_an_alias_to_an_unknown_code_is_an_error(write_dataset: Callable[..., Path]) -> None:
    toml = '[aliases.category]\n"ribut" = "ribut_besar"\n[aliases.region]\n"Atlantis" = "99.99"\n'
    result = aar.validate(write_dataset({"incidents.csv": INCIDENTS, "dataset.toml": toml}))
    messages = [p.message for p in result.errors]
    assert "category alias 'ribut' points at an unknown code" in messages
    assert "region alias 'Atlantis' points at an unknown region" in messages


def test_regions_of_the_dataset_add_polda_and_polres(write_dataset: Callable[..., Path]) -> None:
    regions = "region_code,name,kind,parent_code,polda,polres\n18.72,Kota Metro,kota,18,Polda Lampung,Polres Metro\n"
    ds = aar.load(write_dataset({"incidents.csv": INCIDENTS, "regions.csv": regions}))
    metro = ds.regions.filter(pl.col("region_code") == "18.72").row(0, named=True)
    assert (metro["polda"], metro["polres"], metro["level"]) == ("Polda Lampung", "Polres Metro", "regency")
    assert ds.regions.height == 552


def test_an_operation_may_be_overridden(write_dataset: Callable[..., Path]) -> None:
    operations = "operation_id,name,election,mode,voting_date,start_date,end_date\nOMB-2023-2024,Operasi Mantap Brata 2023-2024,pemilu,terpusat,14/02/2024,19/10/2023,22/10/2024\n"
    ds = aar.load(write_dataset({"incidents.csv": INCIDENTS, "operations.csv": operations}))
    omb = ds.operations.filter(pl.col("operation_id") == "OMB-2023-2024").row(0, named=True)
    assert omb["end_date"] == dt.date(2024, 10, 22)
    assert ds.operations.height == 2
