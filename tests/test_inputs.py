"""Every input variant real users have loads to the right values.

Each test writes a small dataset (CSV, Excel written with openpyxl, Parquet written with polars)
into a temporary folder and checks the typed values that `aar.load` gives. Dates lie inside the
operation windows: OMB-2023-2024 runs 2023-10-19..2024-10-20 everywhere; OMP-2024 in Lampung
(province 18, Polda codename Mantap Praja Krakatau) runs 2024-08-27..2024-12-29.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

import aar
from _workbooks import write_xlsx
from aar._data.reading import align_chunks

WriteDataset = Callable[..., Path]

VOTING_OMP = dt.date(2024, 11, 27)


# helpers ------------------------------------------------------------------------------------------


def by_id(ds: aar.Dataset) -> dict[str, dict[str, object]]:
    """Incidents of a dataset keyed by incident_id."""
    return {r["incident_id"]: r for r in ds.incidents.iter_rows(named=True)}


# CSV from Indonesian-locale Excel -------------------------------------------------------------------


def test_semicolon_csv_with_bom_decimal_commas_dashes_and_rupiah(write_dataset: WriteDataset) -> None:
    text = (
        "\ufeffid;tanggal;wilayah;kategori;md;luka;kerugian\n"
        "1;27/11/2024;18.72;unras;-;2;2.500.000,50\n"
        "2;27/11/2024;18.72;demo;0;-;Rp 1.500.000\n"
        "3;28/11/2024;18.71;laka;1;1.234;750,25\n"
        "4;28/11/2024;18.71;laka;2;0;-\n"
    )
    path = write_dataset({"incidents.csv": text.encode("utf-8")})
    assert path.joinpath("incidents.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    rows = by_id(aar.load(path))
    assert set(rows) == {"1", "2", "3", "4"}  # the BOM does not spoil the first header "id"
    assert rows["1"]["loss_idr"] == 2_500_000.5
    assert rows["1"]["killed"] == 0 and rows["1"]["injured"] == 2
    assert rows["2"]["loss_idr"] == 1_500_000.0
    assert rows["2"]["injured"] == 0
    assert rows["3"]["injured"] == 1234 and rows["3"]["loss_idr"] == 750.25
    assert rows["4"]["killed"] == 2 and rows["4"]["loss_idr"] == 0.0


def test_bom_csv_is_read_with_first_column_recognised(write_dataset: WriteDataset) -> None:
    path = write_dataset(
        {"incidents.csv": b"\xef\xbb\xbfNo;Tanggal;Wilayah;Jenis\r\n7;27/11/2024;Kota Metro;Unras\r\n"}
    )
    result = aar.validate(path)
    assert result.ok, result.problems
    assert not [p for p in result.warnings if "unknown column" in p.message]
    assert result.dataset is not None
    assert result.dataset.incidents["incident_id"].to_list() == ["7"]


def test_comma_csv_with_decimal_points_and_comma_thousands(write_dataset: WriteDataset) -> None:
    text = (
        "id,tanggal,wilayah,kategori,md,luka,kerugian\n"
        '1,27/11/2024,18.72,unras,0,"1,200","1,234.5"\n'
        '2,27/11/2024,18.72,demo,-,3,"2,500,000"\n'
        "3,27/11/2024,18.72,laka,1,0,750.25\n"
    )
    rows = by_id(aar.load(write_dataset({"incidents.csv": text})))
    assert rows["1"]["loss_idr"] == 1234.5 and rows["1"]["injured"] == 1200
    assert rows["2"]["loss_idr"] == 2_500_000.0 and rows["2"]["killed"] == 0
    assert rows["3"]["loss_idr"] == 750.25 and rows["3"]["killed"] == 1


def test_decimal_mark_from_dataset_toml_overrides_the_separator_guess(write_dataset: WriteDataset) -> None:
    text = 'id,tanggal,wilayah,kategori,kerugian\n1,27/11/2024,18.72,unras,"2.500.000,50"\n'
    path = write_dataset({"incidents.csv": text, "dataset.toml": 'decimal = ","\n'})
    assert aar.load(path).incidents["loss_idr"].to_list() == [2_500_000.5]


def test_cp1252_csv_loads_with_a_warning(write_dataset: WriteDataset) -> None:
    text = "id;tanggal;wilayah;kategori;uraian\n1;27/11/2024;18.72;unras;Aksi \u2013 massa di caf\u00e9\n"
    data = text.encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    path = write_dataset({"incidents.csv": data})
    result = aar.validate(path)
    assert result.ok, result.errors
    encoding_warnings = [p for p in result.warnings if "UTF-8" in p.message]
    assert len(encoding_warnings) == 1
    assert Path(encoding_warnings[0].path or "").name == "incidents.csv"
    ds = aar.load(path)
    assert ds.incidents["description"].to_list() == ["Aksi \u2013 massa di caf\u00e9"]
    assert any("UTF-8" in w.message for w in ds.warnings)


# dates --------------------------------------------------------------------------------------------


DATE_SPELLINGS = {
    "27/11/2024": dt.date(2024, 11, 27),
    "2024-11-27": dt.date(2024, 11, 27),
    "27-11-2024": dt.date(2024, 11, 27),
    "27.11.2024": dt.date(2024, 11, 27),
    "27/11/24": dt.date(2024, 11, 27),
    "27 November 2024": dt.date(2024, 11, 27),
    "27 Nov 2024": dt.date(2024, 11, 27),
    "27 Nopember 2024": dt.date(2024, 11, 27),
    "27 Nop 2024": dt.date(2024, 11, 27),
    "Rabu, 27 Nopember 2024": dt.date(2024, 11, 27),
    "Rabu, 27 Nov 2024": dt.date(2024, 11, 27),
    "27 Agt 2024": dt.date(2024, 8, 27),
    "Selasa, 27 Agt 2024": dt.date(2024, 8, 27),
    "3/9/2024": dt.date(2024, 9, 3),
    "2024-11-27 00:00:00": dt.date(2024, 11, 27),
}


def load_column(write_dataset: WriteDataset, column: str, values: list[str], **fixed: str) -> dict[str, object]:
    """Load one incident per value (in the column `column` of a semicolon CSV): value -> loaded row."""
    cells = {"tanggal": "27/11/2024", "wilayah": "18.72", "kategori": "unras", **fixed}
    headers = ["id", *cells] if column in cells else ["id", *cells, column]
    lines = [";".join(headers)]
    for i, value in enumerate(values):
        row = {**cells, column: value}
        lines.append(";".join([str(i), *(row[h] for h in headers[1:])]))
    ds = aar.load(write_dataset({"incidents.csv": "\n".join(lines) + "\n"}))
    rows = {r["incident_id"]: r for r in ds.incidents.iter_rows(named=True)}
    assert len(rows) == len(values)
    return {value: rows[str(i)] for i, value in enumerate(values)}


def test_date_spellings(write_dataset: WriteDataset) -> None:
    rows = load_column(write_dataset, "tanggal", list(DATE_SPELLINGS))
    assert {text: row["occurred_on"] for text, row in rows.items()} == DATE_SPELLINGS


INDONESIAN_MONTHS = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]


def test_every_indonesian_month_name(write_dataset: WriteDataset) -> None:
    lines = [f"{m};15 {name} 2024;18.72;unras" for m, name in enumerate(INDONESIAN_MONTHS, start=1)]
    ds = aar.load(write_dataset({"incidents.csv": "id;tanggal;wilayah;kategori\n" + "\n".join(lines) + "\n"}))
    got = {int(r["incident_id"]): r["occurred_on"] for r in ds.incidents.iter_rows(named=True)}
    assert got == {m: dt.date(2024, m, 15) for m in range(1, 13)}


def test_indonesian_month_abbreviations(write_dataset: WriteDataset) -> None:
    spellings = {
        "1": "15 Jan 2024",
        "2": "15 Peb 2024",
        "3": "15 Mei 2024",
        "4": "15 Agt 2024",
        "5": "15 Agu 2024",
        "6": "15 Okt 2024",
        "7": "15 Des 2024",
        "8": "15-Des-2024",
        "9": "15 okt. 2024",
    }
    lines = [f"{i};{text};18.72;unras" for i, text in spellings.items()]
    ds = aar.load(write_dataset({"incidents.csv": "id;tanggal;wilayah;kategori\n" + "\n".join(lines) + "\n"}))
    got = {r["incident_id"]: r["occurred_on"] for r in ds.incidents.iter_rows(named=True)}
    assert got == {
        "1": dt.date(2024, 1, 15),
        "2": dt.date(2024, 2, 15),
        "3": dt.date(2024, 5, 15),
        "4": dt.date(2024, 8, 15),
        "5": dt.date(2024, 8, 15),
        "6": dt.date(2024, 10, 15),
        "7": dt.date(2024, 12, 15),
        "8": dt.date(2024, 12, 15),
        "9": dt.date(2024, 10, 15),
    }


# title rows, trailing empty rows, Excel -----------------------------------------------------------


def test_csv_title_rows_above_header_and_empty_trailing_rows(write_dataset: WriteDataset) -> None:
    text = (
        "Rekap Gangguan Kamtibmas Polres Metro;;;\n"
        "Periode: November 2024;;;\n"
        ";;;\n"
        "No;Tanggal;Wilayah;Jenis\n"
        "1;27/11/2024;Kota Metro;Unras\n"
        "2;28/11/2024;Kota Metro;Laka\n"
        ";;;\n"
        ";;;\n"
        " ; ; ; \n"
    )
    ds = aar.load(write_dataset({"incidents.csv": text}))
    assert ds.incidents.sort("incident_id").select("incident_id", "occurred_on", "category").rows() == [
        ("1", dt.date(2024, 11, 27), "unjuk_rasa"),
        ("2", dt.date(2024, 11, 28), "laka_lantas"),
    ]


def _excel_incident_rows() -> list[list[object]]:
    return [
        ["Rekap Gangguan Kamtibmas Polda Lampung", None, None, None, None, None, None],
        [None, None, None, None, None, None, None],
        ["No", "Tanggal", "Jam", "Wilayah", "Jenis", "MD", "Kerugian"],
        ["1", dt.datetime(2024, 11, 27), dt.time(14, 30), "Kota Metro", "Unras", 0, 2_500_000.5],
        [2, "28/11/2024", "09.15", "18.71", "laka", 1, 1_500_000],
        [3, "29 Nopember 2024", None, "1872", "tawuran", "-", "Rp 750.000"],
        ["", "", "", "", "", "", ""],
        [None, "  ", None, None, None, None, None],
    ]


def test_excel_title_rows_typed_cells_and_empty_trailing_rows(tmp_path: Path) -> None:
    folder = tmp_path / "ds"
    folder.mkdir()
    write_xlsx(folder / "incidents.xlsx", {"Rekap": _excel_incident_rows()})
    rows = by_id(aar.load(folder))
    assert set(rows) == {"1", "2", "3"}
    assert rows["1"]["occurred_on"] == dt.date(2024, 11, 27) and rows["1"]["occurred_at"] == dt.time(14, 30)
    assert rows["1"]["loss_idr"] == 2_500_000.5 and rows["1"]["region_code"] == "18.72"
    assert rows["2"]["occurred_on"] == dt.date(2024, 11, 28) and rows["2"]["occurred_at"] == dt.time(9, 15)
    assert rows["2"]["killed"] == 1 and rows["2"]["loss_idr"] == 1_500_000.0 and rows["2"]["category"] == "laka_lantas"
    assert rows["3"]["occurred_on"] == dt.date(2024, 11, 29) and rows["3"]["killed"] == 0
    assert (
        rows["3"]["loss_idr"] == 750_000.0
        and rows["3"]["region_code"] == "18.72"
        and rows["3"]["category"] == "bentrok"
    )


def test_excel_merged_date_cell_applies_to_every_row_it_spans(tmp_path: Path) -> None:
    folder = tmp_path / "ds"
    folder.mkdir()
    rows = [
        ["Laporan Harian", None, None, None],
        ["No", "Tanggal", "Wilayah", "Jenis"],
        [1, dt.datetime(2024, 11, 27), "18.72", "unras"],
        [2, None, "18.72", "laka"],
        [3, None, "18.71", "hoax"],
        [4, "28/11/2024", "18.71", "demo"],
    ]
    write_xlsx(folder / "incidents.xlsx", {"Sheet1": rows}, {"Sheet1": ["A1:D1", "B3:B5"]})
    got = {r["incident_id"]: r["occurred_on"] for r in aar.load(folder).incidents.iter_rows(named=True)}
    assert got == {
        "1": dt.date(2024, 11, 27),
        "2": dt.date(2024, 11, 27),
        "3": dt.date(2024, 11, 27),
        "4": dt.date(2024, 11, 28),
    }


def test_excel_merged_region_cell_spanning_rows_and_columns(tmp_path: Path) -> None:
    folder = tmp_path / "ds"
    folder.mkdir()
    rows = [
        ["No", "Tanggal", "Wilayah", "Jenis"],
        [1, "27/11/2024", "Kota Metro", "unras"],
        [2, "27/11/2024", None, "laka"],
    ]
    write_xlsx(folder / "incidents.xlsx", {"Sheet1": rows}, {"Sheet1": ["C2:C3"]})
    assert aar.load(folder).incidents.sort("incident_id")["region_code"].to_list() == ["18.72", "18.72"]


def test_excel_two_row_header_with_merged_cells(tmp_path: Path) -> None:
    folder = tmp_path / "ds"
    folder.mkdir()
    rows = [
        ["No", "Tanggal", "Wilayah", "Jenis", "Korban", None],
        [None, None, None, None, "MD", "Luka"],
        [1, "27/11/2024", "18.72", "laka", 1, 2],
    ]
    write_xlsx(folder / "incidents.xlsx", {"Sheet1": rows}, {"Sheet1": ["A1:A2", "B1:B2", "C1:C2", "D1:D2", "E1:F1"]})
    ds = aar.load(folder)
    assert ds.incidents.select("incident_id", "occurred_on", "category", "killed", "injured").rows() == [
        ("1", VOTING_OMP, "laka_lantas", 1, 2)
    ]


def test_excel_text_in_number_column_is_reported_not_nulled(tmp_path: Path) -> None:
    folder = tmp_path / "ds"
    folder.mkdir()
    rows = [
        ["Rekap", None, None, None, None],
        ["No", "Tanggal", "Wilayah", "Jenis", "MD"],
        [1, "27/11/2024", "18.72", "unras", 0],
        [2, "27/11/2024", "18.72", "laka", "dua"],
    ]
    write_xlsx(folder / "incidents.xlsx", {"Kejadian": rows})
    errors = aar.validate(folder).errors
    assert len(errors) == 1
    p = errors[0]
    assert (p.sheet, p.row, p.column, p.value) == ("Kejadian", 4, "MD (E)", "dua")
    assert Path(p.path or "").name == "incidents.xlsx"
    assert p.message == "not a number"


def test_excel_text_in_date_column_is_reported_not_nulled(tmp_path: Path) -> None:
    folder = tmp_path / "ds"
    folder.mkdir()
    rows = [
        ["No", "Tanggal", "Wilayah", "Jenis"],
        [1, dt.datetime(2024, 11, 27), "18.72", "unras"],
        [2, "kemarin", "18.72", "laka"],
    ]
    write_xlsx(folder / "incidents.xlsx", {"Kejadian": rows})
    errors = aar.validate(folder).errors
    assert [(p.sheet, p.row, p.column, p.value, p.message) for p in errors] == [
        ("Kejadian", 3, "Tanggal (B)", "kemarin", "not a date")
    ]


# workbooks with a sheet per table ---------------------------------------------------------------


def _workbook_sheets(names: tuple[str, str, str]) -> dict[str, list[list[object]]]:
    incidents, deployments, electorate = names
    return {
        incidents: [
            ["id", "tanggal", "wilayah", "kategori", "md", "luka"],
            ["A1", "27/11/2024", "Kota Metro", "unras", 0, 2],
            ["A2", dt.datetime(2024, 2, 14), "18.71", "money politic", 0, 0],
        ],
        deployments: [
            ["Pengerahan personel", None, None, None, None, None],
            ["operasi", "wilayah", "instansi", "mulai", "selesai", "personel"],
            ["Mantap Praja Krakatau", "18.72", "polri", dt.datetime(2024, 11, 25), dt.datetime(2024, 11, 29), 300],
            ["OMB-2023-2024", "Kota Metro", "tni", "10/02/2024", "16/02/2024", 40],
        ],
        electorate: [
            [
                "operation_id",
                "region_code",
                "voters",
                "tps",
                "tps_kurang_rawan",
                "tps_rawan",
                "tps_sangat_rawan",
                "tps_khusus",
            ],
            ["OMP-2024", "18.72", 120000, 235, 200, 30, 4, 1],
        ],
    }


def _check_workbook_dataset(ds: aar.Dataset) -> None:
    rows = by_id(ds)
    assert set(rows) == {"A1", "A2"}
    assert rows["A1"]["operation_id"] == "OMP-2024" and rows["A1"]["injured"] == 2
    assert rows["A2"]["occurred_on"] == dt.date(2024, 2, 14) and rows["A2"]["operation_id"] == "OMB-2023-2024"
    assert rows["A2"]["category"] == "politik_uang"
    deployments = ds.deployments.sort("start_date")
    assert deployments.select(
        "operation_id", "agency", "start_date", "end_date", "personnel", "days", "personnel_days"
    ).rows() == [
        ("OMB-2023-2024", "tni", dt.date(2024, 2, 10), dt.date(2024, 2, 16), 40, 7, 280),
        ("OMP-2024", "polri", dt.date(2024, 11, 25), dt.date(2024, 11, 29), 300, 5, 1500),
    ]
    assert ds.electorate.select("operation_id", "region_code", "voters", "tps", "tps_rawan").rows() == [
        ("OMP-2024", "18.72", 120000, 235, 30)
    ]


def test_workbook_with_a_sheet_per_table_given_as_the_path(tmp_path: Path) -> None:
    book = write_xlsx(tmp_path / "lampung.xlsx", _workbook_sheets(("incidents", "deployments", "electorate")))
    _check_workbook_dataset(aar.load(book))


def test_folder_holding_a_workbook_with_a_sheet_per_table(tmp_path: Path) -> None:
    folder = tmp_path / "ds"
    folder.mkdir()
    write_xlsx(folder / "rekap_polda_lampung.xlsx", _workbook_sheets(("incidents", "deployments", "electorate")))
    _check_workbook_dataset(aar.load(folder))


def test_workbook_sheets_with_indonesian_table_names(tmp_path: Path) -> None:
    book = write_xlsx(tmp_path / "lampung.xlsx", _workbook_sheets(("kejadian", "pengerahan", "dpt")))
    _check_workbook_dataset(aar.load(book))


# Parquet ------------------------------------------------------------------------------------------


def test_parquet_with_typed_columns(tmp_path: Path) -> None:
    folder = tmp_path / "ds"
    folder.mkdir()
    pl.DataFrame(
        {
            "incident_id": ["P1", "P2"],
            "occurred_on": [dt.date(2024, 11, 27), dt.date(2024, 2, 14)],
            "region_code": ["18.72", "Kota Bandar Lampung"],
            "category": ["unras", "laka_lantas"],
            "killed": pl.Series([0, 2], dtype=pl.Int64),
            "injured": pl.Series([1, 3], dtype=pl.Int32),
            "loss_idr": [2_500_000.5, 0.0],
            "cleared": [True, None],
        }
    ).write_parquet(folder / "incidents.parquet")
    ds = aar.load(folder)
    rows = by_id(ds)
    assert rows["P1"]["occurred_on"] == dt.date(2024, 11, 27) and rows["P1"]["operation_id"] == "OMP-2024"
    assert rows["P1"]["killed"] == 0 and rows["P1"]["injured"] == 1 and rows["P1"]["loss_idr"] == 2_500_000.5
    assert rows["P1"]["cleared"] is True
    assert rows["P2"]["occurred_on"] == dt.date(2024, 2, 14) and rows["P2"]["region_code"] == "18.71"
    assert rows["P2"]["killed"] == 2 and rows["P2"]["injured"] == 3 and rows["P2"]["cleared"] is None
    assert ds.incidents.schema == aar.TABLES["incidents"].polars_schema


def test_parquet_with_datetime_dates(tmp_path: Path) -> None:
    folder = tmp_path / "ds"
    folder.mkdir()
    pl.DataFrame(
        {"id": ["P1"], "tanggal": [dt.datetime(2024, 11, 27)], "wilayah": ["18.72"], "kategori": ["demo"]}
    ).write_parquet(folder / "kejadian.parquet")
    assert aar.load(folder).incidents["occurred_on"].to_list() == [dt.date(2024, 11, 27)]


def test_parquet_with_string_columns(tmp_path: Path) -> None:
    folder = tmp_path / "ds"
    folder.mkdir()
    pl.DataFrame(
        {
            "id": ["S1", "S2"],
            "tanggal": ["27/11/2024", "14 Februari 2024"],
            "wilayah": ["Kota Metro", "1871"],
            "kategori": ["demo", "serangan fajar"],
            "md": ["-", "1"],
            "luka": ["2", ""],
            "kerugian": ["1500000.5", "Rp 750000"],
            "selesai": ["ya", "tidak"],
        }
    ).write_parquet(folder / "incidents.parquet")
    rows = by_id(aar.load(folder))
    assert rows["S1"]["occurred_on"] == dt.date(2024, 11, 27) and rows["S1"]["region_code"] == "18.72"
    assert rows["S1"]["killed"] == 0 and rows["S1"]["injured"] == 2 and rows["S1"]["loss_idr"] == 1_500_000.5
    assert rows["S1"]["cleared"] is True and rows["S1"]["category"] == "unjuk_rasa"
    assert rows["S2"]["occurred_on"] == dt.date(2024, 2, 14) and rows["S2"]["region_code"] == "18.71"
    assert rows["S2"]["category"] == "politik_uang" and rows["S2"]["loss_idr"] == 750_000.0
    assert rows["S2"]["cleared"] is False and rows["S2"]["killed"] == 1


def test_parquet_as_aar_writes_it_loads_like_the_same_data_in_csv(tmp_path: Path) -> None:
    data = aar.synthesize("sample", 7, 3_000)
    assert data.tables["incidents"].schema["category"] == aar.TABLES["incidents"].field("category").dtype
    aar.write_dataset(data.tables, data.config, tmp_path / "parquet", fmt="parquet")
    aar.write_dataset(data.tables, data.config, tmp_path / "csv", fmt="csv")
    from_parquet, from_csv = aar.load(tmp_path / "parquet"), aar.load(tmp_path / "csv")
    for name in ("incidents", "deployments", "electorate", "windows", "calendar"):
        assert from_parquet.tables[name].equals(from_csv.tables[name]), name


def test_categorical_parquet_columns_are_matched_like_text(tmp_path: Path) -> None:
    folder = tmp_path / "ds"
    folder.mkdir()
    pl.DataFrame(
        {
            "id": ["C1", "C2"],
            "tanggal": [dt.date(2024, 11, 27)] * 2,
            "wilayah": ["Kota Metro", "18.71"],
            "kategori": ["Unras", "laka_lantas"],
        },
        schema_overrides={"wilayah": pl.Categorical, "kategori": pl.Categorical},
    ).write_parquet(folder / "incidents.parquet")
    rows = by_id(aar.load(folder))
    assert rows["C1"]["region_code"] == "18.72" and rows["C1"]["category"] == "unjuk_rasa"
    assert rows["C2"]["region_code"] == "18.71" and rows["C2"]["category"] == "laka_lantas"


# Indonesian headers -------------------------------------------------------------------------------


def test_indonesian_headers_of_incidents(write_dataset: WriteDataset) -> None:
    text = (
        "No;Tanggal;Pukul;Zona Waktu;Wilayah;Jenis Kejadian;MD;Luka;Kerugian;Selesai;Operasi;Uraian\n"
        "10;27/11/2024;14.30;WIB;Kota Metro;Unras;1;2;1.000,5;ya;pilkada;Aksi massa\n"
    )
    row = aar.load(write_dataset({"kejadian.csv": text})).incidents.row(0, named=True)
    assert row["incident_id"] == "10"
    assert row["occurred_on"] == dt.date(2024, 11, 27)
    assert row["occurred_at"] == dt.time(14, 30)
    assert row["time_zone"] == "WIB"
    assert row["region_code"] == "18.72"
    assert row["category"] == "unjuk_rasa"
    assert (row["killed"], row["injured"], row["loss_idr"]) == (1, 2, 1000.5)
    assert row["cleared"] is True
    assert row["operation_id"] == "OMP-2024"
    assert row["description"] == "Aksi massa"


def test_other_indonesian_headers_of_incidents(write_dataset: WriteDataset) -> None:
    text = (
        "Nomor;Tanggal Kejadian;Jam;Kabupaten/Kota;Jenis Gangguan;Meninggal Dunia;Korban Luka;Kerugian Materiil;Tuntas;Kronologi\n"
        "11;28 Nov 2024;08:05;Metro;demo;3;4;1.500;tidak;catatan\n"
    )
    row = aar.load(write_dataset({"gangguan.csv": text})).incidents.row(0, named=True)
    got = {
        k: row[k]
        for k in (
            "incident_id",
            "occurred_on",
            "occurred_at",
            "region_code",
            "category",
            "killed",
            "injured",
            "loss_idr",
            "cleared",
            "description",
        )
    }
    assert got == {
        "incident_id": "11",
        "occurred_on": dt.date(2024, 11, 28),
        "occurred_at": dt.time(8, 5),
        "region_code": "18.72",
        "category": "unjuk_rasa",
        "killed": 3,
        "injured": 4,
        "loss_idr": 1500.0,
        "cleared": False,
        "description": "catatan",
    }


def test_indonesian_headers_of_deployments_and_electorate(write_dataset: WriteDataset) -> None:
    files = {
        "incidents.csv": "id;tanggal;wilayah;kategori\n1;27/11/2024;18.72;unras\n",
        "pengerahan.csv": (
            "Operasi;Wilayah;Instansi;Mulai;Selesai;Personel;Satuan;Peran\n"
            "Mantap Praja Krakatau;Kota Metro;Polri;25/11/2024;29/11/2024;1.200;Polres Metro;pengamanan TPS\n"
            "pilkada;18.72;Linmas;27 Nov 2024;27 Nov 2024;470;Satlinmas;TPS\n"
        ),
        "dpt.csv": (
            "Operasi;Wilayah;DPT;Jumlah TPS;tps_kurang_rawan;tps_rawan;tps_sangat_rawan;tps_khusus\n"
            "OMP-2024;Kota Metro;120.000;235;200;30;4;1\n"
        ),
    }
    ds = aar.load(write_dataset(files))
    assert ds.deployments.sort("personnel").select(
        "operation_id", "region_code", "agency", "start_date", "end_date", "personnel", "unit", "role", "personnel_days"
    ).rows() == [
        ("OMP-2024", "18.72", "linmas", VOTING_OMP, VOTING_OMP, 470, "Satlinmas", "TPS", 470),
        (
            "OMP-2024",
            "18.72",
            "polri",
            dt.date(2024, 11, 25),
            dt.date(2024, 11, 29),
            1200,
            "Polres Metro",
            "pengamanan TPS",
            6000,
        ),
    ]
    assert ds.electorate.select("operation_id", "region_code", "voters", "tps", "tps_khusus").rows() == [
        ("OMP-2024", "18.72", 120_000, 235, 1)
    ]


# regions ------------------------------------------------------------------------------------------


REGION_SPELLINGS = {
    "18.72": "18.72",
    "1872": "18.72",
    "Kota Metro": "18.72",
    "KOTA METRO": "18.72",
    "Metro": "18.72",
    "  kota metro ": "18.72",
    "Pangkal Pinang": "19.71",
    "Pangkalpinang": "19.71",
    "Kota Pangkalpinang": "19.71",
    "KOTA PANGKAL PINANG": "19.71",
    "Jakarta Barat": "31.73",
    "Kota Administrasi Jakarta Barat": "31.73",
    "Kota Bandung": "32.73",
    "Kabupaten Bandung": "32.04",
    "Kab. Bandung": "32.04",
    "Lampung": "18",
    "18": "18",
}


def test_region_spellings(write_dataset: WriteDataset) -> None:
    rows = load_column(write_dataset, "wilayah", list(REGION_SPELLINGS))
    assert {text: row["region_code"] for text, row in rows.items()} == REGION_SPELLINGS
    assert {text: row["province_code"] for text, row in rows.items()} == {k: v[:2] for k, v in REGION_SPELLINGS.items()}


def test_region_alias_from_dataset_toml(write_dataset: WriteDataset) -> None:
    files = {
        "incidents.csv": "id;tanggal;wilayah;kategori\n1;27/11/2024;Jakbar;unras\n2;27/11/2024;Metro Lampung;unras\n",
        "dataset.toml": '[aliases.region]\n"Jakbar" = "31.73"\n"Metro Lampung" = "Kota Metro"\n',
    }
    rows = by_id(aar.load(write_dataset(files)))
    assert rows["1"]["region_code"] == "31.73"
    assert rows["2"]["region_code"] == "18.72"


# categories ---------------------------------------------------------------------------------------


CATEGORY_SPELLINGS = {
    "unras": "unjuk_rasa",
    "Unras": "unjuk_rasa",
    "demo": "unjuk_rasa",
    "Unjuk Rasa": "unjuk_rasa",
    "unjuk_rasa": "unjuk_rasa",
    "money politic": "politik_uang",
    "Money Politic": "politik_uang",
    "serangan fajar": "politik_uang",
    "laka": "laka_lantas",
    "Laka Lantas": "laka_lantas",
    "tawuran": "bentrok",
    "hoax": "hoaks_ujaran_kebencian",
    "Ujaran Kebencian": "hoaks_ujaran_kebencian",
}


def test_category_aliases(write_dataset: WriteDataset) -> None:
    rows = load_column(write_dataset, "kategori", list(CATEGORY_SPELLINGS))
    assert {text: row["category"] for text, row in rows.items()} == CATEGORY_SPELLINGS


def test_category_alias_from_dataset_toml(write_dataset: WriteDataset) -> None:
    files = {
        "incidents.csv": "id;tanggal;wilayah;kategori\n1;27/11/2024;18.72;ricuh pilkada\n2;27/11/2024;18.72;Gesekan Massa\n3;27/11/2024;18.72;demo\n",
        "dataset.toml": '[aliases.category]\n"ricuh pilkada" = "kerusuhan"\n"gesekan massa" = "bentrok"\n',
    }
    rows = by_id(aar.load(write_dataset(files)))
    assert rows["1"]["category"] == "kerusuhan" and rows["1"]["category_group"] == "gangguan"
    assert rows["2"]["category"] == "bentrok"
    assert rows["3"]["category"] == "unjuk_rasa"  # the shipped aliases still work


def test_category_group_is_derived(write_dataset: WriteDataset) -> None:
    text = "id;tanggal;wilayah;kategori\n1;27/11/2024;18.72;money politic\n2;27/11/2024;18.72;laka\n3;27/11/2024;18.72;hoax\n4;27/11/2024;18.72;banjir\n"
    rows = by_id(aar.load(write_dataset({"incidents.csv": text})))
    assert {k: r["category_group"] for k, r in rows.items()} == {
        "1": "pelanggaran",
        "2": "lalu_lintas",
        "3": "kejahatan",
        "4": "bencana",
    }


# operations ---------------------------------------------------------------------------------------


OMP_NAMES = [
    "OMP-2024",
    "Operasi Mantap Praja 2024",
    "Mantap Praja",
    "Mantap Praja Krakatau",
    "Operasi Mantap Praja Krakatau",
    "pilkada",
    "OMP",
]
OMB_NAMES = ["OMB-2023-2024", "OMB", "Operasi Mantap Brata 2023-2024", "Mantap Brata", "pemilu"]


def test_operation_given_by_name_for_omp(write_dataset: WriteDataset) -> None:
    rows = load_column(write_dataset, "operasi", OMP_NAMES, tanggal="27/11/2024")
    assert {name: row["operation_id"] for name, row in rows.items()} == dict.fromkeys(OMP_NAMES, "OMP-2024")


def test_operation_given_by_name_for_omb(write_dataset: WriteDataset) -> None:
    rows = load_column(write_dataset, "operasi", OMB_NAMES, tanggal="14/02/2024")
    assert {name: row["operation_id"] for name, row in rows.items()} == dict.fromkeys(OMB_NAMES, "OMB-2023-2024")


def test_named_operation_wins_over_the_nearer_voting_day(write_dataset: WriteDataset) -> None:
    # 28 Aug 2024 in Lampung lies in both windows; unnamed it goes to OMP (voting day nearer)
    text = "id;tanggal;wilayah;kategori;operasi\n1;28/08/2024;18.72;unras;OMB\n2;28/08/2024;18.72;unras;\n"
    rows = by_id(aar.load(write_dataset({"incidents.csv": text})))
    assert rows["1"]["operation_id"] == "OMB-2023-2024" and rows["1"]["phase"] == "post_election"
    assert rows["2"]["operation_id"] == "OMP-2024" and rows["2"]["phase"] == "pre_campaign"
    assert rows["1"]["relative_day"] == (dt.date(2024, 8, 28) - dt.date(2024, 2, 14)).days
    assert rows["2"]["relative_day"] == (dt.date(2024, 8, 28) - VOTING_OMP).days


def test_operation_alias_from_dataset_toml(write_dataset: WriteDataset) -> None:
    files = {
        "incidents.csv": "id;tanggal;wilayah;kategori;operasi\n1;27/11/2024;18.72;unras;OMP Krakatau\n",
        "dataset.toml": '[aliases.operation]\n"OMP Krakatau" = "OMP-2024"\n',
    }
    assert aar.load(write_dataset(files)).incidents["operation_id"].to_list() == ["OMP-2024"]


# the wide daily situation report ------------------------------------------------------------------

SITREP = (
    "tanggal;wilayah;unras;laka;kejahatan;md;lb;lr;personel\n"
    "27/11/2024;18.72;2;1;0;1;2;3;450\n"
    "28/11/2024;18.72;0;2;1;0;1;0;300\n"
    "27/11/2024;18.71;1;-;3;-;-;-;200\n"
)


@pytest.fixture(scope="module")
def sitrep_ds(tmp_path_factory: pytest.TempPathFactory) -> aar.Dataset:
    folder = tmp_path_factory.mktemp("sitrep")
    (folder / "sitrep.csv").write_text(SITREP, encoding="utf-8")
    return aar.load(folder)


def test_sitrep_gives_one_incident_per_count(sitrep_ds: aar.Dataset) -> None:
    counts = sitrep_ds.incidents.group_by("region_code", "occurred_on", pl.col("category").cast(pl.String)).len()
    got = {(r["region_code"], r["occurred_on"].day, r["category"]): r["len"] for r in counts.iter_rows(named=True)}
    assert got == {
        ("18.72", 27, "unjuk_rasa"): 2,
        ("18.72", 27, "laka_lantas"): 1,
        ("18.72", 28, "laka_lantas"): 2,
        ("18.72", 28, "kejahatan_lain"): 1,
        ("18.71", 27, "unjuk_rasa"): 1,
        ("18.71", 27, "kejahatan_lain"): 3,
    }
    assert sitrep_ds.incidents.height == 10
    assert sitrep_ds.incidents["incident_id"].n_unique() == 10


def test_sitrep_casualties_go_to_the_traffic_incident(sitrep_ds: aar.Dataset) -> None:
    incidents = sitrep_ds.incidents
    laka_27 = incidents.filter((pl.col("category") == "laka_lantas") & (pl.col("occurred_on") == VOTING_OMP))
    assert laka_27.select("killed", "injured").rows() == [(1, 5)]
    laka_28 = incidents.filter((pl.col("category") == "laka_lantas") & (pl.col("occurred_on") == dt.date(2024, 11, 28)))
    assert sorted(laka_28.select("killed", "injured").rows()) == [(0, 0), (0, 1)]
    others = incidents.filter(pl.col("category") != "laka_lantas")
    assert others["killed"].sum() == 0 and others["injured"].sum() == 0
    assert incidents["killed"].sum() == 1 and incidents["injured"].sum() == 6


def test_sitrep_incidents_get_operation_and_phase(sitrep_ds: aar.Dataset) -> None:
    incidents = sitrep_ds.incidents
    assert set(incidents["operation_id"].to_list()) == {"OMP-2024"}
    assert set(incidents["phase"].to_list()) == {"voting"}
    assert sorted(set(incidents["relative_day"].to_list())) == [0, 1]


def test_sitrep_personel_becomes_one_day_polri_deployments(sitrep_ds: aar.Dataset) -> None:
    deployments = sitrep_ds.deployments.sort("region_code", "start_date")
    assert deployments.select(
        "region_code", "agency", "start_date", "end_date", "personnel", "days", "personnel_days", "operation_id"
    ).rows() == [
        ("18.71", "polri", VOTING_OMP, VOTING_OMP, 200, 1, 200, "OMP-2024"),
        ("18.72", "polri", VOTING_OMP, VOTING_OMP, 450, 1, 450, "OMP-2024"),
        ("18.72", "polri", dt.date(2024, 11, 28), dt.date(2024, 11, 28), 300, 1, 300, "OMP-2024"),
    ]


def test_sitrep_blank_casualty_cell_does_not_drop_the_others(write_dataset: WriteDataset) -> None:
    # LB 2 and LR left blank: the two seriously injured are still counted on the accident
    ds = aar.load(write_dataset({"sitrep.csv": "tanggal;wilayah;laka;md;lb;lr\n27/11/2024;18.72;1;0;2;\n"}))
    assert ds.incidents.select("category", "killed", "injured").rows() == [("laka_lantas", 0, 2)]


def test_sitrep_in_excel_with_indonesian_file_name(tmp_path: Path) -> None:
    folder = tmp_path / "ds"
    folder.mkdir()
    rows = [
        ["LAPORAN HARIAN OPS MANTAP PRAJA KRAKATAU", None, None, None, None, None],
        ["Tanggal", "Wilayah", "Unras", "Laka", "MD", "Personel"],
        [dt.datetime(2024, 11, 27), "Kota Metro", 1, 2, 1, 100],
    ]
    write_xlsx(folder / "laporan_harian.xlsx", {"Sheet1": rows})
    ds = aar.load(folder)
    assert ds.incidents.group_by(pl.col("category").cast(pl.String)).len().sort("category").rows() == [
        ("laka_lantas", 2),
        ("unjuk_rasa", 1),
    ]
    assert ds.incidents["killed"].sum() == 1
    assert ds.deployments.select("personnel", "days").rows() == [(100, 1)]


# in-memory frames ---------------------------------------------------------------------------------

CSV_FOR_FRAMES = (
    "id;tanggal;wilayah;kategori;md;luka;kerugian;selesai\n"
    "1;27/11/2024;Kota Metro;demo;0;2;1.500.000;ya\n"
    "2;14/02/2024;18.71;laka;1;0;2.500.000,50;tidak\n"
    "3;28/08/2024;18.72;hoax;0;0;0;\n"
)


def test_from_frames_with_typed_columns_equals_loading_the_csv(write_dataset: WriteDataset) -> None:
    from_csv = aar.load(write_dataset({"incidents.csv": CSV_FOR_FRAMES})).incidents.sort("incident_id")
    frame = pl.DataFrame(
        {
            "incident_id": ["1", "2", "3"],
            "occurred_on": [dt.date(2024, 11, 27), dt.date(2024, 2, 14), dt.date(2024, 8, 28)],
            "region_code": ["Kota Metro", "18.71", "18.72"],
            "category": ["demo", "laka", "hoax"],
            "killed": [0, 1, 0],
            "injured": [2, 0, 0],
            "loss_idr": [1_500_000.0, 2_500_000.5, 0.0],
            "cleared": [True, False, None],
        }
    )
    from_frame = aar.Dataset.from_frames(incidents=frame).incidents.sort("incident_id")
    assert from_frame.equals(from_csv)
    assert from_frame.schema == from_csv.schema


def test_from_frames_with_text_columns_equals_loading_the_csv(write_dataset: WriteDataset) -> None:
    path = write_dataset(
        {
            "incidents.csv": CSV_FOR_FRAMES.replace(";", ",")
            .replace("2.500.000,50", "2500000.50")
            .replace("1.500.000", "1500000")
        }
    )
    from_csv = aar.load(path).incidents.sort("incident_id")
    frame = pl.read_csv(path / "incidents.csv", infer_schema=False)
    assert frame.columns[:4] == ["id", "tanggal", "wilayah", "kategori"]  # Indonesian headers in the frame too
    from_frame = aar.Dataset.from_frames(incidents=frame).incidents.sort("incident_id")
    assert from_frame.equals(from_csv)
    assert from_frame.row(1, named=True)["loss_idr"] == 2_500_000.5


def test_parquet_row_groups_stay_chunks_aligned_across_every_column(tmp_path: Path) -> None:
    """A column chunked differently from the others makes polars copy the whole frame; none is."""
    data = aar.synthesize("sample", 7, 3_000)
    aar.write_dataset(data.tables, data.config, tmp_path / "ds", fmt="parquet")
    incidents = pl.read_parquet(tmp_path / "ds" / "incidents.parquet")
    incidents.write_parquet(tmp_path / "ds" / "incidents.parquet", row_group_size=500)
    loaded = aar.load(tmp_path / "ds").incidents
    layouts = {name: loaded[name].chunk_lengths() for name in loaded.columns}
    assert len(next(iter(layouts.values()))) > 1
    assert len({tuple(lengths) for lengths in layouts.values()}) == 1, layouts


def test_align_chunks_cuts_without_changing_values() -> None:
    like = pl.concat([pl.Series("a", [1, 2, 3]), pl.Series("a", [4, 5])], rechunk=False)
    cut = align_chunks(pl.Series("b", ["v", "w", "x", "y", "z"]), like)
    assert cut.chunk_lengths() == [3, 2]
    assert cut.to_list() == ["v", "w", "x", "y", "z"]
    other = pl.concat([pl.Series("c", [1]), pl.Series("c", [2, 3, 4, 5])], rechunk=False)
    assert align_chunks(other, like).chunk_lengths() == [3, 2]
