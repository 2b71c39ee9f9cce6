"""The shipped reference data: complete, consistent, with its licence notice."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

import polars as pl

import aar
from aar._data.derive import phase_calendar, province_windows


def test_regions_are_38_provinces_and_514_kabupaten_kota() -> None:
    regions = aar.reference().regions
    assert regions.filter(pl.col("kind") == "provinsi").height == 38
    assert regions.filter(pl.col("kind") != "provinsi").height == 514
    assert regions.filter(pl.col("kind") == "kota").height == 98
    named = dict(regions.select("region_code", "name").iter_rows())
    assert named["18.72"] == "Kota Metro"
    assert named["31.73"] == "Kota Administrasi Jakarta Barat"
    assert named["19.71"] == "Kota Pangkal Pinang"


def test_every_kabupaten_kota_has_a_known_province() -> None:
    regions = aar.reference().regions
    provinces = set(regions.filter(pl.col("kind") == "provinsi")["region_code"])
    parents = set(regions.filter(pl.col("kind") != "provinsi")["parent_code"])
    assert parents == provinces


def test_geojson_has_one_feature_per_province_code() -> None:
    geo = aar.province_geojson()
    codes = {f["properties"]["code"] for f in geo["features"]}
    provinces = set(aar.reference().regions.filter(pl.col("kind") == "provinsi")["region_code"])
    assert codes == provinces
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in geo["features"])


def test_licence_notice_ships_with_the_data() -> None:
    notice = aar.licence_notice()
    assert "MIT" in notice
    assert "Cahya DSN" in notice
    assert "Permission is hereby granted" in notice


def test_operations_carry_the_known_dates() -> None:
    ops = {r["operation_id"]: r for r in aar.reference().operations.iter_rows(named=True)}
    assert ops["OMB-2023-2024"]["voting_date"] == dt.date(2024, 2, 14)
    assert ops["OMB-2023-2024"]["start_date"] == dt.date(2023, 10, 19)
    assert ops["OMB-2023-2024"]["end_date"] == dt.date(2024, 10, 20)
    assert ops["OMP-2024"]["voting_date"] == dt.date(2024, 11, 27)
    windows = {r["province_code"]: r for r in aar.reference().operation_windows.iter_rows(named=True)}
    assert windows["31"]["codename"] == "Mantap Praja Jaya"
    assert (windows["35"]["start_date"], windows["35"]["end_date"]) == (dt.date(2024, 8, 19), dt.date(2024, 12, 31))
    assert (windows["21"]["start_date"], windows["21"]["end_date"]) == (dt.date(2024, 8, 27), dt.date(2024, 12, 16))
    krakatau = windows["18"]
    assert (krakatau["end_date"] - krakatau["start_date"]).days + 1 == 125  # seed 000: 125 days from 27 Aug


def test_phases_tile_every_province_window_without_gap_or_overlap() -> None:
    ref = aar.reference()
    provinces = ref.regions.filter(pl.col("kind") == "provinsi")["region_code"]
    windows = province_windows(ref.operations, ref.operation_windows, provinces)
    calendar = phase_calendar(ref.phases, windows)
    for (op, prov), group in calendar.group_by(["operation_id", "province_code"]):
        group = group.sort("start_date")
        window = windows.filter((pl.col("operation_id") == op) & (pl.col("province_code") == prov)).row(0, named=True)
        assert group["start_date"][0] == window["start_date"]
        assert group["end_date"][-1] == window["end_date"]
        gaps = (group["start_date"].slice(1) - group["end_date"].slice(0, group.height - 1)).dt.total_days()
        assert (gaps == 1).all(), (op, prov)


def test_phase_calendars_follow_the_kpu_regulations() -> None:
    phases = {
        (r["operation_id"], r["phase"]): (r["start_date"], r["end_date"])
        for r in aar.reference().phases.iter_rows(named=True)
    }
    assert phases[("OMB-2023-2024", "campaign")] == (dt.date(2023, 11, 28), dt.date(2024, 2, 10))
    assert (phases[("OMB-2023-2024", "campaign")][1] - phases[("OMB-2023-2024", "campaign")][0]).days + 1 == 75
    assert phases[("OMP-2024", "campaign")] == (dt.date(2024, 9, 25), dt.date(2024, 11, 23))
    assert (phases[("OMP-2024", "campaign")][1] - phases[("OMP-2024", "campaign")][0]).days + 1 == 60
    assert phases[("OMP-2024", "voting")][0] == dt.date(2024, 11, 27)
    assert ("OMP-2024", "disputes") not in phases


def test_taxonomy_has_the_design_categories_and_aliases() -> None:
    codes = set(aar.CATEGORY.codes)
    design = {
        "unjuk_rasa", "bentrok", "kerusuhan", "penghadangan", "intimidasi", "perusakan", "penganiayaan", "teror",
        "politik_uang", "pidana_pemilu_lain", "hoaks_ujaran_kebencian", "netralitas", "gangguan_tps",
        "gangguan_logistik", "bencana_alam", "kebakaran", "laka_lantas", "kejahatan_lain",
    }  # fmt: skip
    assert design <= codes
    for alias, code in {
        "unras": "unjuk_rasa",
        "demo": "unjuk_rasa",
        "money politic": "politik_uang",
        "politik uang": "politik_uang",
        "serangan fajar": "politik_uang",
        "laka": "laka_lantas",
        "tawuran": "bentrok",
        "hoax": "hoaks_ujaran_kebencian",
    }.items():
        assert aar.CATEGORY.match(alias) == code, alias
    for code in codes:
        assert aar.CATEGORY.label(code, "id") and aar.CATEGORY.label(code, "en")


def test_guard_patterns_are_a_table_with_the_2019_national_defaults() -> None:
    patterns = aar.reference().guard_patterns.filter(pl.col("region_code").is_null() & pl.col("operation_id").is_null())
    as_text = {r["vulnerability"]: f"{r['police']}-{r['tps']}-{r['linmas']}" for r in patterns.iter_rows(named=True)}
    assert as_text == {"kurang_rawan": "2-4-6", "rawan": "4-2-8", "sangat_rawan": "6-2-8"}


def test_shipped_electorate_figures_match_their_citations() -> None:
    """The checks SOURCES.md states: 820,161 Pemilu TPS over exactly the shipped 514 kabupaten/kota;
    the sample's Pilkada totals per province as KPU announced them."""
    from aar._data.reference import known_electorate, pemilu_tps

    tps = pemilu_tps()
    regencies = aar.reference().regions.filter(pl.col("kind") != "provinsi")
    assert sorted(tps["region_code"]) == sorted(regencies["region_code"])
    assert tps["tps"].sum() == 820_161
    known = known_electorate()
    pilkada = (
        known.filter(operation_id="OMP-2024")
        .group_by(pl.col("region_code").str.slice(0, 2))
        .agg(pl.col("voters").sum(), pl.col("tps").sum())
    )
    assert dict((r[0], (r[1], r[2])) for r in pilkada.iter_rows()) == {
        "18": (6_515_869, 13_281),
        "19": (1_084_999, 2_197),
        "31": (8_214_007, 14_835),
    }
    pemilu = known.filter(operation_id="OMB-2023-2024").join(tps, on="region_code", suffix="_kp24")
    assert (pemilu["tps"] == pemilu["tps_kp24"]).all()


def test_province_outlines_are_those_of_the_shipped_boundaries() -> None:
    """refdata/province_outlines.json is what tools/simplify_boundaries.py makes of refdata/provinces.geojson."""
    import importlib.util
    import json

    tool = Path(__file__).parents[1] / "tools" / "simplify_boundaries.py"
    spec = importlib.util.spec_from_file_location("simplify_boundaries", tool)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = module.province_outlines(aar.province_geojson()["features"])
    shipped = json.loads(resources.files("aar").joinpath("refdata", "province_outlines.json").read_text("utf-8"))
    assert shipped == expected
    provinces = aar.reference().regions.filter(pl.col("kind") == "provinsi")["region_code"]
    assert set(shipped) == set(provinces)
