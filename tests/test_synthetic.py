"""The synthetic generator: deterministic, valid, labelled, and with the effects it claims built in."""

from __future__ import annotations

import csv
import datetime as dt
import filecmp
import tomllib
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import aar
from aar._data.writing import write_dataset
from aar._synthetic import SAMPLE_PROVINCES, synthesize

SAMPLE = Path(__file__).parents[1] / "data" / "sample"


@pytest.fixture(scope="module")
def sample() -> aar.Dataset:
    return aar.load(SAMPLE)


def test_same_seed_same_tables() -> None:
    a, b = synthesize("sample", 11), synthesize("sample", 11)
    for name in a.tables:
        assert a.tables[name].equals(b.tables[name]), name
    c = synthesize("sample", 12)
    assert not a.tables["incidents"].equals(c.tables["incidents"])


def test_committed_sample_regenerates_byte_for_byte(tmp_path: Path) -> None:
    config = tomllib.loads((SAMPLE / "dataset.toml").read_text(encoding="utf-8"))
    data = synthesize(config["scale"], config["seed"])
    write_dataset(data.tables, data.config, tmp_path / "again")
    names = sorted(p.name for p in SAMPLE.iterdir())
    assert names == sorted(p.name for p in (tmp_path / "again").iterdir())
    _, mismatch, errors = filecmp.cmpfiles(SAMPLE, tmp_path / "again", names, shallow=False)
    assert mismatch == []
    assert errors == []


def test_sample_is_small(sample: aar.Dataset) -> None:
    assert sum(p.stat().st_size for p in SAMPLE.iterdir()) < 3 * 1024 * 1024


def test_sample_validates_and_is_labelled_synthetic(sample: aar.Dataset) -> None:
    result = aar.validate(SAMPLE)
    assert result.ok, result.errors[:3]
    assert sample.synthetic
    assert sample.info.extra["seed"] == 7
    assert sample.info.extra["generator"].startswith("aar._synthetic")
    assert sample.incidents["incident_id"].str.starts_with("SYN-").all()
    assert sample.improvement_plan["example"].all()
    assert sample.improvement_plan["observation"].str.starts_with("CONTOH").all()


def test_sample_covers_the_seed_provinces_with_their_kabupaten_kota(sample: aar.Dataset) -> None:
    regions = set(sample.electorate["region_code"])
    reference = aar.reference().regions
    for province in SAMPLE_PROVINCES:
        expected = set(reference.filter(pl.col("parent_code") == province)["region_code"])
        assert {r for r in regions if r.startswith(province + ".")} == expected
    assert {"18.72", "18.71", "19.71", "31.73"} <= set(sample.incidents["region_code"])
    assert set(sample.incidents["operation_id"]) == {"OMB-2023-2024", "OMP-2024"}


def _reference_csv(name: str) -> list[dict[str, str]]:
    """A shipped reference file read with the csv module, independently of aar's readers."""
    with (Path(aar.__file__).parent / "refdata" / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_real_figures_are_used(sample: aar.Dataset) -> None:
    rows = {(r["operation_id"], r["region_code"]): r for r in sample.electorate.iter_rows(named=True)}
    known = _reference_csv("electorate_sample_provinces.csv")
    assert len(known) == len(rows) == 56
    for k in known:
        got = rows[(k["operation_id"], k["region_code"])]
        assert got["tps"] == int(k["tps"]), k
        if k["voters"]:
            assert got["voters"] == int(k["voters"]), k
            assert got["source"].startswith("real: voters and TPS"), got["source"]
        else:
            assert got["source"].startswith("real: TPS") and "synthetic: TPS by class, voters" in got["source"]
    lampung = sample.electorate.filter(
        pl.col("region_code").str.starts_with("18.") & (pl.col("operation_id") == "OMP-2024")
    )
    assert lampung["tps"].sum() == 13_281  # KPU's final list (SOURCES.md), not the draft 13,277
    assert sample.electorate.filter(region_code="18.72", operation_id="OMP-2024")["tps_khusus"].item() == 1
    khusus = {r["region_code"]: int(r["tps_lokasi_khusus"]) for r in _reference_csv("tps_pemilu2024.csv")}
    pemilu = sample.electorate.filter(operation_id="OMB-2023-2024")
    assert dict(pemilu.select("region_code", "tps_khusus").iter_rows()) == {c: khusus[c] for c in pemilu["region_code"]}
    classes = ["tps_kurang_rawan", "tps_rawan", "tps_sangat_rawan", "tps_khusus"]
    assert sample.electorate.select((pl.sum_horizontal(classes) == pl.col("tps")).all()).item()
    polres = sample.deployments.filter(
        (pl.col("region_code") == "18.72") & (pl.col("agency") == "polri") & (pl.col("unit") == "Polres")
    )
    got = {r["operation_id"]: (r["personnel"], r["days"]) for r in polres.iter_rows(named=True)}
    assert got["OMP-2024"] == (300, 125)
    assert got["OMB-2023-2024"][0] == 565


def test_dataset_toml_says_which_figures_are_real(sample: aar.Dataset) -> None:
    assert "Pilkada 2024 voters (DPT) and TPS" in sample.info.extra["real_figures"]
    assert "incidents and deployments" in sample.info.extra["synthetic_figures"]


def test_national_pemilu_tps_are_kpus_and_the_pilkada_keeps_the_merge() -> None:
    electorate = synthesize("national", 7, 1_000).tables["electorate"]
    pemilu = electorate.filter(operation_id="OMB-2023-2024")
    real = {r["region_code"]: int(r["tps"]) for r in _reference_csv("tps_pemilu2024.csv")}
    assert dict(pemilu.select("region_code", "tps").iter_rows()) == real
    assert pemilu["tps"].sum() == 820_161
    pilkada = electorate.filter(operation_id="OMP-2024")
    # the Pilkada merged TPS: the national total within a few percent of KPU's 435,296
    assert pilkada["tps"].sum() == pytest.approx(435_296, rel=0.03)
    merged = pilkada.join(pemilu, on="region_code", suffix="_pemilu")
    assert (merged["tps"] < merged["tps_pemilu"]).all()
    ratio = electorate.group_by("operation_id").agg(r=pl.col("voters").sum() / pl.col("tps").sum())
    got = dict(ratio.iter_rows())
    assert got["OMB-2023-2024"] == pytest.approx(204_807_222 / 820_161, rel=0.05)
    assert got["OMP-2024"] == pytest.approx(203_000_000 / 435_296, rel=0.05)


def _per_day(ds: aar.Dataset, by: list[str]) -> pl.DataFrame:
    days = ds.calendar.join(ds.incidents.select("province_code").unique(), on="province_code").with_columns(
        days=(pl.col("end_date") - pl.col("start_date")).dt.total_days() + 1
    )
    exposure = days.group_by([c for c in by if c in days.columns]).agg(pl.col("days").sum())
    counts = ds.incidents.group_by(by).agg(n=pl.len())
    return counts.join(exposure, on=[c for c in by if c in days.columns]).with_columns(
        rate=pl.col("n") / pl.col("days")
    )


def test_intensity_rises_through_the_campaign_and_peaks_at_voting(sample: aar.Dataset) -> None:
    rates = {
        (r["operation_id"], r["phase"]): r["rate"]
        for r in _per_day(sample, ["operation_id", "phase"]).iter_rows(named=True)
    }
    for op in ("OMB-2023-2024", "OMP-2024"):
        assert rates[(op, "campaign")] > rates[(op, "pre_campaign")]
        assert rates[(op, "voting")] > 2 * rates[(op, "campaign")]
        assert rates[(op, "post_election")] < rates[(op, "recapitulation")]
    omb = sample.incidents.filter(pl.col("operation_id") == "OMB-2023-2024")
    campaign = omb.filter(pl.col("phase") == "campaign").group_by("occurred_on").agg(n=pl.len()).sort("occurred_on")
    first, last = campaign.head(20)["n"].mean(), campaign.tail(20)["n"].mean()
    assert last > first  # type: ignore[operator]


def test_results_announcement_bump(sample: aar.Dataset) -> None:
    omb = sample.incidents.filter((pl.col("operation_id") == "OMB-2023-2024") & (pl.col("category") == "unjuk_rasa"))
    near = omb.filter(pl.col("occurred_on").is_between(dt.date(2024, 3, 18), dt.date(2024, 3, 22))).height / 5
    before = omb.filter(pl.col("occurred_on").is_between(dt.date(2024, 3, 4), dt.date(2024, 3, 13))).height / 10
    assert near > 1.5 * before


def test_category_mix_differs_between_pemilu_and_pilkada(sample: aar.Dataset) -> None:
    rates = _per_day(sample, ["operation_id", "category"])
    wide = rates.pivot(on="operation_id", index="category", values="rate")
    ratio = dict(wide.select("category", r=pl.col("OMP-2024") / pl.col("OMB-2023-2024")).iter_rows())
    for category in ("bentrok", "penghadangan", "politik_uang"):
        assert ratio[category] > 1, category
    assert ratio["hoaks_ujaran_kebencian"] < 1


def test_counts_are_overdispersed(sample: aar.Dataset) -> None:
    daily = (
        sample.incidents.filter(pl.col("phase") == "pre_campaign")
        .group_by("operation_id", "region_code", "occurred_on")
        .agg(n=pl.len())
    )
    grid = sample.calendar.filter(pl.col("phase") == "pre_campaign").join(
        sample.electorate.select("operation_id", "region_code", province_code=pl.col("region_code").str.slice(0, 2)),
        on=["operation_id", "province_code"],
    )
    full = (
        grid.with_columns(occurred_on=pl.date_ranges("start_date", "end_date"))
        .explode("occurred_on")
        .select("operation_id", "region_code", "occurred_on")
    )
    counts = full.join(daily, on=["operation_id", "region_code", "occurred_on"], how="left").with_columns(
        pl.col("n").fill_null(0)
    )
    stats = (
        counts.group_by("operation_id", "region_code")
        .agg(mean=pl.col("n").mean(), var=pl.col("n").var())
        .filter(pl.col("mean") > 0.5)
    )
    dispersion = (stats["var"] / stats["mean"]).median()
    assert dispersion > 1.3  # Poisson would give about 1


def test_incidents_follow_vulnerability(sample: aar.Dataset) -> None:
    omp = sample.electorate.filter(pl.col("operation_id") == "OMP-2024").with_columns(
        share=(pl.col("tps_rawan") + pl.col("tps_sangat_rawan")) / pl.col("tps")
    )
    counts = sample.incidents.filter(pl.col("operation_id") == "OMP-2024").group_by("region_code").agg(n=pl.len())
    joined = omp.join(counts, on="region_code").with_columns(per_voter=pl.col("n") / pl.col("voters"))
    ranks = joined.select(pl.col("share").rank(), pl.col("per_voter").rank())
    rho = np.corrcoef(ranks["share"].to_numpy(), ranks["per_voter"].to_numpy())[0, 1]
    assert rho > 0.2


def test_deployments_follow_guard_patterns_with_a_voting_day_surge(sample: aar.Dataset) -> None:
    surge = sample.deployments.filter(pl.col("role") == "pengamanan TPS")
    assert set(surge["agency"]) == {"polri", "tni", "linmas"}
    h = {"OMB-2023-2024": dt.date(2024, 2, 14), "OMP-2024": dt.date(2024, 11, 27)}
    for r in surge.iter_rows(named=True):
        assert r["start_date"] <= h[r["operation_id"]] <= r["end_date"]
    row = sample.electorate.filter(
        (pl.col("region_code") == "18.01") & (pl.col("operation_id") == "OMB-2023-2024")
    ).row(0, named=True)
    police = -(-row["tps_kurang_rawan"] // 4) * 2 + -(-row["tps_rawan"] // 2) * 4 + -(-row["tps_sangat_rawan"] // 2) * 6
    polri = sample.deployments.filter(
        (pl.col("region_code") == "18.01") & (pl.col("operation_id") == "OMB-2023-2024") & (pl.col("agency") == "polri")
    )
    on_voting_day = polri["personnel"].sum()
    assert police <= on_voting_day <= police + polri.filter(pl.col("unit") == "Polres")["personnel"].sum() + 10


def test_national_scale_covers_every_kabupaten_kota() -> None:
    data = synthesize("national", 3, incidents=40_000)
    assert data.tables["electorate"]["region_code"].n_unique() == 514
    assert data.tables["incidents"].height == pytest.approx(40_000, rel=0.05)
    assert data.tables["incidents"]["region_code"].str.slice(0, 2).n_unique() == 38


def test_bad_arguments_are_usage_errors() -> None:
    with pytest.raises(aar.UsageError, match="scale"):
        synthesize("planet")
    with pytest.raises(aar.UsageError, match="incidents"):
        synthesize("sample", incidents=-1)


def test_crime_types_only_on_other_crime_and_in_their_shares(sample: aar.Dataset) -> None:
    from aar._synthetic import CRIME_TYPE_SHARES

    typed = sample.incidents.filter(pl.col("subcategory").is_not_null())
    assert set(typed["category"]) == {"kejahatan_lain"}
    other = sample.incidents.filter(category="kejahatan_lain")
    n = other.height
    counts = dict(other.group_by("subcategory").len().iter_rows())
    untyped = 1 - sum(CRIME_TYPE_SHARES.values())
    for crime_type, share in [*CRIME_TYPE_SHARES.items(), (None, untyped)]:
        se = (share * (1 - share) / n) ** 0.5  # binomial standard error of the observed share
        assert abs(counts.get(crime_type, 0) / n - share) < 4 * se, crime_type
