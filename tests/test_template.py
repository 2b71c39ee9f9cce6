"""`aar template`: the data-entry workbook loads back as a valid empty dataset, and a copy filled in
with openpyxl (dates as Excel dates, dropdown values as the lists give them) loads to what was typed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

import aar
from aar._cli.app import app
from aar._data.reading import recognise
from aar._data.schema import INDONESIAN, SITREP, TABLES
from aar._data.template import ENTRY_TABLES, REFERENCE_TABLES, build_template, choices, write_template


def test_every_indonesian_name_is_read_back() -> None:
    from aar._data.reading import _table_of

    for name, (sheet, headers) in INDONESIAN.items():
        table = SITREP if name == "sitrep" else TABLES[name]
        assert _table_of(sheet) == name, sheet
        assert set(headers) == set(table.names), name
        for field, text in headers.items():
            assert recognise(table, text) == field, (name, text)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_untouched_template_is_a_valid_empty_dataset(tmp_path: Path, lang: str) -> None:
    path = write_template(tmp_path / "data.xlsx", lang=lang)
    result = aar.validate(path)
    assert result.ok and not result.problems, [str(p) for p in result.problems]
    ds = result.dataset
    assert ds is not None
    assert ds.incidents.height == ds.deployments.height == ds.electorate.height == 0
    ref = aar.reference()
    assert ds.operations.equals(ref.operations.select(ds.operations.columns))
    assert ds.guard_patterns.sort("vulnerability").equals(ref.guard_patterns.sort("vulnerability"))
    assert ds.phases.sort("operation_id", "province_code", "start_date", nulls_last=True).equals(
        ref.phases.sort("operation_id", "province_code", "start_date", nulls_last=True)
    )


def test_sheets_dropdowns_and_formats(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx"))
    assert book.sheetnames[:2] == ["Petunjuk", "Kejadian"]
    assert {"Personel", "DPT", "Rencana Perbaikan", "Operasi", "Tahapan", "Wilayah"} <= set(book.sheetnames)
    assert book["Daftar"].sheet_state == "hidden"
    sheet = book["Kejadian"]
    headers = [c.value for c in sheet[1]]
    assert headers[:6] == ["No. LP", "Tanggal", "Jam", "Zona Waktu", "Wilayah", "Jenis Kejadian"]
    assert sheet["B2"].number_format == "DD/MM/YYYY" and sheet["C2"].number_format == "HH:MM"
    ranges = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert "E2:E1001" in ranges and "F2:F1001" in ranges and "K2:K1001" in ranges
    lists = book["Daftar"]
    column = ranges["E2:E1001"].split("!$")[1].split("$")[0]
    regions = [c.value for c in lists[column][1:] if c.value]
    assert "Kota Metro (18.72)" in regions and "Lampung (18)" in regions and len(regions) == 552 + 1
    assert regions[0] == "Indonesia (00)"  # national rows
    agencies = book["Personel"].data_validations.dataValidation
    assert agencies, "the agency column has a dropdown"
    yes_no = choices(TABLES["incidents"].field("cleared"), "id")
    assert yes_no == ["ya", "tidak"]


def test_filled_template_loads_what_was_typed(tmp_path: Path) -> None:
    path = write_template(tmp_path / "blank.xlsx")
    book = openpyxl.load_workbook(path)
    incidents = [
        [
            "LP/1",
            dt.datetime(2024, 11, 27),
            dt.time(14, 30),
            "WIB",
            "Kota Metro (18.72)",
            "Unjuk rasa",
            None,
            0,
            2,
            1_500_000,
            "ya",
            None,
            "aksi",
        ],
        [
            "LP/2",
            dt.datetime(2024, 2, 14),
            None,
            None,
            "Lampung Selatan",
            "Pencurian kendaraan bermotor (curanmor)",
            None,
            0,
            0,
            12_500_000.5,
            "tidak",
            "OMB-2023-2024",
            None,
        ],
        [
            "LP/3",
            "28/11/2024",
            "09:15",
            "WIB",
            "Kota Bandar Lampung (18.71)",
            "Politik uang",
            None,
            1,
            0,
            None,
            None,
            "OMP-2024",
            None,
        ],
    ]
    for i, row in enumerate(incidents, start=2):  # in place: append() would go below the prepared rows
        for c, value in enumerate(row, start=1):
            book["Kejadian"].cell(i, c, value)
    for c, value in enumerate(
        [
            "OMP-2024",
            "Kota Metro (18.72)",
            "Polri",
            dt.datetime(2024, 11, 24),
            dt.datetime(2024, 11, 28),
            410,
            "Polres Metro",
            "Pengamanan TPS",
        ],
        start=1,
    ):
        book["Personel"].cell(2, c, value)
    for c, value in enumerate(["OMP-2024", "Kota Metro (18.72)", 131_482, 235, 200, 30, 4, 1, "KPU"], start=1):
        book["DPT"].cell(2, c, value)
    book.save(tmp_path / "filled.xlsx")

    ds = aar.load(tmp_path / "filled.xlsx")
    got = (
        ds.incidents.sort("incident_id")
        .select(
            "incident_id",
            "occurred_on",
            "occurred_at",
            "time_zone",
            "region_code",
            "category",
            "subcategory",
            "killed",
            "injured",
            "loss_idr",
            "cleared",
            "operation_id",
            "description",
        )
        .rows()
    )
    assert got == [
        (
            "LP/1",
            dt.date(2024, 11, 27),
            dt.time(14, 30),
            "WIB",
            "18.72",
            "unjuk_rasa",
            None,
            0,
            2,
            1_500_000.0,
            True,
            "OMP-2024",
            "aksi",
        ),
        (
            "LP/2",
            dt.date(2024, 2, 14),
            None,
            None,
            "18.01",
            "kejahatan_lain",
            "curanmor",
            0,
            0,
            12_500_000.5,
            False,
            "OMB-2023-2024",
            None,
        ),
        (
            "LP/3",
            dt.date(2024, 11, 28),
            dt.time(9, 15),
            "WIB",
            "18.71",
            "politik_uang",
            None,
            1,
            0,
            None,
            None,
            "OMP-2024",
            None,
        ),
    ]
    assert ds.deployments.select(
        "operation_id", "region_code", "agency", "start_date", "end_date", "personnel", "unit", "role"
    ).rows() == [
        (
            "OMP-2024",
            "18.72",
            "polri",
            dt.date(2024, 11, 24),
            dt.date(2024, 11, 28),
            410,
            "Polres Metro",
            "Pengamanan TPS",
        )
    ]
    assert ds.electorate.drop("source").rows() == [("OMP-2024", "18.72", 131_482, 235, 200, 30, 4, 1)]
    assert ds.electorate["source"].to_list() == ["KPU"]


def test_every_dropdown_value_is_read() -> None:
    """Each value a list offers parses to a code, in both languages (a round trip of the lists)."""
    from aar._data.parsing import parse_bool
    from aar._data.reference import operation_vocabulary, region_index

    ref = aar.reference()
    regions, operations = region_index(ref.regions), operation_vocabulary(ref.operations, ref.operation_windows)
    checked = 0
    for lang in ("id", "en"):
        for name in (*ENTRY_TABLES, *REFERENCE_TABLES):
            for f in TABLES[name].fields:
                values = choices(f, lang) or []
                checked += len(values)
                if f.vocabulary is not None:
                    assert all(f.vocabulary.match(v) for v in values), (lang, name, f.name)
                elif f.kind == "region":
                    assert all(regions.match(v).code == v.rsplit("(", 1)[1].rstrip(")") for v in values)
                elif f.kind == "operation":
                    assert all(operations.match(v) == v for v in values)
                elif f.kind == "bool":
                    parsed, bad = parse_bool(pl.Series(values))
                    assert parsed.to_list() == [True, False] and not bad.any()
    assert checked > 2000


def test_cli_template(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "t.xlsx"
    result = runner.invoke(app, ["template", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "incidents" in openpyxl.load_workbook(out).sheetnames
    again = runner.invoke(app, ["template", str(out)])
    assert again.exit_code == 2 and "--force" in again.output
    assert runner.invoke(app, ["template", str(out), "--force"]).exit_code == 0
    assert runner.invoke(app, ["template", str(tmp_path / "x.xlsx"), "--lang", "fr"]).exit_code == 2
    assert runner.invoke(app, ["template", str(tmp_path / "x.csv")]).exit_code == 2


def test_build_refuses_unknown_language() -> None:
    with pytest.raises(aar.UsageError, match="--lang"):
        build_template("fr")
