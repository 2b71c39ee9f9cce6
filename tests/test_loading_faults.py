"""Loader faults of issue 14 (item 14): numbers that do not fit, implausible counts, control
characters, UTF-16 files and files the user may not read. Each ends in a problem naming the file,
row, column and value (or a DatasetError naming the path), never in a silent null or a traceback.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import aar
from _outcomes import outcome
from aar._cli.app import app
from aar._data.parsing import INT64_MAX, parse_number_in_range
from aar._data.schema import DATASET_CONFIG, SITREP, TABLES

WriteDataset = Callable[..., Path]
HEADER = "incident_id,occurred_on,region_code,category,killed,description\n"


def _row(incident: str = "A1", killed: str = "0", description: str = "ok") -> str:
    return f"{incident},27/11/2024,18.72,curanmor,{killed},{description}\n"


def _only(problems: tuple[aar.Problem, ...], severity: str = "error") -> aar.Problem:
    found = [p for p in problems if p.severity == severity]
    assert len(found) == 1, [str(p) for p in problems]
    return found[0]


# --- numbers that do not fit their column -------------------------------------------------------


def test_count_beyond_int64_is_an_error_naming_the_cell_and_the_range(write_dataset: WriteDataset) -> None:
    root = write_dataset({"incidents.csv": HEADER + _row("A1") + _row("A2", "99999999999999999999999")})
    result = aar.validate(root)
    assert not result.ok and result.dataset is None
    p = _only(result.errors)
    assert p.message == "number too large for its column"
    assert Path(p.path or "").name == "incidents.csv"
    assert (p.row, p.column, p.value) == (3, "killed (E)", "99999999999999999999999")
    assert p.expected is not None and f"{INT64_MAX:,}" in p.expected and "Int64" in p.expected


def test_numbers_at_the_edge_of_the_column_types() -> None:
    texts = ["9223372036854775807", "9223372036854775808", "9007199254740993", "-", "abc", "1.000.000", "12,00"]
    values, bad, too_large = parse_number_in_range(pl.Series(texts), decimal=",", integer=True)
    assert values.to_list() == [INT64_MAX, None, 9007199254740993, 0, None, 1_000_000, 12]
    assert bad.to_list() == [False, True, False, False, True, False, False]
    assert too_large.to_list() == [False, True, False, False, False, False, False]
    floats, bad, too_large = parse_number_in_range(pl.Series(["1" + "0" * 400, "1.5"]), decimal=".", integer=False)
    assert floats.to_list() == [None, 1.5]
    assert bad.to_list() == too_large.to_list() == [True, False]


def test_parquet_values_beyond_int64_are_errors_not_tracebacks(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "incident_id": ["A1", "A2", "A3"],
            "occurred_on": ["2024-11-27"] * 3,
            "region_code": ["18.72"] * 3,
            "category": ["curanmor"] * 3,
            "killed": pl.Series([1, 2**64 - 1, 0], dtype=pl.UInt64),
            "injured": [0.0, 1e30, float("nan")],
        }
    )
    root = tmp_path / "ds"
    root.mkdir()
    frame.write_parquet(root / "incidents.parquet")
    errors = aar.validate(root).errors
    found = {(p.row, p.column, p.message) for p in errors}
    assert (2, "killed", "number too large for its column") in found
    assert (2, "injured", "number too large for its column") in found
    assert (3, "injured", "not a whole number") in found  # NaN is no count


# --- implausible counts -------------------------------------------------------------------------


def test_a_billion_killed_loads_with_a_warning_naming_the_cell(write_dataset: WriteDataset) -> None:
    root = write_dataset({"incidents.csv": HEADER + _row("A1", "1000") + _row("A2", "1000000000")})
    ds = aar.load(root)
    assert ds.incidents.get_column("killed").to_list() == [1000, 1_000_000_000]  # loaded as written
    warning = _only(ds.warnings, "warning")
    assert warning.message == "implausibly large value; check the cell"
    assert (warning.row, warning.column, warning.value) == (3, "killed (E)", "1000000000")
    assert warning.expected is not None and "at most 1,000 persons" in warning.expected


def test_every_plausible_bound_is_above_the_figure_it_cites() -> None:
    bounded = [f for t in (*TABLES.values(), SITREP) for f in t.fields if f.plausible is not None]
    assert {f.name for f in bounded} >= {"killed", "injured", "loss_idr", "personnel", "voters", "tps"}
    for f in bounded:
        undated = re.sub(r"\d{1,2} \w{3} \d{4}|\b20\d\d\b", "", f.plausible_why)  # dates are no figures
        figures = [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*\d|\d", undated)]
        assert figures, f.plausible_why
        assert f.plausible is not None and f.plausible > max(figures), (f.name, f.plausible, f.plausible_why)


def test_the_sample_dataset_raises_no_plausibility_warning() -> None:
    ds = aar.load(Path(__file__).parents[1] / "data" / "sample")
    assert not [str(p) for p in ds.warnings if p.message.startswith("implausibly large")]


# --- control characters -------------------------------------------------------------------------


def test_nul_byte_in_an_id_is_an_error(write_dataset: WriteDataset) -> None:
    root = write_dataset({"incidents.csv": (HEADER + _row("A1") + _row("A\x002")).encode()})
    p = _only(aar.validate(root).errors)
    assert p.message.startswith("control character")
    assert (p.row, p.column, p.value) == (3, "incident_id (A)", "A\x002")
    assert "'A\\x002'" in str(p)  # printed escaped, so the user sees there is something there


def test_nul_byte_in_text_is_removed_with_a_warning(write_dataset: WriteDataset) -> None:
    root = write_dataset({"incidents.csv": (HEADER + _row("A1", description="pasar\x00 lama\x07")).encode()})
    ds = aar.load(root)
    assert ds.incidents.get_column("description").to_list() == ["pasar lama"]
    warning = _only(ds.warnings, "warning")
    assert warning.message.startswith("control characters") and warning.column == "description (F)"


def test_a_file_of_control_characters_is_still_binary(write_dataset: WriteDataset) -> None:
    root = write_dataset({"incidents.csv": HEADER.encode() + bytes(range(32)) * 3})
    assert _only(aar.validate(root).errors).message == "file is not text (binary content)"


# --- encodings ----------------------------------------------------------------------------------

_TAB = "incident_id\toccurred_on\tregion_code\tcategory\tdescription\nA1\t27/11/2024\t18.72\tcuranmor\tmotor di Pasar Cendrawasih \u2014 Bu Sri\n"


@pytest.mark.parametrize(
    ("encoding", "prefix", "warned"),
    [
        ("utf-16", b"", False),  # Python writes a BOM, little-endian here: Excel's "Unicode text"
        ("utf-16-le", b"\xff\xfe", False),
        ("utf-16-be", b"\xfe\xff", False),
        ("utf-8", b"\xef\xbb\xbf", False),
        ("utf-32", b"", False),
        ("utf-16-le", b"", True),  # no byte order mark: recognised by its NUL bytes, with a warning
    ],
)
def test_unicode_text_exports_are_read_right(
    write_dataset: WriteDataset, encoding: str, prefix: bytes, warned: bool
) -> None:
    root = write_dataset({"incidents.txt": prefix + _TAB.encode(encoding)})
    ds = aar.load(root)
    assert ds.incidents.get_column("description").to_list() == ["motor di Pasar Cendrawasih \u2014 Bu Sri"]
    assert ds.incidents.get_column("subcategory").to_list() == ["curanmor"]
    notes = [p for p in ds.warnings if "UTF" in p.message or "Windows" in p.message]
    assert len(notes) == int(warned), [str(p) for p in ds.warnings]


@pytest.mark.parametrize("prefix", [b"", b"\xef\xbb\xbf"])
def test_windows_1252_is_still_read_with_a_warning(write_dataset: WriteDataset, prefix: bytes) -> None:
    root = write_dataset({"incidents.txt": prefix + _TAB.replace("\u2014", "\u2013").encode("cp1252")})
    ds = aar.load(root)
    assert ds.incidents.get_column("description").to_list() == ["motor di Pasar Cendrawasih \u2013 Bu Sri"]
    assert any(p.message == "file is not UTF-8; read as Windows-1252" for p in ds.warnings)


# --- files and folders that cannot be read ------------------------------------------------------


def _deny(monkeypatch: pytest.MonkeyPatch, method: str, denied: Path) -> None:
    """Make `Path.<method>` raise PermissionError for `denied`, as for a chmod-000 file (works as root too)."""
    original = getattr(pathlib.Path, method)

    def guarded(self: Path, *args: object, **kw: object) -> object:
        if self == denied:
            raise PermissionError(13, "Permission denied", str(self))
        return original(self, *args, **kw)

    monkeypatch.setattr(pathlib.Path, method, guarded)


def test_unreadable_file_is_a_problem_naming_it(write_dataset: WriteDataset, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_dataset({"incidents.csv": HEADER + _row(), "deployments.csv": "x\n"})
    _deny(monkeypatch, "open", root / "deployments.csv")
    _deny(monkeypatch, "read_bytes", root / "deployments.csv")
    result = aar.validate(root)
    p = _only(result.errors)
    assert p.message == "file cannot be read: permission denied"
    assert p.path == str(root / "deployments.csv")
    assert result.dataset is None


def test_only_file_unreadable_is_a_dataset_error(write_dataset: WriteDataset, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_dataset({"incidents.csv": HEADER + _row()})
    _deny(monkeypatch, "open", root / "incidents.csv")
    _deny(monkeypatch, "read_bytes", root / "incidents.csv")
    result = aar.validate(root)
    assert _only(result.errors).message == "file cannot be read: permission denied"


def test_unreadable_folder_is_a_dataset_error(write_dataset: WriteDataset, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_dataset({"incidents.csv": HEADER + _row()})
    _deny(monkeypatch, "iterdir", root)
    with pytest.raises(aar.DatasetError, match="permission denied") as caught:
        aar.load(root)
    assert str(root) in str(caught.value)
    result = CliRunner().invoke(app, ["validate", str(root)])
    assert result.exit_code == 1 and "permission denied" in result.output
    assert "Traceback" not in result.output


def test_unreadable_table_folder_is_a_problem_naming_it(
    write_dataset: WriteDataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_dataset({"incidents.csv": HEADER + _row()})
    (root / "pengerahan").mkdir()
    (root / "pengerahan" / "metro.csv").write_text("x\n", encoding="utf-8")
    _deny(monkeypatch, "iterdir", root / "pengerahan")
    p = _only(aar.validate(root).errors)
    assert (p.message, p.path, p.table) == (
        "folder cannot be read: permission denied",
        str(root / "pengerahan"),
        "deployments",
    )


def test_workbook_alone_unreadable_is_a_dataset_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = tmp_path / "data.xlsx"
    book.write_bytes(b"PK\x03\x04")
    _deny(monkeypatch, "open", book)
    with pytest.raises(aar.DatasetError, match="permission denied"):
        aar.load(book)


_ROOT = os.geteuid() == 0


@pytest.mark.skipif(_ROOT, reason="root reads chmod-000 files; the monkeypatched tests above cover it")
def test_chmod_000_file_and_folder(write_dataset: WriteDataset) -> None:
    root = write_dataset({"incidents.csv": HEADER + _row(), "deployments.csv": "x\n"})
    (root / "deployments.csv").chmod(0)
    try:
        assert _only(aar.validate(root).errors).message == "file cannot be read: permission denied"
    finally:
        (root / "deployments.csv").chmod(0o644)
    root.chmod(0)
    try:
        with pytest.raises(aar.DatasetError, match="permission denied"):
            aar.load(root)
    finally:
        root.chmod(0o755)


# --- fuzz: random TOML, random encodings, random numbers ----------------------------------------

_FUZZ = settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
_VALID = HEADER + _row()


def _toml_value(value: object) -> str:
    """A value in TOML syntax (strings through repr-free JSON escaping, tables inline)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if value == value and value not in (float("inf"), float("-inf")) else "nan"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    assert isinstance(value, dict)
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"


_SCALAR = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=10),
    st.sampled_from([",", ".", "curanmor", "18.72", "OMP-2024"]),
)
_VALUE = st.recursive(
    _SCALAR,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=3),
    max_leaves=8,
)
_KEY = st.one_of(st.sampled_from([*DATASET_CONFIG, "synthetc", "desimal", "alias"]), st.text(min_size=1, max_size=8))


@_FUZZ
@given(entries=st.dictionaries(_KEY, _VALUE, max_size=6))
def test_random_dataset_toml_never_ends_in_a_traceback(write_dataset: WriteDataset, entries: dict[str, object]) -> None:
    text = "\n".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in entries.items()) + "\n"
    root = write_dataset({"incidents.csv": _VALID, "dataset.toml": text}, folder="fuzz-toml")
    outcome(root)


@_FUZZ
@given(text=st.text(max_size=300))
def test_random_toml_text_never_ends_in_a_traceback(write_dataset: WriteDataset, text: str) -> None:
    root = write_dataset(
        {"incidents.csv": _VALID, "dataset.toml": text.encode("utf-8", "surrogatepass")}, folder="fuzz-text"
    )
    outcome(root)


@_FUZZ
@given(
    text=st.text(max_size=200),
    encoding=st.sampled_from(["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig", "cp1252"]),
    header=st.booleans(),
)
def test_random_text_in_any_encoding_never_ends_in_a_traceback(
    write_dataset: WriteDataset, text: str, encoding: str, header: bool
) -> None:
    content = ((HEADER if header else "") + text).encode(encoding, errors="replace")
    root = write_dataset({"incidents.csv": content}, folder="fuzz-encoding")
    outcome(root)


_NUMBER = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats().map(str),
    st.from_regex(r"\A[+-]?\d{1,30}([.,]\d{1,5})?\Z"),
    st.text(alphabet="0123456789.,-+ \x00", max_size=25),
)


@_FUZZ
@given(killed=st.lists(_NUMBER, min_size=1, max_size=5))
def test_random_counts_are_loaded_or_reported_never_nulled(write_dataset: WriteDataset, killed: list[str]) -> None:
    rows = "".join(_row(f"A{i}", json.dumps(k) if "," in k or '"' in k else k) for i, k in enumerate(killed))
    root = write_dataset({"incidents.csv": HEADER + rows}, folder="fuzz-numbers")
    result = aar.validate(root)
    if result.dataset is not None:  # every non-empty count loaded as a number, none turned into null
        written = [k.strip() for k in killed]
        loaded = result.dataset.incidents.get_column("killed").to_list()
        assert [v is None for v in loaded] == [w == "" for w in written], (written, loaded)
