"""Every kind of bad input yields its own error, at the row and column a person sees in the file.

`aar.validate(path).errors` lists every error as an `aar.Problem` (path, sheet, row, column, value,
expected, message); `aar.load` raises `aar.DataValidationError` carrying the same problems; the
`aar validate` command prints them and exits 1. Rows are numbered as in the file: in a CSV whose
header is line 1, the first data row is row 2.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from click.testing import Result
from typer.testing import CliRunner

import aar
from _workbooks import write_xlsx
from aar._cli.app import app

WriteDataset = Callable[..., Path]

HEADER = "id;tanggal;wilayah;kategori;md;luka;kerugian"
GOOD = "1;27/11/2024;18.72;demo;0;0;0"


def incidents(*lines: str, header: str = HEADER) -> str:
    """A semicolon incidents CSV: the header on line 1, then `lines` from line 2 on."""
    return "\n".join([header, *lines]) + "\n"


def errors_of(path: Path) -> tuple[aar.Problem, ...]:
    return aar.validate(path).errors


def only_error(path: Path) -> aar.Problem:
    errors = errors_of(path)
    assert len(errors) == 1, [str(p) for p in errors]
    return errors[0]


def where(p: aar.Problem) -> tuple[str, int | None, str | None, str | None]:
    """(file name, row, column, value) of a problem."""
    return Path(p.path or "").name, p.row, p.column, p.value


# categories, regions, operations ----------------------------------------------------------------


def test_unknown_category_names_the_closest_codes(write_dataset: WriteDataset) -> None:
    p = only_error(write_dataset({"incidents.csv": incidents(GOOD, "2;27/11/2024;18.72;demo2;0;0;0")}))
    assert p.message == "unknown category"
    assert where(p) == ("incidents.csv", 3, "kategori (D)", "demo2")
    assert p.table == "incidents" and p.sheet is None
    assert p.expected is not None
    closest = p.expected.split("closest:")[1]
    assert closest.split(",")[0].strip() == "unjuk_rasa"


def test_ambiguous_region_names_list_the_candidates(write_dataset: WriteDataset) -> None:
    text = incidents(GOOD, "2;27/11/2024;Bandung;demo;0;0;0", "3;27/11/2024;Gorontalo;demo;0;0;0")
    bandung, gorontalo = errors_of(write_dataset({"incidents.csv": text}))
    assert where(bandung) == ("incidents.csv", 3, "wilayah (C)", "Bandung")
    assert where(gorontalo) == ("incidents.csv", 4, "wilayah (C)", "Gorontalo")
    assert bandung.message == gorontalo.message == "unknown or ambiguous region"
    assert bandung.expected is not None and gorontalo.expected is not None
    assert "ambiguous" in bandung.expected and "ambiguous" in gorontalo.expected
    assert "Kabupaten Bandung (32.04)" in bandung.expected and "Kota Bandung (32.73)" in bandung.expected
    assert "Bandung Barat" not in bandung.expected
    for candidate in ("Gorontalo (75)", "Kabupaten Gorontalo (75.01)", "Kota Gorontalo (75.71)"):
        assert candidate in gorontalo.expected
    assert "Gorontalo Utara" not in gorontalo.expected


def test_unknown_regions_by_name_and_by_code(write_dataset: WriteDataset) -> None:
    text = incidents(
        "1;27/11/2024;Atlantis;demo;0;0;0",
        "2;27/11/2024;18.99;demo;0;0;0",
        "3;27/11/2024;9999;demo;0;0;0",
        "4;27/11/2024;Kota Metor;demo;0;0;0",
    )
    errors = errors_of(write_dataset({"incidents.csv": text}))
    assert [where(p) for p in errors] == [
        ("incidents.csv", 2, "wilayah (C)", "Atlantis"),
        ("incidents.csv", 3, "wilayah (C)", "18.99"),
        ("incidents.csv", 4, "wilayah (C)", "9999"),
        ("incidents.csv", 5, "wilayah (C)", "Kota Metor"),
    ]
    assert {p.message for p in errors} == {"unknown or ambiguous region"}
    assert errors[3].expected is not None and "Kota Metro (18.72)" in errors[3].expected


def test_unknown_operation_name(write_dataset: WriteDataset) -> None:
    text = incidents("1;27/11/2024;18.72;demo;Operasi Lilin 2024", header="id;tanggal;wilayah;kategori;operasi")
    p = only_error(write_dataset({"incidents.csv": text}))
    assert p.message == "unknown operation"
    assert where(p) == ("incidents.csv", 2, "operasi (E)", "Operasi Lilin 2024")
    assert p.expected is not None and "OMP-2024" in p.expected and "OMB-2023-2024" in p.expected


def test_unknown_operation_name_in_deployments(write_dataset: WriteDataset) -> None:
    files = {
        "incidents.csv": incidents(GOOD),
        "deployments.csv": "operasi;wilayah;instansi;mulai;selesai;personel\nOps Zebra;18.72;polri;25/11/2024;29/11/2024;100\n",
    }
    p = only_error(write_dataset(files))
    assert p.message == "unknown operation"
    assert where(p) == ("deployments.csv", 2, "operasi (A)", "Ops Zebra")


# dates ----------------------------------------------------------------------------------------------


BAD_DATES = {
    3: "kemarin",  # a word
    4: "11/27/2024",  # month first: never accepted
    5: "31/02/2024",  # no such day
    6: "2024-13-01",  # no such month
    7: "27/11",  # no year
    8: "27 Novembar 2024",  # misspelt month
}


def test_bad_dates_each_at_its_row(write_dataset: WriteDataset) -> None:
    lines = [f"{row};{value};18.72;demo;0;0;0" for row, value in BAD_DATES.items()]
    errors = errors_of(write_dataset({"incidents.csv": incidents(GOOD, *lines)}))
    assert [where(p) for p in errors] == [
        ("incidents.csv", row, "tanggal (B)", value) for row, value in BAD_DATES.items()
    ]
    assert {p.message for p in errors} == {"not a date"}
    assert all(p.expected is not None and "day first" in p.expected for p in errors)


def test_month_first_date_is_an_error_even_when_day_first_would_work(write_dataset: WriteDataset) -> None:
    # 11/27/2024 cannot be day first; 03/09/2024 is read day first (3 Sep), never as 9 March
    text = incidents("1;03/09/2024;18.72;demo;0;0;0", "2;11/27/2024;18.72;demo;0;0;0")
    p = only_error(write_dataset({"incidents.csv": text}))
    assert where(p) == ("incidents.csv", 3, "tanggal (B)", "11/27/2024")


# numbers --------------------------------------------------------------------------------------------


def test_word_in_a_number_column(write_dataset: WriteDataset) -> None:
    p = only_error(write_dataset({"incidents.csv": incidents(GOOD, "2;27/11/2024;18.72;demo;dua;0;0")}))
    assert p.message == "not a number"
    assert where(p) == ("incidents.csv", 3, "md (E)", "dua")
    assert p.expected is not None and p.expected.startswith("a whole number")


def test_bad_amount_in_a_decimal_column(write_dataset: WriteDataset) -> None:
    p = only_error(write_dataset({"incidents.csv": incidents(GOOD, "2;27/11/2024;18.72;demo;0;0;1.5.0,0,0")}))
    assert p.message == "not a number"
    assert where(p) == ("incidents.csv", 3, "kerugian (G)", "1.5.0,0,0")
    assert p.expected is not None and "','" in p.expected


def test_decimal_number_in_a_whole_number_column_semicolon_csv(write_dataset: WriteDataset) -> None:
    p = only_error(write_dataset({"incidents.csv": incidents(GOOD, "2;27/11/2024;18.72;demo;0;1,5;0")}))
    assert p.message == "not a number"
    assert where(p) == ("incidents.csv", 3, "luka (F)", "1,5")
    assert p.expected is not None and p.expected.startswith("a whole number")


def test_decimal_number_in_a_whole_number_column_comma_csv(write_dataset: WriteDataset) -> None:
    text = "id,tanggal,wilayah,kategori,md\n1,27/11/2024,18.72,demo,0\n2,27/11/2024,18.72,demo,2.5\n"
    p = only_error(write_dataset({"incidents.csv": text}))
    assert where(p) == ("incidents.csv", 3, "md (E)", "2.5")


def test_decimal_number_in_a_whole_number_column_parquet(tmp_path: Path) -> None:
    folder = tmp_path / "ds"
    folder.mkdir()
    pl.DataFrame(
        {
            "incident_id": ["a", "b"],
            "occurred_on": [dt.date(2024, 11, 27)] * 2,
            "region_code": ["18.72"] * 2,
            "category": ["demo"] * 2,
            "killed": [1.0, 1.5],
        }
    ).write_parquet(folder / "incidents.parquet")
    p = only_error(folder)
    assert where(p) == ("incidents.parquet", 2, "killed", "1.5")


def test_decimal_number_in_a_whole_number_column_excel(tmp_path: Path) -> None:
    folder = tmp_path / "ds"
    folder.mkdir()
    write_xlsx(
        folder / "incidents.xlsx",
        {
            "Data": [
                ["No", "Tanggal", "Wilayah", "Jenis", "Luka"],
                [1, "27/11/2024", "18.72", "demo", 2],
                [2, "27/11/2024", "18.72", "demo", 1.5],
            ]
        },
    )
    p = only_error(folder)
    assert (p.sheet, p.row, p.column) == ("Data", 3, "Luka (E)")


def test_negative_personnel(write_dataset: WriteDataset) -> None:
    files = {
        "incidents.csv": incidents(GOOD),
        "deployments.csv": "operasi;wilayah;instansi;mulai;selesai;personel\nOMP-2024;18.72;polri;25/11/2024;29/11/2024;100\nOMP-2024;18.72;polri;25/11/2024;29/11/2024;-5\n",
    }
    p = only_error(write_dataset(files))
    assert p.message == "value below the minimum"
    assert where(p) == ("deployments.csv", 3, "personel (F)", "-5")
    assert p.expected == ">= 0"


def test_negative_casualties(write_dataset: WriteDataset) -> None:
    p = only_error(write_dataset({"incidents.csv": incidents(GOOD, "2;27/11/2024;18.72;demo;-1;0;0")}))
    assert p.message == "value below the minimum"
    assert where(p) == ("incidents.csv", 3, "md (E)", "-1")


# missing values and columns --------------------------------------------------------------------


def test_empty_required_cells(write_dataset: WriteDataset) -> None:
    text = incidents(
        GOOD,
        "2;27/11/2024;18.72;;0;0;0",
        "3;;18.72;demo;0;0;0",
        "4;27/11/2024; ;demo;0;0;0",
        ";27/11/2024;18.72;demo;0;0;0",
    )
    errors = errors_of(write_dataset({"incidents.csv": text}))
    assert [(p.row, p.column) for p in errors] == [
        (3, "kategori (D)"),
        (4, "tanggal (B)"),
        (5, "wilayah (C)"),
        (6, "id (A)"),
    ]
    assert {p.message for p in errors} == {"empty cell in a required column"}
    assert {Path(p.path or "").name for p in errors} == {"incidents.csv"}


def test_missing_required_column(write_dataset: WriteDataset) -> None:
    p = only_error(write_dataset({"incidents.csv": "id;tanggal;wilayah\n1;27/11/2024;18.72\n"}))
    assert p.message == "missing required column category"
    assert Path(p.path or "").name == "incidents.csv" and p.row is None
    assert p.expected is not None and "category" in p.expected


def test_missing_required_columns_are_named_together(write_dataset: WriteDataset) -> None:
    p = only_error(write_dataset({"incidents.csv": "id;tanggal;keterangan\n1;27/11/2024;x\n"}))
    assert p.message == "missing required columns region_code, category"


def test_missing_required_column_in_deployments(write_dataset: WriteDataset) -> None:
    files = {
        "incidents.csv": incidents(GOOD),
        "deployments.csv": "operasi;wilayah;instansi;mulai;personel\nOMP-2024;18.72;polri;25/11/2024;100\n",
    }
    p = only_error(write_dataset(files))
    assert p.message == "missing required column end_date"
    assert Path(p.path or "").name == "deployments.csv"


def test_dataset_without_incidents(write_dataset: WriteDataset) -> None:
    files = {
        "deployments.csv": "operasi;wilayah;instansi;mulai;selesai;personel\nOMP-2024;18.72;polri;25/11/2024;29/11/2024;100\n"
    }
    p = only_error(write_dataset(files))
    assert p.message == "the dataset has no incidents"


# keys and ranges ----------------------------------------------------------------------------------


def test_duplicated_incident_ids_name_every_row(write_dataset: WriteDataset) -> None:
    text = incidents(
        GOOD, "1;28/11/2024;18.72;laka;0;0;0", "2;27/11/2024;18.72;demo;0;0;0", "1;29/11/2024;18.71;demo;0;0;0"
    )
    errors = errors_of(write_dataset({"incidents.csv": text}))
    assert [where(p) for p in errors] == [
        ("incidents.csv", 2, "id (A)", "incident_id=1"),
        ("incidents.csv", 3, "id (A)", "incident_id=1"),
        ("incidents.csv", 5, "id (A)", "incident_id=1"),
    ]
    assert {p.message for p in errors} == {"duplicated key (incident_id)"}


def test_deployment_ending_before_it_starts(write_dataset: WriteDataset) -> None:
    files = {
        "incidents.csv": incidents(GOOD),
        "deployments.csv": "operasi;wilayah;instansi;mulai;selesai;personel\nOMP-2024;18.72;polri;25/11/2024;29/11/2024;100\nOMP-2024;18.72;tni;29/11/2024;25/11/2024;50\n",
    }
    p = only_error(write_dataset(files))
    assert p.message == "end date before start date"
    assert where(p) == ("deployments.csv", 3, "selesai (E)", "2024-11-29 to 2024-11-25")


def test_tps_classes_not_adding_up(write_dataset: WriteDataset) -> None:
    files = {
        "incidents.csv": incidents(GOOD),
        "electorate.csv": (
            "operation_id;region_code;voters;tps;tps_kurang_rawan;tps_rawan;tps_sangat_rawan;tps_khusus\n"
            "OMP-2024;18.71;700.000;1.500;1.400;90;10;0\n"
            "OMP-2024;18.72;120.000;235;200;30;4;0\n"
        ),
    }
    p = only_error(write_dataset(files))
    assert p.message == "TPS by vulnerability class do not add up to the TPS"
    assert where(p) == ("electorate.csv", 3, "tps (D)", "tps=235, classes sum to 234")


# phases ---------------------------------------------------------------------------------------------

PHASES_HEADER = "operation_id,phase,start_date,end_date,province_code"
LAMPUNG_PHASES = [
    "OMP-2024,pre_campaign,27/08/2024,24/09/2024,18",
    "OMP-2024,campaign,25/09/2024,23/11/2024,18",
    "OMP-2024,quiet,24/11/2024,26/11/2024,18",
    "OMP-2024,voting,27/11/2024,28/11/2024,18",
    "OMP-2024,recapitulation,29/11/2024,16/12/2024,18",
    "OMP-2024,post_election,17/12/2024,29/12/2024,18",
]


def phases_dataset(write_dataset: WriteDataset, lines: list[str], header: str = PHASES_HEADER) -> Path:
    return write_dataset({"incidents.csv": incidents(GOOD), "phases.csv": "\n".join([header, *lines]) + "\n"})


def test_phases_that_tile_the_window_are_accepted(write_dataset: WriteDataset) -> None:
    ds = aar.load(phases_dataset(write_dataset, LAMPUNG_PHASES))
    lampung = ds.calendar.filter((pl.col("operation_id") == "OMP-2024") & (pl.col("province_code") == "18"))
    assert lampung.height == 6
    assert lampung.filter(pl.col("phase") == "recapitulation").select("start_date", "end_date").row(0) == (
        dt.date(2024, 11, 29),
        dt.date(2024, 12, 16),
    )


def test_phases_that_overlap(write_dataset: WriteDataset) -> None:
    lines = LAMPUNG_PHASES.copy()
    lines[1] = "OMP-2024,campaign,20/09/2024,23/11/2024,18"
    p = only_error(phases_dataset(write_dataset, lines))
    assert p.message == "phase campaign of OMP-2024 in province 18 overlaps phase pre_campaign"
    assert (Path(p.path or "").name, p.row, p.value) == ("phases.csv", 3, "2024-09-20")
    assert p.column is not None and p.column.startswith("start_date")
    assert p.expected == "a start after 2024-09-24"


def test_phases_that_leave_a_gap(write_dataset: WriteDataset) -> None:
    lines = LAMPUNG_PHASES.copy()
    lines[4] = "OMP-2024,recapitulation,01/12/2024,16/12/2024,18"
    p = only_error(phases_dataset(write_dataset, lines))
    assert p.message == "gap between phases voting and recapitulation of OMP-2024 in province 18"
    assert (Path(p.path or "").name, p.row, p.value) == ("phases.csv", 6, "2024-12-01")
    assert p.column is not None and p.column.startswith("start_date")
    assert p.expected is not None and p.expected.startswith("2024-11-29")


def test_phases_that_stop_before_the_window_ends(write_dataset: WriteDataset) -> None:
    lines = LAMPUNG_PHASES.copy()
    lines[5] = "OMP-2024,post_election,17/12/2024,20/12/2024,18"
    p = only_error(phases_dataset(write_dataset, lines))
    assert p.message == "phases of OMP-2024 in province 18 do not cover its window"
    assert p.value == "2024-08-27 to 2024-12-20"
    assert p.expected == "phases from 2024-08-27 to 2024-12-29"


def test_phase_problem_names_the_column_as_written_in_the_file(write_dataset: WriteDataset) -> None:
    lines = LAMPUNG_PHASES.copy()
    lines[1] = "OMP-2024,campaign,20/09/2024,23/11/2024,18"
    p = only_error(phases_dataset(write_dataset, lines, header="operasi,tahapan,mulai,selesai,provinsi"))
    assert (p.row, p.column, p.value) == (3, "mulai (C)", "2024-09-20")


# operation windows ------------------------------------------------------------------------------


def test_incident_outside_every_operation_window(write_dataset: WriteDataset) -> None:
    p = only_error(write_dataset({"incidents.csv": incidents(GOOD, "2;05/01/2023;18.72;demo;0;0;0")}))
    assert p.message == "date outside the operation windows of its province"
    assert where(p) == ("incidents.csv", 3, "tanggal (B)", "2023-01-05")
    assert p.expected is not None
    assert "OMB-2023-2024 2023-10-19 to 2024-10-20" in p.expected
    assert "OMP-2024 2024-08-27 to 2024-12-29" in p.expected


def test_incident_outside_the_window_of_the_operation_it_names(write_dataset: WriteDataset) -> None:
    text = incidents(
        "1;27/11/2024;18.72;demo;OMP-2024",
        "2;15/01/2024;18.72;demo;Mantap Praja",
        header="id;tanggal;wilayah;kategori;operasi",
    )
    p = only_error(write_dataset({"incidents.csv": text}))
    assert p.message == "date outside the operation windows of its province"
    assert where(p) == ("incidents.csv", 3, "tanggal (B)", "2024-01-15")
    assert p.expected is not None and "OMP-2024" in p.expected and "2024-08-27 to 2024-12-29" in p.expected


def test_incident_in_a_polda_window_gap_of_omp(write_dataset: WriteDataset) -> None:
    # 20 Aug 2024 lies in the OMP envelope but before Polda Lampung's own start (27 Aug)
    text = incidents("1;20/08/2024;18.72;demo;OMP", header="id;tanggal;wilayah;kategori;operasi")
    p = only_error(write_dataset({"incidents.csv": text}))
    assert where(p) == ("incidents.csv", 2, "tanggal (B)", "2024-08-20")


def test_deployments_outside_their_operation_window(write_dataset: WriteDataset) -> None:
    files = {
        "incidents.csv": incidents(GOOD),
        "deployments.csv": (
            "operasi;wilayah;instansi;mulai;selesai;personel\n"
            "OMP-2024;18.72;polri;25/11/2024;29/11/2024;100\n"
            "OMP-2024;18.72;polri;01/08/2024;31/08/2024;100\n"  # Polda Lampung's OMP starts 27 Aug
            "OMB;18.72;polri;15/10/2024;25/10/2024;100\n"  # OMB ends 20 Oct
        ),
    }
    errors = errors_of(write_dataset(files))
    assert [where(p) for p in errors] == [
        ("deployments.csv", 3, "mulai (D)", "2024-08-01 to 2024-08-31"),
        ("deployments.csv", 4, "mulai (D)", "2024-10-15 to 2024-10-25"),
    ]
    assert {p.message for p in errors} == {"deployment outside its operation's window"}
    assert errors[0].expected is not None and "2024-08-27 to 2024-12-29" in errors[0].expected
    assert errors[1].expected is not None and "2023-10-19 to 2024-10-20" in errors[1].expected


def test_situation_report_day_outside_every_window(write_dataset: WriteDataset) -> None:
    text = "Laporan Harian;;;\ntanggal;wilayah;unras;laka\n27/11/2024;18.72;1;0\n05/01/2023;18.72;2;0\n"
    errors = errors_of(write_dataset({"sitrep.csv": text}))
    assert errors
    assert {where(p) for p in errors} == {("sitrep.csv", 4, "tanggal (A)", "2023-01-05")}
    assert {p.message for p in errors} == {"date outside the operation windows of its province"}


# every problem at once ----------------------------------------------------------------------------

FIVE_BAD_CELLS = incidents(
    GOOD,
    "2;27/11/2024;18.72;demo2;0;0;0",
    "3;27/11/2024;Atlantis;demo;0;0;0",
    "4;31/02/2024;18.72;demo;0;0;0",
    "5;27/11/2024;18.72;demo;dua;0;0",
    "6;27/11/2024;18.72;;0;0;0",
)
FIVE_WHERE = {(3, "kategori (D)"), (4, "wilayah (C)"), (5, "tanggal (B)"), (6, "md (E)"), (7, "kategori (D)")}


def test_every_bad_cell_of_a_file_is_reported_in_one_run(write_dataset: WriteDataset) -> None:
    errors = errors_of(write_dataset({"incidents.csv": FIVE_BAD_CELLS}))
    assert len(errors) == 5
    assert {(p.row, p.column) for p in errors} == FIVE_WHERE
    assert {p.message for p in errors} == {
        "unknown category",
        "unknown or ambiguous region",
        "not a date",
        "not a number",
        "empty cell in a required column",
    }


def test_load_raises_with_every_problem(write_dataset: WriteDataset) -> None:
    path = write_dataset({"incidents.csv": FIVE_BAD_CELLS})
    with pytest.raises(aar.DataValidationError) as caught:
        aar.load(path)
    errors = [p for p in caught.value.problems if p.severity == "error"]
    assert len(errors) == 5
    assert {(p.row, p.column) for p in errors} == FIVE_WHERE
    assert all(isinstance(p, aar.Problem) for p in caught.value.problems)
    assert tuple(errors) == aar.validate(path).errors
    assert "5 problems" in str(caught.value)
    assert "incidents.csv, row 3, column 'kategori (D)'" in str(caught.value)


def test_problems_of_every_file_are_reported_together(write_dataset: WriteDataset) -> None:
    files = {
        "incidents.csv": incidents(GOOD, "2;27/11/2024;18.72;demo2;0;0;0"),
        "deployments.csv": "operasi;wilayah;instansi;mulai;selesai;personel\nOMP-2024;18.72;polisi hutan;25/11/2024;29/11/2024;100\n",
        "electorate.csv": "operation_id;region_code;voters;tps\nOMP-2024;18.72;banyak;235\n",
    }
    errors = errors_of(write_dataset(files))
    assert sorted(where(p) for p in errors) == [
        ("deployments.csv", 2, "instansi (C)", "polisi hutan"),
        ("electorate.csv", 2, "voters (C)", "banyak"),
        ("incidents.csv", 3, "kategori (D)", "demo2"),
    ]


def test_date_outside_window_is_reported_alongside_bad_cells(write_dataset: WriteDataset) -> None:
    text = incidents("1;27/11/2024;18.72;demo2;0;0;0", "2;05/01/2023;18.72;demo;0;0;0")
    errors = errors_of(write_dataset({"incidents.csv": text}))
    assert sorted((p.row, p.column, p.message) for p in errors) == [
        (2, "kategori (D)", "unknown category"),
        (3, "tanggal (B)", "date outside the operation windows of its province"),
    ]


def test_warnings_do_not_make_a_dataset_invalid(write_dataset: WriteDataset) -> None:
    result = aar.validate(
        write_dataset({"incidents.csv": incidents(GOOD, header=HEADER + ";catatan_lain").replace(GOOD, GOOD + ";x")})
    )
    assert result.ok
    assert [(p.message, p.column) for p in result.warnings] == [
        ("unknown column 'catatan_lain' is ignored", "catatan_lain")
    ]


# row numbers ----------------------------------------------------------------------------------------


def test_row_numbers_count_title_rows_above_the_header(write_dataset: WriteDataset) -> None:
    text = "Rekap Gangguan Kamtibmas;;;;;;\n;;;;;;\n" + incidents(
        "1;27/11/2024;18.72;demo2;0;0;0", GOOD.replace("1;", "2;", 1)
    )
    p = only_error(write_dataset({"incidents.csv": text}))
    assert (p.row, p.column) == (4, "kategori (D)")


def test_row_numbers_count_empty_rows_between_data_rows(write_dataset: WriteDataset) -> None:
    text = "Rekap;;;;;;\n;;;;;;\n" + incidents(GOOD, ";;;;;;", "2;27/11/2024;18.72;demo;dua;0;0")
    p = only_error(write_dataset({"incidents.csv": text}))
    assert (p.row, p.column) == (6, "md (E)")


def test_row_numbers_with_bom_and_windows_line_endings(write_dataset: WriteDataset) -> None:
    text = "\ufeffRekap;;;;;;\r\n;;;;;;\r\n" + incidents(GOOD, "2;27/11/2024;18.72;demo2;0;0;0").replace("\n", "\r\n")
    p = only_error(write_dataset({"incidents.csv": text.encode("utf-8")}))
    assert (p.row, p.column) == (5, "kategori (D)")


def test_row_numbers_in_excel_count_title_rows(tmp_path: Path) -> None:
    folder = tmp_path / "ds"
    folder.mkdir()
    rows: list[list[object]] = [
        ["Rekap Gangguan", None, None, None],
        [None, None, None, None],
        ["No", "Tanggal", "Wilayah", "Jenis"],
        [1, "27/11/2024", "18.72", "demo2"],
    ]
    write_xlsx(folder / "kejadian.xlsx", {"Rekap": rows})
    p = only_error(folder)
    assert (Path(p.path or "").name, p.sheet, p.row, p.column, p.value) == (
        "kejadian.xlsx",
        "Rekap",
        4,
        "Jenis (D)",
        "demo2",
    )


def test_bad_cell_in_one_sheet_of_a_workbook(tmp_path: Path) -> None:
    book = write_xlsx(
        tmp_path / "lampung.xlsx",
        {
            "incidents": [["id", "tanggal", "wilayah", "kategori"], ["1", "27/11/2024", "18.72", "demo"]],
            "deployments": [
                ["Pengerahan", None, None, None, None, None],
                ["operasi", "wilayah", "instansi", "mulai", "selesai", "personel"],
                ["OMP-2024", "18.72", "polri", "25/11/2024", "29/11/2024", "seratus"],
            ],
        },
    )
    p = only_error(book)
    assert (Path(p.path or "").name, p.sheet, p.row, p.column, p.value) == (
        "lampung.xlsx",
        "deployments",
        3,
        "personel (F)",
        "seratus",
    )


def test_bad_count_in_the_situation_report(write_dataset: WriteDataset) -> None:
    text = "tanggal;wilayah;unras;laka;personel\n27/11/2024;18.72;1;0;100\n28/11/2024;18.72;dua;0;100\n"
    p = only_error(write_dataset({"sitrep.csv": text}))
    assert where(p) == ("sitrep.csv", 3, "unras (C)", "dua")


def test_negative_count_in_the_situation_report(write_dataset: WriteDataset) -> None:
    text = "tanggal;wilayah;unras;laka\n27/11/2024;18.72;-2;1\n28/11/2024;18.72;1;0\n"
    p = only_error(write_dataset({"sitrep.csv": text}))
    assert (Path(p.path or "").name, p.row, p.value) == ("sitrep.csv", 2, "-2")
    assert p.column == "unras (C)"


# the command line -----------------------------------------------------------------------------------


runner = CliRunner()


def output_of(result: Result) -> str:
    """The command's output with rich's line wrapping undone."""
    return " ".join(result.output.split())


def test_cli_validate_prints_file_row_and_column_and_exits_1(write_dataset: WriteDataset) -> None:
    path = write_dataset({"incidents.csv": incidents(GOOD, "2;27/11/2024;18.72;demo2;0;0;0")})
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1, result.output
    assert "incidents.csv, row 3, column 'kategori (D)'" in output_of(result)
    assert "demo2" in output_of(result) and "unjuk_rasa" in output_of(result)
    assert "1 error(s)" in output_of(result)


def test_cli_validate_exits_0_for_a_valid_dataset(write_dataset: WriteDataset) -> None:
    path = write_dataset({"incidents.csv": incidents(GOOD)})
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "valid" in output_of(result) and "not valid" not in output_of(result)


def test_cli_validate_exits_2_for_a_path_that_does_not_exist(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "missing")])
    assert result.exit_code == 2
    assert "missing" in output_of(result)


def test_cli_validate_exits_2_for_an_unknown_option(write_dataset: WriteDataset) -> None:
    path = write_dataset({"incidents.csv": incidents(GOOD)})
    result = runner.invoke(app, ["validate", "--strict-mode", str(path)])
    assert result.exit_code == 2
    assert "--strict-mode" in output_of(result)


def test_cli_validate_exits_1_for_a_folder_without_tables(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, ["validate", str(tmp_path / "empty")])
    assert result.exit_code == 1
    assert "no table found" in output_of(result)


# nothing written, nothing to read ---------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    return {
        str(p.relative_to(folder)): (
            p.stat().st_mtime_ns,
            hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "",
        )
        for p in sorted(folder.rglob("*"))
    }


def test_nothing_is_written_into_the_input_folder(write_dataset: WriteDataset, tmp_path: Path) -> None:
    path = write_dataset({"incidents.csv": FIVE_BAD_CELLS, "dataset.toml": 'name = "x"\n'})
    write_xlsx(
        path / "deployments.xlsx",
        {
            "Sheet": [
                ["operasi", "wilayah", "instansi", "mulai", "selesai", "personel"],
                ["OMP-2024", "18.72", "polri", "25/11/2024", "29/11/2024", -1],
            ]
        },
    )
    before = snapshot(path)
    aar.validate(path)
    with pytest.raises(aar.DataValidationError):
        aar.load(path)
    runner.invoke(app, ["validate", str(path)])
    assert snapshot(path) == before


def test_nothing_is_written_next_to_a_workbook(tmp_path: Path) -> None:
    folder = tmp_path / "books"
    folder.mkdir()
    book = write_xlsx(
        folder / "lampung.xlsx",
        {"incidents": [["id", "tanggal", "wilayah", "kategori"], ["1", "27/11/2024", "18.72", "demo"]]},
    )
    before = snapshot(folder)
    aar.load(book)
    aar.validate(book)
    assert snapshot(folder) == before


def test_path_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dataset"
    with pytest.raises(aar.DatasetError, match="no such file or folder") as caught:
        aar.load(missing)
    assert not isinstance(caught.value, aar.DataValidationError)
    assert str(missing) in str(caught.value)
    with pytest.raises(aar.DatasetError, match="no such file or folder"):
        aar.validate(missing)


def test_folder_with_no_tables(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "README.md").write_text("nothing here\n", encoding="utf-8")
    (folder / "catatan.txt").write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(aar.DatasetError, match="no table found") as caught:
        aar.validate(folder)
    assert not isinstance(caught.value, aar.DataValidationError)
    assert "incidents" in str(caught.value)


def test_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(aar.DatasetError, match="no table found"):
        aar.load(tmp_path)


def test_a_csv_file_given_as_the_dataset(write_dataset: WriteDataset) -> None:
    path = write_dataset({"incidents.csv": incidents(GOOD)})
    with pytest.raises(aar.DatasetError, match="give the folder"):
        aar.load(path / "incidents.csv")


def test_a_damaged_workbook(tmp_path: Path) -> None:
    book = tmp_path / "lampung.xlsx"
    book.write_bytes(b"this is not a zip file")
    with pytest.raises(aar.DatasetError, match="cannot open Excel workbook"):
        aar.load(book)


def test_duplicated_ids_in_sorted_order_are_found_too(write_dataset: WriteDataset) -> None:
    text = incidents(GOOD, "1;28/11/2024;18.72;laka;0;0;0", "2;27/11/2024;18.72;demo;0;0;0")
    errors = errors_of(write_dataset({"incidents.csv": text}))
    assert [where(p) for p in errors] == [
        ("incidents.csv", 2, "id (A)", "incident_id=1"),
        ("incidents.csv", 3, "id (A)", "incident_id=1"),
    ]
