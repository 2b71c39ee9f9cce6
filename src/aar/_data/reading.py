"""Reading a dataset from disk: files and sheets to frames of raw cells, nothing interpreted yet.

A dataset is a folder of CSV, Parquet or Excel files named after the tables (`incidents.csv`,
`deployments.xlsx`, or an Indonesian name such as `kejadian.csv`), or one Excel workbook with a
sheet per table, plus an optional `dataset.toml`. This module only reads: it finds the header row
(spreadsheets often carry a title above it), maps headers to schema columns, keeps each cell's
text (Excel cells are turned into text here, so that a bad cell is reported later instead of being
coerced to null) and remembers the row number a person would see. Nothing is written anywhere.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import polars as pl

from .._errors import DatasetError, Problem
from .schema import CATEGORY, SITREP, TABLES, Table
from .vocabulary import normalise

ROW = "__row"


def align_chunks(series: pl.Series, like: pl.Series) -> pl.Series:
    """`series` cut into the chunks of `like` (zero-copy slices), so frames holding both are not copied.

    A Parquet file reads as one chunk per row group; a column computed from it by a hash, a gather
    or a join comes back as one chunk, and polars copies every column of a frame whose columns
    are chunked differently. Cutting the new column to the same chunks avoids that copy.
    """
    lengths = like.chunk_lengths()
    if series.chunk_lengths() == lengths or len(series) != len(like):
        return series
    whole = series.rechunk() if series.n_chunks() > 1 else series
    offsets = [0]
    for length in lengths[:-1]:
        offsets.append(offsets[-1] + length)
    return pl.concat([whole.slice(o, n) for o, n in zip(offsets, lengths, strict=True)], rechunk=False)


"""Column of every raw frame holding the row number a person sees in the file (1-based)."""

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
PARQUET_SUFFIXES = (".parquet", ".pq")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
_HEADER_SCAN = 30


@dataclass(frozen=True)
class RawTable:
    """One table as read: columns renamed to schema names, all text (or typed, from Parquet)."""

    table: str
    frame: pl.DataFrame
    path: str
    sheet: str | None = None
    decimal: str | None = None
    """Decimal mark of the text cells ("," or "."); None when the source is typed (Parquet)."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """Column name -> the header as the user wrote it, with its spreadsheet letter: "Kategori (C)"."""
    readable: bool = True
    """False when the file could not be read as a table (empty, not text, no header): its one
    problem says why, and no further problem (missing columns) is reported for it."""
    parts: tuple[RawTable, ...] = ()
    """The files a table read from several files was combined from (see `combine_parts`); their
    rows are numbered `index * PART_ROWS + row`, so each problem names its own file and row."""
    cell_problems: tuple[Problem, ...] = ()
    """Problems of single cells found while reading (a formula with no saved value): `parse_table`
    reports them with its own, so that no later check reports the same cell again as empty."""

    def problem(self, message: str, **kw: Any) -> Problem:
        row = kw.get("row")
        if self.parts and row is not None:
            part = self.parts[row // PART_ROWS]
            column = kw.get("column")
            names = {label: name for name, label in self.labels.items()}
            if column in names:
                kw["column"] = part.labels.get(names[column], column)
            kw["row"] = row % PART_ROWS
            return Problem(message, path=part.path, sheet=part.sheet, table=self.table, **kw)
        return Problem(message, path=self.path, sheet=self.sheet, table=self.table, **kw)


PART_ROWS = 1_000_000_000
"""Row-number stride between the files of a table read from several files."""


def _swap_decimal(frame: pl.DataFrame, table: Table) -> pl.DataFrame:
    """Numeric text written with decimal commas rewritten with decimal points ("1.500,5" -> "1,500.5")."""
    numeric = [f.name for f in table.fields if f.kind in ("int", "float") and f.name in frame.columns]
    return frame.with_columns(
        pl.col(c)
        .cast(pl.String)
        .str.replace_all(",", "\x00", literal=True)
        .str.replace_all(".", ",", literal=True)
        .str.replace_all("\x00", ".", literal=True)
        for c in numeric
    )


def combine_parts(table: Table, parts: Sequence[RawTable], path: str) -> RawTable:
    """One table from several files (`sitrep_*.xlsx`, a folder per table): rows stacked, text
    unified to decimal points, each row still traceable to its file (`RawTable.parts`)."""
    frames = []
    for index, part in enumerate(parts):
        frame = part.frame
        if part.decimal == ",":
            frame = _swap_decimal(frame, table)
        frames.append(frame.with_columns(pl.col(ROW) + index * PART_ROWS))
    typed = all(part.decimal is None for part in parts)
    combined = pl.concat(frames, how="diagonal_relaxed")
    labels: dict[str, str] = {}
    for part in parts:
        for name, label in part.labels.items():
            labels.setdefault(name, label)
    return RawTable(
        table.name,
        combined,
        path,
        None,
        None if typed else ".",
        labels,
        readable=any(part.readable for part in parts),
        parts=tuple(parts),
    )


@dataclass(frozen=True)
class Source:
    """Everything read from a dataset path, before parsing and validation."""

    path: Path
    config: Mapping[str, Any]
    tables: Mapping[str, RawTable]
    files: tuple[Path, ...]
    problems: tuple[Problem, ...] = field(default=())

    def checksum(self) -> str:
        """SHA-256 over the names and bytes of every file read, in name order."""
        digest = hashlib.sha256()
        for path in sorted(self.files):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()


HELPER_SHEETS = frozenset({"petunjuk", "instructions", "daftar", "lists", "readme", "baca_saya"})
"""Sheets of a workbook that hold no table (the template's instructions and dropdown lists): skipped silently."""


def _table_of(stem: str) -> str | None:
    key = normalise(stem)
    for table in (*TABLES.values(), SITREP):
        if key == table.name or key in table.file_names:
            return table.name
    return None


def _table_of_pattern(stem: str) -> str | None:
    """The table a file named after it plus a suffix stands for: "sitrep_2024-11-27_metro" -> sitrep."""
    key = normalise(stem)
    best: tuple[int, str] | None = None
    for table in (*TABLES.values(), SITREP):
        for name in (table.name, *table.file_names):
            if key.startswith(name + "_") and (best is None or len(name) > best[0]):
                best = (len(name), table.name)
    return best[1] if best else None


def header_index(table: Table) -> dict[str, str]:
    """Normalised header -> column name, for the names and the Indonesian headers of `table`."""
    index: dict[str, str] = {}
    for f in table.fields:
        for header in f.headers:
            index.setdefault(normalise(header), f.name)
    for f in table.fields:
        index[f.name] = f.name
    return index


ROW_NUMBER_HEADERS = frozenset({"no", "no_urut", "nomor_urut", "urut", "nr", "no_"})
"""Headers of a register's running row number ("No"): never data, so ignored without a warning;
a table that has no other id column takes it as its id (as older exports do)."""


def recognise(table: Table, header: str) -> str | None:
    """The column a header stands for; in the situation report, categories are columns too."""
    name = header_index(table).get(normalise(header))
    if name is None and table is SITREP:
        code = CATEGORY.match(header)
        name = f"count:{code}" if code else None
    return name


def _find_header(table: Table, rows: Sequence[Sequence[str | None]]) -> int | None:
    """Index of the row that looks most like this table's header (title rows come before it)."""
    best, best_hits = None, 0
    for i, row in enumerate(rows[:_HEADER_SCAN]):
        hits = sum(1 for cell in row if cell and recognise(table, str(cell)))
        if hits > best_hits:
            best, best_hits = i, hits
    return best


def column_letter(index: int) -> str:
    """Spreadsheet letter of a 0-based column index: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _frame_from_rows(
    table: Table,
    header: Sequence[str | None],
    columns: Sequence[pl.Series],
    first_row: int,
    path: str,
    sheet: str | None,
) -> tuple[pl.DataFrame, dict[str, str], list[Problem]]:
    """Rename columns after the header, drop empty rows, number rows as the user sees them."""
    problems: list[Problem] = []
    named: dict[str, pl.Series] = {}
    labels: dict[str, str] = {}
    row_number: tuple[str, int, pl.Series] | None = None
    for position, (raw, series) in enumerate(zip(header, columns, strict=True)):
        label = "" if raw is None else str(raw).strip()
        if not label:
            if series.cast(pl.String).str.strip_chars().replace("", None).null_count() < len(series):
                problems.append(
                    Problem(
                        "column without a header holds values; it is ignored",
                        path=path,
                        sheet=sheet,
                        table=table.name,
                        severity="warning",
                    )
                )
            continue
        name = recognise(table, label)
        if name is None and normalise(label) in ROW_NUMBER_HEADERS:
            row_number = row_number or (label, position, series)
            continue
        if name is None:
            problems.append(
                Problem(
                    f"unknown column {label!r} is ignored",
                    path=path,
                    sheet=sheet,
                    table=table.name,
                    column=label,
                    expected=f"one of {', '.join(table.names)}",
                    severity="warning",
                )
            )
            continue
        if name in named:
            problems.append(
                Problem(
                    f"two columns stand for {name!r}",
                    path=path,
                    sheet=sheet,
                    table=table.name,
                    column=label,
                    expected="one column per field",
                )
            )
            continue
        named[name] = series.alias(name)
        labels[name] = f"{label} ({column_letter(position)})"
    if row_number is not None and "incident_id" in table.names and "incident_id" not in named:
        label, position, series = row_number
        named["incident_id"] = series.alias("incident_id")
        labels["incident_id"] = f"{label} ({column_letter(position)})"
    n = len(columns[0]) if columns else 0
    rows = pl.int_range(first_row, first_row + n, dtype=pl.Int64, eager=True).alias(ROW)
    frame = pl.DataFrame([*named.values(), align_chunks(rows, columns[0])]) if named else pl.DataFrame([rows])
    data_columns = [c for c in frame.columns if c != ROW]
    if data_columns and all(frame.schema[c] == pl.String for c in data_columns):
        empty = pl.all_horizontal(
            pl.col(c).cast(pl.String).str.strip_chars().replace("", None).is_null() for c in data_columns
        )
        frame = frame.filter(~empty)
    return frame, labels, problems


def _sniff_separator(lines: Sequence[str]) -> str:
    counts = {sep: sum(line.count(sep) for line in lines) for sep in (";", ",", "\t")}
    return max(counts, key=lambda sep: counts[sep])


def _unreadable(table: Table, path: Path, sheet: str | None = None) -> RawTable:
    """The stand-in for a file that holds no table: no rows, no columns, marked unreadable."""
    return RawTable(table.name, pl.DataFrame({ROW: []}, schema={ROW: pl.Int64}), str(path), sheet, readable=False)


def _is_binary(text: str) -> bool:
    """Whether decoded text looks like something other than text: more than eight control
    characters, and more than one in a hundred (a NUL byte or two inside an id is text with a bad
    cell, reported per cell)."""
    head = text[:4096]
    controls = sum(1 for c in head if c < " " and c not in "\t\n\r\f")
    return controls > max(8, len(head) // 100)


_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def _bom_free_utf16(data: bytes) -> str | None:
    """ "utf-16-le" or "utf-16-be" for UTF-16 without a byte order mark (ASCII text leaves every
    other byte NUL), else None."""
    head = data[:4096]
    if len(head) < 4:
        return None
    odd, even = head[1::2].count(0), head[0::2].count(0)
    half = len(head) // 2
    if odd > 0.3 * half and even < 0.02 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.02 * half:
        return "utf-16-be"
    return None


def decode_text(data: bytes) -> tuple[str, str, str | None]:
    """The text of a file's bytes, the encoding it was read in and, when that was a guess or
    failed in places, a warning saying so.

    A byte order mark says the encoding (UTF-8, UTF-16 as Excel's "Unicode text" export writes it,
    UTF-32); UTF-16 without one is recognised by its NUL bytes; other bytes that are not UTF-8 are
    read as Windows-1252, the encoding of older Indonesian Excel exports.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            body = data[len(bom) :]
            try:
                return body.decode(encoding), encoding, None
            except UnicodeDecodeError:
                if encoding == "utf-8":  # a mark, then Windows-1252 bytes: read as before the mark was checked
                    return body.decode("cp1252", errors="replace"), "cp1252", "file is not UTF-8; read as Windows-1252"
                text = body.decode(encoding, errors="replace")
                return (
                    text,
                    encoding,
                    f"file starts as {encoding.upper()} but holds bytes that are not; those were replaced",
                )
    guessed = _bom_free_utf16(data)
    if guessed is not None:
        return (
            data.decode(guessed, errors="replace"),
            guessed,
            f"file read as {guessed.upper()} (it has no byte order mark)",
        )
    try:
        return data.decode("utf-8"), "utf-8", None
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252", "file is not UTF-8; read as Windows-1252"


def _cannot_read(exc: OSError) -> str:
    """An OS error in the words of a problem: "permission denied" rather than "[Errno 13] ..."."""
    if isinstance(exc, PermissionError):
        return "permission denied"
    return (exc.strerror or str(exc)).lower()


def unreadable_file(path: Path) -> Problem | None:
    """A problem when `path` cannot be opened for reading (permission denied, a broken link), else None."""
    try:
        with path.open("rb"):
            return None
    except OSError as exc:
        return Problem(
            f"file cannot be read: {_cannot_read(exc)}",
            path=str(path),
            expected="a file this user may read (check its permissions)",
        )


def exists(path: Path) -> bool:
    """Whether `path` exists; False when it cannot even be looked at (a folder without permission),
    so that the reader that follows says why instead of a PermissionError."""
    try:
        return path.exists()
    except OSError:
        return False


_HEADER_EXPECTED = "a header row naming the columns, among {}"


def read_csv(path: Path, table: Table, decimal: str | None = None) -> tuple[RawTable, list[Problem]]:
    """Read a CSV as text: encoding found (see `decode_text`), separator sniffed (";" implies
    decimal commas), title rows skipped.

    An empty file, a file of bytes that are not text and a file without a header row each give
    one problem naming the file, and an empty, unreadable table.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _unreadable(table, path), [
            Problem(f"file cannot be read: {_cannot_read(exc)}", path=str(path), table=table.name)
        ]
    problems: list[Problem] = []
    text, encoding, note = decode_text(data)
    if not text.strip():
        expected = _HEADER_EXPECTED.format(", ".join(table.names))
        return _unreadable(table, path), [Problem("file is empty", path=str(path), table=table.name, expected=expected)]
    if _is_binary(text):
        return _unreadable(table, path), [
            Problem(
                "file is not text (binary content)",
                path=str(path),
                table=table.name,
                expected="a CSV text file; an Excel or Parquet file needs its own suffix (.xlsx, .parquet)",
            )
        ]
    if note is not None:
        problems.append(Problem(note, path=str(path), table=table.name, severity="warning"))
    if encoding != "utf-8" or note is not None:
        data = text.encode("utf-8")
    elif data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    head = text.splitlines()[:_HEADER_SCAN]
    separator = _sniff_separator(head)
    rows = list(csv.reader(head, delimiter=separator))
    at = _find_header(table, rows)
    if at is None:
        problems.append(
            Problem(
                "no header row found",
                path=str(path),
                table=table.name,
                expected=f"a row naming the columns, among {', '.join(table.names)}",
            )
        )
        return _unreadable(table, path), problems

    def read(quote: str | None) -> pl.DataFrame:
        return pl.read_csv(
            io.BytesIO(data),
            separator=separator,
            has_header=False,
            infer_schema=False,
            skip_rows=at,
            truncate_ragged_lines=True,
            quote_char=quote,
        )

    try:
        frame = read('"')
    except pl.exceptions.PolarsError:
        try:  # an unbalanced quote: read quotes as plain characters, and say so
            frame = read(None)
        except pl.exceptions.PolarsError as exc:
            problems.append(
                Problem(f"file cannot be read as CSV: {exc}", path=str(path), table=table.name, expected="a CSV file")
            )
            return _unreadable(table, path), problems
        problems.append(
            Problem(
                'a double quote (") is not closed; quotes were read as plain characters',
                path=str(path),
                table=table.name,
                expected="quoted cells that end with a quote",
                severity="warning",
            )
        )
    if frame.height == 0:
        return _unreadable(table, path), [
            *problems,
            Problem("no header row found", path=str(path), table=table.name, expected="a header row"),
        ]
    header = [str(v) if v is not None else None for v in frame.row(0)]
    columns = [frame.get_column(c).slice(1) for c in frame.columns]
    out, labels, more = _frame_from_rows(table, header, columns, at + 2, str(path), None)
    mark = decimal or ("," if separator == ";" else ".")
    return RawTable(table.name, out, str(path), None, mark, labels), problems + more


def read_parquet(path: Path, table: Table) -> tuple[RawTable, list[Problem]]:
    """Read a Parquet file, keeping its types; rows are numbered from 1.

    The columns keep the file's chunks (one per row group): the later steps keep them too (see
    `align_chunks`), so the file is never copied to make it contiguous.
    """
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # polars raises several kinds for a damaged file
        raise DatasetError(f"cannot read Parquet file: {exc}", path) from exc
    out, labels, problems = _frame_from_rows(table, frame.columns, frame.get_columns(), 1, str(path), None)
    return RawTable(
        table.name, out, str(path), None, None, {k: v.rsplit(" (", 1)[0] for k, v in labels.items()}
    ), problems


def _cell_text(value: object) -> str | None:
    """Excel cell -> text: numbers with a decimal comma, dates as ISO dates, so parsing stays strict."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return (
            format(value, ".15g").replace(".", ",")
            if "e" not in repr(value)
            else f"{value:.15f}".rstrip("0").replace(".", ",")
        )
    return str(value)


def _sheet_rows(sheet: Any) -> list[list[str | None]]:
    """All rows of an openpyxl sheet as text, each merged range filled with its top-left value."""
    rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    for merged in sheet.merged_cells.ranges:
        top = rows[merged.min_row - 1][merged.min_col - 1] if merged.min_row - 1 < len(rows) else None
        for r in range(merged.min_row - 1, min(merged.max_row, len(rows))):
            for c in range(merged.min_col - 1, merged.max_col):
                if c < len(rows[r]):
                    rows[r][c] = top
    return rows


Cell = tuple[int, int]
"""(row, column) of a spreadsheet cell, both 1-based, as Excel numbers them."""


_MAX_FORMULAS = 200
"""Formula problems listed per column; the rest are counted in one more problem."""


def _formula_problems(
    path: Path, title: str, table: Table, labels: Mapping[str, str], uncached: frozenset[Cell], first_row: int
) -> list[Problem]:
    """An error per formula without a saved value in the table's columns, below its header."""
    by_letter = {label.rsplit(" (", 1)[-1].rstrip(")"): label for label in labels.values()}
    cells: dict[str, list[int]] = {}
    for row, column in sorted(uncached):
        label = by_letter.get(column_letter(column - 1))
        if row >= first_row and label is not None:
            cells.setdefault(label, []).append(row)
    problems = []
    expected = "a cell with a value (Excel saves a formula's result with it; files written by scripts often do not)"
    for label, rows in cells.items():
        for row in rows[:_MAX_FORMULAS]:
            problems.append(
                Problem(
                    "formula with no saved value: open and save the file in Excel",
                    path=str(path),
                    sheet=title,
                    row=row,
                    column=label,
                    table=table.name,
                    expected=expected,
                )
            )
        if len(rows) > _MAX_FORMULAS:
            problems.append(
                Problem(
                    f"{len(rows) - _MAX_FORMULAS} more formulas with no saved value not listed",
                    path=str(path),
                    sheet=title,
                    column=label,
                    table=table.name,
                    expected=expected,
                )
            )
    return problems


def _sheet_table(
    path: Path, sheet: Any, table: Table, uncached: frozenset[Cell] = frozenset()
) -> tuple[RawTable, list[Problem]]:
    rows = _sheet_rows(sheet)
    at = _find_header(table, rows)
    if at is None:
        problem = Problem(
            "no header row found",
            path=str(path),
            sheet=sheet.title,
            table=table.name,
            expected=f"a row naming the columns, among {', '.join(table.names)}",
        )
        return _unreadable(table, path, sheet.title), [problem]
    header, body = rows[at], rows[at + 1 :]
    width = len(header)
    columns = [
        pl.Series(f"c{j}", [row[j] if j < len(row) else None for row in body], dtype=pl.String) for j in range(width)
    ]
    out, labels, problems = _frame_from_rows(table, header, columns, at + 2, str(path), sheet.title)
    formulas = _formula_problems(path, sheet.title, table, labels, uncached, first_row=at + 2)
    return RawTable(table.name, out, str(path), sheet.title, ",", labels, cell_problems=tuple(formulas)), problems


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""The first bytes of an OLE compound file: an encrypted .xlsx, or an old .xls renamed."""


def _not_a_workbook(path: Path) -> str | None:
    """Why a file that openpyxl cannot open is not an .xlsx, when its bytes say so; else None.

    Excel encrypts a workbook saved with a password into an OLE compound file holding an
    `EncryptionInfo` stream (MS-OFFCRYPTO): its directory names that stream in UTF-16.
    """
    try:
        with path.open("rb") as handle:
            if handle.read(len(_OLE_MAGIC)) != _OLE_MAGIC:
                return None
            data = handle.read()
    except OSError:
        return None
    if "EncryptionInfo".encode("utf-16-le") in data:
        return "the workbook is password-protected (encrypted); save it in Excel without a password and load it again"
    return "the file is an old Excel workbook (.xls) or another Office file, not .xlsx; save it as .xlsx"


_NO_SAVED_VALUE = re.compile(
    rb"(?:</(?:\w+:)?f>|<(?:\w+:)?f\b[^>]*/>)\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
)
"""A formula element closing its cell with no value, or an empty one, after it: a formula never
calculated (openpyxl writes `<f>1+1</f><v />`)."""


_CELL_XML = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.DOTALL)
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_VALUE_XML = re.compile(rb"<(?:\w+:)?v>\s*[^<\s]")


def _sheet_parts(archive: Any) -> dict[str, str]:
    """Sheet title -> the part of the archive holding its XML, from workbook.xml and its relations."""
    from xml.etree import ElementTree

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    package = "{http://schemas.openxmlformats.org/package/2006/relationships}"
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{package}Relationship")}
    parts: dict[str, str] = {}
    for sheet in book.iter(f"{main}sheet"):
        target = targets.get(sheet.get(f"{rel}id"), "")
        parts[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return parts


def _uncached_formulas(path: Path) -> dict[str, frozenset[Cell]]:
    """Sheet title -> cells holding a formula without a saved value (openpyxl reads them as empty).

    Read from the sheets' XML: a cell with a formula (`<f>`) and no value, or an empty one, that is
    not a text result (`t="str"`: Excel saves an empty text result as `<v></v>`). A byte search
    first, so a workbook saved by Excel, whose formulas all have values, is not scanned cell by cell.
    """
    import zipfile

    found: dict[str, frozenset[Cell]] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for title, part in _sheet_parts(archive).items():
                data = archive.read(part)
                if not _NO_SAVED_VALUE.search(data):
                    continue
                cells = set()
                for match in _CELL_XML.finditer(data):
                    attributes, body = match.group(1), match.group(2) or b""
                    if b"<f" not in body and b":f" not in body:
                        continue
                    if _VALUE_XML.search(body) or b't="str"' in attributes:
                        continue
                    ref = _CELL_REF.search(attributes)
                    if ref is not None:
                        letters, number = ref.group(1).decode(), int(ref.group(2))
                        column = 0
                        for letter in letters:
                            column = column * 26 + ord(letter) - 64
                        cells.add((number, column))
                if cells:
                    found[title] = frozenset(cells)
    except Exception:  # the workbook itself opened: a failure here only loses this check
        return {}
    return found


@dataclass(frozen=True)
class _Workbook:
    book: Any
    uncached: Mapping[str, frozenset[Cell]]


def _open_workbook(path: Path) -> _Workbook:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError and its own errors for bad files
        raise DatasetError(_not_a_workbook(path) or f"cannot open Excel workbook: {exc}", path) from exc
    return _Workbook(book, _uncached_formulas(path))


def _visible(sheet: Any) -> bool:
    return getattr(sheet, "sheet_state", "visible") == "visible"


def read_excel(path: Path, table: Table) -> tuple[RawTable, list[Problem]]:
    """Read the first visible sheet of a workbook named after a table.

    Hidden sheets (a hidden first sheet of lookup lists, an old copy) are skipped, with a warning
    naming them when one came before the sheet read.
    """
    opened = _open_workbook(path)
    sheets = opened.book.worksheets
    chosen = next((sheet for sheet in sheets if _visible(sheet)), sheets[0])
    problems: list[Problem] = []
    skipped = [sheet.title for sheet in sheets[: sheets.index(chosen)] if normalise(sheet.title) not in HELPER_SHEETS]
    if skipped:
        problems.append(
            Problem(
                f"hidden sheet{'s' if len(skipped) > 1 else ''} {', '.join(map(repr, skipped))} skipped; "
                f"the table is read from sheet {chosen.title!r}",
                path=str(path),
                sheet=skipped[0],
                table=table.name,
                expected="the table on the first visible sheet",
                severity="warning",
            )
        )
    raw, more = _sheet_table(path, chosen, table, opened.uncached.get(chosen.title, frozenset()))
    return raw, problems + more


def read_workbook(path: Path) -> tuple[dict[str, RawTable], list[Problem]]:
    """Read a workbook with one sheet per table; sheets with other names are reported and ignored.

    A hidden sheet is not read: hidden sheets hold lookup lists or old copies, not the data a
    user sees. One named after a table is reported, so a table hidden by mistake is not lost silently.
    """
    opened = _open_workbook(path)
    tables: dict[str, RawTable] = {}
    problems: list[Problem] = []
    for sheet in opened.book.worksheets:
        name = _table_of(sheet.title)
        if name is None and normalise(sheet.title) in HELPER_SHEETS:
            continue
        if not _visible(sheet):
            if name is not None:
                problems.append(
                    Problem(
                        f"hidden sheet {sheet.title!r} is not read",
                        path=str(path),
                        sheet=sheet.title,
                        table=name,
                        expected="the sheet unhidden in Excel (right-click a sheet tab, Unhide) if it holds the data",
                        severity="warning",
                    )
                )
            continue
        if name is None:
            problems.append(
                Problem(
                    f"sheet {sheet.title!r} is not a table of the schema and is ignored",
                    path=str(path),
                    sheet=sheet.title,
                    expected=f"a sheet named {', '.join(TABLES)} or sitrep",
                    severity="warning",
                )
            )
            continue
        raw, more = _sheet_table(path, sheet, _schema_table(name), opened.uncached.get(sheet.title, frozenset()))
        problems += more
        if name in tables:
            problems.append(
                Problem(
                    f"table {name!r} appears twice", path=str(path), sheet=sheet.title, expected="one sheet per table"
                )
            )
        tables[name] = raw
    return tables, problems


def _schema_table(name: str) -> Table:
    return SITREP if name == SITREP.name else TABLES[name]


def _read_config(path: Path) -> tuple[dict[str, Any], list[Problem]]:
    if not path.exists():
        return {}, []
    try:
        parsed = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return {}, [Problem(f"dataset.toml cannot be read: {exc}", path=str(path), expected="valid TOML")]
    except OSError as exc:
        return {}, [Problem(f"dataset.toml cannot be read: {_cannot_read(exc)}", path=str(path))]
    return check_config(parsed, str(path))


def check_config(config: Mapping[str, Any], path: str | None = None) -> tuple[dict[str, Any], list[Problem]]:
    """`dataset.toml` checked against `DATASET_CONFIG`: the keys that are right, and a problem per wrong one."""
    import difflib

    from .schema import ALIAS_KINDS, DATASET_CONFIG

    kept: dict[str, Any] = {}
    problems: list[Problem] = []

    def problem(message: str, value: object, expected: str) -> None:
        problems.append(Problem(f"dataset.toml: {message}", path=path, value=repr(value), expected=expected))

    for key, value in config.items():
        if key not in DATASET_CONFIG:
            near = difflib.get_close_matches(key, list(DATASET_CONFIG), n=1, cutoff=0.75)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            problem(f"unknown key {key!r}{hint}", value, f"one of {', '.join(DATASET_CONFIG)}")
            continue
        kind, expected = DATASET_CONFIG[key]
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if ok and key == "decimal":
            ok = value in (",", ".")
        if ok and key == "aliases":
            ok = all(k in ALIAS_KINDS and isinstance(v, dict) for k, v in value.items()) and all(
                isinstance(a, str) and isinstance(c, str) for v in value.values() for a, c in v.items()
            )
        if ok and key == "guard_patterns":
            ok = all(isinstance(r, dict) for r in value)
        if ok:
            kept[key] = value
        else:
            problem(f"key {key!r} has the wrong type or shape", value, expected)
    return kept, problems


def read_source(path: str | Path) -> Source:
    """Read a dataset folder or workbook into raw tables. Raises DatasetError if there is none.

    A file of the folder that cannot be read (permission denied) is a problem naming it; a folder
    that cannot be listed, or a workbook given alone that cannot be read, is a DatasetError.
    """
    root = Path(path).expanduser()
    try:
        return _read_source(root)
    except PermissionError as exc:
        where = exc.filename or root
        raise DatasetError("permission denied: aar cannot read or list it; check its permissions", where) from exc


def _read_source(root: Path) -> Source:
    if not root.exists():
        raise DatasetError("no such file or folder", root)
    tables: dict[str, RawTable] = {}
    problems: list[Problem] = []
    files: list[Path] = []
    if root.is_file():
        if root.suffix.lower() not in EXCEL_SUFFIXES:
            raise DatasetError(
                f"a dataset file must be an Excel workbook ({', '.join(EXCEL_SUFFIXES)}); for CSV or Parquet give the folder",
                root,
            )
        unreadable = unreadable_file(root)
        if unreadable is not None:
            raise DatasetError(unreadable.message, root)
        tables, problems = read_workbook(root)
        config, more = _read_config(root.with_name("dataset.toml"))
        toml = root.with_name("dataset.toml")
        files = [root] + ([toml] if toml.exists() and unreadable_file(toml) is None else [])
        return Source(root, config, tables, tuple(files), tuple(problems + more))
    config, problems = _read_config(root / "dataset.toml")
    if (root / "dataset.toml").exists() and unreadable_file(root / "dataset.toml") is None:
        files.append(root / "dataset.toml")
    decimal = config.get("decimal")
    # table -> [(part, named exactly after the table?)]; several parts of one table are combined
    parts: dict[str, list[tuple[RawTable, bool]]] = {}

    def read_file(file: Path, name: str) -> RawTable | None:
        suffix = file.suffix.lower()
        table = _schema_table(name)
        unreadable = unreadable_file(file)
        if unreadable is not None and suffix in (*CSV_SUFFIXES, *PARQUET_SUFFIXES, *EXCEL_SUFFIXES):
            problems.append(replace(unreadable, table=table.name))
            return _unreadable(table, file)  # not among `files`: the checksum does not read it
        if suffix in CSV_SUFFIXES:
            raw, more = read_csv(file, table, decimal)
        elif suffix in PARQUET_SUFFIXES:
            raw, more = read_parquet(file, table)
        elif suffix in EXCEL_SUFFIXES:
            raw, more = read_excel(file, table)
        else:
            problems.append(
                Problem(
                    f"file type {suffix!r} is not read",
                    path=str(file),
                    expected="CSV, Parquet or Excel (.xlsx)",
                    severity="warning",
                )
            )
            return None
        files.append(file)
        problems.extend(more)
        return raw

    for entry in sorted(p for p in root.iterdir() if not p.name.startswith((".", "~$"))):
        if entry.is_dir():
            name = _table_of(entry.name) or _table_of_pattern(entry.name)
            if name is None:
                continue
            try:
                inside = sorted(f for f in entry.iterdir() if f.is_file() and not f.name.startswith((".", "~$")))
            except PermissionError:
                problems.append(
                    Problem(
                        "folder cannot be read: permission denied",
                        path=str(entry),
                        table=name,
                        expected="a folder this user may list (check its permissions)",
                    )
                )
                continue
            for file in inside:
                if file.suffix.lower() in (".md", ".toml"):
                    continue
                raw = read_file(file, name)
                if raw is not None:
                    parts.setdefault(name, []).append((raw, False))
            continue
        file = entry
        suffix = file.suffix.lower()
        if not file.is_file() or file.name == "dataset.toml" or suffix in (".md", ".toml"):
            continue
        exact = _table_of(file.stem)
        name = exact or _table_of_pattern(file.stem)
        if suffix == ".xls":
            problems.append(
                Problem("old Excel format (.xls) cannot be read", path=str(file), expected="save it as .xlsx")
            )
            continue
        if name is None:
            if suffix in EXCEL_SUFFIXES:
                unreadable = unreadable_file(file)
                if unreadable is not None:
                    problems.append(unreadable)
                    continue
                more_tables, more = read_workbook(file)
                problems += more
                files.append(file)
                for key, sheet_raw in more_tables.items():
                    parts.setdefault(key, []).append((sheet_raw, True))
                continue
            problems.append(
                Problem(
                    "file is not a table of the schema and is ignored",
                    path=str(file),
                    expected=f"a name among {', '.join(TABLES)}, sitrep (or one of them followed by _...)",
                    severity="warning",
                )
            )
            continue
        raw = read_file(file, name)
        if raw is not None:
            parts.setdefault(name, []).append((raw, exact is not None))
    for name, found in parts.items():
        exact_parts = [raw for raw, exact in found if exact]
        if len(exact_parts) > 1:
            given = " and ".join(
                Path(raw.path).name + (f", sheet {raw.sheet!r}" if raw.sheet else "") for raw in exact_parts
            )
            problems.append(
                Problem(
                    f"table {name!r} is given twice ({given})",
                    path=exact_parts[-1].path,
                    expected="one file named after the table; several files as name_*.csv or a folder per table",
                )
            )
            found = [(exact_parts[-1], True)]
        if len(found) == 1:
            tables[name] = found[0][0]
            continue
        folders = {Path(raw.path).parent for raw, _ in found}
        if folders == {root}:  # sitrep_2024-11-27.xlsx, sitrep_2024-11-28.xlsx: "sitrep_2024-11-2*"
            shown = root / (os.path.commonprefix([Path(raw.path).name for raw, _ in found]) + "*")  # noqa: RUF071 - a prefix of the names, by character
        else:
            shown = next(iter(folders)) if len(folders) == 1 else root
        tables[name] = combine_parts(_schema_table(name), [raw for raw, _ in found], str(shown))
    if not tables:
        denied = [p for p in problems if p.message.endswith("cannot be read: permission denied")]
        if denied:
            raise DatasetError(denied[0].message, denied[0].path)
        raise DatasetError(
            f"no table found; expected files named after the tables ({', '.join(TABLES)}) or sitrep", root
        )
    return Source(root, config, tables, tuple(files), tuple(problems))
