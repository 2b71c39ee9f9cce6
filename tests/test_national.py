"""National rows: a Div Humas bulletin for the whole country, alone and beside regional rows.

The bulletin is built in the test (`tests/_national.py`, synthetic figures of the kind of the
26 Nov 2023 bulletin); every expected number is computed here from the file's own cells.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

import aar
from _national import WEEKS, bulletin_rows, write_bulletin
from aar._analytics.metrics import covered_provinces, data_levels, exposures, has_national, rates
from aar._data.derive import reconcile_incidents
from aar._data.reference import national_electorate, region_index, regions_frame
from aar._data.schema import CATEGORY, CATEGORY_GROUP, CATEGORY_GROUP_OF
from aar._data.summary import levels_overview
from aar._data.vocabulary import NATIONAL_CODE
from aar._reporting.comparative import comparative_report
from aar._reporting.overview import overview_report
from aar._reporting.preflight import preflight

COUNTS = ("kejahatan", "pelanggaran", "gangguan", "bencana", "unras", "laka")


def _number(cell: str) -> int:
    return 0 if cell == "-" else int(cell.replace(".", ""))


def _cells(lines: list[str]) -> pl.DataFrame:
    """The bulletin's cells as numbers, read here without aar: one row a day."""
    header = [h.lower() for h in lines[0].split(";")]
    rows = [dict(zip(header, line.split(";"), strict=True)) for line in lines[1:]]
    return pl.DataFrame(
        {
            "day": [dt.datetime.strptime(r["tanggal"], "%d/%m/%Y").date() for r in rows],
            **{c: [_number(r[c]) for r in rows] for c in (*COUNTS, "md", "lb", "lr", "rugi materiil", "personel")},
        }
    ).with_columns(
        operation_id=pl.when(pl.col("day") < dt.date(2024, 6, 1))
        .then(pl.lit("OMB-2023-2024"))
        .otherwise(pl.lit("OMP-2024"))
    )


@pytest.fixture(scope="module")
def bulletin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_bulletin(tmp_path_factory.mktemp("national") / "buletin")


@pytest.fixture(scope="module")
def national(bulletin: Path) -> aar.Dataset:
    return aar.load(bulletin)


@pytest.mark.parametrize(
    "name", ["Indonesia", "INDONESIA", "Nasional", "national", "00", "Mabes Polri", "Indonesia (00)"]
)
def test_the_whole_country_is_matched_by_name_or_code(name: str) -> None:
    assert region_index(regions_frame()).match(name).code == NATIONAL_CODE


def test_the_bulletin_loads_and_validates_without_a_problem(bulletin: Path) -> None:
    text = (bulletin / "laporan_harian.csv").read_text(encoding="utf-8")
    assert ";-;" in text or ";-\n" in text  # "-" for zero is in the file
    result = aar.validate(bulletin)
    assert result.problems == ()
    assert result.dataset is not None and result.dataset.synthetic


def test_the_bulletin_totals_are_the_files(national: aar.Dataset) -> None:
    cells = _cells(bulletin_rows())
    expected = cells.group_by("operation_id").agg(
        incidents=pl.sum_horizontal(COUNTS).sum(),
        killed=pl.col("md").sum(),
        injured=(pl.col("lb") + pl.col("lr")).sum(),
        loss=pl.col("rugi materiil").sum(),
        personnel=pl.col("personel").sum(),
    )
    got = national.incidents.group_by("operation_id").agg(
        incidents=pl.len(),
        killed=pl.col("killed").sum(),
        injured=pl.col("injured").sum(),
        loss=pl.col("loss_idr").sum(),
    )
    deployed = national.deployments.group_by("operation_id").agg(personnel=pl.col("personnel_days").sum())
    for row in expected.iter_rows(named=True):
        mine = got.filter(pl.col("operation_id") == row["operation_id"]).row(0, named=True)
        assert mine["incidents"] == row["incidents"]
        assert mine["killed"] == row["killed"]
        assert mine["injured"] == row["injured"]
        assert mine["loss"] == pytest.approx(row["loss"])
        assert deployed.filter(pl.col("operation_id") == row["operation_id"])["personnel"][0] == row["personnel"]
    assert set(national.incidents["region_code"]) == {NATIONAL_CODE}
    assert national.regions.filter(pl.col("region_code") == NATIONAL_CODE)["level"].to_list() == ["national"]


def test_a_bulletin_without_a_region_column_is_national_when_the_toml_says_so(
    tmp_path: Path, national: aar.Dataset
) -> None:
    without = aar.load(write_bulletin(tmp_path / "tanpa_wilayah", region=None))
    assert without.incidents.height == national.incidents.height
    assert set(without.incidents["region_code"]) == {NATIONAL_CODE}


def test_without_the_toml_key_a_missing_region_column_is_a_problem_naming_it(tmp_path: Path) -> None:
    folder = write_bulletin(tmp_path / "tanpa_kunci", region=None)
    (folder / "dataset.toml").write_text('name = "x"\n', encoding="utf-8")
    result = aar.validate(folder)
    assert not result.ok
    assert any("region" in f"{p.message} {p.column} {p.expected}".lower() for p in result.errors)


def test_the_toml_key_must_be_a_boolean(tmp_path: Path) -> None:
    folder = write_bulletin(tmp_path / "kunci_salah", region=None)
    (folder / "dataset.toml").write_text('national = "ya"\n', encoding="utf-8")
    result = aar.validate(folder)
    assert any("'national'" in p.message and "true or false" in (p.expected or "") for p in result.errors)


def test_national_rates_use_the_bulletin_days_and_the_national_electorate(national: aar.Dataset) -> None:
    cells = _cells(bulletin_rows())
    r = rates(national, ["operation_id"])
    shipped = national_electorate()
    for op in WEEKS:
        n = cells.filter(pl.col("operation_id") == op).select(pl.sum_horizontal(COUNTS).sum()).item()
        row = r.filter(pl.col("operation_id") == op).row(0, named=True)
        voters, tps = shipped.filter(pl.col("operation_id") == op).select("voters", "tps").row(0)
        assert row["days"] == 28  # the days the bulletin spans, not the 368 of OMB's window
        assert row["per_day"] == pytest.approx(n / 28)
        assert row["voters"] == voters and row["tps"] == tps
        assert row["per_100k_voters"] == pytest.approx(n / voters * 100_000)
        assert row["per_1000_tps"] == pytest.approx(n / tps * 1_000)
        assert row["crime_clock_seconds"] == pytest.approx(28 * 86_400 / n)
    assert shipped.filter(pl.col("operation_id") == "OMB-2023-2024")["voters"][0] == 204_807_222
    assert shipped["tps"].to_list() == [820_161, 435_296]


def test_a_bulletin_says_nothing_of_clearance_so_the_cleared_count_is_unknown_not_zero(national: aar.Dataset) -> None:
    cmp = aar.compare(national)
    cleared, rate = cmp.metric("cleared"), cmp.metric("clearance_rate")
    assert cleared["baseline"] is None and cleared["target"] is None
    assert cleared["direction"] is None and rate["target"] is None
    assert cmp.metric("incidents")["target"] > 0


def test_rates_by_phase_group_and_relative_day_add_up(national: aar.Dataset) -> None:
    total = national.incidents.height
    for by in (["operation_id", "phase"], ["operation_id", "category_group"], ["operation_id", "relative_day"]):
        assert rates(national, by)["incidents"].sum() == total
    by_day = rates(national, ["operation_id", "relative_day"])
    voting = by_day.filter(pl.col("relative_day") == 0)
    assert voting.height == 2 and voting["days"].to_list() == [1, 1]
    cells = _cells(bulletin_rows())
    hari_h = cells.filter(pl.col("day") == dt.date(2024, 2, 14)).select(pl.sum_horizontal(COUNTS)).item()
    assert voting.filter(pl.col("operation_id") == "OMB-2023-2024")["incidents"][0] == hari_h
    phases = exposures(national, ["operation_id", "phase"])
    assert phases.filter((pl.col("operation_id") == "OMP-2024") & (pl.col("phase") == "quiet"))["days"][0] == 3


def test_national_rows_cover_no_province(national: aar.Dataset) -> None:
    assert covered_provinces(national).to_list() == []
    assert covered_provinces(national).to_list() == []  # asking again adds nothing (a memoised series)
    assert has_national(national)
    assert data_levels(national) == {"national": national.incidents.height, "province": 0, "regency": 0}
    with pytest.raises(aar.UsageError, match="national rows only"):
        aar.compare(national, region="18")


@pytest.mark.parametrize("value", ["00", "Indonesia", "nasional", ""])
def test_the_report_region_national_code_is_the_national_report(value: str) -> None:
    assert preflight("comparative", {"region": value})["region"] is None


def _regional(write_dataset: Callable[..., Path], national_lines: list[str], regional: str) -> Path:
    return write_dataset(
        {"laporan_harian_nasional.csv": "\n".join(national_lines) + "\n", "laporan_harian_polda.csv": regional}
    )


NATIONAL_DAYS = [
    "Tanggal;Wilayah;Kejahatan;Pelanggaran;Gangguan;Bencana;Unras;Laka;MD;LB;LR;Rugi Materiil;Personel",
    "14/02/2024;Indonesia;626;10;20;4;4;193;18;24;198;406.650.000;14.317",
    "15/02/2024;Indonesia;600;8;-;-;2;150;10;-;-;-;14.000",
]
POLDA = (
    "Tanggal;Wilayah;Kejahatan;Pelanggaran;Unras;Laka;MD;Personel\n"
    "14/02/2024;Lampung;30;12;1;10;3;500\n"
    "14/02/2024;Kota Metro;5;-;-;2;1;100\n"
    "15/02/2024;Lampung;650;-;-;-;-;-\n"
)


def test_national_and_regional_rows_of_the_same_days_are_not_counted_twice(
    write_dataset: Callable[..., Path],
) -> None:
    result = aar.validate(_regional(write_dataset, NATIONAL_DAYS, POLDA))
    ds = result.dataset
    assert ds is not None
    day = pl.col("occurred_on") == dt.date(2024, 2, 14)
    # 14 Feb: national 857 (626 + 10 + 20 + 4 + 4 + 193); regional 61, of which 12 pelanggaran against
    # the national 10: the nation counts max(N, R) per group, 857 - 10 + 12 = 859
    assert ds.incidents.filter(day).height == 859
    assert ds.incidents.filter(day & (pl.col("region_code") != NATIONAL_CODE)).height == 30 + 12 + 1 + 10 + 5 + 2
    unattributed = ds.incidents.filter(day & (pl.col("region_code") == NATIONAL_CODE))
    assert unattributed.filter(pl.col("category") == "kejahatan_lain").height == 626 - 35
    assert unattributed.filter(pl.col("category") == "laka_lantas").height == 193 - 12
    assert unattributed.filter(pl.col("category_group") == "pelanggaran").height == 0
    assert ds.incidents.filter(day)["killed"].sum() == 18  # the national MD; 4 of them in Lampung
    assert ds.incidents.filter(day & (pl.col("region_code") != NATIONAL_CODE))["killed"].sum() == 4
    assert ds.incidents.filter(day)["injured"].sum() == 24 + 198
    # 15 Feb: the regional 650 kejahatan exceed the national 600: the regional rows stand
    later = ds.incidents.filter(pl.col("occurred_on") == dt.date(2024, 2, 15))
    assert later.filter(pl.col("category_group") == "kejahatan").height == 650
    assert later.height == 650 + 8 + 2 + 150
    lampung = rates(ds, ["operation_id"], "18")["incidents"].sum()
    assert lampung == 30 + 12 + 1 + 10 + 5 + 2 + 650
    assert rates(ds, ["operation_id"])["incidents"].sum() == 859 + 810
    deployed = ds.deployments.filter(pl.col("start_date") == dt.date(2024, 2, 14))
    assert deployed["personnel"].sum() == 14_317  # 500 + 100 regional, 13,717 unattributed
    assert deployed.filter(pl.col("region_code") == NATIONAL_CODE)["personnel"].to_list() == [13_717]
    warned = [p for p in result.warnings if "regional rows" in p.message]
    assert len(warned) == 2
    assert any("2024-02-14" in p.message and "12 pelanggaran" in p.message and "10" in p.message for p in warned)
    assert any("2024-02-15" in p.message and "650 kejahatan" in p.message and "600" in p.message for p in warned)
    levels = levels_overview(ds)
    assert levels.filter(pl.col("level") == "national")["incidents"][0] == 591 + 181 + 20 + 4 + 3 + 0 + 8 + 2 + 150


def test_long_form_national_incidents_follow_the_same_rule(write_dataset: Callable[..., Path]) -> None:
    header = "id;tanggal;wilayah;kategori\n"
    national = [f"N{i};14/02/2024;Nasional;curanmor" for i in range(5)] + ["N9;14/02/2024;Nasional;demo"]
    regional = ["R1;14/02/2024;Kota Metro;penganiayaan", "R2;14/02/2024;Lampung;curanmor"]
    ds = aar.load(write_dataset({"kejadian.csv": header + "\n".join(national + regional) + "\n"}))
    # kejahatan: national 5, regional 2 (a penganiayaan and a curanmor): 3 unattributed remain
    left = ds.incidents.filter(pl.col("region_code") == NATIONAL_CODE)
    assert left.filter(pl.col("category_group") == "kejahatan").height == 3
    assert left.filter(pl.col("category") == "unjuk_rasa").height == 1
    assert ds.incidents.height == 6


def test_reconciliation_is_the_maximum_of_national_and_regional_per_group() -> None:
    day = dt.date(2024, 2, 14)
    rows = [("00", "kejahatan_lain", "kejahatan")] * 4 + [("18", "penganiayaan", "kejahatan")] * 6
    rows += [("00", "bencana_alam", "bencana")] * 3 + [("18", "bencana_alam", "bencana")]
    frame = pl.DataFrame(
        {
            "operation_id": ["OMB-2023-2024"] * len(rows),
            "occurred_on": [day] * len(rows),
            "region_code": [r[0] for r in rows],
            "category": [r[1] for r in rows],
            "category_group": [r[2] for r in rows],
            "killed": [0] * len(rows),
            "injured": [0] * len(rows),
            "loss_idr": [0.0] * len(rows),
        }
    )
    out, excess = reconcile_incidents(frame)
    groups = dict(out.group_by("category_group").agg(pl.len()).iter_rows())
    assert groups == {"kejahatan": max(4, 6), "bencana": max(3, 1)}
    assert excess.select("what", "national", "regional").rows() == [("kejahatan", 4.0, 6.0)]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_national_reports_say_there_are_no_sub_regions(national: aar.Dataset, lang: str) -> None:
    none = {"id": "Tidak ada sub-wilayah", "en": "No sub-regions"}[lang]
    report = comparative_report(national, region=None, lang=lang)
    sections = {s.id: str(s.body) for s in report.sections()}
    assert none in sections["subregions"]
    assert {"id": "Tidak ada wilayah dengan TPS", "en": "No region has polling stations"}[lang] in sections[
        "deployment"
    ]
    n = f"{national.incidents.height:,}".replace(",", "." if lang == "id" else ",")
    assert n in sections["method"]
    keys = report.key_numbers().values
    assert keys["incidents_target"] == national.incidents.filter(pl.col("operation_id") == "OMP-2024").height
    for op in WEEKS:
        overview = overview_report(national, operation=op, region=None, lang=lang)
        shown = {s.id: str(s.body) for s in overview.sections()}
        assert none in shown["subregions"]
        assert n in shown["method"]


def test_a_national_file_without_a_region_column_beside_a_regional_file(write_dataset: Callable[..., Path]) -> None:
    national = [line.replace(";Indonesia", "").replace(";Wilayah", "") for line in NATIONAL_DAYS]
    folder = _regional(write_dataset, national, POLDA)
    (folder / "dataset.toml").write_text("national = true\n", encoding="utf-8")
    ds = aar.load(folder)
    assert set(ds.incidents["region_code"]) == {NATIONAL_CODE, "18", "18.72"}
    assert ds.incidents.filter(pl.col("occurred_on") == dt.date(2024, 2, 14)).height == 859


def test_a_regional_situation_report_alone_makes_a_report(write_dataset: Callable[..., Path]) -> None:
    """A sitrep says nothing of clearance: the column is there, unknown, and every section renders
    (before, the report stopped on a missing `cleared` column)."""
    folder = write_dataset(
        {"sitrep.csv": "tanggal;wilayah;kejahatan;laka;MD\n14/02/2024;Lampung;30;10;3\n27/11/2024;Lampung;20;5;1\n"}
    )
    ds = aar.load(folder)
    assert ds.incidents["cleared"].null_count() == ds.incidents.height == 65
    sections = {s.id: str(s.body) for s in comparative_report(ds, region="18").sections()}
    assert "Lampung" in sections["header"]


def test_national_deployments_keep_their_excess_over_the_regional_ones_day_by_day(
    write_dataset: Callable[..., Path],
) -> None:
    header = "operasi;wilayah;instansi;mulai;selesai;personel\n"
    rows = [
        "OMB;Indonesia;polri;10/02/2024;19/02/2024;100",  # 10 days, 1,000 personnel-days in all
        "OMB;Lampung;polri;12/02/2024;16/02/2024;30",  # 5 of those days, 30 of the 100
        "OMB;Lampung;tni;12/02/2024;16/02/2024;7",  # another agency: not in the national Polri figure
    ]
    incidents = "id;tanggal;wilayah;kategori\nA;14/02/2024;Lampung;demo\n"
    ds = aar.load(write_dataset({"deployments.csv": header + "\n".join(rows) + "\n", "incidents.csv": incidents}))
    polri = ds.deployments.filter(pl.col("agency") == "polri")
    assert polri["personnel_days"].sum() == 1_000
    national = polri.filter(pl.col("region_code") == NATIONAL_CODE)
    assert (
        national.filter(pl.col("start_date").is_between(pl.date(2024, 2, 12), pl.date(2024, 2, 16)))[
            "personnel"
        ].to_list()
        == [70] * 5
    )
    assert ds.deployments.filter(pl.col("agency") == "tni")["personnel_days"].sum() == 35
    # the nation's own window: the days its deployments span, as no national incident row gives them
    window = ds.windows.filter(pl.col("province_code") == NATIONAL_CODE).select(
        "operation_id", "start_date", "end_date"
    )
    assert window.rows() == [("OMB-2023-2024", dt.date(2024, 2, 10), dt.date(2024, 2, 19))]


def test_a_national_electorate_row_of_the_dataset_wins_over_the_shipped_one(write_dataset: Callable[..., Path]) -> None:
    files = {
        "laporan_harian.csv": "\n".join(NATIONAL_DAYS) + "\n",
        "dpt.csv": "operasi;wilayah;dpt;jumlah_tps\nOMB;Indonesia;204807222;820000\n",
    }
    ds = aar.load(write_dataset(files))
    r = rates(ds, ["operation_id"]).row(0, named=True)
    assert (r["voters"], r["tps"]) == (204_807_222, 820_000)
    assert r["days"] == 2  # 14 and 15 Feb 2024


@given(
    st.lists(
        st.tuples(st.sampled_from(["00", "18", "18.72"]), st.sampled_from(list(CATEGORY.codes)), st.integers(0, 1)),
        max_size=40,
    )
)
def test_reconciled_counts_are_the_larger_of_national_and_regional_per_day_and_group(
    rows: list[tuple[str, str, int]],
) -> None:
    days = [dt.date(2024, 2, 14), dt.date(2024, 2, 15)]
    frame = pl.DataFrame(
        {
            "operation_id": ["OMB-2023-2024"] * len(rows),
            "occurred_on": [days[d] for _, _, d in rows],
            "region_code": [r for r, _, _ in rows],
            "category": [c for _, c, _ in rows],
            "category_group": [CATEGORY_GROUP_OF[c] for _, c, _ in rows],
            "killed": [1] * len(rows),
            "injured": [0] * len(rows),
            "loss_idr": [0.0] * len(rows),
        },
        schema_overrides={"occurred_on": pl.Date, "region_code": pl.String, "category": pl.String},
    )
    out, excess = reconcile_incidents(frame)
    regional = pl.col("region_code") != NATIONAL_CODE
    assert out.filter(regional).equals(frame.filter(regional))  # regional rows untouched
    keys = ["occurred_on", "category_group"]
    before = frame.group_by(keys).agg(n=(~regional).sum(), r=regional.sum())
    after = out.group_by(keys).agg(total=pl.len())
    both = before.join(after, on=keys, how="left").with_columns(pl.col("total").fill_null(0))
    has_national_day = frame.filter(~regional).select("occurred_on").unique()
    checked = both.join(has_national_day, on="occurred_on")
    expected = checked.with_columns(
        want=pl.when(pl.col("r").sum().over("occurred_on") > 0)
        .then(pl.max_horizontal("n", "r"))
        .otherwise(pl.col("n") + pl.col("r"))
    )
    assert (expected["total"] == expected["want"]).all()
    over = expected.filter((pl.col("r") > pl.col("n")) & (pl.col("r").sum().over("occurred_on") > 0))
    assert excess.filter(pl.col("what").is_in(list(CATEGORY_GROUP.codes))).height == over.height


def test_the_national_rate_ratio_against_statsmodels_directly(national: aar.Dataset) -> None:
    from statsmodels.stats.rates import confint_poisson_2indep

    n_b = national.incidents.filter(pl.col("operation_id") == "OMB-2023-2024").height
    n_t = national.incidents.filter(pl.col("operation_id") == "OMP-2024").height
    published = comparative_report(national, region=None).published
    assert published.overall is not None and published.overall_score is not None
    assert published.overall.ratio == pytest.approx((n_t / 28) / (n_b / 28))
    low, high = confint_poisson_2indep(n_t, 28, n_b, 28, method="score", compare="ratio")
    assert (published.overall_score.ci_low, published.overall_score.ci_high) == pytest.approx((low, high))
    assert published.overall_score.exposure_target == published.overall_score.exposure_baseline == 28


def test_a_national_report_of_mixed_levels_names_the_unattributed_remainder(
    bulletin: Path, write_dataset: Callable[..., Path]
) -> None:
    polda = "Tanggal;Wilayah;Kejahatan;Laka\n14/02/2024;Lampung;40;12\n27/11/2024;Lampung;35;9\n"
    folder = write_dataset(
        {"laporan_harian.csv": (bulletin / "laporan_harian.csv").read_text(encoding="utf-8"), "sitrep_polda.csv": polda}
    )
    ds = aar.load(folder)
    report = comparative_report(ds, region=None, lang="en")
    table = report.published.subregions
    assert sorted(table["region"].cast(pl.String)) == [NATIONAL_CODE, "18"]
    assert table.filter(pl.col("region") == "18")["incidents_target"][0] == 35 + 9
    sections = {s.id: str(s.body) for s in report.sections()}
    assert "National, not attributed to a region (00)" in sections["subregions"]
    assert "plus national rows" in sections["header"]
    heatmap = report.subregions().figures[0].figure
    assert "National, not attributed to a region" in heatmap.data[0].y
    totals = rates(ds, ["operation_id"])
    assert totals["incidents"].sum() == aar.load(bulletin).incidents.height  # Lampung's rows are inside the bulletin's
    assert rates(ds, ["operation_id"], "18")["incidents"].sum() == 40 + 12 + 35 + 9


def test_the_national_electorate_comes_only_with_national_rows_of_its_operation(
    write_dataset: Callable[..., Path],
) -> None:
    omp = "Tanggal;Wilayah;Kejahatan\n27/11/2024;Lampung;20\n"
    files = {"laporan_harian.csv": "\n".join(NATIONAL_DAYS) + "\n", "sitrep_polda.csv": omp}
    files["dpt.csv"] = "operasi;wilayah;dpt;jumlah_tps\nOMP;Lampung;6515869;13281\n"
    ds = aar.load(write_dataset(files))
    r = {row["operation_id"]: row for row in rates(ds, ["operation_id"]).iter_rows(named=True)}
    assert r["OMB-2023-2024"]["voters"] == 204_807_222  # the bulletin's operation: the whole country
    assert r["OMP-2024"]["voters"] == 6_515_869  # only Lampung's rows: Lampung's voters, not the nation's


def test_the_overview_says_clearance_is_not_recorded_rather_than_a_bare_dash(bulletin: Path) -> None:
    report = aar.overview_report(str(bulletin), "OMP-2024", "00", "2024-12-10", "en")
    body = str(report.summary().body)
    assert "clearance rate " in body and "not recorded" in body
    assert report.summary().key_numbers["clearance_rate"] is None
