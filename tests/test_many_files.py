"""Files as they come: many files of one table (a name pattern or a folder per table) read as one
table, each problem still naming its own file, row and column."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import polars as pl

import aar
from _workbooks import write_xlsx

WriteDataset = Callable[..., Path]


def _sitrep_book(path: Path, day: dt.datetime, rows: list[list[object]]) -> Path:
    return write_xlsx(
        path,
        {
            "Laporan": [
                ["LAPORAN HARIAN", None, None, None],
                ["Tanggal", "Wilayah", "Unras", "Laka", "Personel"],
                *[[day, *r] for r in rows],
            ]
        },
    )


def test_sitrep_files_by_name_pattern_are_one_table(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    root.mkdir()
    _sitrep_book(root / "sitrep_2024-11-27_metro.xlsx", dt.datetime(2024, 11, 27), [["Kota Metro", 2, 1, 300]])
    _sitrep_book(root / "sitrep_2024-11-28_metro.xlsx", dt.datetime(2024, 11, 28), [["Kota Metro", 0, 3, 280]])
    (root / "sitrep_2024-11-29_metro.csv").write_text(
        "Tanggal;Wilayah;Unras;Laka;Personel\n29/11/2024;Kota Metro;1;0;250\n", encoding="utf-8"
    )
    ds = aar.load(root)
    per_day = dict(ds.incidents.group_by("occurred_on").len().iter_rows())
    assert per_day == {dt.date(2024, 11, 27): 3, dt.date(2024, 11, 28): 3, dt.date(2024, 11, 29): 1}
    assert sorted(ds.deployments["personnel"]) == [250, 280, 300]
    assert ds.info.sources["sitrep"] == "sitrep_2024-11-2*"


def test_each_problem_names_its_own_file(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    (root / "kejadian").mkdir(parents=True)
    (root / "kejadian" / "metro.csv").write_text(
        "No. LP;Tanggal;Wilayah;Jenis;Kerugian\nA1;27/11/2024;Kota Metro;Curanmor;1.500.000,5\nA2;27/11/2024;Kota Metro;Curanmor;abc\n",
        encoding="utf-8",
    )
    write_xlsx(
        root / "kejadian" / "lampung_selatan.xlsx",
        {
            "Kejadian": [
                ["Judul"],
                ["No", "No. LP", "Tanggal", "Wilayah", "Jenis", "Kerugian"],
                [1, "B1", "31/02/2024", "Lampung Selatan", "Judi", 2500000.5],
                [2, "B2", dt.datetime(2024, 11, 28), "Lampung Selatan", "nonsense", 0],
            ]
        },
    )
    errors = aar.validate(root).errors
    got = sorted((Path(p.path or "").name, p.sheet, p.row, p.column, p.value, p.message) for p in errors)
    assert got == [
        ("lampung_selatan.xlsx", "Kejadian", 3, "Tanggal (C)", "31/02/2024", "not a date"),
        ("lampung_selatan.xlsx", "Kejadian", 4, "Jenis (E)", "nonsense", "unknown category"),
        ("metro.csv", None, 3, "Kerugian (E)", "abc", "not a number"),
    ]


def test_a_folder_per_table_mixes_csv_and_excel_decimal_marks(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    (root / "kejadian").mkdir(parents=True)
    (root / "kejadian" / "a.csv").write_text(
        "No. LP;Tanggal;Wilayah;Jenis;Kerugian\nA1;27/11/2024;Kota Metro;Curanmor;1.500.000,5\n", encoding="utf-8"
    )
    (root / "kejadian" / "b.csv").write_text(
        'No. LP,Tanggal,Wilayah,Jenis,Kerugian\nB1,27/11/2024,Kota Metro,Judi,"2,500,000.25"\n', encoding="utf-8"
    )
    write_xlsx(
        root / "kejadian" / "c.xlsx",
        {
            "x": [
                ["No. LP", "Tanggal", "Wilayah", "Jenis", "Kerugian"],
                ["C1", dt.datetime(2024, 11, 27), "Kota Metro", "Curat", 750000.75],
            ]
        },
    )
    ds = aar.load(root)
    assert dict(ds.incidents.select("incident_id", "loss_idr").iter_rows()) == {
        "A1": 1_500_000.5,
        "B1": 2_500_000.25,
        "C1": 750_000.75,
    }
    assert ds.incidents.filter(pl.col("subcategory").is_null()).is_empty()


def test_duplicate_ids_across_files_are_found_in_each(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    root.mkdir()
    for name in ("kejadian_metro.csv", "kejadian_lamsel.csv"):
        (root / name).write_text("No. LP;Tanggal;Wilayah;Jenis\nX;27/11/2024;Kota Metro;Curat\n", encoding="utf-8")
    errors = aar.validate(root).errors
    assert sorted((Path(p.path or "").name, p.row, p.message) for p in errors) == [
        ("kejadian_lamsel.csv", 2, "duplicated key (incident_id)"),
        ("kejadian_metro.csv", 2, "duplicated key (incident_id)"),
    ]


def test_two_files_named_exactly_after_a_table_still_clash(write_dataset: WriteDataset) -> None:
    text = "id;tanggal;wilayah;kategori\n1;27/11/2024;18.72;demo\n"
    errors = aar.validate(write_dataset({"incidents.csv": text, "kejadian.csv": text})).errors
    assert [p.message for p in errors] == ["table 'incidents' is given twice (incidents.csv and kejadian.csv)"]
