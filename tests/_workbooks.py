"""Excel workbooks written for the tests, the way users' spreadsheets look."""

from __future__ import annotations

from pathlib import Path

import openpyxl


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]], merges: dict[str, list[str]] | None = None) -> Path:
    """A workbook with one sheet per entry (rows as lists of cell values), merged ranges applied."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for cells in (merges or {}).get(title, []):
            sheet.merge_cells(cells)
    book.save(path)
    return path
