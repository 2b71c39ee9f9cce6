"""The report's tables as one workbook (report.xlsx beside report.html), read off the page itself.

The page's tables are the published ones (after the one disclosure pass), so the workbook is
built from the HTML the reader sees: one sheet per `<table data-name>`, header first, numbers as
numbers (read in the report's language: 1.691 and 13,53 in Indonesian), "*" for a withheld cell.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

_NUMBER = {
    "id": re.compile(r"^-?\d{1,3}(\.\d{3})*(,\d+)?$|^-?\d+(,\d+)?$"),
    "en": re.compile(r"^-?\d{1,3}(,\d{3})*(\.\d+)?$|^-?\d+(\.\d+)?$"),
}


_MARKS = {"id": (".", ","), "en": (",", ".")}
"""Thousands and decimal marks of the report's language."""


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[str, list[list[str]]]] = []
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "table" and values.get("data-name"):
            self._rows = []
            self.tables.append((str(values["data-name"]), self._rows))
        elif self._rows is not None and tag == "tr":
            self._rows.append([])
        elif self._rows is not None and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._rows = None
        elif tag in ("td", "th") and self._rows is not None and self._cell is not None:
            self._rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables_of(html: str) -> list[tuple[str, list[list[str]]]]:
    """(name, rows) of every named table of a page, in page order."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def cell_value(text: str, lang: str) -> str | float:
    """A cell as the workbook stores it: a number where the text is one in the report's language."""
    if _NUMBER[lang].match(text):
        grouping, decimal = _MARKS[lang]
        return float(text.replace(grouping, "").replace(decimal, "."))
    return text


def write_workbook(html: str, path: Path, lang: str = "id") -> Path | None:
    """Write the page's named tables to `path` (one sheet each); None when the page has none."""
    from openpyxl import Workbook

    tables = tables_of(html)
    if not tables:
        return None
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for name, rows in tables:
        sheet = book.create_sheet(name[:31])
        for row in rows:
            sheet.append([cell_value(c, lang) for c in row])
        for i, width in enumerate(max((len(str(c)) for c in col), default=8) for col in zip(*rows, strict=False)):
            sheet.column_dimensions[sheet.cell(1, i + 1).column_letter].width = min(60, width + 2)
    book.save(path)
    return path
