"""Files with no rows, and files that are not tables: each its own outcome, never a traceback.

A header-only incidents table (an operation with no incidents yet) is a valid, empty dataset that
every command handles; an empty file, a file of bytes that are not text and a damaged workbook each
give one problem (or one DatasetError) naming the file. The fuzz tests feed the loaders random bytes
and random CSV text: every outcome is a `Validation` or an `AarError`, never another exception.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import aar
from _outcomes import outcome
from _workbooks import write_xlsx
from aar._cli.app import app

WriteDataset = Callable[..., Path]
HEADER = "incident_id,occurred_on,region_code,category\n"


def _only_error(path: Path) -> aar.Problem:
    errors = aar.validate(path).errors
    assert len(errors) == 1, [str(p) for p in errors]
    return errors[0]


def test_header_only_is_a_valid_empty_dataset(write_dataset: WriteDataset) -> None:
    root = write_dataset({"incidents.csv": HEADER})
    ds = aar.load(root)
    assert ds.incidents.height == 0
    assert ds.incidents.schema["relative_day"] == aar.load(root).incidents.schema["relative_day"]
    assert {"operation_id", "phase", "relative_day", "category_group"} <= set(ds.incidents.columns)
    assert ds.calendar.height > 0  # the shipped calendar is still there


def test_header_only_workbook_is_valid(tmp_path: Path) -> None:
    book = write_xlsx(tmp_path / "data.xlsx", {"Kejadian": [["Laporan"], ["No. LP", "Tanggal", "Wilayah", "Jenis"]]})
    assert aar.load(book).incidents.height == 0


@pytest.mark.parametrize("command", ["validate", "summary"])
def test_every_command_handles_header_only(write_dataset: WriteDataset, command: str) -> None:
    root = write_dataset({"incidents.csv": HEADER})
    result = CliRunner().invoke(app, [command, str(root)])
    assert result.exit_code == 0, result.output
    assert result.exception is None
    if command == "validate":
        assert "no incidents yet" in result.output


def test_header_only_has_nothing_to_compare_and_says_so(write_dataset: WriteDataset) -> None:
    ds = aar.load(write_dataset({"incidents.csv": HEADER}))
    with pytest.raises(aar.UsageError, match=r"none yet: the dataset has no incident, deployment or electorate row"):
        aar.compare(ds, baseline="OMB-2023-2024", target="OMP-2024", region="18")
    with pytest.raises(aar.UsageError, match=r"baseline: got 'OMB-2023-2024'.*none yet"):
        aar.compare(ds, baseline="OMB-2023-2024", target="OMP-2024")


@pytest.mark.parametrize("content", [b"", b"   \n\n", b"\xef\xbb\xbf"])
def test_empty_file_is_one_problem_naming_it(write_dataset: WriteDataset, content: bytes) -> None:
    p = _only_error(write_dataset({"incidents.csv": content}))
    assert p.message == "file is empty"
    assert Path(p.path or "").name == "incidents.csv"
    assert p.expected is not None and "header row" in p.expected


@pytest.mark.parametrize(
    "content", [b"\x00\x01\x02PK\x03\x04" * 50, b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)), bytes(range(32)) * 4]
)
def test_binary_file_is_one_problem_naming_it(write_dataset: WriteDataset, content: bytes) -> None:
    p = _only_error(write_dataset({"incidents.csv": content}))
    assert p.message == "file is not text (binary content)"
    assert Path(p.path or "").name == "incidents.csv"


def test_text_without_header_is_one_problem(write_dataset: WriteDataset) -> None:
    p = _only_error(write_dataset({"incidents.csv": "a,b\n1,2\n"}))
    assert p.message == "no header row found"


@pytest.mark.parametrize("name", ["incidents.xlsx", "data.xlsx"])
def test_damaged_workbook_is_a_dataset_error_naming_it(write_dataset: WriteDataset, name: str) -> None:
    root = write_dataset({name: b"PK\x03\x04 not really a zip"})
    with pytest.raises(aar.DatasetError) as caught:
        aar.validate(root)
    assert name in str(caught.value)
    result = CliRunner().invoke(app, ["validate", str(root)])
    assert result.exit_code == 1 and name in result.output and "Traceback" not in result.output


def test_damaged_parquet_is_a_dataset_error_naming_it(write_dataset: WriteDataset) -> None:
    root = write_dataset({"incidents.parquet": b"PAR1 nonsense"})
    with pytest.raises(aar.DatasetError, match=r"incidents\.parquet"):
        aar.validate(root)


_FUZZ = settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@_FUZZ
@given(data=st.binary(max_size=600), suffix=st.sampled_from([".csv", ".xlsx", ".parquet", ".tsv"]))
def test_random_bytes_never_end_in_a_traceback(write_dataset: WriteDataset, data: bytes, suffix: str) -> None:
    root = write_dataset({f"incidents{suffix}": data}, folder="fuzz-bytes")
    assert outcome(root) in ("invalid", "unreadable")


_CELL = st.one_of(
    st.text(alphabet=string.printable.replace("\n", "").replace("\r", ""), max_size=12),
    st.sampled_from(["27/11/2024", "2024-11-27", "18.72", "Kota Metro", "demo", "-", "1.234,5", "", "ya", "curanmor"]),
)
_HEADERS = st.lists(
    st.sampled_from(
        ["No", "No. LP", "id", "tanggal", "wilayah", "kategori", "md", "luka", "kerugian", "jam", "selesai", "x", ""]
    ),
    min_size=1,
    max_size=8,
)


@_FUZZ
@given(
    header=_HEADERS,
    rows=st.lists(st.lists(_CELL, max_size=9), max_size=8),
    separator=st.sampled_from([",", ";", "\t"]),
    title=st.booleans(),
)
def test_random_csv_never_ends_in_a_traceback(
    write_dataset: WriteDataset, header: list[str], rows: list[list[str]], separator: str, title: bool
) -> None:
    lines = (["LAPORAN GANGGUAN KAMTIBMAS"] if title else []) + [
        separator.join(header),
        *(separator.join(r) for r in rows),
    ]
    root = write_dataset({"incidents.csv": "\n".join(lines) + "\n"}, folder="fuzz-csv")
    outcome(root)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
def test_cli_on_random_bytes_exits_with_a_message(write_dataset: WriteDataset, data: bytes) -> None:
    root = write_dataset({"incidents.csv": data}, folder="fuzz-cli")
    result = CliRunner().invoke(app, ["validate", str(root)])
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
