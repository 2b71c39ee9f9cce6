"""Excel faults of issue 14 (item 15): hidden sheets, formulas without a saved value, encrypted
workbooks. Each test builds its workbook with openpyxl (or xlsxwriter, which can save a formula's
result) the way users' files come: nothing is read silently wrong, nothing ends in a traceback.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from typer.testing import CliRunner

import aar
from aar._cli.app import app

HEADER = ["incident_id", "occurred_on", "region_code", "category", "killed"]
ROW = ["A1", "27/11/2024", "18.72", "curanmor", 2]


def _book(path: Path, sheets: list[tuple[str, list[list[object]], str]]) -> Path:
    """A workbook of (title, rows, state) sheets, state "visible", "hidden" or "veryHidden"."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows, state in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        sheet.sheet_state = state
    book.save(path)
    return path


# --- hidden sheets ------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_hidden_first_sheet_is_skipped_with_a_warning(tmp_path: Path, state: str) -> None:
    old = [HEADER, ["OLD-1", "01/01/2020", "18.72", "curanmor", 9]]
    _book(tmp_path / "incidents.xlsx", [("lama", old, state), ("Data", [["LAPORAN"], HEADER, ROW], "visible")])
    ds = aar.load(tmp_path)
    assert ds.incidents.get_column("incident_id").to_list() == ["A1"]
    warning = next(p for p in ds.warnings if "hidden" in p.message)
    assert warning.sheet == "lama" and "'Data'" in warning.message


def test_hidden_table_sheet_of_a_workbook_is_not_read_and_is_named(tmp_path: Path) -> None:
    deployments = [
        ["region_code", "agency", "start_date", "end_date", "personnel"],
        ["18.72", "polri", "27/11/2024", "27/11/2024", 5],
    ]
    book = _book(
        tmp_path / "data.xlsx",
        [
            ("incidents", [HEADER, ROW], "visible"),
            ("deployments", deployments, "hidden"),
            ("Daftar", [["lists for dropdowns"]], "hidden"),  # the template's lists: silently skipped
        ],
    )
    ds = aar.load(book)
    assert ds.deployments.height == 0
    hidden = [p for p in ds.warnings if "hidden" in p.message]
    assert [p.sheet for p in hidden] == ["deployments"]


def test_template_with_its_hidden_lists_sheet_loads_without_warning(tmp_path: Path) -> None:
    template = aar.write_template(tmp_path / "template.xlsx")
    assert not [p for p in aar.validate(template).problems if "hidden" in p.message]


# --- formulas -----------------------------------------------------------------------------------


def test_formula_without_saved_value_is_an_error_naming_the_cell(tmp_path: Path) -> None:
    rows = [["LAPORAN"], [*HEADER, "catatan"], [*ROW[:4], "=1+1", "=2+2"], ["A2", "27/11/2024", "18.72", "curanmor", 3]]
    _book(tmp_path / "incidents.xlsx", [("Data", rows, "visible")])
    errors = aar.validate(tmp_path).errors
    assert len(errors) == 1, [str(p) for p in errors]  # the formula outside the table's columns is not one
    p = errors[0]
    assert p.message == "formula with no saved value: open and save the file in Excel"
    assert (p.sheet, p.row, p.column) == ("Data", 3, "killed (E)")
    assert Path(p.path or "").name == "incidents.xlsx"


def test_formula_in_a_required_column_is_one_problem_not_two(tmp_path: Path) -> None:
    _book(tmp_path / "incidents.xlsx", [("Data", [HEADER, ["A1", "=TODAY()", "18.72", "curanmor", 1]], "visible")])
    errors = aar.validate(tmp_path).errors
    assert [(p.message, p.row, p.column) for p in errors] == [
        ("formula with no saved value: open and save the file in Excel", 2, "occurred_on (B)")
    ]


def test_formula_in_one_of_several_files_names_that_file(tmp_path: Path) -> None:
    _book(tmp_path / "kejadian_metro.xlsx", [("Data", [HEADER, ROW], "visible")])
    rows = [["LAPORAN"], HEADER, ["B1", "27/11/2024", "18.72", "curanmor", "=1+1"]]
    _book(tmp_path / "kejadian_way_kanan.xlsx", [("Data", rows, "visible")])
    (p,) = aar.validate(tmp_path).errors
    assert (Path(p.path or "").name, p.sheet, p.row, p.column) == ("kejadian_way_kanan.xlsx", "Data", 3, "killed (E)")


def test_many_formulas_without_values_are_listed_up_to_a_limit(tmp_path: Path) -> None:
    rows = [HEADER] + [[f"A{i}", "27/11/2024", "18.72", "curanmor", f"=0*{i}"] for i in range(250)]
    _book(tmp_path / "incidents.xlsx", [("Data", rows, "visible")])
    errors = [p for p in aar.validate(tmp_path).errors if "formula" in p.message]
    assert len(errors) == 201
    assert sorted(p.row for p in errors if p.row is not None) == list(range(2, 202))
    (more,) = (p for p in errors if p.row is None)
    assert more.message == "50 more formulas with no saved value not listed" and more.column == "killed (E)"


def test_formulas_with_saved_values_load(tmp_path: Path) -> None:
    book = xlsxwriter.Workbook(str(tmp_path / "incidents.xlsx"))
    sheet = book.add_worksheet("Data")
    for c, text in enumerate(HEADER):
        sheet.write(0, c, text)
    for c, value in enumerate(ROW[:4]):
        sheet.write(1, c, value)
    sheet.write_formula(1, 4, "=1+1", None, 2)  # saved as Excel saves it: the result beside the formula
    for c, value in enumerate(["A2", "27/11/2024", "18.72", "curanmor"]):
        sheet.write(2, c, value)
    sheet.write_formula(2, 4, '=IF(TRUE,"","x")', None, "")
    book.close()
    _as_excel_saves_empty_text(tmp_path / "incidents.xlsx", "E3")
    ds = aar.load(tmp_path)
    assert ds.incidents.get_column("killed").to_list() == [2, None]  # the empty text result is an empty cell


def _as_excel_saves_empty_text(path: Path, cell: str) -> None:
    """Mark `cell` as a text result (`t="str"`), as Excel saves a formula whose result is empty
    text (`<v></v>`); xlsxwriter leaves the type out, which is how an uncalculated formula looks."""
    import zipfile

    parts = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            parts[name] = archive.read(name)
    sheet = "xl/worksheets/sheet1.xml"
    assert f'<c r="{cell}">'.encode() in parts[sheet]
    parts[sheet] = parts[sheet].replace(f'<c r="{cell}">'.encode(), f'<c r="{cell}" t="str">'.encode())
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


# --- encrypted and other non-xlsx files ---------------------------------------------------------

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _fake_encrypted() -> bytes:
    """Not a real encrypted workbook: only the OLE magic bytes and the stream name EncryptionInfo
    in UTF-16 LE, which is what the detector looks at (the real one is tested below when
    msoffcrypto-tool is installed)."""
    return _OLE + bytes(504) + "EncryptionInfo".encode("utf-16-le") + bytes(64)


def _real_encrypted() -> bytes:
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml")
    import io

    plain = io.BytesIO()
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    book.active.append(ROW)
    book.save(plain)
    plain.seek(0)
    encrypted = io.BytesIO()
    ooxml.OOXMLFile(plain).encrypt("rahasia", encrypted)
    return encrypted.getvalue()


@pytest.mark.parametrize("make", [_fake_encrypted, _real_encrypted])
@pytest.mark.parametrize("name", ["incidents.xlsx", "data.xlsx"])
def test_encrypted_workbook_says_it_is_password_protected(tmp_path: Path, make: object, name: str) -> None:
    assert callable(make)
    (tmp_path / name).write_bytes(make())
    for target in (tmp_path, tmp_path / name):
        with pytest.raises(aar.DatasetError, match="password-protected") as caught:
            aar.load(target)
        assert name in str(caught.value) and "without a password" in str(caught.value)
    result = CliRunner().invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 1 and "password-protected" in result.output and "Traceback" not in result.output


def test_old_xls_renamed_to_xlsx_says_so(tmp_path: Path) -> None:
    (tmp_path / "incidents.xlsx").write_bytes(_OLE + bytes(1024))
    with pytest.raises(aar.DatasetError, match=r"old Excel workbook \(\.xls\)"):
        aar.load(tmp_path)
